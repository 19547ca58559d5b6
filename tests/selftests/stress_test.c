// SPDX-License-Identifier: MIT
/*
 * Many processes at once: no update is ever lost. P processes (2 up to
 * more than the vCPUs) each do M units of work on one counter, or on
 * neighbouring counters of one cache line, through the ioctl, the batch
 * ioctl or the mapped page, and every final value is exact:
 *   inc        +1 per unit
 *   mix        add 3, sub 1, inc, dec, fetch_add 2, sub_return 1: +3
 *   cmpxchg    read, then cmpxchg(old, old + 1) until it swaps: +1
 *   fetch_max  fetch_max(p * M + i): the largest value submitted
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "ac_test.h"

#define BASE		64	/* first counter used, on a cache line of its own */
#define BATCH		64

/* MIXED: even processes on the page, odd ones through the ioctl. */
enum path { IOCTL, PAGE, BATCHED, MIXED };
enum kind { INC, MIX, CMPXCHG, FETCH_MAX };

FIXTURE(stress) {
	int fd;
	_Atomic int64_t *bank;
	size_t size;
};

FIXTURE_VARIANT(stress) {
	enum path path;
	enum kind kind;
	uint32_t order;
	int nproc;
	int per_proc;
	int spread;	/* counters used: 1, or 8 neighbours sharing a line */
};

#define R ATOMIC_COUNTER_RELAXED
#define O ATOMIC_COUNTER_FULL

/* Ten processes x 100000 through the ioctl: the issue's own figures. */
FIXTURE_VARIANT_ADD(stress, ioctl_inc_relaxed_10) { IOCTL, INC, R, 10, 100000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_inc_full_10) { IOCTL, INC, O, 10, 100000, 1 };
/* Ten processes x 100000 on the page, and half on the page, half by ioctl. */
FIXTURE_VARIANT_ADD(stress, page_inc_relaxed_10) { PAGE, INC, R, 10, 100000, 1 };
FIXTURE_VARIANT_ADD(stress, page_inc_full_10) { PAGE, INC, O, 10, 100000, 1 };
FIXTURE_VARIANT_ADD(stress, mixed_inc_relaxed_10) { MIXED, INC, R, 10, 100000, 1 };
FIXTURE_VARIANT_ADD(stress, mixed_inc_full_10) { MIXED, INC, O, 10, 100000, 1 };
/* The process count sweep, on one counter. */
FIXTURE_VARIANT_ADD(stress, ioctl_inc_full_2) { IOCTL, INC, O, 2, 20000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_inc_full_4) { IOCTL, INC, O, 4, 20000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_inc_relaxed_8) { IOCTL, INC, R, 8, 20000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_inc_relaxed_16) { IOCTL, INC, R, 16, 10000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_inc_full_24) { IOCTL, INC, O, 24, 10000, 1 };
FIXTURE_VARIANT_ADD(stress, page_inc_relaxed_2) { PAGE, INC, R, 2, 200000, 1 };
FIXTURE_VARIANT_ADD(stress, page_inc_full_4) { PAGE, INC, O, 4, 200000, 1 };
FIXTURE_VARIANT_ADD(stress, page_inc_relaxed_8) { PAGE, INC, R, 8, 200000, 1 };
FIXTURE_VARIANT_ADD(stress, page_inc_full_16) { PAGE, INC, O, 16, 100000, 1 };
FIXTURE_VARIANT_ADD(stress, page_inc_relaxed_24) { PAGE, INC, R, 24, 100000, 1 };
FIXTURE_VARIANT_ADD(stress, batch_inc_relaxed_8) { BATCHED, INC, R, 8, 32000, 1 };
FIXTURE_VARIANT_ADD(stress, batch_inc_full_24) { BATCHED, INC, O, 24, 16000, 1 };
/* Mixed operations with a known net effect. */
FIXTURE_VARIANT_ADD(stress, ioctl_mix_relaxed_4) { IOCTL, MIX, R, 4, 5000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_mix_full_16) { IOCTL, MIX, O, 16, 1000, 1 };
FIXTURE_VARIANT_ADD(stress, page_mix_full_8) { PAGE, MIX, O, 8, 50000, 1 };
FIXTURE_VARIANT_ADD(stress, batch_mix_relaxed_8) { BATCHED, MIX, R, 8, 5000, 1 };
/* Neighbours in one cache line: false sharing must not lose updates either. */
FIXTURE_VARIANT_ADD(stress, page_inc_neighbours_16) { PAGE, INC, R, 16, 100000, 8 };
FIXTURE_VARIANT_ADD(stress, ioctl_mix_neighbours_8) { IOCTL, MIX, O, 8, 2000, 8 };
FIXTURE_VARIANT_ADD(stress, batch_mix_neighbours_16) { BATCHED, MIX, R, 16, 2000, 8 };
/* A counter built on cmpxchg loops, and a running maximum. */
FIXTURE_VARIANT_ADD(stress, page_cmpxchg_loop_8) { PAGE, CMPXCHG, O, 8, 50000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_cmpxchg_loop_4) { IOCTL, CMPXCHG, O, 4, 3000, 1 };
FIXTURE_VARIANT_ADD(stress, page_fetch_max_8) { PAGE, FETCH_MAX, R, 8, 50000, 1 };
FIXTURE_VARIANT_ADD(stress, ioctl_fetch_max_8) { IOCTL, FETCH_MAX, O, 8, 3000, 1 };
FIXTURE_VARIANT_ADD(stress, batch_fetch_max_neighbours_16) { BATCHED, FETCH_MAX, R, 16, 2000, 8 };

FIXTURE_SETUP(stress)
{
	int i;

	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
	self->bank = raw_map_user_regions(self->fd, &self->size);
	ASSERT_NE(MAP_FAILED, self->bank);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, raw_set(self->fd, BASE + i, 0));
}

FIXTURE_TEARDOWN(stress)
{
	if (self->bank && self->bank != MAP_FAILED)
		munmap((void *)self->bank, self->size);
	if (self->fd >= 0)
		close(self->fd);
}

/* The operations of one unit of work, as (opcode, operand) pairs. */
static int unit_ops(enum kind kind, int64_t max_value, uint32_t *ops, int64_t *vals)
{
	static const uint32_t mix[] = {
		ATOMIC_COUNTER_OP_ADD_RETURN, ATOMIC_COUNTER_OP_SUB_RETURN,
		ATOMIC_COUNTER_OP_INC_RETURN, ATOMIC_COUNTER_OP_DEC_RETURN,
		ATOMIC_COUNTER_OP_FETCH_ADD, ATOMIC_COUNTER_OP_SUB_RETURN,
	};
	static const int64_t mix_vals[] = { 3, 1, 0, 0, 2, 1 };
	int i;

	switch (kind) {
	case MIX:
		for (i = 0; i < 6; i++) {
			ops[i] = mix[i];
			vals[i] = mix_vals[i];
		}
		return 6;
	case FETCH_MAX:
		ops[0] = ATOMIC_COUNTER_OP_FETCH_MAX;
		vals[0] = max_value;
		return 1;
	default:
		ops[0] = ATOMIC_COUNTER_OP_INC_RETURN;
		vals[0] = 0;
		return 1;
	}
}

/* A unit of work on the page, relaxed or seq_cst. */
static void page_unit_relaxed(_Atomic int64_t *c, enum kind kind, int64_t max_value)
{
	int64_t old;

	switch (kind) {
	case INC:
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
		break;
	case MIX:
		atomic_fetch_add_explicit(c, 3, memory_order_relaxed);
		atomic_fetch_sub_explicit(c, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(c, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(c, 2, memory_order_relaxed);
		atomic_fetch_sub_explicit(c, 1, memory_order_relaxed);
		break;
	case CMPXCHG:
		old = atomic_load_explicit(c, memory_order_relaxed);
		while (!atomic_compare_exchange_weak_explicit(c, &old, old + 1, memory_order_relaxed,
							      memory_order_relaxed))
			;
		break;
	case FETCH_MAX:
		old = atomic_load_explicit(c, memory_order_relaxed);
		while (old < max_value &&
		       !atomic_compare_exchange_weak_explicit(c, &old, max_value, memory_order_relaxed,
							      memory_order_relaxed))
			;
		break;
	}
}

static void page_unit_seq_cst(_Atomic int64_t *c, enum kind kind, int64_t max_value)
{
	int64_t old;

	switch (kind) {
	case INC:
		atomic_fetch_add(c, 1);
		break;
	case MIX:
		atomic_fetch_add(c, 3);
		atomic_fetch_sub(c, 1);
		atomic_fetch_add(c, 1);
		atomic_fetch_sub(c, 1);
		atomic_fetch_add(c, 2);
		atomic_fetch_sub(c, 1);
		break;
	case CMPXCHG:
		old = atomic_load(c);
		while (!atomic_compare_exchange_weak(c, &old, old + 1))
			;
		break;
	case FETCH_MAX:
		old = atomic_load(c);
		while (old < max_value && !atomic_compare_exchange_weak(c, &old, max_value))
			;
		break;
	}
}

static int ioctl_unit(int fd, uint64_t idx, enum kind kind, uint32_t order, int64_t max_value)
{
	uint32_t ops[6];
	int64_t vals[6], old, seen = 0;
	int i, n;

	if (kind == CMPXCHG) {
		old = raw_read(fd, idx);
		for (;;) {
			if (raw_op(fd, idx, ATOMIC_COUNTER_OP_CMPXCHG, order, old + 1, old, &seen))
				return -1;
			if (seen == old)
				return 0;
			old = seen;
		}
	}
	n = unit_ops(kind, max_value, ops, vals);
	for (i = 0; i < n; i++)
		if (raw_op(fd, idx, ops[i], order, vals[i], 0, NULL))
			return -1;
	return 0;
}

static int worker(FIXTURE_DATA(stress) *self, const FIXTURE_VARIANT(stress) *v, int p)
{
	struct atomic_counter_op batch[BATCH];
	uint64_t idx = BASE + p % v->spread;
	enum path path = v->path == MIXED ? (p % 2 ? IOCTL : PAGE) : v->path;
	uint32_t ops[6];
	int64_t vals[6];
	int i, k, n, used = 0;

	for (i = 0; i < v->per_proc; i++) {
		int64_t max_value = (int64_t)p * v->per_proc + i;

		if (path == PAGE && v->order == ATOMIC_COUNTER_RELAXED) {
			page_unit_relaxed(&self->bank[idx], v->kind, max_value);
		} else if (path == PAGE) {
			page_unit_seq_cst(&self->bank[idx], v->kind, max_value);
		} else if (path == IOCTL) {
			if (ioctl_unit(self->fd, idx, v->kind, v->order, max_value))
				return 1;
		} else {
			n = unit_ops(v->kind, max_value, ops, vals);
			if (used + n > BATCH) {
				struct atomic_counter_batch b = { .ops = (uintptr_t)batch, .count = used };

				if (ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b))
					return 1;
				used = 0;
			}
			for (k = 0; k < n; k++)
				batch[used++] = (struct atomic_counter_op){
					.index = idx, .op = ops[k], .order = v->order, .value = vals[k],
				};
		}
	}
	if (used) {
		struct atomic_counter_batch b = { .ops = (uintptr_t)batch, .count = used };

		if (ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b))
			return 1;
	}
	return 0;
}

/* What counter BASE + c must hold once every process is done. */
static int64_t expected(const FIXTURE_VARIANT(stress) *v, int c)
{
	int p, users = 0;
	int64_t max = 0;

	for (p = 0; p < v->nproc; p++) {
		if (p % v->spread != c)
			continue;
		users++;
		max = (int64_t)p * v->per_proc + v->per_proc - 1;
	}
	switch (v->kind) {
	case MIX:
		return 3LL * users * v->per_proc;
	case FETCH_MAX:
		return max;
	default:
		return (int64_t)users * v->per_proc;
	}
}

/* All processes start together: they wait on a pipe the parent closes. */
TEST_F_TIMEOUT(stress, no_update_is_lost, 600)
{
	pid_t pids[64];
	int go[2];
	int i, c, status;

	ASSERT_LE(variant->nproc, 64);
	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < variant->nproc; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			char ch;

			close(go[1]);
			if (read(go[0], &ch, 1) != 0)
				_exit(2);
			_exit(worker(self, variant, i));
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < variant->nproc; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (c = 0; c < variant->spread; c++) {
		EXPECT_EQ(expected(variant, c), raw_read(self->fd, BASE + c)) TH_LOG("counter %d", BASE + c);
		EXPECT_EQ(expected(variant, c), atomic_load(&self->bank[BASE + c]));
	}
}

/*
 * A process killed in the middle of batches: each batch increments counters
 * BASE..BASE+7 in order, so whatever the kill interrupted, the counters
 * hold k + 1 for a prefix and k after it: never torn, never out of order.
 */
TEST(killed_mid_batch_leaves_whole_operations)
{
	struct atomic_counter_op ops[8 * 8];
	int fd, i, round, status;
	int64_t v[8];
	pid_t pid;

	AC_OPEN_OR_SKIP(fd, O_RDWR);
	for (i = 0; i < 64; i++)
		ops[i] = (struct atomic_counter_op){
			.index = BASE + i % 8, .op = ATOMIC_COUNTER_OP_INC, .order = R,
		};
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 8; i++)
			ASSERT_EQ(0, raw_set(fd, BASE + i, 0));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct atomic_counter_batch b = { .ops = (uintptr_t)ops, .count = 64 };

			for (;;)
				ioctl(fd, ATOMIC_COUNTER_IOC_BATCH, &b);
		}
		usleep(1000 + 2000 * round);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		for (i = 0; i < 8; i++)
			v[i] = raw_read(fd, BASE + i);
		for (i = 1; i < 8; i++) {
			EXPECT_TRUE(v[i] == v[0] || v[i] == v[0] - 1) TH_LOG("round %d: %lld %lld",
				round, (long long)v[0], (long long)v[i]);
			EXPECT_LE(v[i], v[i - 1]);
		}
	}
	close(fd);
}

TEST_HARNESS_MAIN
