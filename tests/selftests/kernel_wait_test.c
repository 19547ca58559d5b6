// SPDX-License-Identifier: MIT
/*
 * Waiting on kernel counters updated where no sleeping lock may be taken:
 * from a kprobe handler (the sample, samples/atomic_counter_forks.c, on
 * kernel_clone() under fork load) and from hard irq context (the test
 * module tests/kmod/ac_hardirq_test.c, an HRTIMER_MODE_REL_HARD timer).
 * Several waiters, blocked and through epoll, must wake once their
 * condition holds, while other processes keep entering and leaving the
 * same wait queue so that its lock is contended; the VM harness fails the
 * run on any report in the kernel log (on PREEMPT_RT a wake-up taken
 * there, a sleeping lock, shows as "scheduling while atomic").
 *
 * AC_TEST_SAMPLE and AC_TEST_HARDIRQ name the modules' .ko files (the VM
 * harness sets them): each test loads its module if needed and unloads
 * what it loaded, with waiters just gone and wake-ups maybe pending.
 */
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ac_test.h"

#define WAITERS		8
#define CHURNERS	2
#define FORKERS		4
#define FORKS		150
#define TICKS		200
#define LONG_NS		60000000000LL	/* a waiter that never wakes fails, after this */

FIXTURE(kwait) {
	int fd;
	struct atomic_counter_info info;
	atomic_int *stop;	/* shared with the churners */
	bool loaded;
};

static int lookup_name(int fd, const char *name, uint64_t *index)
{
	struct atomic_counter_name n = { 0 };

	strcpy(n.name, name);
	if (ioctl(fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n))
		return -errno;
	*index = n.index;
	return 0;
}

/* Load the module @env names unless @name is registered already. */
static int load_for(int fd, const char *env, const char *name, bool *loaded)
{
	uint64_t index;
	int ret;

	*loaded = false;
	if (lookup_name(fd, name, &index) == 0)
		return 0;
	ret = load_module_from_env(env);
	*loaded = !ret;
	return ret;
}

static int64_t striped_sum(int fd, uint64_t index)
{
	int64_t sum = INT64_MIN;

	if (raw_striped_op(fd, index, ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_RELAXED, 0, &sum))
		return INT64_MIN;	/* fails every comparison the tests make */
	return sum;
}

static int64_t waiters(int fd, const struct atomic_counter_info *info)
{
	return raw_read(fd, info->waiters_index);
}

FIXTURE_SETUP(kwait)
{
	AC_SKIP_SETUP_IF_PRIVATE("kernel code registers in the global bank only");
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
	ASSERT_EQ(0, raw_info(self->fd, &self->info));
	self->stop = mmap(NULL, sizeof(*self->stop), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->stop);
	self->loaded = false;
}

FIXTURE_TEARDOWN(kwait)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A waiter: 0 once the condition held, 1 otherwise. */
static pid_t waiter(int fd, uint64_t index, uint32_t flags, int64_t ge)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct atomic_counter_wait w = {
			.index = index, .cond = ATOMIC_COUNTER_COND_GE, .flags = flags,
			.value = ge, .timeout_ns = LONG_NS,
		};

		_exit(ioctl(fd, ATOMIC_COUNTER_IOC_WAIT, &w) || w.result < ge ? 1 : 0);
	}
	return pid;
}

/* The same through an armed file and epoll, the file added before ARM. */
static pid_t epoll_waiter(uint64_t index, int64_t ge)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct atomic_counter_wait w = {
			.index = index, .cond = ATOMIC_COUNTER_COND_GE, .value = ge,
		};
		struct epoll_event ev = { .events = EPOLLIN };
		int fd = ac_test_open(O_RDONLY);
		int ep = epoll_create1(EPOLL_CLOEXEC);

		if (fd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ||
		    ioctl(fd, ATOMIC_COUNTER_IOC_ARM, &w))
			_exit(1);
		_exit(epoll_wait(ep, &ev, 1, LONG_NS / 1000000) == 1 &&
		      (ev.events & EPOLLIN) ? 0 : 1);
	}
	return pid;
}

/*
 * Processes that enter and leave @index's wait queue without end (a short
 * timed WAIT for a value it never takes), so that the waker finds the
 * queue's lock taken.
 */
static void start_churners(int fd, uint64_t index, atomic_int *stop, pid_t *pids)
{
	int i;

	atomic_store(stop, 0);
	for (i = 0; i < CHURNERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct atomic_counter_wait w = {
				.index = index, .cond = ATOMIC_COUNTER_COND_EQ, .value = -1,
				.timeout_ns = 1000000,
			};

			while (!atomic_load(stop))
				ioctl(fd, ATOMIC_COUNTER_IOC_WAIT, &w);
			_exit(0);
		}
	}
}

/* Until @n processes wait; -ECHILD if one of @pids ended first. */
static int until_waiters(int fd, const struct atomic_counter_info *info, pid_t *pids, int n)
{
	int i;

	while (waiters(fd, info) < n) {
		for (i = 0; i < n; i++)
			if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
				return -ECHILD;
		usleep(1000);
	}
	return 0;
}

static int exit_code(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static pid_t forker(void)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		for (i = 0; i < FORKS; i++) {
			pid_t child = fork();

			if (child == 0)
				_exit(0);
			if (child < 0 || waitpid(child, NULL, 0) != child)
				_exit(1);
		}
		_exit(0);
	}
	return pid;
}

TEST_F_TIMEOUT(kwait, waiters_on_kprobe_updated_counters_wake_under_fork_load, 600)
{
	pid_t pids[WAITERS + 1], churn[CHURNERS], forkers[FORKERS];
	uint64_t forks, striped;
	int64_t target, target_striped;
	int i, ret;

	ret = load_for(self->fd, "AC_TEST_SAMPLE", "kernel.forks", &self->loaded);
	if (ret == -ENOENT)
		SKIP(return, "sample not loaded (insmod samples/atomic_counter_forks.ko)");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, lookup_name(self->fd, "kernel.forks", &forks));
	ASSERT_EQ(0, lookup_name(self->fd, "kernel.forks_striped", &striped));
	ASSERT_EQ(0, waiters(self->fd, &self->info));

	/* At least FORKERS * FORKS forks come after these reads. */
	target = raw_read(self->fd, forks) + FORKERS * FORKS;
	target_striped = striped_sum(self->fd, striped) + FORKERS * FORKS;
	for (i = 0; i < WAITERS; i++) {
		pids[i] = i % 2 ? waiter(self->fd, forks, 0, target) :
			  waiter(self->fd, striped, ATOMIC_COUNTER_WAIT_STRIPED, target_striped);
		ASSERT_LT(0, pids[i]);
	}
	pids[WAITERS] = epoll_waiter(forks, target);
	ASSERT_LT(0, pids[WAITERS]);
	ASSERT_EQ(0, until_waiters(self->fd, &self->info, pids, WAITERS + 1));
	start_churners(self->fd, forks, self->stop, churn);
	for (i = 0; i < FORKERS; i++)
		forkers[i] = forker();
	for (i = 0; i < FORKERS; i++)
		EXPECT_EQ(0, exit_code(forkers[i])) TH_LOG("forker %d", i);
	for (i = 0; i <= WAITERS; i++)
		EXPECT_EQ(0, exit_code(pids[i])) TH_LOG("waiter %d", i);
	atomic_store(self->stop, 1);
	for (i = 0; i < CHURNERS; i++)
		EXPECT_EQ(0, exit_code(churn[i]));
	EXPECT_LE(target, raw_read(self->fd, forks));
	EXPECT_LE(target_striped, striped_sum(self->fd, striped));
	EXPECT_EQ(0, waiters(self->fd, &self->info));
	if (self->loaded)
		EXPECT_EQ(0, syscall(__NR_delete_module, "atomic_counter_forks", O_NONBLOCK));
}

static int write_ticks(int n)
{
	FILE *f = fopen("/sys/module/ac_hardirq_test/parameters/ticks", "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%d\n", n) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

TEST_F_TIMEOUT(kwait, waiters_on_hardirq_updated_counters_wake, 300)
{
	pid_t pids[WAITERS + 1], churn[CHURNERS];
	uint64_t plain, striped;
	int64_t v0, s0;
	int i, ret;

	ret = load_for(self->fd, "AC_TEST_HARDIRQ", "kernel.test_hardirq", &self->loaded);
	if (ret == -ENOENT)
		SKIP(return, "test module not loaded (insmod tests/kmod/ac_hardirq_test.ko)");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, lookup_name(self->fd, "kernel.test_hardirq", &plain));
	ASSERT_EQ(0, lookup_name(self->fd, "kernel.test_hardirq_striped", &striped));
	ASSERT_EQ(0, waiters(self->fd, &self->info));

	v0 = raw_read(self->fd, plain);
	s0 = striped_sum(self->fd, striped);
	for (i = 0; i < WAITERS; i++) {
		pids[i] = i % 2 ? waiter(self->fd, plain, 0, v0 + TICKS) :
			  waiter(self->fd, striped, ATOMIC_COUNTER_WAIT_STRIPED, s0 + TICKS);
		ASSERT_LT(0, pids[i]);
	}
	pids[WAITERS] = epoll_waiter(plain, v0 + TICKS);
	ASSERT_LT(0, pids[WAITERS]);
	ASSERT_EQ(0, until_waiters(self->fd, &self->info, pids, WAITERS + 1));
	start_churners(self->fd, plain, self->stop, churn);
	ASSERT_EQ(0, write_ticks(TICKS));
	for (i = 0; i <= WAITERS; i++)
		EXPECT_EQ(0, exit_code(pids[i])) TH_LOG("waiter %d", i);
	atomic_store(self->stop, 1);
	for (i = 0; i < CHURNERS; i++)
		EXPECT_EQ(0, exit_code(churn[i]));
	/* Every tick counted: a wait ended on the last one at the earliest. */
	EXPECT_EQ(v0 + TICKS, raw_read(self->fd, plain));
	EXPECT_EQ(s0 + TICKS, striped_sum(self->fd, striped));
	EXPECT_EQ(0, waiters(self->fd, &self->info));
	if (self->loaded) {
		/* Its handles' irq_work may still be pending: unregister syncs it. */
		EXPECT_EQ(0, syscall(__NR_delete_module, "ac_hardirq_test", O_NONBLOCK));
		EXPECT_EQ(-ENOENT, lookup_name(self->fd, "kernel.test_hardirq", &plain));
	}
}

/* A waiter for @cond @value on @index; 0 once it held. */
static pid_t waiter_for(int fd, uint64_t index, uint32_t flags, uint32_t cond, int64_t value)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct atomic_counter_wait w = {
			.index = index, .cond = cond, .flags = flags, .value = value,
			.timeout_ns = LONG_NS,
		};

		_exit(ioctl(fd, ATOMIC_COUNTER_IOC_WAIT, &w) ? 1 : 0);
	}
	return pid;
}

/*
 * Unregistering zeroes a kernel counter: that wakes waiters for zero. A
 * striped sum is waited on with GE alone (see "Waiting"), which zero meets
 * only where the sum was already below: that case is wait_test's, on a
 * user counter whose slots it can set.
 */
TEST_F_TIMEOUT(kwait, unregistering_a_kernel_counter_wakes_the_waiters_zero_satisfies, 120)
{
	pid_t pids[2];
	uint64_t plain, striped;
	int i, ret;

	ret = load_for(self->fd, "AC_TEST_HARDIRQ", "kernel.test_hardirq", &self->loaded);
	if (ret == -ENOENT)
		SKIP(return, "test module not loaded (insmod tests/kmod/ac_hardirq_test.ko)");
	ASSERT_EQ(0, ret);
	if (!self->loaded)
		SKIP(return, "the test module was loaded by someone else: not unloading it");
	ASSERT_EQ(0, lookup_name(self->fd, "kernel.test_hardirq", &plain));
	ASSERT_EQ(0, lookup_name(self->fd, "kernel.test_hardirq_striped", &striped));
	ASSERT_EQ(0, write_ticks(1));
	/* Both counters at 1 once the tick ran: woken by the kernel API. */
	pids[0] = waiter_for(self->fd, plain, 0, ATOMIC_COUNTER_COND_EQ, 1);
	pids[1] = waiter_for(self->fd, striped, ATOMIC_COUNTER_WAIT_STRIPED,
			     ATOMIC_COUNTER_COND_GE, 1);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, exit_code(pids[i]));

	pids[0] = waiter_for(self->fd, plain, 0, ATOMIC_COUNTER_COND_EQ, 0);
	ASSERT_EQ(0, until_waiters(self->fd, &self->info, pids, 1));
	ASSERT_EQ(0, syscall(__NR_delete_module, "ac_hardirq_test", O_NONBLOCK));
	EXPECT_EQ(0, exit_code(pids[0]));
	EXPECT_EQ(0, waiters(self->fd, &self->info));
}

/* The module's deferred in-kernel wake-ups so far (debugfs), -1 without. */
static long kapi_deferred(long *slow)
{
	FILE *f = fopen("/sys/kernel/debug/atomic_counter/wait_stats", "r");
	long wake, kapi = -1;

	if (!f)
		return -1;
	if (fscanf(f, "slow_paths %ld\nwake_calls %ld\nkapi_deferred %ld", slow, &wake, &kapi) != 3)
		kapi = -1;
	fclose(f);
	return kapi;
}

/* The irq_work IPIs so far, summed over CPUs ("IWI" in /proc/interrupts). */
static long iwi(void)
{
	char line[4096], *p, *end;
	long sum = -1, n;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "IWI:", 4))
			continue;
		sum = 0;
		for (p += 4; (n = strtol(p, &end, 10)), end != p; p = end)
			sum += n;
	}
	fclose(f);
	return sum;
}

#define ARMED		1500

/*
 * A reader's 1,500 files armed with conditions kernel.forks cannot meet
 * near its value (GE far above, LE below, EQ on both sides): the kprobe's
 * updates on every fork defer no wake-up, so raise no irq_work IPI, and
 * take no slow path.
 */
TEST_F_TIMEOUT(kwait, armed_files_that_cannot_hold_cost_kernel_updates_nothing, 300)
{
	static const uint32_t conds[] = {
		ATOMIC_COUNTER_COND_GE, ATOMIC_COUNTER_COND_LE,
		ATOMIC_COUNTER_COND_EQ, ATOMIC_COUNTER_COND_EQ,
	};
	long slow0, slow1, kapi0, kapi1, iwi0, iwi1;
	struct rlimit rl;
	uint64_t forks;
	int64_t now;
	int fds[ARMED], i, n, ret;

	ret = load_for(self->fd, "AC_TEST_SAMPLE", "kernel.forks", &self->loaded);
	if (ret == -ENOENT)
		SKIP(return, "sample not loaded (insmod samples/atomic_counter_forks.ko)");
	ASSERT_EQ(0, ret);
	if (kapi_deferred(&slow0) < 0)
		SKIP(return, "no wait_stats (debugfs not mounted)");
	ASSERT_EQ(0, lookup_name(self->fd, "kernel.forks", &forks));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < ARMED + 64 && rl.rlim_max >= ARMED + 64) {
		rl.rlim_cur = ARMED + 64;
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	}
	n = rl.rlim_cur >= ARMED + 64 ? ARMED : (int)rl.rlim_cur - 64;
	now = raw_read(self->fd, forks);
	for (i = 0; i < n; i++) {
		int64_t values[] = { now + 1000000000LL, now - 1000000000LL,
				     now + 500000000LL + i, now - 500000000LL - i };
		struct atomic_counter_wait w = {
			.index = forks, .cond = conds[i % 4], .value = values[i % 4],
		};

		fds[i] = ac_test_open(O_RDONLY);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, ioctl(fds[i], ATOMIC_COUNTER_IOC_ARM, &w));
	}
	kapi0 = kapi_deferred(&slow0);
	iwi0 = iwi();
	for (i = 0; i < FORKS; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		ASSERT_LT(0, pid);
		ASSERT_EQ(0, exit_code(pid));
	}
	kapi1 = kapi_deferred(&slow1);
	iwi1 = iwi();
	ASSERT_LT(now, raw_read(self->fd, forks));
	EXPECT_EQ(kapi0, kapi1);
	EXPECT_EQ(slow0, slow1);
	TH_LOG("%d armed files, %d forks: %ld irq_work IPIs in all (other users' too)",
	       n, FORKS, iwi1 - iwi0);
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (self->loaded)
		EXPECT_EQ(0, syscall(__NR_delete_module, "atomic_counter_forks", O_NONBLOCK));
}

TEST_HARNESS_MAIN
