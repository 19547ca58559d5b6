// SPDX-License-Identifier: MIT
/*
 * ac-soak: P processes hammer nine shared counters (eight neighbours in one
 * cache line and one alone) and a striped counter for T seconds, each
 * update going by a path chosen at random: page relaxed, page seq_cst,
 * ioctl relaxed, ioctl fully ordered, a batch of 32, or, on the striped
 * counter, a relaxed add on the page to the slot of the CPU sched_getcpu()
 * names or the striped ioctl. Each process tallies what it added in
 * private memory; at the end the tallies are summed and compared with the
 * counters (the striped one's slots summed). Lost updates must be zero.
 *
 *   ac-soak [-p PROCS] [-t SECONDS] [-s SEED]
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/atomic_counter.h>

#define NCOUNTERS	9
#define BASE		192	/* 192..199 share a line; 200 is alone on the next */
#define STRIPED		NCOUNTERS	/* the striped counter's tally */
#define MAXPROCS	256

struct tally {
	int64_t added[NCOUNTERS + 1];
	int64_t ops;
};

/* The striped counter "soak.striped": its CPU 0 slot, and the layout. */
static uint64_t striped, nr_striped, nr_stripes;

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int op(int fd, uint64_t idx, uint32_t order, uint32_t flags)
{
	struct atomic_counter_op o = {
		.index = idx, .op = ATOMIC_COUNTER_OP_INC, .order = order, .flags = flags,
	};

	return ioctl(fd, ATOMIC_COUNTER_IOC_OP, &o);
}

static int work(int fd, _Atomic int64_t *bank, struct tally *t, double until)
{
	struct atomic_counter_op batch[32];
	struct atomic_counter_batch b = { .ops = (uintptr_t)batch, .count = 32 };
	int c, i, k;

	while (now() < until) {
		for (k = 0; k < 256; k++) {
			c = next() % NCOUNTERS;
			switch (next() % 7) {
			case 0:
				atomic_fetch_add_explicit(&bank[BASE + c], 1, memory_order_relaxed);
				t->added[c]++;
				break;
			case 1:
				atomic_fetch_add_explicit(&bank[BASE + c], 1, memory_order_seq_cst);
				t->added[c]++;
				break;
			case 2:
				if (op(fd, BASE + c, ATOMIC_COUNTER_RELAXED, 0))
					return 1;
				t->added[c]++;
				break;
			case 3:
				if (op(fd, BASE + c, ATOMIC_COUNTER_FULL, 0))
					return 1;
				t->added[c]++;
				break;
			case 5: {
				/* The process may move between the two: that costs locality only. */
				int cpu = sched_getcpu();
				uint64_t slot = striped + (uint64_t)(cpu < 0 ? 0 : cpu) % nr_stripes * nr_striped;

				atomic_fetch_add_explicit(&bank[slot], 1, memory_order_relaxed);
				t->added[STRIPED]++;
				break;
			}
			case 6:
				if (op(fd, striped, ATOMIC_COUNTER_RELAXED, ATOMIC_COUNTER_OP_STRIPED))
					return 1;
				t->added[STRIPED]++;
				break;
			default:
				for (i = 0; i < 32; i++) {
					c = next() % NCOUNTERS;
					batch[i] = (struct atomic_counter_op){
						.index = BASE + c, .op = ATOMIC_COUNTER_OP_INC,
						.order = ATOMIC_COUNTER_RELAXED,
					};
					t->added[c]++;
				}
				if (ioctl(fd, ATOMIC_COUNTER_IOC_BATCH, &b))
					return 1;
				t->ops += 31;
				break;
			}
			t->ops++;
		}
	}
	return 0;
}

/* A fresh "soak.striped": deleting a name zeroes every slot. */
static int open_striped(int fd, const struct atomic_counter_info *info)
{
	struct atomic_counter_name n = { .name = "soak.striped" };

	ioctl(fd, ATOMIC_COUNTER_IOC_NAME_DELETE, &n);
	n.flags = ATOMIC_COUNTER_NAME_STRIPED;
	if (ioctl(fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n)) {
		fprintf(stderr, "ac-soak: soak.striped: %s\n", strerror(errno));
		return 1;
	}
	striped = n.index;
	nr_striped = info->nr_striped;
	nr_stripes = info->nr_stripes;
	return 0;
}

int main(int argc, char **argv)
{
	struct atomic_counter_info info = { .api = ATOMIC_COUNTER_API };
	uint64_t seed = (uint64_t)time(NULL);
	int procs = 16, c, i, status, failed = 0, fd;
	double seconds = 10, start, took;
	struct tally *tallies, sum = { { 0 }, 0 };
	_Atomic int64_t *bank;
	int64_t lost = 0;

	while ((c = getopt(argc, argv, "p:t:s:")) != -1) {
		switch (c) {
		case 'p':
			procs = atoi(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: ac-soak [-p PROCS] [-t SECONDS] [-s SEED]\n");
			return 2;
		}
	}
	if (procs < 1 || procs > MAXPROCS) {
		fprintf(stderr, "ac-soak: -p wants 1..%d\n", MAXPROCS);
		return 2;
	}
	fd = open("/dev/atomic_counter", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, ATOMIC_COUNTER_IOC_INFO, &info)) {
		fprintf(stderr, "ac-soak: /dev/atomic_counter: %s\n", strerror(errno));
		return 1;
	}
	bank = mmap(NULL, info.kernel_first * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tallies = mmap(NULL, sizeof(*tallies) * procs, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bank == MAP_FAILED || tallies == MAP_FAILED || info.nr_counters < BASE + NCOUNTERS)
		return 1;
	for (c = 0; c < NCOUNTERS; c++)
		atomic_store(&bank[BASE + c], 0);
	if (open_striped(fd, &info))
		return 1;

	printf("# ac-soak: seed %#" PRIx64 ", %d processes, %g s\n", seed, procs, seconds);
	fflush(stdout);
	start = now();
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			rng = seed * 2654435761u + (uint64_t)i + 1;
			_exit(work(fd, bank, &tallies[i], start + seconds));
		}
	}
	for (i = 0; i < procs; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	took = now() - start;
	for (i = 0; i < procs; i++) {
		sum.ops += tallies[i].ops;
		for (c = 0; c <= STRIPED; c++)
			sum.added[c] += tallies[i].added[c];
	}
	for (c = 0; c <= STRIPED; c++) {
		uint64_t index = c == STRIPED ? striped : BASE + c;
		int64_t got = 0;
		uint64_t cpu;

		if (c == STRIPED) {
			for (cpu = 0; cpu < nr_stripes; cpu++)
				got += atomic_load(&bank[striped + cpu * nr_striped]);
		} else {
			got = atomic_load(&bank[index]);
		}
		lost += llabs(sum.added[c] - got);
		if (got != sum.added[c])
			printf("# counter %" PRIu64 "%s: %" PRId64 " added, %" PRId64 " found\n",
			       index, c == STRIPED ? " (striped)" : "", sum.added[c], got);
	}
	printf("# ac-soak: %" PRId64 " operations in %.1f s (%.0f/s) from %d processes, %" PRId64
	       " lost updates\n", sum.ops, took, sum.ops / took, procs, lost);
	printf("%s soak.no_update_lost_in_%" PRId64 "_operations\n",
	       lost || failed ? "not ok" : "ok", sum.ops);
	return lost || failed;
}
