// SPDX-License-Identifier: GPL-2.0
/*
 * The ordering proof's kernel probe: kmod/ops.c itself (included, not
 * copied) and, for every (operation, ordering) pair, one function that runs
 * ac_op_apply() with that pair as constants. Flattened, each function holds
 * only the code its pair reaches, so its disassembly shows which atomic
 * instruction (LSE and LL/SC) the module runs for it: see
 * tests/ordering/check_orderings.py. Built as an object, never loaded.
 */
#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <asm/cpucaps.h>

#ifdef AC_PLANT_ORDER_SWAP
/*
 * The planted mapping bug the proof must catch: ops.c's FETCH_ADD with
 * ACQUIRE runs the release primitive and RELEASE the acquire one.
 */
static __always_inline s64 acp_real_fetch_add_acquire(s64 i, atomic64_t *v)
{
	return atomic64_fetch_add_acquire(i, v);
}

static __always_inline s64 acp_real_fetch_add_release(s64 i, atomic64_t *v)
{
	return atomic64_fetch_add_release(i, v);
}

#define atomic64_fetch_add_acquire(i, v) acp_real_fetch_add_release(i, v)
#define atomic64_fetch_add_release(i, v) acp_real_fetch_add_acquire(i, v)
#endif

#include "ops.c"

/* Every opcode, in enum order; the count is checked below. */
#define ACP_OPS(X) \
	X(READ) X(SET) X(ADD) X(SUB) X(INC) X(DEC) X(AND) X(OR) X(XOR) \
	X(ANDNOT) X(ADD_RETURN) X(SUB_RETURN) X(INC_RETURN) X(DEC_RETURN) \
	X(FETCH_ADD) X(FETCH_SUB) X(FETCH_INC) X(FETCH_DEC) X(FETCH_AND) \
	X(FETCH_OR) X(FETCH_XOR) X(FETCH_ANDNOT) X(XCHG) X(CMPXCHG) \
	X(FETCH_MAX) X(FETCH_MIN) X(ADD_UNLESS) X(FETCH_ADD_UNLESS) \
	X(INC_NOT_ZERO) X(INC_UNLESS_NEGATIVE) X(DEC_UNLESS_POSITIVE) \
	X(DEC_IF_POSITIVE) X(SUB_AND_TEST) X(DEC_AND_TEST) X(INC_AND_TEST) \
	X(ADD_NEGATIVE)

#define ACP_COUNT(name) + 1
/* A new opcode without a probe fails the build, not the proof. */
static_assert(0 ACP_OPS(ACP_COUNT) == ATOMIC_COUNTER_NR_OPS);

/*
 * The operands are arguments, so that no pair folds to a constant; the
 * opcode and ordering are constants, so that only their path remains.
 */
#define ACP_PROBE(name, ord)						\
static noinline __used __attribute__((__flatten__)) s64			\
acp_##name##__##ord(struct ac_bank *bank, s64 value, s64 expected)	\
{									\
	struct atomic_counter_op op = {					\
		.op = ATOMIC_COUNTER_##name,				\
		.order = ATOMIC_COUNTER_##ord,				\
		.value = value,						\
		.expected = expected,					\
	};								\
									\
	ac_op_apply(bank, &op);						\
	return op.result;						\
}

/* OP_##name: READ is a macro of the kernel's, OP_READ is not. */
#define ACP_PROBES(name)		\
	ACP_PROBE(OP_##name, FULL)	\
	ACP_PROBE(OP_##name, RELAXED)	\
	ACP_PROBE(OP_##name, ACQUIRE)	\
	ACP_PROBE(OP_##name, RELEASE)

ACP_OPS(ACP_PROBES)

/*
 * What the checker reads besides code: the cpucap number the LSE
 * alternatives carry, and where each entry's accepted orderings sit in
 * ops.c's ac_ops[] (compared with the uapi header's table).
 */
static const u16 acp_lse_cap __used = ARM64_HAS_LSE_ATOMICS;
static const u8 acp_desc_layout[] __used = {
	sizeof(struct ac_op_desc), offsetof(struct ac_op_desc, orders),
	ATOMIC_COUNTER_NR_OPS,
};
