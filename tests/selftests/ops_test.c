// SPDX-License-Identifier: MIT
/*
 * Every atomic64 operation in every ordering, against the values the
 * kernel's own lib/atomic64_test.c expects, including wrap-around and
 * every failure case of the conditional operations. The orderings each
 * operation accepts are restated here from Documentation/atomic_t.txt, as
 * the specification the module is held to; all others must be refused
 * with EINVAL and leave the counter alone.
 */
#include <stdio.h>

#include "ac_test.h"
#include "ac_spec.h"

#define IDX 3

static const int64_t v0 = (int64_t)0xaaa31337c001d00dULL;
static const int64_t v1 = (int64_t)0xdeadbeefdeafcafeULL;
static const int64_t v2 = (int64_t)0xfaceabadf00df001ULL;
static const int64_t v3 = INT64_MIN;	/* 0x8000000000000000 */
static const int64_t onestwos = 0x1111111122222222LL;
static const int64_t one = 1;

static const char *const order_names[] = {
	[ATOMIC_COUNTER_FULL] = "full",
	[ATOMIC_COUNTER_RELAXED] = "relaxed",
	[ATOMIC_COUNTER_ACQUIRE] = "acquire",
	[ATOMIC_COUNTER_RELEASE] = "release",
};

/* Two's complement arithmetic without signed-overflow UB, as the kernel's. */
static int64_t wrap_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t wrap_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }

struct op_case {
	uint32_t op;
	int64_t init, value, expected;	/* counter before, operands */
	int64_t result, after;		/* what the primitive returns, counter after */
};

/*
 * Run one case in every ordering: where the specification allows the
 * ordering the results must match exactly; elsewhere EINVAL, unchanged.
 */
static void run_case(struct __test_metadata *_metadata, int fd, const struct op_case *c)
{
	uint32_t order;

	for (order = 0; order < ATOMIC_COUNTER_NR_ORDERS; order++) {
		int64_t result = 0x0badc0de;
		int ret;

		ASSERT_EQ(0, raw_set(fd, IDX, c->init));
		ret = raw_op(fd, IDX, c->op, order, c->value, c->expected, &result);
		if (spec[c->op].orders & (1u << order)) {
			EXPECT_EQ(0, ret) TH_LOG("%s_%s", spec[c->op].name, order_names[order]);
			EXPECT_EQ(c->result, result) TH_LOG("%s_%s(%#llx) on %#llx: result",
				spec[c->op].name, order_names[order],
				(unsigned long long)c->value, (unsigned long long)c->init);
			EXPECT_EQ(c->after, raw_read(fd, IDX)) TH_LOG("%s_%s(%#llx) on %#llx: after",
				spec[c->op].name, order_names[order],
				(unsigned long long)c->value, (unsigned long long)c->init);
		} else {
			EXPECT_EQ(-EINVAL, ret) TH_LOG("%s_%s must not exist",
				spec[c->op].name, order_names[order]);
			EXPECT_EQ(c->init, raw_read(fd, IDX));
		}
	}
}

static void run_cases(struct __test_metadata *_metadata, int fd,
		      const struct op_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		run_case(_metadata, fd, &cases[i]);
}

#define RUN_CASES(cases) run_cases(_metadata, self->fd, cases, sizeof(cases) / sizeof(cases[0]))

FIXTURE(ops) {
	int fd;
};

FIXTURE_SETUP(ops)
{
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
}

FIXTURE_TEARDOWN(ops)
{
	if (self->fd >= 0) {
		raw_set(self->fd, IDX, 0);
		close(self->fd);
	}
}

TEST_F(ops, read_and_set)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_READ, v1, 0, 0, v1, v1 },
		{ ATOMIC_COUNTER_OP_SET, v0, v1, 0, 0, v1 },
		{ ATOMIC_COUNTER_OP_SET, v1, v3, 0, 0, v3 },
	};
	RUN_CASES(cases);
}

TEST_F(ops, void_arithmetic)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_ADD, v0, onestwos, 0, 0, wrap_add(v0, onestwos) },
		{ ATOMIC_COUNTER_OP_ADD, v0, -one, 0, 0, v0 - one },
		{ ATOMIC_COUNTER_OP_SUB, v0, onestwos, 0, 0, wrap_sub(v0, onestwos) },
		{ ATOMIC_COUNTER_OP_SUB, v0, -one, 0, 0, v0 + one },
		{ ATOMIC_COUNTER_OP_INC, v0, 0, 0, 0, v0 + one },
		{ ATOMIC_COUNTER_OP_DEC, v0, 0, 0, 0, v0 - one },
	};
	RUN_CASES(cases);
}

TEST_F(ops, void_bitwise)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_OR, v0, v1, 0, 0, v0 | v1 },
		{ ATOMIC_COUNTER_OP_AND, v0, v1, 0, 0, v0 & v1 },
		{ ATOMIC_COUNTER_OP_XOR, v0, v1, 0, 0, v0 ^ v1 },
		{ ATOMIC_COUNTER_OP_ANDNOT, v0, v1, 0, 0, v0 & ~v1 },
	};
	RUN_CASES(cases);
}

TEST_F(ops, return_family)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_ADD_RETURN, v0, onestwos, 0,
		  wrap_add(v0, onestwos), wrap_add(v0, onestwos) },
		{ ATOMIC_COUNTER_OP_ADD_RETURN, v0, -one, 0, v0 - one, v0 - one },
		{ ATOMIC_COUNTER_OP_SUB_RETURN, v0, onestwos, 0,
		  wrap_sub(v0, onestwos), wrap_sub(v0, onestwos) },
		{ ATOMIC_COUNTER_OP_SUB_RETURN, v0, -one, 0, v0 + one, v0 + one },
		{ ATOMIC_COUNTER_OP_INC_RETURN, v0, 0, 0, v0 + one, v0 + one },
		{ ATOMIC_COUNTER_OP_DEC_RETURN, v0, 0, 0, v0 - one, v0 - one },
	};
	RUN_CASES(cases);
}

TEST_F(ops, fetch_family)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_FETCH_ADD, v0, onestwos, 0, v0, wrap_add(v0, onestwos) },
		{ ATOMIC_COUNTER_OP_FETCH_ADD, v0, -one, 0, v0, v0 - one },
		{ ATOMIC_COUNTER_OP_FETCH_SUB, v0, onestwos, 0, v0, wrap_sub(v0, onestwos) },
		{ ATOMIC_COUNTER_OP_FETCH_SUB, v0, -one, 0, v0, v0 + one },
		{ ATOMIC_COUNTER_OP_FETCH_INC, v0, 0, 0, v0, v0 + one },
		{ ATOMIC_COUNTER_OP_FETCH_DEC, v0, 0, 0, v0, v0 - one },
		{ ATOMIC_COUNTER_OP_FETCH_OR, v0, v1, 0, v0, v0 | v1 },
		{ ATOMIC_COUNTER_OP_FETCH_AND, v0, v1, 0, v0, v0 & v1 },
		{ ATOMIC_COUNTER_OP_FETCH_ANDNOT, v0, v1, 0, v0, v0 & ~v1 },
		{ ATOMIC_COUNTER_OP_FETCH_XOR, v0, v1, 0, v0, v0 ^ v1 },
	};
	RUN_CASES(cases);
}

TEST_F(ops, xchg_and_cmpxchg)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_XCHG, v0, v1, 0, v0, v1 },
		/* cmpxchg(v, old = expected, new = value) */
		{ ATOMIC_COUNTER_OP_CMPXCHG, v0, v1, v0, v0, v1 },
		{ ATOMIC_COUNTER_OP_CMPXCHG, v0, v1, v2, v0, v0 },	/* fails */
	};
	RUN_CASES(cases);
}

TEST_F(ops, fetch_max_and_min)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_FETCH_MAX, 5, 7, 0, 5, 7 },
		{ ATOMIC_COUNTER_OP_FETCH_MAX, 5, 3, 0, 5, 5 },		/* no store */
		{ ATOMIC_COUNTER_OP_FETCH_MAX, 5, 5, 0, 5, 5 },
		{ ATOMIC_COUNTER_OP_FETCH_MAX, -5, v3, 0, -5, -5 },	/* signed */
		{ ATOMIC_COUNTER_OP_FETCH_MAX, v3, INT64_MAX, 0, v3, INT64_MAX },
		{ ATOMIC_COUNTER_OP_FETCH_MIN, 5, 3, 0, 5, 3 },
		{ ATOMIC_COUNTER_OP_FETCH_MIN, 5, 7, 0, 5, 5 },		/* no store */
		{ ATOMIC_COUNTER_OP_FETCH_MIN, 0, v3, 0, 0, v3 },
		{ ATOMIC_COUNTER_OP_FETCH_MIN, v1, v0, 0, v1, v0 < v1 ? v0 : v1 },
	};
	RUN_CASES(cases);
}

TEST_F(ops, add_unless)
{
	const struct op_case cases[] = {
		/* add_unless(v, a = value, u = expected): 1 when it added */
		{ ATOMIC_COUNTER_OP_ADD_UNLESS, v0, one, v0, 0, v0 },
		{ ATOMIC_COUNTER_OP_ADD_UNLESS, v0, one, v1, 1, v0 + one },
		{ ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS, v0, one, v0, v0, v0 },
		{ ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS, v0, onestwos, v1, v0, wrap_add(v0, onestwos) },
	};
	RUN_CASES(cases);
}

TEST_F(ops, conditional_inc_dec)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_DEC_IF_POSITIVE, onestwos, 0, 0, onestwos - one, onestwos - one },
		{ ATOMIC_COUNTER_OP_DEC_IF_POSITIVE, 0, 0, 0, -one, 0 },
		{ ATOMIC_COUNTER_OP_DEC_IF_POSITIVE, -one, 0, 0, -one - one, -one },
		/*
		 * INT64_MIN is not positive: left alone on every architecture
		 * (the kernel's generic fallback would store INT64_MAX), and
		 * the result is old - 1, wrapping, as the kernel's.
		 */
		{ ATOMIC_COUNTER_OP_DEC_IF_POSITIVE, v3, 0, 0, INT64_MAX, v3 },
		{ ATOMIC_COUNTER_OP_DEC_IF_POSITIVE, 1, 0, 0, 0, 0 },
		{ ATOMIC_COUNTER_OP_INC_NOT_ZERO, onestwos, 0, 0, 1, onestwos + one },
		{ ATOMIC_COUNTER_OP_INC_NOT_ZERO, 0, 0, 0, 0, 0 },
		{ ATOMIC_COUNTER_OP_INC_NOT_ZERO, -one, 0, 0, 1, 0 },
		{ ATOMIC_COUNTER_OP_INC_NOT_ZERO, v3, 0, 0, 1, v3 + one },
		{ ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE, 0, 0, 0, 1, 1 },
		{ ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE, -one, 0, 0, 0, -one },
		{ ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE, v3, 0, 0, 0, v3 },
		{ ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE, 0, 0, 0, 1, -one },
		{ ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE, one, 0, 0, 0, one },
		{ ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE, INT64_MAX, 0, 0, 0, INT64_MAX },
	};
	RUN_CASES(cases);
}

TEST_F(ops, and_test_and_negative)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_SUB_AND_TEST, 5, 5, 0, 1, 0 },
		{ ATOMIC_COUNTER_OP_SUB_AND_TEST, 5, 1, 0, 0, 4 },
		{ ATOMIC_COUNTER_OP_DEC_AND_TEST, 1, 0, 0, 1, 0 },
		{ ATOMIC_COUNTER_OP_DEC_AND_TEST, 2, 0, 0, 0, 1 },
		{ ATOMIC_COUNTER_OP_INC_AND_TEST, -one, 0, 0, 1, 0 },
		{ ATOMIC_COUNTER_OP_INC_AND_TEST, 0, 0, 0, 0, 1 },
		{ ATOMIC_COUNTER_OP_ADD_NEGATIVE, 0, -one, 0, 1, -one },
		{ ATOMIC_COUNTER_OP_ADD_NEGATIVE, 0, one, 0, 0, one },
		{ ATOMIC_COUNTER_OP_ADD_NEGATIVE, INT64_MAX, one, 0, 1, v3 },
	};
	RUN_CASES(cases);
}

TEST_F(ops, wrap_around_at_int64_limits)
{
	const struct op_case cases[] = {
		{ ATOMIC_COUNTER_OP_ADD_RETURN, INT64_MAX, one, 0, INT64_MIN, INT64_MIN },
		{ ATOMIC_COUNTER_OP_SUB_RETURN, INT64_MIN, one, 0, INT64_MAX, INT64_MAX },
		{ ATOMIC_COUNTER_OP_INC_RETURN, INT64_MAX, 0, 0, INT64_MIN, INT64_MIN },
		{ ATOMIC_COUNTER_OP_DEC_RETURN, INT64_MIN, 0, 0, INT64_MAX, INT64_MAX },
		{ ATOMIC_COUNTER_OP_FETCH_ADD, v3, -one, 0, v3, INT64_MAX },
		{ ATOMIC_COUNTER_OP_FETCH_SUB, INT64_MAX, -one, 0, INT64_MAX, v3 },
		{ ATOMIC_COUNTER_OP_ADD, INT64_MAX, INT64_MAX, 0, 0, -2 },
		{ ATOMIC_COUNTER_OP_SUB, 0, INT64_MIN, 0, 0, INT64_MIN },
		{ ATOMIC_COUNTER_OP_INC, -one, 0, 0, 0, 0 },
		{ ATOMIC_COUNTER_OP_DEC, 0, 0, 0, 0, -one },
	};
	RUN_CASES(cases);
}

/* A new opcode must be given its orderings here before it can pass. */
TEST(every_opcode_has_a_specification)
{
	uint32_t op;

	for (op = 0; op < ATOMIC_COUNTER_NR_OPS; op++) {
		EXPECT_TRUE(spec[op].name != NULL) TH_LOG("opcode %u has no specification", op);
		EXPECT_NE(0, spec[op].orders);
	}
}

TEST_HARNESS_MAIN
