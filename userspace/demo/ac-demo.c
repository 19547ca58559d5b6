// SPDX-License-Identifier: MIT
/*
 * The demo: ten processes each add 100000 to one counter, through the
 * ioctl and on the mapped page, relaxed and fully ordered, and to a
 * striped counter (a slot per CPU), and the final total is printed beside
 * the expected one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic_counter.h"

#define NPROC		10
#define PER_PROC	100000
#define IDX		8	/* alone on its cache line: 8 counters per 64 bytes */

enum path { IOCTL_RELAXED, IOCTL_FULL, PAGE_RELAXED, PAGE_FULL, HALF_AND_HALF, STRIPED };

static const char *const path_names[] = {
	[IOCTL_RELAXED] = "ioctl  add            (relaxed)",
	[IOCTL_FULL] = "ioctl  add            (fully ordered)",
	[PAGE_RELAXED] = "page   atomic add     (relaxed)",
	[PAGE_FULL] = "page   atomic add     (seq_cst)",
	[HALF_AND_HALF] = "mixed  5 ioctl+5 page (fully ordered)",
	[STRIPED] = "page   striped inc    (slot per CPU)",
};

static ac_striped_t striped;
static uint64_t striped_index;

static int add_one(struct ac_dev *dev, enum path path, int proc)
{
	ac_counter_t *v = ac_counter(dev, IDX);

	if (path == HALF_AND_HALF)
		path = proc % 2 ? PAGE_FULL : IOCTL_FULL;
	switch (path) {
	case IOCTL_RELAXED:
		return ac_op(dev, IDX, ATOMIC_COUNTER_OP_ADD, AC_RELAXED, 1, 0, NULL);
	case IOCTL_FULL:
		return ac_op(dev, IDX, ATOMIC_COUNTER_OP_ADD, AC_FULL, 1, 0, NULL);
	case PAGE_RELAXED:
		ac_add(1, v);
		return 0;
	case STRIPED:
		ac_striped_inc(&striped);
		return 0;
	default:
		ac_add_full(1, v);
		return 0;
	}
}

static int run(struct ac_dev *dev, enum path path)
{
	struct timespec t0, t1;
	int64_t total, expected = (int64_t)NPROC * PER_PROC;
	int i, n, status, failed = 0;
	double secs;

	ac_set(ac_counter(dev, IDX), 0);
	if (path == STRIPED) {
		/* A fresh one: a deleted name's slots are zeroed. */
		ac_name_delete(dev, "demo.striped");
		if (ac_name_create(dev, "demo.striped", ATOMIC_COUNTER_NAME_STRIPED,
				   &striped_index, NULL) < 0 || ac_striped(dev, striped_index, &striped))
			return -EIO;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NPROC; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			for (n = 0; n < PER_PROC; n++)
				if (add_one(dev, path, i))
					_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < NPROC; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (ac_read_index(dev, path == STRIPED ? striped_index : IDX, &total))
		return -EIO;
	printf("%-38s total %8" PRId64 "  expected %8" PRId64 "  %s  (%.2f s)\n",
	       path_names[path], total, expected,
	       total == expected && !failed ? "ok" : "LOST UPDATES", secs);
	return total == expected && !failed ? 0 : 1;
}

int main(void)
{
	struct ac_dev dev;
	int ret, p, bad = 0;

	ret = ac_open(&dev, NULL, 0);
	if (ret) {
		fprintf(stderr, "ac-demo: %s: %s%s\n", AC_DEFAULT_DEVICE, strerror(-ret),
			ret == -ENOENT ? " (module not loaded: modprobe atomic_counter)" : "");
		return 1;
	}
	printf("%d processes x %d increments of counter %d, %" PRIu64 " counters in the bank\n",
	       NPROC, PER_PROC, IDX, (uint64_t)dev.info.nr_counters);
	for (p = IOCTL_RELAXED; p <= STRIPED; p++)
		bad |= run(&dev, p) != 0;
	ac_close(&dev);
	return bad;
}
