// SPDX-License-Identifier: GPL-2.0
/*
 * The operations: which (operation, ordering) pairs exist, the checks an
 * untrusted request passes before it touches a counter, and the one switch
 * that maps each pair onto its atomic64_*() primitive.
 *
 * Nothing here locks, allocates or sleeps: a request that passed
 * ac_op_check() runs as one kernel atomic on the bank.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/nospec.h>

#include "atomic_counter.h"
#include "atomic_counter_kernel.h"

#define ORDERS_ALL	(BIT(ATOMIC_COUNTER_FULL) | BIT(ATOMIC_COUNTER_RELAXED) | \
			 BIT(ATOMIC_COUNTER_ACQUIRE) | BIT(ATOMIC_COUNTER_RELEASE))
#define ORDERS_VOID	(BIT(ATOMIC_COUNTER_FULL) | BIT(ATOMIC_COUNTER_RELAXED))
#define ORDERS_FULL	BIT(ATOMIC_COUNTER_FULL)

/*
 * The operations that return nothing: a file without read access may run
 * them (see "Access modes" in the uapi header); every other one tells the
 * counter's value through its result.
 */
#define AC_OPS_VOID	(BIT_ULL(ATOMIC_COUNTER_OP_SET) | BIT_ULL(ATOMIC_COUNTER_OP_ADD) | \
			 BIT_ULL(ATOMIC_COUNTER_OP_SUB) | BIT_ULL(ATOMIC_COUNTER_OP_INC) | \
			 BIT_ULL(ATOMIC_COUNTER_OP_DEC) | BIT_ULL(ATOMIC_COUNTER_OP_AND) | \
			 BIT_ULL(ATOMIC_COUNTER_OP_OR) | BIT_ULL(ATOMIC_COUNTER_OP_XOR) | \
			 BIT_ULL(ATOMIC_COUNTER_OP_ANDNOT))

/* Operands an operation reads; any other operand must be zero. */
#define USES_VALUE	BIT(0)
#define USES_EXPECTED	BIT(1)

/* @striped_orders: orders of the ATOMIC_COUNTER_OP_STRIPED form, if any. */
struct ac_op_desc {
	u8 orders;
	u8 operands;
	u8 striped_orders;
};

/* The table in the uapi header's documentation, in data. */
static const struct ac_op_desc ac_ops[ATOMIC_COUNTER_NR_OPS] = {
	[ATOMIC_COUNTER_OP_READ] = {
		BIT(ATOMIC_COUNTER_RELAXED) | BIT(ATOMIC_COUNTER_ACQUIRE), 0,
		BIT(ATOMIC_COUNTER_RELAXED) | BIT(ATOMIC_COUNTER_ACQUIRE) },
	[ATOMIC_COUNTER_OP_SET] = {
		BIT(ATOMIC_COUNTER_RELAXED) | BIT(ATOMIC_COUNTER_RELEASE),
		USES_VALUE },
	[ATOMIC_COUNTER_OP_ADD]			= { ORDERS_VOID, USES_VALUE, ORDERS_VOID },
	[ATOMIC_COUNTER_OP_SUB]			= { ORDERS_VOID, USES_VALUE, ORDERS_VOID },
	[ATOMIC_COUNTER_OP_INC]			= { ORDERS_VOID, 0, ORDERS_VOID },
	[ATOMIC_COUNTER_OP_DEC]			= { ORDERS_VOID, 0, ORDERS_VOID },
	[ATOMIC_COUNTER_OP_AND]			= { ORDERS_VOID, USES_VALUE },
	[ATOMIC_COUNTER_OP_OR]			= { ORDERS_VOID, USES_VALUE },
	[ATOMIC_COUNTER_OP_XOR]			= { ORDERS_VOID, USES_VALUE },
	[ATOMIC_COUNTER_OP_ANDNOT]		= { ORDERS_VOID, USES_VALUE },
	[ATOMIC_COUNTER_OP_ADD_RETURN]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_SUB_RETURN]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_INC_RETURN]		= { ORDERS_ALL, 0 },
	[ATOMIC_COUNTER_OP_DEC_RETURN]		= { ORDERS_ALL, 0 },
	[ATOMIC_COUNTER_OP_FETCH_ADD]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_SUB]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_INC]		= { ORDERS_ALL, 0 },
	[ATOMIC_COUNTER_OP_FETCH_DEC]		= { ORDERS_ALL, 0 },
	[ATOMIC_COUNTER_OP_FETCH_AND]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_OR]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_XOR]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_ANDNOT]	= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_XCHG]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_CMPXCHG] = {
		ORDERS_ALL, USES_VALUE | USES_EXPECTED },
	[ATOMIC_COUNTER_OP_FETCH_MAX]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_MIN]		= { ORDERS_ALL, USES_VALUE },
	[ATOMIC_COUNTER_OP_ADD_UNLESS] = {
		ORDERS_FULL, USES_VALUE | USES_EXPECTED },
	[ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS] = {
		ORDERS_FULL, USES_VALUE | USES_EXPECTED },
	[ATOMIC_COUNTER_OP_INC_NOT_ZERO]	= { ORDERS_FULL, 0 },
	[ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE]	= { ORDERS_FULL, 0 },
	[ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE]	= { ORDERS_FULL, 0 },
	[ATOMIC_COUNTER_OP_DEC_IF_POSITIVE]	= { ORDERS_FULL, 0 },
	[ATOMIC_COUNTER_OP_SUB_AND_TEST]	= { ORDERS_FULL, USES_VALUE },
	[ATOMIC_COUNTER_OP_DEC_AND_TEST]	= { ORDERS_FULL, 0 },
	[ATOMIC_COUNTER_OP_INC_AND_TEST]	= { ORDERS_FULL, 0 },
	[ATOMIC_COUNTER_OP_ADD_NEGATIVE]	= { ORDERS_FULL, USES_VALUE },
};

/**
 * ac_supported_ops() - bitmask of the opcodes this module implements
 *
 * Return: bit n set for each opcode n, for &atomic_counter_info.ops.
 */
u64 ac_supported_ops(void)
{
	return GENMASK_ULL(ATOMIC_COUNTER_NR_OPS - 1, 0);
}

/**
 * ac_is_striped() - whether @index is a striped counter (its CPU 0 slot)
 * @bank: the bank
 * @index: any index
 *
 * Return: true for the first row of either striped region (a private
 * bank's kernel striped region is empty).
 */
bool ac_is_striped(const struct ac_bank *bank, u64 index)
{
	return (index >= bank->striped_first &&
		index < bank->striped_first + bank->nr_striped) ||
	       (index >= bank->kernel_striped_first &&
		index < bank->kernel_striped_first + bank->nr_kernel_striped);
}

/* The sum of a striped counter, read relaxed or with ACQUIRE. */
static s64 ac_striped_sum(const struct ac_bank *bank, const atomic64_t *first, bool acquire)
{
	return __atomic_counter_sum(first, bank->nr_striped, bank->nr_stripes, acquire);
}

/**
 * ac_counter_value() - the value of a counter, for the text view and waiters
 * @bank: the bank
 * @index: an index below @bank->total
 *
 * Return: the counter, or the sum of a striped counter's slots.
 */
s64 ac_counter_value(const struct ac_bank *bank, u64 index)
{
	const atomic64_t *v = &bank->counters[index];

	return ac_is_striped(bank, index) ? ac_striped_sum(bank, v, false) : atomic64_read(v);
}

/**
 * ac_op_check() - validate one untrusted request
 * @bank: the bank it is for
 * @op: the request, already copied from userspace
 * @mode: the file's f_mode: FMODE_READ and FMODE_WRITE say what it may do
 *
 * Everything a request can get wrong is caught here, before any counter is
 * touched, so that a rejected request changes nothing.
 *
 * Return: 0, -EINVAL for a malformed request (@result, an output, must be
 * zero), -EBADF for an operation that returns a value through a file
 * without read access or one that writes through a file without write
 * access, or -EPERM for a write to a kernel counter.
 */
int ac_op_check(const struct ac_bank *bank, const struct atomic_counter_op *op, fmode_t mode)
{
	bool striped = op->flags & ATOMIC_COUNTER_OP_STRIPED;
	const struct ac_op_desc *desc;
	u8 orders;

	if ((op->flags & ~ATOMIC_COUNTER_OP_STRIPED) || op->reserved || op->result)
		return -EINVAL;
	if (op->op >= ATOMIC_COUNTER_NR_OPS ||
	    op->order >= ATOMIC_COUNTER_NR_ORDERS)
		return -EINVAL;
	desc = &ac_ops[array_index_nospec(op->op, ATOMIC_COUNTER_NR_OPS)];
	orders = striped ? desc->striped_orders : desc->orders;
	if (!(orders & BIT(op->order)))
		return -EINVAL;
	if ((op->value && !(desc->operands & USES_VALUE)) ||
	    (op->expected && !(desc->operands & USES_EXPECTED)))
		return -EINVAL;
	if (op->index >= bank->total)
		return -EINVAL;
	if (striped && !ac_is_striped(bank, op->index))
		return -EINVAL;
	if (!(AC_OPS_VOID & BIT_ULL(op->op)) && !(mode & FMODE_READ))
		return -EBADF;
	if (op->op == ATOMIC_COUNTER_OP_READ)
		return 0;
	if (!(mode & FMODE_WRITE))
		return -EBADF;
	/* Userspace reads kernel counters and never forges them. */
	if (op->index >= bank->kernel_first)
		return -EPERM;
	return 0;
}

static bool ac_try_cmpxchg(atomic64_t *v, s64 *old, s64 new, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_try_cmpxchg_relaxed(v, old, new);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_try_cmpxchg_acquire(v, old, new);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_try_cmpxchg_release(v, old, new);
	default:
		return atomic64_try_cmpxchg(v, old, new);
	}
}

/*
 * The kernel has no fetch_max: a try_cmpxchg loop stores max(old, i), or
 * min(old, i) for @is_max false, with the ordering asked for when it stores.
 * When the counter is already past @i the operation is a read, and that
 * read is ordered as far as a read can be: ACQUIRE through
 * smp_acquire__after_ctrl_dep() (the branch on the value is the control
 * dependency, as in smp_cond_load_acquire(); the LKMM does not model it),
 * fully ordered by an smp_mb() before a fresh read and one after it, so
 * that a high-water mark that does not move still orders like a fence.
 * RELAXED and RELEASE reads are unordered. The store path keeps its one
 * fully ordered cmpxchg; only the read-only exit pays the barriers.
 */
static s64 ac_fetch_bound(atomic64_t *v, s64 i, u32 order, bool is_max)
{
	s64 old = atomic64_read(v);
	bool fenced = false;

	for (;;) {
		if (is_max ? old < i : old > i) {
			if (ac_try_cmpxchg(v, &old, i, order))
				return old;
			continue;
		}
		if (order == ATOMIC_COUNTER_ACQUIRE)
			smp_acquire__after_ctrl_dep();
		if (order != ATOMIC_COUNTER_FULL)
			return old;
		if (fenced) {
			smp_mb();	/* the deciding read before later accesses */
			return old;
		}
		smp_mb();	/* earlier accesses before the read that decides */
		fenced = true;
		old = atomic64_read(v);
	}
}

/*
 * atomic64_dec_if_positive() is documented as "if (@v > 0)", but the
 * generic fallback (x86, among others) tests old - 1 >= 0, which wraps for
 * INT64_MIN and stores INT64_MAX, while arm64's own version sees the
 * overflow and stores nothing. One answer on every architecture: the
 * documented one, stored only when old > 0; the result is old - 1
 * (wrapping) either way, as the kernel's. Fully ordered when it stores; a
 * counter it leaves alone gets no ordering, as a failed cmpxchg.
 */
static s64 ac_dec_if_positive(atomic64_t *v)
{
	s64 old = atomic64_read(v);

	do {
		if (old <= 0)
			break;
	} while (!atomic64_try_cmpxchg(v, &old, old - 1));
	return (s64)((u64)old - 1);
}

/*
 * atomic_t.txt: a void RMW operation is unordered, and
 * smp_mb__{before,after}_atomic() upgrade it to fully ordered.
 */
static void ac_void_begin(u32 order)
{
	if (order != ATOMIC_COUNTER_FULL)
		return;
	/* Orders earlier accesses before the RMW, as the F ordering promises. */
	smp_mb__before_atomic();
}

static void ac_void_end(u32 order)
{
	if (order != ATOMIC_COUNTER_FULL)
		return;
	/* Orders the RMW before later accesses, the other half of F. */
	smp_mb__after_atomic();
}

static s64 ac_void_op(atomic64_t *v, u32 opcode, u32 order, s64 i)
{
	ac_void_begin(order);
	switch (opcode) {
	case ATOMIC_COUNTER_OP_ADD:
		atomic64_add(i, v);
		break;
	case ATOMIC_COUNTER_OP_SUB:
		atomic64_sub(i, v);
		break;
	case ATOMIC_COUNTER_OP_INC:
		atomic64_inc(v);
		break;
	case ATOMIC_COUNTER_OP_DEC:
		atomic64_dec(v);
		break;
	case ATOMIC_COUNTER_OP_AND:
		atomic64_and(i, v);
		break;
	case ATOMIC_COUNTER_OP_OR:
		atomic64_or(i, v);
		break;
	case ATOMIC_COUNTER_OP_XOR:
		atomic64_xor(i, v);
		break;
	case ATOMIC_COUNTER_OP_ANDNOT:
		atomic64_andnot(i, v);
		break;
	}
	ac_void_end(order);
	return 0;
}

static s64 ac_add_return(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_add_return_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_add_return_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_add_return_release(i, v);
	default:
		return atomic64_add_return(i, v);
	}
}

static s64 ac_sub_return(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_sub_return_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_sub_return_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_sub_return_release(i, v);
	default:
		return atomic64_sub_return(i, v);
	}
}

static s64 ac_inc_return(atomic64_t *v, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_inc_return_relaxed(v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_inc_return_acquire(v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_inc_return_release(v);
	default:
		return atomic64_inc_return(v);
	}
}

static s64 ac_dec_return(atomic64_t *v, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_dec_return_relaxed(v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_dec_return_acquire(v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_dec_return_release(v);
	default:
		return atomic64_dec_return(v);
	}
}

static s64 ac_fetch_add(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_add_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_add_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_add_release(i, v);
	default:
		return atomic64_fetch_add(i, v);
	}
}

static s64 ac_fetch_sub(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_sub_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_sub_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_sub_release(i, v);
	default:
		return atomic64_fetch_sub(i, v);
	}
}

static s64 ac_fetch_inc(atomic64_t *v, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_inc_relaxed(v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_inc_acquire(v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_inc_release(v);
	default:
		return atomic64_fetch_inc(v);
	}
}

static s64 ac_fetch_dec(atomic64_t *v, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_dec_relaxed(v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_dec_acquire(v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_dec_release(v);
	default:
		return atomic64_fetch_dec(v);
	}
}

static s64 ac_fetch_and(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_and_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_and_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_and_release(i, v);
	default:
		return atomic64_fetch_and(i, v);
	}
}

static s64 ac_fetch_or(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_or_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_or_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_or_release(i, v);
	default:
		return atomic64_fetch_or(i, v);
	}
}

static s64 ac_fetch_xor(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_xor_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_xor_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_xor_release(i, v);
	default:
		return atomic64_fetch_xor(i, v);
	}
}

static s64 ac_fetch_andnot(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_fetch_andnot_relaxed(i, v);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_fetch_andnot_acquire(i, v);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_fetch_andnot_release(i, v);
	default:
		return atomic64_fetch_andnot(i, v);
	}
}

static s64 ac_xchg(atomic64_t *v, s64 i, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_xchg_relaxed(v, i);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_xchg_acquire(v, i);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_xchg_release(v, i);
	default:
		return atomic64_xchg(v, i);
	}
}

static s64 ac_cmpxchg(atomic64_t *v, s64 old, s64 new, u32 order)
{
	switch (order) {
	case ATOMIC_COUNTER_RELAXED:
		return atomic64_cmpxchg_relaxed(v, old, new);
	case ATOMIC_COUNTER_ACQUIRE:
		return atomic64_cmpxchg_acquire(v, old, new);
	case ATOMIC_COUNTER_RELEASE:
		return atomic64_cmpxchg_release(v, old, new);
	default:
		return atomic64_cmpxchg(v, old, new);
	}
}

/**
 * ac_op_apply() - run one checked request on the bank
 * @bank: the bank it was checked against
 * @op: a request that passed ac_op_check(); its @result is filled in
 *
 * The single place where an (operation, ordering) pair becomes a kernel
 * atomic64 primitive, as tabulated in the uapi header. A striped request
 * reads the sum, or updates this CPU's slot like any word.
 */
void ac_op_apply(struct ac_bank *bank, struct atomic_counter_op *op)
{
	atomic64_t *v = &bank->counters[array_index_nospec(op->index, bank->total)];
	s64 i = op->value;
	s64 u = op->expected;
	u32 order = op->order;
	s64 r;

	if (op->flags & ATOMIC_COUNTER_OP_STRIPED) {
		if (op->op == ATOMIC_COUNTER_OP_READ) {
			op->result = ac_striped_sum(bank, v, order == ATOMIC_COUNTER_ACQUIRE);
			return;
		}
		v = __atomic_counter_slot(v, bank->nr_striped);
	}

	switch (op->op) {
	case ATOMIC_COUNTER_OP_READ:
		if (order == ATOMIC_COUNTER_ACQUIRE)
			r = atomic64_read_acquire(v);
		else
			r = atomic64_read(v);
		break;
	case ATOMIC_COUNTER_OP_SET:
		if (order == ATOMIC_COUNTER_RELEASE)
			atomic64_set_release(v, i);
		else
			atomic64_set(v, i);
		r = 0;
		break;
	case ATOMIC_COUNTER_OP_ADD:
	case ATOMIC_COUNTER_OP_SUB:
	case ATOMIC_COUNTER_OP_INC:
	case ATOMIC_COUNTER_OP_DEC:
	case ATOMIC_COUNTER_OP_AND:
	case ATOMIC_COUNTER_OP_OR:
	case ATOMIC_COUNTER_OP_XOR:
	case ATOMIC_COUNTER_OP_ANDNOT:
		r = ac_void_op(v, op->op, order, i);
		break;
	case ATOMIC_COUNTER_OP_ADD_RETURN:
		r = ac_add_return(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_SUB_RETURN:
		r = ac_sub_return(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_INC_RETURN:
		r = ac_inc_return(v, order);
		break;
	case ATOMIC_COUNTER_OP_DEC_RETURN:
		r = ac_dec_return(v, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_ADD:
		r = ac_fetch_add(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_SUB:
		r = ac_fetch_sub(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_INC:
		r = ac_fetch_inc(v, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_DEC:
		r = ac_fetch_dec(v, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_AND:
		r = ac_fetch_and(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_OR:
		r = ac_fetch_or(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_XOR:
		r = ac_fetch_xor(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_ANDNOT:
		r = ac_fetch_andnot(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_XCHG:
		r = ac_xchg(v, i, order);
		break;
	case ATOMIC_COUNTER_OP_CMPXCHG:
		r = ac_cmpxchg(v, u, i, order);
		break;
	case ATOMIC_COUNTER_OP_FETCH_MAX:
		r = ac_fetch_bound(v, i, order, true);
		break;
	case ATOMIC_COUNTER_OP_FETCH_MIN:
		r = ac_fetch_bound(v, i, order, false);
		break;
	case ATOMIC_COUNTER_OP_ADD_UNLESS:
		r = atomic64_add_unless(v, i, u);
		break;
	case ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS:
		r = atomic64_fetch_add_unless(v, i, u);
		break;
	case ATOMIC_COUNTER_OP_INC_NOT_ZERO:
		r = atomic64_inc_not_zero(v);
		break;
	case ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE:
		r = atomic64_inc_unless_negative(v);
		break;
	case ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE:
		r = atomic64_dec_unless_positive(v);
		break;
	case ATOMIC_COUNTER_OP_DEC_IF_POSITIVE:
		r = ac_dec_if_positive(v);
		break;
	case ATOMIC_COUNTER_OP_SUB_AND_TEST:
		r = atomic64_sub_and_test(i, v);
		break;
	case ATOMIC_COUNTER_OP_DEC_AND_TEST:
		r = atomic64_dec_and_test(v);
		break;
	case ATOMIC_COUNTER_OP_INC_AND_TEST:
		r = atomic64_inc_and_test(v);
		break;
	case ATOMIC_COUNTER_OP_ADD_NEGATIVE:
		r = atomic64_add_negative(i, v);
		break;
	default:
		/* ac_op_check() lets no other opcode through. */
		WARN_ON_ONCE(1);
		r = 0;
		break;
	}
	op->result = r;
}
