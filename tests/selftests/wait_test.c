// SPDX-License-Identifier: MIT
/*
 * Waiting on a counter: each condition, timeouts, signals and their restart
 * rules, many waiters, a page update followed by a wake, poll() on an
 * armed file, the waiter count on the page, and no lost wake-up under load.
 */
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

#include "atomic_counter.h"
#include "ac_test.h"

#define IDX 80

FIXTURE(wait) {
	struct ac_dev dev;
};

FIXTURE_SETUP(wait)
{
	int ret = ac_open(&self->dev, NULL, 0);

	if (ret == -ENOENT)
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");
	ASSERT_EQ(0, ret);
	ac_set(ac_counter(&self->dev, IDX), 0);
}

FIXTURE_TEARDOWN(wait)
{
	if (self->dev.fd >= 0)
		ac_close(&self->dev);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t waiters(struct ac_dev *dev)
{
	return ac_read(ac_counter(dev, dev->info.waiters_index));
}

/* Block until at least @n processes wait (the count on the page says so). */
static void until_waiters(struct ac_dev *dev, int64_t n)
{
	while (waiters(dev) < n)
		usleep(1000);
}

TEST_F(wait, each_condition_already_met_returns_at_once)
{
	ac_counter_t *v = ac_counter(&self->dev, IDX);
	int64_t seen = 0;

	ac_set(v, 7);
	EXPECT_EQ(0, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_EQ, 7, -1, &seen));
	EXPECT_EQ(7, seen);
	EXPECT_EQ(0, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_NE, 8, -1, &seen));
	EXPECT_EQ(0, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_GE, 7, -1, &seen));
	EXPECT_EQ(0, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_LE, 7, -1, &seen));
	ac_set(v, -5);
	EXPECT_EQ(0, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_LE, -1, 0, &seen));
	EXPECT_EQ(-5, seen);
	/* Comparisons are signed. */
	EXPECT_EQ(-ETIMEDOUT, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_GE, 0, 0, NULL));
}

TEST_F(wait, unmet_condition_times_out)
{
	double t0 = now();

	EXPECT_EQ(-ETIMEDOUT, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_EQ, 1, 50000000, NULL));
	EXPECT_LE(0.05, now() - t0);
	EXPECT_EQ(-ETIMEDOUT, ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_NE, 0, 0, NULL));
}

TEST_F(wait, invalid_requests_einval_and_efault)
{
	struct atomic_counter_wait w = { .index = IDX, .cond = ATOMIC_COUNTER_NR_CONDS };

	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.cond = 0;
	w.flags = 1;
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved = 0;
	w.index = ac_nr_total(&self->dev);
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAKE, NULL));
	EXPECT_EQ(EFAULT, errno);
	w.index = IDX;
	w.timeout_ns = 1;
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_ARM, &w));
	EXPECT_EQ(EINVAL, errno);
}

/* A child waits for @value; the parent, once it waits, runs @update. */
static int child_waits(struct ac_dev *dev, uint32_t cond, int64_t value, int64_t timeout_ns)
{
	pid_t pid = fork();

	if (pid == 0) {
		int64_t seen;
		int ret = ac_wait(dev, IDX, cond, value, timeout_ns, &seen);

		_exit(ret == 0 ? 0 : ret == -ETIMEDOUT ? 2 : ret == -EINTR ? 3 : 1);
	}
	return pid;
}

static int exit_code(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(wait, ioctl_update_wakes_a_waiter)
{
	pid_t pid = child_waits(&self->dev, ATOMIC_COUNTER_COND_GE, 3, 10000000000LL);

	ASSERT_LT(0, pid);
	until_waiters(&self->dev, 1);
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD, AC_RELAXED, 3, 0, NULL));
	EXPECT_EQ(0, exit_code(pid));
	EXPECT_EQ(0, waiters(&self->dev));
}

/* Set @index to @k through the ioctl (odd @k) or on the page and ac_wake() (even). */
static int set_by_turns(struct ac_dev *dev, uint64_t index, int64_t k)
{
	if (k % 2)
		return ac_op(dev, index, ATOMIC_COUNTER_OP_SET, AC_RELEASE, k, 0, NULL);
	ac_set(ac_counter(dev, index), k);
	return ac_wake(dev, index);
}

/*
 * Lost wake-ups: a child waits EQ k on one counter and answers k on
 * another, where the parent waits EQ k; each sets by turns through the
 * ioctl and on the page with ac_wake(). Every round's waits race their
 * update (the waiter's join against the updater's band check), and each
 * has 10 s: a lost wake-up is a timeout, never a slow pass.
 */
TEST_F_TIMEOUT(wait, eq_ping_pong_loses_no_wake_up_through_ioctl_or_page, 300)
{
	const int64_t rounds = 2000;
	int64_t k;
	pid_t pid;

	ac_set(ac_counter(&self->dev, IDX + 1), 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (k = 1; k <= rounds; k++)
			if (ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_EQ, k, 10000000000LL, NULL) ||
			    set_by_turns(&self->dev, IDX + 1, k))
				_exit(1);
		_exit(0);
	}
	for (k = 1; k <= rounds; k++) {
		ASSERT_EQ(0, set_by_turns(&self->dev, IDX, k));
		ASSERT_EQ(0, ac_wait(&self->dev, IDX + 1, ATOMIC_COUNTER_COND_EQ, k,
				     10000000000LL, NULL)) TH_LOG("round %lld", (long long)k);
	}
	EXPECT_EQ(0, exit_code(pid));
	EXPECT_EQ(0, waiters(&self->dev));
}

TEST_F(wait, page_update_and_wake_wake_a_waiter)
{
	pid_t pid = child_waits(&self->dev, ATOMIC_COUNTER_COND_EQ, 5, 10000000000LL);

	ASSERT_LT(0, pid);
	until_waiters(&self->dev, 1);
	ac_set(ac_counter(&self->dev, IDX), 5);
	ASSERT_EQ(0, ac_wake(&self->dev, IDX));
	EXPECT_EQ(0, exit_code(pid));
}

TEST_F(wait, many_waiters_on_one_counter_all_wake)
{
	pid_t pids[8];
	int i;

	for (i = 0; i < 8; i++) {
		pids[i] = child_waits(&self->dev, ATOMIC_COUNTER_COND_GE, 100, 10000000000LL);
		ASSERT_LT(0, pids[i]);
	}
	until_waiters(&self->dev, 8);
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD_RETURN, AC_FULL, 100, 0, NULL));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, exit_code(pids[i]));
	EXPECT_EQ(0, waiters(&self->dev));
}

static ac_counter_t *signalled;	/* set by the handler, on the page */

static void on_signal(int sig)
{
	(void)sig;
	if (signalled)
		ac_set(signalled, 1);
}

/* A signal with SA_RESTART: the untimed wait goes on, and ends when met. */
TEST_F(wait, signal_restarts_an_untimed_wait)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	pid_t pid;

	signalled = ac_counter(&self->dev, IDX + 1);
	ac_set(signalled, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sigaction(SIGUSR1, &sa, NULL);
		_exit(ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_EQ, 9, -1, NULL) ? 1 : 0);
	}
	until_waiters(&self->dev, 1);
	kill(pid, SIGUSR1);
	/*
	 * The wait leaves (the count drops) before the handler runs, and the
	 * restarted call counts itself again: so once the handler has run and
	 * the count is back to 1, the child waits in the restarted call.
	 */
	while (!ac_read(signalled))
		usleep(1000);
	until_waiters(&self->dev, 1);
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELEASE, 9, 0, NULL));
	EXPECT_EQ(0, exit_code(pid));
}

/* Without SA_RESTART, or with a timeout, a signal ends the wait with EINTR. */
TEST_F(wait, signal_interrupts_a_wait_eintr)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int timed;

	for (timed = 0; timed < 2; timed++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			int ret;

			sigaction(SIGUSR1, &sa, NULL);
			ret = ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_EQ, 9, timed ? 10000000000LL : -1, NULL);
			_exit(ret == -EINTR ? 3 : 1);
		}
		until_waiters(&self->dev, 1);
		kill(pid, SIGUSR1);
		EXPECT_EQ(3, exit_code(pid)) TH_LOG("timed %d", timed);
	}
	EXPECT_EQ(0, waiters(&self->dev));
}

TEST_F(wait, poll_on_an_armed_file)
{
	struct pollfd pfd = { .events = POLLIN };
	struct ac_dev armed;

	ASSERT_EQ(0, ac_open(&armed, NULL, AC_OPEN_NOMAP));
	pfd.fd = armed.fd;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);	/* not armed yet */
	ASSERT_EQ(0, ac_arm(&armed, IDX, ATOMIC_COUNTER_COND_GE, 10));
	EXPECT_EQ(1, waiters(&self->dev));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	if (fork() == 0) {
		ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD, AC_RELAXED, 10, 0, NULL);
		_exit(0);
	}
	EXPECT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_EQ(POLLIN, pfd.revents & POLLIN);
	wait(NULL);
	ac_close(&armed);
	EXPECT_EQ(0, waiters(&self->dev));
}

/*
 * No lost wake-up: four waiters each wait for 1, 2, ..., M in turn while
 * two writers increment M times in all; every waiter must see every step
 * (a wait that misses its wake-up hits the 10 s timeout and fails).
 */
TEST_F_TIMEOUT(wait, no_lost_wakeup_under_load, 300)
{
	const int m = 2000;
	pid_t pids[6];
	int i, k;

	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			for (k = 1; k <= m; k++)
				if (ac_wait(&self->dev, IDX, ATOMIC_COUNTER_COND_GE, k, 10000000000LL, NULL))
					_exit(1);
			_exit(0);
		}
	}
	for (i = 4; i < 6; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			for (k = 0; k < m / 2; k++) {
				if (i == 4) {
					ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL);
				} else {
					ac_inc(ac_counter(&self->dev, IDX));
					ac_wake(&self->dev, IDX);
				}
			}
			_exit(0);
		}
	}
	for (i = 0; i < 6; i++)
		EXPECT_EQ(0, exit_code(pids[i])) TH_LOG("process %d", i);
	EXPECT_EQ(m, ac_read(ac_counter(&self->dev, IDX)));
	EXPECT_EQ(0, waiters(&self->dev));
}

/*
 * The module's wait queue for a counter, in its bank's own queues:
 * hash_64(index, bits), the kernel's multiplicative hash (6 bits now, 8
 * before the bands; the top 6 bits of the same product, so a counter on
 * IDX's queue with 8 bits is on it with 6 too).
 */
static unsigned int queue_of(uint64_t index, unsigned int bits)
{
	return (index * 0x61C8864680B583EBull) >> (64 - bits);
}

/* A child that waits on @index for @cond @value and exits 0, or 1 if the wait failed. */
static pid_t waiter(struct ac_dev *dev, uint64_t index, uint32_t cond, int64_t value)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(ac_wait(dev, index, cond, value, 60000000000LL, NULL) ? 1 : 0);
	return pid;
}

/* @pid's state letter in /proc/PID/stat ('S', 'D', 'R'...), 0 if unreadable. */
static char task_state(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	/* "PID (COMM) S ...": our children's COMM holds no ')'. */
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state;
}

/* How many times @pid went to sleep of its own accord, -1 if unreadable. */
static long voluntary_switches(pid_t pid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * Once each of @n waiters (already counted as waiters) shows interruptible
 * sleep, the number of times each went to sleep so far. A sleeping lock of
 * PREEMPT_RT on the way in shows as 'D'; 'S' is the wait's own sleep, but
 * it shows from set_current_state() on, before schedule() counts it: a
 * waiter may be one sleep short here. From then on it sleeps again only if
 * something woke it.
 */
static void asleep_in_wait(struct __test_metadata *_metadata, const pid_t *pids, int n,
			   long *sleeps)
{
	int i;

	for (i = 0; i < n; i++) {
		while (task_state(pids[i]) != 'S') {
			ASSERT_NE(0, task_state(pids[i])) TH_LOG("waiter %d has no /proc entry", i);
			usleep(1000);
		}
		sleeps[i] = voluntary_switches(pids[i]);
		ASSERT_LE(0, sleeps[i]);
	}
}

/* Updates that must not wake anyone, spaced out as an application's would be. */
#define UPDATES	50

static void spaced_increments(struct __test_metadata *_metadata, struct ac_dev *dev, uint64_t index)
{
	int i;

	for (i = 0; i < UPDATES; i++) {
		ASSERT_EQ(0, ac_op(dev, index, ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL));
		usleep(2000);
	}
}

/*
 * Keyed wake-ups: updates that leave the condition unmet do not wake the
 * waiters (none of them sleeps once more: counted from outside, so that
 * the waiters' own comings and goings, which on PREEMPT_RT may sleep on
 * the queue's lock, do not count); the one that meets it wakes them all.
 */
TEST_F(wait, updates_that_leave_the_condition_unmet_wake_nobody)
{
	long sleeps[8];
	pid_t pids[8];
	int i;

	for (i = 0; i < 8; i++) {
		pids[i] = waiter(&self->dev, IDX, ATOMIC_COUNTER_COND_GE, 1000);
		ASSERT_LT(0, pids[i]);
	}
	until_waiters(&self->dev, 8);
	asleep_in_wait(_metadata, pids, 8, sleeps);
	spaced_increments(_metadata, &self->dev, IDX);
	/* Its first sleep at most, where woken by each update it would be 50 more. */
	for (i = 0; i < 8; i++)
		EXPECT_GE(sleeps[i] + 1, voluntary_switches(pids[i])) TH_LOG("waiter %d", i);
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELEASE,
			   1000, 0, NULL));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, exit_code(pids[i])) TH_LOG("waiter %d", i);
	EXPECT_EQ(0, waiters(&self->dev));
}

/* The module's wait counters (debugfs "wait_stats"); false when absent. */
struct wait_stats {
	long slow_paths;
	long wake_calls;
	long kapi_deferred;
};

static bool wait_stats(struct wait_stats *st)
{
	FILE *f = fopen("/sys/kernel/debug/atomic_counter/wait_stats", "r");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "slow_paths %ld\nwake_calls %ld\nkapi_deferred %ld",
		   &st->slow_paths, &st->wake_calls, &st->kapi_deferred);
	fclose(f);
	return n == 3;
}

#define BAND_SIDE	16	/* waiters, and armed files, of each shape */
#define BAND_FAR	1000000000LL
#define BAND_UPDATES	100000

/* The four shapes no update near 1000 can satisfy: GE, LE, EQ above, EQ below. */
static void band_shape(int i, uint32_t *cond, int64_t *value)
{
	static const uint32_t conds[] = {
		ATOMIC_COUNTER_COND_GE, ATOMIC_COUNTER_COND_LE,
		ATOMIC_COUNTER_COND_EQ, ATOMIC_COUNTER_COND_EQ,
	};
	static const int64_t values[] = { BAND_FAR, -BAND_FAR, BAND_FAR / 2, -BAND_FAR / 2 };

	*cond = conds[i % 4];
	*value = values[i % 4];
}

/*
 * 64 blocked waiters and 64 armed files in an epoll set on one counter,
 * none of whose conditions an update near its value can meet: 10^5 updates
 * by ioctl, batch and page + ac_wake() take no slow path, wake no waiter
 * and report no epoll event. Then each shape wakes exactly when it holds,
 * EQ above jumped over by a SET first.
 */
TEST_F_TIMEOUT(wait, unsatisfiable_waiters_cost_updates_no_slow_path, 300)
{
	struct atomic_counter_op ops[64];
	struct wait_stats before, after;
	struct epoll_event ev;
	int fds[4 * BAND_SIDE], ep, i, n;
	pid_t pids[4 * BAND_SIDE];
	long sleeps[4 * BAND_SIDE];
	ac_counter_t *v = ac_counter(&self->dev, IDX);
	uint32_t cond;
	int64_t value;

	if (!wait_stats(&before))
		SKIP(return, "no wait_stats (debugfs not mounted)");
	ac_set(v, 1000);
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	for (i = 0; i < 4 * BAND_SIDE; i++) {
		struct atomic_counter_wait w = { .index = IDX };

		band_shape(i, &cond, &value);
		pids[i] = waiter(&self->dev, IDX, cond, value);
		ASSERT_LT(0, pids[i]);
		fds[i] = ac_test_open(O_RDONLY);
		ASSERT_LE(0, fds[i]);
		w.cond = cond;
		w.value = value;
		ASSERT_EQ(0, ioctl(fds[i], ATOMIC_COUNTER_IOC_ARM, &w));
		ev.events = EPOLLIN | (i & 1 ? EPOLLET : 0);
		ev.data.u32 = i;
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev));
	}
	until_waiters(&self->dev, 8 * BAND_SIDE);
	asleep_in_wait(_metadata, pids, 4 * BAND_SIDE, sleeps);
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_TRUE(wait_stats(&before));

	for (i = 0; i < BAND_UPDATES / 4; i++)
		ASSERT_EQ(0, ac_op(&self->dev, IDX, i & 1 ? ATOMIC_COUNTER_OP_DEC :
				   ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL));
	for (i = 0; i < BAND_UPDATES / 4; i++) {
		ac_add(i & 1 ? -1 : 1, v);
		ASSERT_EQ(0, ac_wake(&self->dev, IDX));
	}
	for (n = 0; n < BAND_UPDATES / 2; n += 64) {
		memset(ops, 0, sizeof(ops));
		for (i = 0; i < 64; i++) {
			ops[i].index = IDX;
			ops[i].op = i & 1 ? ATOMIC_COUNTER_OP_DEC : ATOMIC_COUNTER_OP_INC;
		}
		ASSERT_EQ(0, ac_batch(&self->dev, ops, 64, NULL));
	}
	ASSERT_TRUE(wait_stats(&after));
	EXPECT_EQ(before.slow_paths, after.slow_paths);
	/* With the bands mapped, ac_wake() makes no system call either. */
	if (ac_info(&self->dev)->features & ATOMIC_COUNTER_FEATURE_BANDS)
		EXPECT_EQ(before.wake_calls, after.wake_calls);
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	/* Its first sleep at most, as in the test above. */
	for (i = 0; i < 4 * BAND_SIDE; i++)
		EXPECT_GE(sleeps[i] + 1, voluntary_switches(pids[i])) TH_LOG("waiter %d", i);

	/* EQ above, jumped over: nobody wakes; then hit. */
	ac_set(v, BAND_FAR / 2 + 1);
	ASSERT_EQ(0, ac_wake(&self->dev, IDX));
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	/* Its first sleep at most, as in the test above. */
	for (i = 0; i < 4 * BAND_SIDE; i++)
		EXPECT_GE(sleeps[i] + 1, voluntary_switches(pids[i])) TH_LOG("waiter %d", i);
	for (i = 0; i < 4; i++) {
		static const int64_t hit[] = { BAND_FAR, -BAND_FAR, BAND_FAR / 2, -BAND_FAR / 2 };
		static const int order[] = { 2, 0, 3, 1 };
		int shape = order[i], j, events = 0;
		struct epoll_event evs[4 * BAND_SIDE];

		ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELEASE,
				   hit[shape], 0, NULL));
		for (j = shape; j < 4 * BAND_SIDE; j += 4)
			EXPECT_EQ(0, exit_code(pids[j])) TH_LOG("waiter %d", j);
		/* The SET woke them before it returned: epoll has them all now. */
		n = epoll_wait(ep, evs, 4 * BAND_SIDE, 0);
		for (j = 0; j < n; j++) {
			EXPECT_EQ(shape, (int)evs[j].data.u32 % 4);
			events++;
		}
		EXPECT_EQ(BAND_SIDE, events) TH_LOG("shape %d", shape);
		/* Done with them: the next shape's events alone. */
		for (j = shape; j < 4 * BAND_SIDE; j += 4)
			ASSERT_EQ(0, close(fds[j]));
	}
	close(ep);
	EXPECT_EQ(0, waiters(&self->dev));
}

/* 0.4's and 0.5's ac_wake() before bands: WAKE whenever anyone waits. */
static int old_rule_wake(const struct ac_dev *dev, uint64_t index)
{
	struct atomic_counter_wake arg = { .index = index };

	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&dev->bank[dev->info.waiters_index], memory_order_relaxed))
		return 0;
	return ioctl(dev->fd, ATOMIC_COUNTER_IOC_WAKE, &arg) < 0 ? -errno : 0;
}

/*
 * A waiter on another counter: a page update + ac_wake() calls nothing,
 * where the waiter-count rule of a library without bands calls WAKE every
 * time. Both wake the waiter once its own counter meets its condition.
 */
TEST_F(wait, a_waiter_on_another_counter_costs_page_wakes_no_system_call)
{
	ac_counter_t *v = ac_counter(&self->dev, IDX), *o = ac_counter(&self->dev, IDX + 1);
	struct wait_stats before, after;
	pid_t pid;
	int i;

	if (!(ac_info(&self->dev)->features & ATOMIC_COUNTER_FEATURE_BANDS))
		SKIP(return, "module without ATOMIC_COUNTER_FEATURE_BANDS");
	if (!wait_stats(&before))
		SKIP(return, "no wait_stats (debugfs not mounted)");
	ac_set(o, 0);
	pid = waiter(&self->dev, IDX + 1, ATOMIC_COUNTER_COND_GE, 2);
	ASSERT_LT(0, pid);
	until_waiters(&self->dev, 1);
	ASSERT_TRUE(wait_stats(&before));
	for (i = 0; i < 1000; i++) {
		ac_inc(v);
		ASSERT_EQ(0, ac_wake(&self->dev, IDX));
	}
	ASSERT_TRUE(wait_stats(&after));
	EXPECT_EQ(before.wake_calls, after.wake_calls);
	EXPECT_EQ(before.slow_paths, after.slow_paths);
	/* The old rule calls WAKE each time, and the module takes no slow path for it. */
	for (i = 0; i < 100; i++) {
		ac_inc(v);
		ASSERT_EQ(0, old_rule_wake(&self->dev, IDX));
	}
	ASSERT_TRUE(wait_stats(&before));
	EXPECT_EQ(after.wake_calls + 100, before.wake_calls);
	EXPECT_EQ(after.slow_paths, before.slow_paths);
	/* And it still wakes the waiter when its counter gets there. */
	ac_inc(o);
	ASSERT_EQ(0, old_rule_wake(&self->dev, IDX + 1));
	ac_inc(o);
	ASSERT_EQ(0, old_rule_wake(&self->dev, IDX + 1));
	EXPECT_EQ(0, exit_code(pid));
	EXPECT_EQ(0, waiters(&self->dev));
}

/* One band slot per counter, a striped counter's for all its slots (uapi "Waiting"). */
static uint64_t nr_band_slots(const struct atomic_counter_info *i)
{
	return i->map_size / ATOMIC_COUNTER_SIZE -
	       (i->nr_striped + i->nr_kernel_striped) * (i->nr_stripes - 1);
}

static uint64_t page_round(uint64_t n)
{
	uint64_t page = sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

/*
 * The band slots and their table map read-only, after the counters: a
 * slot per counter, an entry per 32 counters; nobody waits: every slot
 * names entry 0, the full band, and entry 1 is the empty one.
 */
TEST_F(wait, band_slots_and_table_map_read_only_and_nobody_waiting_is_slot_0)
{
	const struct atomic_counter_info *i = ac_info(&self->dev);
	long page = sysconf(_SC_PAGESIZE);
	const struct atomic_counter_band *b;
	const uint32_t *slots;
	uint64_t nr = nr_band_slots(i);
	void *p;

	if (!(i->features & ATOMIC_COUNTER_FEATURE_BANDS))
		SKIP(return, "module without ATOMIC_COUNTER_FEATURE_BANDS");
	EXPECT_EQ(i->map_size, i->band_slot_offset);
	EXPECT_EQ(page_round(nr * sizeof(uint32_t)), i->band_slot_size);
	EXPECT_EQ(i->band_slot_offset + i->band_slot_size, i->band_offset);
	EXPECT_EQ(page_round((nr / 32 ? nr / 32 : 1) * sizeof(*b)), i->band_size);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, i->band_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->dev.fd, (off_t)i->band_offset));
	EXPECT_EQ(EACCES, errno);
	/* Past the end of the table, and a window across counters and slots. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, i->band_size + page, PROT_READ, MAP_SHARED,
				   self->dev.fd, (off_t)i->band_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * page, PROT_READ, MAP_SHARED,
				   self->dev.fd, (off_t)i->band_slot_offset - page));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, i->band_slot_size + i->band_size, PROT_READ, MAP_SHARED, self->dev.fd,
		 (off_t)i->band_slot_offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_NE(0, mprotect(p, i->band_slot_size, PROT_READ | PROT_WRITE));
	slots = p;
	b = (const void *)((const char *)p + i->band_slot_size);
	EXPECT_EQ(0, slots[IDX]);
	EXPECT_EQ(0, b[0].seq % 2);
	EXPECT_EQ(INT64_MIN, b[0].lo);
	EXPECT_EQ(INT64_MAX, b[0].hi);
	EXPECT_EQ(0, b[0].reserved);
	EXPECT_EQ(INT64_MAX, b[1].lo);
	EXPECT_EQ(INT64_MIN, b[1].hi);
	munmap(p, i->band_slot_size + i->band_size);
}

/* Waiters of other counters that share IDX's wait queue sleep on. */
TEST_F(wait, updates_of_a_counter_wake_no_waiter_of_another)
{
	uint64_t others[4], j;
	long sleeps[4];
	pid_t pids[4];
	int i, n = 0;

	for (j = 0; j < self->dev.info.nr_counters && n < 4; j++)
		if (j != IDX && j != IDX + 1 && queue_of(j, 6) == queue_of(IDX, 6))
			others[n++] = j;
	if (!n)
		SKIP(return, "no other counter shares counter %d's wait queue", IDX);
	for (i = 0; i < n; i++) {
		ac_set(ac_counter(&self->dev, others[i]), 0);
		pids[i] = waiter(&self->dev, others[i], ATOMIC_COUNTER_COND_EQ, 1);
		ASSERT_LT(0, pids[i]);
	}
	until_waiters(&self->dev, n);
	asleep_in_wait(_metadata, pids, n, sleeps);
	spaced_increments(_metadata, &self->dev, IDX);
	for (i = 0; i < n; i++)
		EXPECT_GE(sleeps[i] + 1, voluntary_switches(pids[i]))
			TH_LOG("waiter on %llu", (unsigned long long)others[i]);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, ac_op(&self->dev, others[i], ATOMIC_COUNTER_OP_SET,
				   AC_RELEASE, 1, 0, NULL));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, exit_code(pids[i])) TH_LOG("waiter on %llu", (unsigned long long)others[i]);
		ac_set(ac_counter(&self->dev, others[i]), 0);
	}
}

/* epoll, the file added before it is armed: an update that meets it wakes epoll_wait(). */
TEST_F(wait, epoll_added_before_arm_reports_the_condition)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ac_dev armed;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	pid_t pid;

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, ac_open(&armed, NULL, AC_OPEN_NOMAP));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, armed.fd, &ev));
	ASSERT_EQ(0, ac_arm(&armed, IDX, ATOMIC_COUNTER_COND_EQ, 7));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELEASE, 7, 0, NULL) ? 1 : 0);
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_EQ(EPOLLIN, ev.events & EPOLLIN);
	EXPECT_EQ(0, exit_code(pid));
	ac_close(&armed);
	close(ep);
}

/* Re-armed to a counter on another wait queue, the file still wakes epoll. */
TEST_F(wait, epoll_follows_a_re_arm_to_another_counter)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ac_dev armed;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t other = IDX + 2;
	pid_t pid;

	while (queue_of(other, 6) == queue_of(IDX, 6) || queue_of(other, 8) == queue_of(IDX, 8))
		other++;
	ASSERT_LT(other, self->dev.info.nr_counters);
	ac_set(ac_counter(&self->dev, other), 0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, ac_open(&armed, NULL, AC_OPEN_NOMAP));
	ASSERT_EQ(0, ac_arm(&armed, IDX, ATOMIC_COUNTER_COND_EQ, 7));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, armed.fd, &ev));
	ASSERT_EQ(0, ac_arm(&armed, other, ATOMIC_COUNTER_COND_EQ, 3));
	EXPECT_EQ(1, waiters(&self->dev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ac_op(&self->dev, other, ATOMIC_COUNTER_OP_ADD, AC_RELAXED, 3, 0, NULL) ? 1 : 0);
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_EQ(EPOLLIN, ev.events & EPOLLIN);
	EXPECT_EQ(0, exit_code(pid));
	ac_close(&armed);
	close(ep);
	ac_set(ac_counter(&self->dev, other), 0);
	EXPECT_EQ(0, waiters(&self->dev));
}

/* Read-only files may wait and arm: waiting is reading (see the uapi's "Waiting"). */
TEST_F(wait, a_read_only_file_may_wait_and_arm)
{
	struct pollfd pfd = { .events = POLLIN };
	struct ac_dev ro;

	ASSERT_EQ(0, ac_open(&ro, NULL, AC_OPEN_READONLY | AC_OPEN_NOMAP));
	ac_set(ac_counter(&self->dev, IDX), 4);
	EXPECT_EQ(0, ac_wait(&ro, IDX, ATOMIC_COUNTER_COND_EQ, 4, 0, NULL));
	EXPECT_EQ(0, ac_arm(&ro, IDX, ATOMIC_COUNTER_COND_EQ, 4));
	pfd.fd = ro.fd;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	ac_close(&ro);
}

/* Only a writer has page updates to announce; nobody else may stir queues. */
TEST_F(wait, wake_through_a_read_only_file_ebadf)
{
	struct atomic_counter_wake index = { .index = IDX };
	struct ac_dev ro;

	ASSERT_EQ(0, ac_open(&ro, NULL, AC_OPEN_READONLY | AC_OPEN_NOMAP));
	EXPECT_EQ(-1, ioctl(ro.fd, ATOMIC_COUNTER_IOC_WAKE, &index));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAKE, &index));
	ac_close(&ro);
}

#define STRIPED_NAME	"wait_test.striped"

/* A striped counter for the test; its index, or -1. */
static int64_t striped_counter(struct ac_dev *dev)
{
	uint64_t index;

	ac_name_delete(dev, STRIPED_NAME);
	if (ac_name_create(dev, STRIPED_NAME, ATOMIC_COUNTER_NAME_STRIPED, &index, NULL) < 0)
		return -1;
	return index;
}

/* A child waiting on a striped counter's sum: 0 once it reached @ge. */
static pid_t striped_waiter(struct ac_dev *dev, uint64_t index, int64_t ge)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct atomic_counter_wait w = {
			.index = index, .cond = ATOMIC_COUNTER_COND_GE,
			.flags = ATOMIC_COUNTER_WAIT_STRIPED, .value = ge,
			.timeout_ns = 10000000000LL,
		};

		_exit(ioctl(dev->fd, ATOMIC_COUNTER_IOC_WAIT, &w) || w.result < ge ? 1 : 0);
	}
	return pid;
}

/* The last CPU's slot of the striped counter at @index. */
static uint64_t last_slot(struct ac_dev *dev, uint64_t index)
{
	return index + (dev->info.nr_stripes - 1) * dev->info.nr_striped;
}

/*
 * A counter's band slot is at its index less the slots of the striped
 * regions before it past their CPU 0 rows: an armed file gives its counter
 * an entry of the table there and nowhere else, narrowed to its trigger,
 * and its leaving gives it back (slot 0 again).
 */
TEST_F(wait, a_band_slot_is_at_its_counters_index_less_the_striped_rows_before_it)
{
	const struct atomic_counter_info *i = ac_info(&self->dev);
	int64_t striped = striped_counter(&self->dev);
	uint64_t count = i->waiters_index, at, skipped;
	const struct atomic_counter_band *b;
	const uint32_t *slots;
	struct ac_dev armed;
	uint32_t s;
	void *p;

	if (!(i->features & ATOMIC_COUNTER_FEATURE_BANDS))
		SKIP(return, "module without ATOMIC_COUNTER_FEATURE_BANDS");
	ASSERT_LE(0, striped);
	/* The waiter count is a kernel counter, after userspace's striped region. */
	skipped = i->nr_striped * (i->nr_stripes - 1);
	ASSERT_GT(count, (uint64_t)striped);
	at = count - skipped;
	p = mmap(NULL, i->band_slot_size + i->band_size, PROT_READ, MAP_SHARED, self->dev.fd,
		 (off_t)i->band_slot_offset);
	ASSERT_NE(MAP_FAILED, p);
	slots = p;
	b = (const void *)((const char *)p + i->band_slot_size);
	ASSERT_EQ(0, ac_reopen(&armed, self->dev.fd, AC_OPEN_NOMAP));

	/* A waiter on a striped sum empties its counter's band. */
	ASSERT_EQ(0, ac_arm(&armed, striped, ATOMIC_COUNTER_COND_GE, 1000));
	s = slots[striped];
	ASSERT_LT(1, s);
	EXPECT_GT(b[s].lo, b[s].hi);
	EXPECT_EQ(0, slots[striped + 1]);

	/* GE x past the striped region: hi x - 1, at the index less the rows. */
	ASSERT_EQ(0, ac_arm(&armed, count, ATOMIC_COUNTER_COND_GE, 1000000));
	EXPECT_EQ(0, slots[striped]);
	s = slots[at];
	ASSERT_LT(1, s);
	EXPECT_EQ(0, b[s].seq % 2);
	EXPECT_EQ(INT64_MIN, b[s].lo);
	EXPECT_EQ(999999, b[s].hi);
	if (skipped && count < nr_band_slots(i))
		EXPECT_EQ(0, slots[count]);
	ASSERT_EQ(0, ioctl(armed.fd, ATOMIC_COUNTER_IOC_DISARM));
	EXPECT_EQ(0, slots[at]);
	ac_close(&armed);
	munmap(p, i->band_slot_size + i->band_size);
	ac_name_delete(&self->dev, STRIPED_NAME);
}

/*
 * A full table: a small private bank's table is a page of entries, two of
 * them the full and the empty band. A counter armed past that gets slot 1,
 * the empty band, and its waiter still wakes; once an entry is free, the
 * counter's next update takes it.
 */
TEST_F(wait, past_a_full_band_table_a_counter_shares_the_empty_band_and_still_wakes)
{
	struct ac_bank_opts o = { .sz = sizeof(o), .nr_counters = 1, .nr_named = 1,
				  .nr_striped = 1 };
	struct pollfd pfd = { .events = POLLIN };
	const struct atomic_counter_info *i;
	const uint32_t *slots;
	struct ac_dev bank, *armed;
	uint64_t usable, k;
	void *p;

	ASSERT_EQ(0, ac_bank_create(&bank, &o));
	i = ac_info(&bank);
	if (!(i->features & ATOMIC_COUNTER_FEATURE_BANDS))
		SKIP(return, "module without ATOMIC_COUNTER_FEATURE_BANDS");
	usable = i->band_size / sizeof(struct atomic_counter_band) - 2;
	/* 126 on 4 KiB pages; 64 KiB pages would need 2047 armed files. */
	if (usable + 1 > i->nr_counters || usable + 1 > 500)
		SKIP(return, "%llu entries to fill", (unsigned long long)usable);
	p = mmap(NULL, i->band_slot_size + i->band_size, PROT_READ, MAP_SHARED, bank.fd,
		 (off_t)i->band_slot_offset);
	ASSERT_NE(MAP_FAILED, p);
	slots = p;
	armed = calloc(usable + 1, sizeof(*armed));
	ASSERT_NE(NULL, armed);
	for (k = 0; k <= usable; k++) {
		ASSERT_EQ(0, ac_reopen(&armed[k], bank.fd, AC_OPEN_NOMAP));
		ASSERT_EQ(0, ac_arm(&armed[k], k, ATOMIC_COUNTER_COND_GE, 1));
		if (k < usable)
			ASSERT_LT(1, slots[k]);
	}
	EXPECT_EQ(1, slots[usable]);
	pfd.fd = armed[usable].fd;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, ac_op(&bank, usable, ATOMIC_COUNTER_OP_SET, AC_RELEASE, 1, 0, NULL));
	EXPECT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_EQ(POLLIN, pfd.revents);
	/* An entry given back; the next update of the counter takes it. */
	ac_close(&armed[0]);
	EXPECT_EQ(0, slots[0]);
	ASSERT_EQ(0, ac_op(&bank, usable, ATOMIC_COUNTER_OP_ADD, AC_RELAXED, 1, 0, NULL));
	EXPECT_LT(1, slots[usable]);
	for (k = 1; k <= usable; k++)
		ac_close(&armed[k]);
	free(armed);
	munmap(p, i->band_slot_size + i->band_size);
	ac_close(&bank);
}

TEST_F(wait, wait_striped_is_woken_by_an_op_on_another_slot)
{
	int64_t index = striped_counter(&self->dev);
	pid_t pid;

	ASSERT_LE(0, index);
	if (self->dev.info.nr_stripes < 2)
		SKIP(goto out, "one CPU: a striped counter has one slot");
	pid = striped_waiter(&self->dev, index, 5);
	ASSERT_LT(0, pid);
	until_waiters(&self->dev, 1);
	ASSERT_EQ(0, ac_op(&self->dev, last_slot(&self->dev, index), ATOMIC_COUNTER_OP_ADD,
			   AC_RELAXED, 5, 0, NULL));
	EXPECT_EQ(0, exit_code(pid));
out:
	ac_name_delete(&self->dev, STRIPED_NAME);
}

TEST_F(wait, wait_striped_is_woken_by_wake_of_another_slot)
{
	int64_t index = striped_counter(&self->dev);
	pid_t pid;

	ASSERT_LE(0, index);
	if (self->dev.info.nr_stripes < 2)
		SKIP(goto out, "one CPU: a striped counter has one slot");
	pid = striped_waiter(&self->dev, index, 5);
	ASSERT_LT(0, pid);
	until_waiters(&self->dev, 1);
	ac_add(5, ac_counter(&self->dev, last_slot(&self->dev, index)));
	ASSERT_EQ(0, ac_wake(&self->dev, last_slot(&self->dev, index)));
	EXPECT_EQ(0, exit_code(pid));
out:
	ac_name_delete(&self->dev, STRIPED_NAME);
}

/* A child waiting on @index for @cond @value: exits 0 once it held. */
static pid_t waiter_on(struct ac_dev *dev, uint64_t index, uint32_t flags, uint32_t cond,
		       int64_t value)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct atomic_counter_wait w = {
			.index = index, .cond = cond, .flags = flags, .value = value,
			.timeout_ns = 10000000000LL,
		};

		_exit(ioctl(dev->fd, ATOMIC_COUNTER_IOC_WAIT, &w) ? 1 : 0);
	}
	return pid;
}

/*
 * Waiters of one counter with every condition, each woken by the update
 * that meets it, in the order they came: the first (whose entry holds
 * their group) leaves first, then each next one.
 */
TEST_F(wait, waiters_with_every_condition_each_wake_when_theirs_holds)
{
	static const struct {
		uint32_t cond;
		int64_t value, meets;
	} w[] = {
		{ ATOMIC_COUNTER_COND_NE, 0, 1 },
		{ ATOMIC_COUNTER_COND_EQ, 5, 5 },
		{ ATOMIC_COUNTER_COND_EQ, -5, -5 },
		{ ATOMIC_COUNTER_COND_GE, 10, 10 },
		{ ATOMIC_COUNTER_COND_LE, -10, -10 },
	};
	pid_t pids[5];
	int i;

	for (i = 0; i < 5; i++) {
		pids[i] = waiter_on(&self->dev, IDX, 0, w[i].cond, w[i].value);
		ASSERT_LT(0, pids[i]);
		until_waiters(&self->dev, i + 1);
	}
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELEASE,
				   w[i].meets, 0, NULL));
		EXPECT_EQ(0, exit_code(pids[i])) TH_LOG("waiter %d", i);
	}
	EXPECT_EQ(0, waiters(&self->dev));
}

#define DELETED_NAME	"wait_test.deleted"

/* Deleting a name zeroes its counter: that wakes waiters for zero. */
TEST_F(wait, deleting_a_name_wakes_the_waiters_zero_satisfies)
{
	uint64_t index;
	pid_t eq, le;

	ac_name_delete(&self->dev, DELETED_NAME);
	ASSERT_LE(0, ac_name_create(&self->dev, DELETED_NAME, 0, &index, NULL));
	ac_set(ac_counter(&self->dev, index), 5);
	eq = waiter_on(&self->dev, index, 0, ATOMIC_COUNTER_COND_EQ, 0);
	ASSERT_LT(0, eq);
	le = waiter_on(&self->dev, index, 0, ATOMIC_COUNTER_COND_LE, 0);
	ASSERT_LT(0, le);
	until_waiters(&self->dev, 2);
	ASSERT_EQ(0, ac_name_delete(&self->dev, DELETED_NAME));
	EXPECT_EQ(0, exit_code(eq));
	EXPECT_EQ(0, exit_code(le));
}

/* The same for a striped counter, waited on by its sum. */
TEST_F(wait, deleting_a_striped_name_wakes_the_waiters_on_its_sum)
{
	int64_t index = striped_counter(&self->dev);
	pid_t pid;

	ASSERT_LE(0, index);
	/* GE: the one condition a sum read slot by slot decides (see "Waiting"). */
	ac_set(ac_counter(&self->dev, last_slot(&self->dev, index)), -5);
	pid = waiter_on(&self->dev, index, ATOMIC_COUNTER_WAIT_STRIPED, ATOMIC_COUNTER_COND_GE, 0);
	ASSERT_LT(0, pid);
	until_waiters(&self->dev, 1);
	ASSERT_EQ(0, ac_name_delete(&self->dev, STRIPED_NAME));
	EXPECT_EQ(0, exit_code(pid));
}

/*
 * The waiter count is a kernel counter like any other: waiting on it
 * works, both ways. A waiter on it counts itself.
 */
TEST_F(wait, a_waiter_on_the_waiter_count_wakes_as_others_come_and_go)
{
	uint64_t count = self->dev.info.waiters_index;
	pid_t watcher, other;

	watcher = waiter_on(&self->dev, count, 0, ATOMIC_COUNTER_COND_GE, 2);
	ASSERT_LT(0, watcher);
	until_waiters(&self->dev, 1);
	other = waiter_on(&self->dev, IDX, 0, ATOMIC_COUNTER_COND_EQ, 1);
	ASSERT_LT(0, other);
	EXPECT_EQ(0, exit_code(watcher));
	until_waiters(&self->dev, 1);
	watcher = waiter_on(&self->dev, count, 0, ATOMIC_COUNTER_COND_LE, 1);
	ASSERT_LT(0, watcher);
	until_waiters(&self->dev, 2);
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELEASE, 1, 0, NULL));
	EXPECT_EQ(0, exit_code(other));
	EXPECT_EQ(0, exit_code(watcher));
	EXPECT_EQ(0, waiters(&self->dev));
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Once @pid sleeps in its WAIT (counted as a waiter, then 'S'), stop it
 * and continue it. False when it ended before the stop (its wait was
 * over), so that the caller can try again with a longer wait.
 */
static bool stop_and_continue(struct __test_metadata *_metadata, struct ac_dev *dev, pid_t pid)
{
	long sleeps;
	int status;

	until_waiters(dev, 1);
	asleep_in_wait(_metadata, &pid, 1, &sleeps);
	EXPECT_EQ(0, kill(pid, SIGSTOP));
	EXPECT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	if (!WIFSTOPPED(status))
		return false;
	EXPECT_EQ(0, kill(pid, SIGCONT));
	return true;
}

/*
 * A stop and a continue (SIGSTOP and SIGCONT, a debugger, the freezer)
 * run no handler: the timed wait goes on, and ends 0 once met, not EINTR.
 */
TEST_F(wait, a_stopped_and_continued_timed_wait_returns_0_once_met)
{
	pid_t pid = child_waits(&self->dev, ATOMIC_COUNTER_COND_GE, 3, 60000000000LL);

	ASSERT_LT(0, pid);
	ASSERT_TRUE(stop_and_continue(_metadata, &self->dev, pid));
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD, AC_RELAXED, 3, 0, NULL));
	EXPECT_EQ(0, exit_code(pid));
	EXPECT_EQ(0, waiters(&self->dev));
}

/*
 * A child's WAIT for a value that never comes, @timeout_ns long (relative,
 * or with ABSTIME a deadline that far from its start): it exits 0 on
 * ETIMEDOUT having waited at least that long in all, 3 on EINTR, 4 on a
 * timeout that came early, 1 otherwise.
 */
static pid_t child_times_out(struct ac_dev *dev, int64_t timeout_ns, bool abstime)
{
	pid_t pid = fork();

	if (pid == 0) {
		int64_t t0 = now_ns();
		struct atomic_counter_wait w = {
			.index = IDX, .cond = ATOMIC_COUNTER_COND_EQ, .value = -1,
			.flags = abstime ? ATOMIC_COUNTER_WAIT_ABSTIME : 0,
			.timeout_ns = abstime ? t0 + timeout_ns : timeout_ns,
		};
		int ret = ioctl(dev->fd, ATOMIC_COUNTER_IOC_WAIT, &w) ? errno : 0;

		if (ret == ETIMEDOUT)
			_exit(now_ns() - t0 >= timeout_ns ? 0 : 4);
		_exit(ret == EINTR ? 3 : 1);
	}
	return pid;
}

/*
 * Stopped and continued, a timed wait never met ends ETIMEDOUT, and not
 * before its whole timeout has passed (a lower bound only: how long after
 * is the scheduler's business). Relative and absolute (ABSTIME) alike. A
 * child whose wait ended before the stop landed is tried again, longer.
 */
TEST_F(wait, a_stopped_and_continued_timed_wait_times_out_after_its_whole_timeout)
{
	int abstime;

	for (abstime = 0; abstime < 2; abstime++) {
		int64_t timeout_ns = 2000000000LL;
		bool stopped = false;
		pid_t pid;

		while (!stopped && timeout_ns <= 32000000000LL) {
			pid = child_times_out(&self->dev, timeout_ns, abstime);
			ASSERT_LT(0, pid);
			stopped = stop_and_continue(_metadata, &self->dev, pid);
			if (stopped)
				EXPECT_EQ(0, exit_code(pid)) TH_LOG("abstime %d", abstime);
			timeout_ns *= 4;
		}
		EXPECT_TRUE(stopped) TH_LOG("every wait ended before its stop");
	}
	EXPECT_EQ(0, waiters(&self->dev));
}

/*
 * A handler ran: EINTR, even with SA_RESTART (the call cannot know whether
 * the handler wants to wait on), and @timeout_ns holds the time left, as
 * select() leaves it, for the caller to wait on with.
 */
TEST_F(wait, a_handler_interrupting_a_timed_wait_sees_eintr_and_the_time_left)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	const int64_t timeout_ns = 60000000000LL;
	long sleeps;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct atomic_counter_wait w = {
			.index = IDX, .cond = ATOMIC_COUNTER_COND_EQ, .value = 9,
			.timeout_ns = timeout_ns,
		};
		int ret;

		signalled = NULL;
		sigaction(SIGUSR1, &sa, NULL);
		ret = ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w) ? errno : 0;
		if (ret != EINTR)
			_exit(1);
		_exit(w.timeout_ns >= 0 && w.timeout_ns < timeout_ns ? 0 : 4);
	}
	until_waiters(&self->dev, 1);
	asleep_in_wait(_metadata, &pid, 1, &sleeps);
	/*
	 * The child fixed its deadline before it was counted as a waiter.
	 * Where the clocksource is jiffies (the rt-debug lane) CLOCK_MONOTONIC
	 * and the kernel's ktime_get() move once a tick, so a signal within
	 * the same tick would rightly leave the whole timeout: let the clock
	 * move first.
	 */
	for (double t0 = now(); now() == t0;)
		usleep(1000);
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_EQ(0, exit_code(pid));
	EXPECT_EQ(0, waiters(&self->dev));
}

/* A WAIT with ABSTIME: 0 or -errno, and the value in *seen. */
static int wait_abs(struct ac_dev *dev, uint32_t cond, int64_t value, int64_t deadline,
		    int64_t *seen)
{
	struct atomic_counter_wait w = {
		.index = IDX, .cond = cond, .value = value, .flags = ATOMIC_COUNTER_WAIT_ABSTIME,
		.timeout_ns = deadline,
	};
	int ret = ioctl(dev->fd, ATOMIC_COUNTER_IOC_WAIT, &w) ? -errno : 0;

	/* @result is output only (zero in); a failed wait leaves it so. */
	if (ret)
		return w.result ? -EPROTO : ret;
	*seen = w.result;
	return ret;
}

/* A deadline already past checks once: ETIMEDOUT unmet, 0 met. */
TEST_F(wait, abstime_in_the_past_times_out_unmet_and_returns_0_met)
{
	int64_t seen = -7;

	EXPECT_EQ(-ETIMEDOUT, wait_abs(&self->dev, ATOMIC_COUNTER_COND_EQ, 1, now_ns() - 1, &seen));
	EXPECT_EQ(-7, seen);
	EXPECT_EQ(-ETIMEDOUT, wait_abs(&self->dev, ATOMIC_COUNTER_COND_EQ, 1, 0, &seen));
	ac_set(ac_counter(&self->dev, IDX), 1);
	EXPECT_EQ(0, wait_abs(&self->dev, ATOMIC_COUNTER_COND_EQ, 1, now_ns() - 1, &seen));
	EXPECT_EQ(1, seen);
	EXPECT_EQ(0, waiters(&self->dev));
}

/* A deadline to come: ETIMEDOUT unmet, never before it (CLOCK_MONOTONIC). */
TEST_F(wait, abstime_in_the_future_times_out_no_earlier_than_the_deadline)
{
	int64_t deadline = now_ns() + 50000000, seen = 0;

	EXPECT_EQ(-ETIMEDOUT, wait_abs(&self->dev, ATOMIC_COUNTER_COND_EQ, 1, deadline, &seen));
	EXPECT_LE(deadline, now_ns());
}

/* No absolute time is negative: "for ever" is a relative wait's. */
TEST_F(wait, abstime_negative_einval)
{
	int64_t seen = -7;

	EXPECT_EQ(-EINVAL, wait_abs(&self->dev, ATOMIC_COUNTER_COND_EQ, 0, -1, &seen));
	EXPECT_EQ(-7, seen);
}

/* ARM has no timeout to take: ABSTIME or a nonzero timeout is EINVAL, and the file stays unarmed. */
TEST_F(wait, arm_with_abstime_or_a_timeout_einval)
{
	struct atomic_counter_wait w = {
		.index = IDX, .cond = ATOMIC_COUNTER_COND_EQ, .flags = ATOMIC_COUNTER_WAIT_ABSTIME,
	};
	struct pollfd pfd = { .events = POLLIN };
	struct ac_dev armed;

	ASSERT_EQ(0, ac_open(&armed, NULL, AC_OPEN_NOMAP));
	EXPECT_EQ(-1, ioctl(armed.fd, ATOMIC_COUNTER_IOC_ARM, &w));
	EXPECT_EQ(EINVAL, errno);
	w.timeout_ns = now_ns() + 1000000000;
	EXPECT_EQ(-1, ioctl(armed.fd, ATOMIC_COUNTER_IOC_ARM, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.timeout_ns = -1;
	EXPECT_EQ(-1, ioctl(armed.fd, ATOMIC_COUNTER_IOC_ARM, &w));
	EXPECT_EQ(EINVAL, errno);
	pfd.fd = armed.fd;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);
	EXPECT_EQ(0, waiters(&self->dev));
	ac_close(&armed);
}

TEST_HARNESS_MAIN
