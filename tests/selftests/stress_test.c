// SPDX-License-Identifier: MIT
/*
 * Many processes on one counter through the ioctl: no update is lost, in
 * any ordering. Ten processes add 100000 each and the total is exact.
 */
#include <signal.h>
#include <sys/wait.h>

#include "ac_test.h"

#define IDX		64
#define NPROC		10
#define PER_PROC	100000

FIXTURE(stress) {
	int fd;
};

FIXTURE_VARIANT(stress) {
	uint32_t op;
	uint32_t order;
	int64_t value;	/* operand of each call */
	int64_t delta;	/* what each call adds to the counter */
};

FIXTURE_VARIANT_ADD(stress, inc_relaxed) {
	.op = ATOMIC_COUNTER_OP_INC, .order = ATOMIC_COUNTER_RELAXED, .delta = 1,
};

FIXTURE_VARIANT_ADD(stress, inc_full) {
	.op = ATOMIC_COUNTER_OP_INC, .order = ATOMIC_COUNTER_FULL, .delta = 1,
};

FIXTURE_VARIANT_ADD(stress, add_return_relaxed) {
	.op = ATOMIC_COUNTER_OP_ADD_RETURN, .order = ATOMIC_COUNTER_RELAXED,
	.value = 3, .delta = 3,
};

FIXTURE_VARIANT_ADD(stress, fetch_add_full) {
	.op = ATOMIC_COUNTER_OP_FETCH_ADD, .order = ATOMIC_COUNTER_FULL,
	.value = 1, .delta = 1,
};

FIXTURE_VARIANT_ADD(stress, fetch_sub_release) {
	.op = ATOMIC_COUNTER_OP_FETCH_SUB, .order = ATOMIC_COUNTER_RELEASE,
	.value = 2, .delta = -2,
};

FIXTURE_SETUP(stress)
{
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
	ASSERT_EQ(0, raw_set(self->fd, IDX, 0));
}

FIXTURE_TEARDOWN(stress)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Children wait on a pipe so that all of them start counting together. */
TEST_F_TIMEOUT(stress, ten_processes_lose_no_update, 300)
{
	pid_t pids[NPROC];
	int go[2];
	int i, status;

	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			char c;
			int n;

			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(2);
			for (n = 0; n < PER_PROC; n++)
				if (raw_op(self->fd, IDX, variant->op, variant->order,
					  variant->value, 0, NULL))
					_exit(1);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < NPROC; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	EXPECT_EQ(variant->delta * NPROC * PER_PROC, raw_read(self->fd, IDX));
}

TEST_HARNESS_MAIN
