// SPDX-License-Identifier: MIT
/*
 * The in-kernel API, seen from userspace through the sample module
 * (samples/atomic_counter_forks.c), which counts forks into the kernel
 * counter "kernel.forks": forking K times raises it by at least K as read
 * through the ioctl, the page, the text view and the tool, and no path lets
 * userspace write it. The same count goes to the striped kernel counter
 * "kernel.forks_striped", which the plain one, read after it, never trails.
 *
 * When AC_TEST_SAMPLE names the sample's .ko (the VM harness sets it), the
 * fixture loads it and the last test unloads it; otherwise the tests run
 * if the sample is loaded already, and skip if not.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ac_test.h"

#define NAME	"kernel.forks"
#define K	50
#define VIEW	"/sys/kernel/debug/atomic_counter/counters"

FIXTURE(kapi) {
	int fd;
	struct atomic_counter_info info;
	struct atomic_counter_name n;
};

#define STRIPED	"kernel.forks_striped"

static int lookup_name(int fd, const char *name, struct atomic_counter_name *n)
{
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);
	return ioctl(fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, n) ? -errno : 0;
}

static int lookup(int fd, struct atomic_counter_name *n)
{
	return lookup_name(fd, NAME, n);
}

static int load_sample(void)
{
	return load_module_from_env("AC_TEST_SAMPLE");
}

FIXTURE_SETUP(kapi)
{
	AC_SKIP_SETUP_IF_PRIVATE("kernel code registers in the global bank only");
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
	ASSERT_EQ(0, raw_info(self->fd, &self->info));
	if (lookup(self->fd, &self->n) == -ENOENT) {
		if (!getenv("AC_TEST_SAMPLE"))
			AC_SKIP_SETUP("sample module not loaded (insmod samples/atomic_counter_forks.ko)");
		ASSERT_EQ(0, load_sample());
		ASSERT_EQ(0, lookup(self->fd, &self->n));
	}
}

FIXTURE_TEARDOWN(kapi)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The value the text view shows for a counter, or -1. */
static int64_t view_value_of(const char *name, const char *owner, uint64_t index)
{
	char line[256], want[128];
	long long v = -1;
	FILE *f = fopen(VIEW, "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%s %llu %s %%lld", name, (unsigned long long)index, owner);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, want, &v) == 1)
			break;
	fclose(f);
	return v;
}

static int64_t view_value(uint64_t index)
{
	return view_value_of(NAME, "kernel", index);
}

/* The striped counter's sum, through the ioctl. */
static int64_t striped_sum(int fd, uint64_t index)
{
	int64_t v = INT64_MIN;

	raw_striped_op(fd, index, ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_RELAXED, 0, &v);
	return v;
}

static void fork_k_times(struct __test_metadata *_metadata)
{
	int i, status;

	for (i = 0; i < K; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
}

/* What "atomic-counter ARGS" prints and its exit status, or -1 without the tool. */
static int tool(const char *args, char *out, size_t len)
{
	char cmd[256];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "atomic-counter %s 2>&1", args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	out[0] = '\0';
	if (!fgets(out, len, p))
		out[0] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(kapi, the_sample_counter_is_a_kernel_counter)
{
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_KERNEL, self->n.owner);
	EXPECT_LE(self->info.kernel_first, self->n.index);
	EXPECT_GT(self->info.kernel_first + self->info.nr_kernel, self->n.index);
}

TEST_F(kapi, k_forks_raise_it_by_at_least_k_on_every_read_path)
{
	size_t size = self->info.map_size;
	_Atomic int64_t *bank = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, 0);
	int64_t ioctl0, page0, view0, tool0, v;
	char out[128];
	int have_tool;

	ASSERT_NE(MAP_FAILED, bank);
	ioctl0 = raw_read(self->fd, self->n.index);
	page0 = atomic_load(&bank[self->n.index]);
	view0 = view_value(self->n.index);
	have_tool = tool("get " NAME, out, sizeof(out)) == 0;
	tool0 = atoll(out);
	fork_k_times(_metadata);
	v = raw_read(self->fd, self->n.index);
	EXPECT_LE(ioctl0 + K, v) TH_LOG("ioctl: %lld -> %lld", (long long)ioctl0, (long long)v);
	v = atomic_load(&bank[self->n.index]);
	EXPECT_LE(page0 + K, v) TH_LOG("page: %lld -> %lld", (long long)page0, (long long)v);
	if (view0 >= 0) {
		EXPECT_LE(view0 + K, view_value(self->n.index));
	} else {
		TH_LOG("no text view (debugfs not mounted): not checked");
	}
	if (have_tool) {
		EXPECT_EQ(0, tool("get " NAME, out, sizeof(out)));
		EXPECT_LE(tool0 + K, atoll(out));
	} else {
		TH_LOG("atomic-counter not in PATH: not checked");
	}
	munmap((void *)bank, size);
}

TEST_F(kapi, userspace_cannot_write_it_by_any_path)
{
	uint64_t idx = self->n.index;
	long page = sysconf(_SC_PAGESIZE);
	off_t off = (off_t)(idx * ATOMIC_COUNTER_SIZE) & ~(off_t)(page - 1);
	struct atomic_counter_op op = { .index = idx, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	struct atomic_counter_batch b = { .ops = (uintptr_t)&op, .count = 1 };
	struct atomic_counter_name n;
	char out[256];
	void *p;

	EXPECT_EQ(-EPERM, raw_set(self->fd, idx, 0));
	EXPECT_EQ(-EPERM, raw_op(self->fd, idx, ATOMIC_COUNTER_OP_XCHG, 0, 0, 0, NULL));
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b));
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, page);
	/* Its name cannot be taken over or deleted. */
	memset(&n, 0, sizeof(n));
	strcpy(n.name, NAME);
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_DELETE, &n));
	EXPECT_EQ(EPERM, errno);
	n.flags = ATOMIC_COUNTER_NAME_EXCL;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	EXPECT_EQ(EEXIST, errno);
	n.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	EXPECT_EQ(0, n.created);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_KERNEL, n.owner);
	if (tool("set " NAME " 0", out, sizeof(out)) >= 0) {
		EXPECT_EQ(1, tool("set " NAME " 0", out, sizeof(out)));
		EXPECT_STREQ("atomic-counter: set: a kernel counter: userspace can only read it\n", out);
	}
}

TEST_F(kapi, a_waiter_on_it_is_woken_by_the_kernel_api)
{
	struct atomic_counter_wait w = {
		.index = self->n.index, .cond = ATOMIC_COUNTER_COND_GE,
		.value = raw_read(self->fd, self->n.index) + 3, .timeout_ns = 10000000000LL,
	};
	int i, status;
	pid_t waiter, pid;

	waiter = fork();
	ASSERT_LE(0, waiter);
	if (waiter == 0)
		_exit(ioctl(self->fd, ATOMIC_COUNTER_IOC_WAIT, &w) ? 1 : 0);
	/* Wait until it waits: the waiter count is a kernel counter too. */
	while (raw_read(self->fd, self->info.waiters_index) < 1)
		usleep(1000);
	for (i = 0; i < 3; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	ASSERT_EQ(waiter, waitpid(waiter, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(kapi, the_striped_sample_counter_is_a_striped_kernel_counter)
{
	uint64_t first = self->info.kernel_first + self->info.nr_kernel;
	struct atomic_counter_name n;

	ASSERT_EQ(0, lookup_name(self->fd, STRIPED, &n));
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_KERNEL, n.owner);
	EXPECT_EQ(ATOMIC_COUNTER_NAME_STRIPED, n.flags);
	EXPECT_LE(first, n.index);
	EXPECT_GT(first + self->info.nr_striped, n.index);
}

TEST_F(kapi, k_forks_raise_the_striped_one_by_k_and_the_plain_one_never_trails)
{
	size_t size = self->info.map_size;
	_Atomic int64_t *bank = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, 0);
	struct atomic_counter_name n;
	int64_t s0, view0, s, page = 0;
	char out[128];
	uint32_t cpu;

	ASSERT_NE(MAP_FAILED, bank);
	ASSERT_EQ(0, lookup_name(self->fd, STRIPED, &n));
	s0 = striped_sum(self->fd, n.index);
	view0 = view_value_of(STRIPED, "kernel,striped", n.index);
	fork_k_times(_metadata);
	s = striped_sum(self->fd, n.index);
	EXPECT_LE(s0 + K, s);
	/* The handler adds to the plain counter first. */
	EXPECT_LE(s, raw_read(self->fd, self->n.index));
	for (cpu = 0; cpu < self->info.nr_stripes; cpu++)
		page += atomic_load(&bank[n.index + cpu * self->info.nr_striped]);
	EXPECT_LE(s, page);
	if (view0 >= 0)
		EXPECT_LE(s0 + K, view_value_of(STRIPED, "kernel,striped", n.index));
	if (tool("get " STRIPED, out, sizeof(out)) == 0)
		EXPECT_LE(s0 + K, atoll(out));
	munmap((void *)bank, size);
}

TEST_F(kapi, userspace_cannot_write_the_striped_one)
{
	struct atomic_counter_name n;
	int64_t s;

	ASSERT_EQ(0, lookup_name(self->fd, STRIPED, &n));
	s = striped_sum(self->fd, n.index);
	EXPECT_EQ(-EPERM, raw_striped_op(self->fd, n.index, ATOMIC_COUNTER_OP_ADD,
					 ATOMIC_COUNTER_RELAXED, -1000000, NULL));
	EXPECT_EQ(-EPERM, raw_set(self->fd, n.index + (self->info.nr_stripes - 1) * self->info.nr_striped,
				 -1000000));
	EXPECT_EQ(-EPERM, raw_set(self->fd, n.index, -1000000));
	/* Only forks could have moved it, and only up. */
	EXPECT_LE(s, striped_sum(self->fd, n.index));
}

TEST_F(kapi, a_waiter_on_the_striped_one_is_woken_by_the_kernel_api)
{
	struct atomic_counter_name n;
	struct atomic_counter_wait w = {
		.cond = ATOMIC_COUNTER_COND_GE, .flags = ATOMIC_COUNTER_WAIT_STRIPED,
		.timeout_ns = 10000000000LL,
	};
	int status;
	pid_t waiter;

	ASSERT_EQ(0, lookup_name(self->fd, STRIPED, &n));
	w.index = n.index;
	w.value = striped_sum(self->fd, n.index) + K;
	waiter = fork();
	ASSERT_LE(0, waiter);
	if (waiter == 0)
		_exit(ioctl(self->fd, ATOMIC_COUNTER_IOC_WAIT, &w) || w.result < w.value ? 1 : 0);
	while (raw_read(self->fd, self->info.waiters_index) < 1)
		usleep(1000);
	fork_k_times(_metadata);
	ASSERT_EQ(waiter, waitpid(waiter, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(kapi, sample_unloads_cleanly_and_takes_its_name)
{
	struct atomic_counter_name n, striped;
	uint32_t cpu;

	if (!getenv("AC_TEST_SAMPLE"))
		SKIP(return, "the sample was loaded by someone else: not unloading it");
	ASSERT_EQ(0, lookup_name(self->fd, STRIPED, &striped));
	ASSERT_EQ(0, syscall(__NR_delete_module, "atomic_counter_forks", O_NONBLOCK));
	EXPECT_EQ(-ENOENT, lookup(self->fd, &n));
	EXPECT_EQ(-ENOENT, lookup_name(self->fd, STRIPED, &n));
	EXPECT_EQ(0, raw_read(self->fd, self->n.index));
	for (cpu = 0; cpu < self->info.nr_stripes; cpu++)
		EXPECT_EQ(0, raw_read(self->fd, striped.index + cpu * self->info.nr_striped));
}

TEST_HARNESS_MAIN
