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
 * The module's wait queue for a counter: hash_64(index, 8), the kernel's
 * multiplicative hash (before keyed wake-ups it was the top 6 bits of the
 * same product, so a counter on IDX's queue now was on it then too).
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

/* Waiters of other counters that share IDX's wait queue sleep on. */
TEST_F(wait, updates_of_a_counter_wake_no_waiter_of_another)
{
	uint64_t others[4], j;
	long sleeps[4];
	pid_t pids[4];
	int i, n = 0;

	for (j = 0; j < self->dev.info.nr_counters && n < 4; j++)
		if (j != IDX && j != IDX + 1 && queue_of(j, 8) == queue_of(IDX, 8))
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
