// SPDX-License-Identifier: MIT
/*
 * Waiting on a counter: each condition, timeouts, signals and their restart
 * rules, many waiters, a page update followed by a wake, poll() on an
 * armed file, the waiter count on the page, and no lost wake-up under load.
 */
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
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
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD, ATOMIC_COUNTER_RELAXED, 3, 0, NULL));
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
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD_RETURN, ATOMIC_COUNTER_FULL, 100, 0, NULL));
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
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, ATOMIC_COUNTER_RELEASE, 9, 0, NULL));
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
		ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD, ATOMIC_COUNTER_RELAXED, 10, 0, NULL);
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
					ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_INC, ATOMIC_COUNTER_RELAXED, 0, 0, NULL);
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

TEST_HARNESS_MAIN
