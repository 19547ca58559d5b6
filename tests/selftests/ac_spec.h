/* SPDX-License-Identifier: MIT */
/*
 * The specification the module is held to, restated from
 * Documentation/atomic_t.txt and the uapi header's table rather than taken
 * from the module: the orderings each operation has, plain and in its
 * ATOMIC_COUNTER_OP_STRIPED form, and the operands it reads (any other
 * operand must be zero), and the rules for names. ops_test checks results
 * against it, the fuzzer predicts every errno with it.
 */
#ifndef AC_SPEC_H
#define AC_SPEC_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/atomic_counter.h>

#define F (1u << ATOMIC_COUNTER_FULL)
#define X (1u << ATOMIC_COUNTER_RELAXED)
#define A (1u << ATOMIC_COUNTER_ACQUIRE)
#define L (1u << ATOMIC_COUNTER_RELEASE)
#define USES_VALUE	1u
#define USES_EXPECTED	2u

static const struct {
	const char *name;
	unsigned int orders;
	unsigned int operands;
	unsigned int striped_orders;
} spec[ATOMIC_COUNTER_NR_OPS] = {
	[ATOMIC_COUNTER_OP_READ] = { "read", X | A, 0, X | A },
	[ATOMIC_COUNTER_OP_SET] = { "set", X | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_ADD] = { "add", X | F, USES_VALUE, X | F },
	[ATOMIC_COUNTER_OP_SUB] = { "sub", X | F, USES_VALUE, X | F },
	[ATOMIC_COUNTER_OP_INC] = { "inc", X | F, 0, X | F },
	[ATOMIC_COUNTER_OP_DEC] = { "dec", X | F, 0, X | F },
	[ATOMIC_COUNTER_OP_AND] = { "and", X | F, USES_VALUE },
	[ATOMIC_COUNTER_OP_OR] = { "or", X | F, USES_VALUE },
	[ATOMIC_COUNTER_OP_XOR] = { "xor", X | F, USES_VALUE },
	[ATOMIC_COUNTER_OP_ANDNOT] = { "andnot", X | F, USES_VALUE },
	[ATOMIC_COUNTER_OP_ADD_RETURN] = { "add_return", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_SUB_RETURN] = { "sub_return", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_INC_RETURN] = { "inc_return", F | X | A | L, 0 },
	[ATOMIC_COUNTER_OP_DEC_RETURN] = { "dec_return", F | X | A | L, 0 },
	[ATOMIC_COUNTER_OP_FETCH_ADD] = { "fetch_add", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_SUB] = { "fetch_sub", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_INC] = { "fetch_inc", F | X | A | L, 0 },
	[ATOMIC_COUNTER_OP_FETCH_DEC] = { "fetch_dec", F | X | A | L, 0 },
	[ATOMIC_COUNTER_OP_FETCH_AND] = { "fetch_and", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_OR] = { "fetch_or", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_XOR] = { "fetch_xor", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_ANDNOT] = { "fetch_andnot", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_XCHG] = { "xchg", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_CMPXCHG] = { "cmpxchg", F | X | A | L, USES_VALUE | USES_EXPECTED },
	[ATOMIC_COUNTER_OP_FETCH_MAX] = { "fetch_max", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_FETCH_MIN] = { "fetch_min", F | X | A | L, USES_VALUE },
	[ATOMIC_COUNTER_OP_ADD_UNLESS] = { "add_unless", F, USES_VALUE | USES_EXPECTED },
	[ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS] = { "fetch_add_unless", F, USES_VALUE | USES_EXPECTED },
	[ATOMIC_COUNTER_OP_INC_NOT_ZERO] = { "inc_not_zero", F, 0 },
	[ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE] = { "inc_unless_negative", F, 0 },
	[ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE] = { "dec_unless_positive", F, 0 },
	[ATOMIC_COUNTER_OP_DEC_IF_POSITIVE] = { "dec_if_positive", F, 0 },
	[ATOMIC_COUNTER_OP_SUB_AND_TEST] = { "sub_and_test", F, USES_VALUE },
	[ATOMIC_COUNTER_OP_DEC_AND_TEST] = { "dec_and_test", F, 0 },
	[ATOMIC_COUNTER_OP_INC_AND_TEST] = { "inc_and_test", F, 0 },
	[ATOMIC_COUNTER_OP_ADD_NEGATIVE] = { "add_negative", F, USES_VALUE },
};

/* Every index of the bank is below this. */
static inline uint64_t spec_total(const struct atomic_counter_info *info)
{
	return info->map_size / ATOMIC_COUNTER_SIZE;
}

/*
 * A striped counter: the first row of userspace's or the kernel's striped
 * region (which a private bank does not have: nr_kernel_striped 0).
 */
static inline bool spec_is_striped(const struct atomic_counter_info *info, uint64_t index)
{
	uint64_t user = info->named_first + info->nr_named;
	uint64_t kernel = info->kernel_first + info->nr_kernel;

	return (index >= user && index < user + info->nr_striped) ||
	       (index >= kernel && index < kernel + info->nr_kernel_striped);
}

/* An operation that returns nothing: one a write-only file may run. */
static inline bool spec_op_is_void(uint32_t op)
{
	return op >= ATOMIC_COUNTER_OP_SET && op <= ATOMIC_COUNTER_OP_ANDNOT;
}

/*
 * The errno (positive) a request must get, or 0 when it must succeed, on a
 * bank described by @info, through a file with or without read and write
 * access (see "Access modes" in the uapi header).
 */
static inline int spec_op_errno_mode(const struct atomic_counter_op *op,
				     const struct atomic_counter_info *info,
				     bool readable, bool writable)
{
	bool striped = op->flags & ATOMIC_COUNTER_OP_STRIPED;
	unsigned int orders;

	/* result is output only: zero on input. */
	if ((op->flags & ~ATOMIC_COUNTER_OP_STRIPED) || op->reserved || op->result)
		return EINVAL;
	if (op->op >= ATOMIC_COUNTER_NR_OPS || op->order >= ATOMIC_COUNTER_NR_ORDERS)
		return EINVAL;
	orders = striped ? spec[op->op].striped_orders : spec[op->op].orders;
	if (!(orders & (1u << op->order)))
		return EINVAL;
	if ((op->value && !(spec[op->op].operands & USES_VALUE)) ||
	    (op->expected && !(spec[op->op].operands & USES_EXPECTED)))
		return EINVAL;
	if (op->index >= spec_total(info))
		return EINVAL;
	if (striped && !spec_is_striped(info, op->index))
		return EINVAL;
	if (!spec_op_is_void(op->op) && !readable)
		return EBADF;
	if (op->op == ATOMIC_COUNTER_OP_READ)
		return 0;
	if (!writable)
		return EBADF;
	if (op->index >= info->kernel_first)
		return EPERM;	/* kernel counters are read-only */
	return 0;
}

/* As spec_op_errno_mode(), through a file open for reading. */
static inline int spec_op_errno(const struct atomic_counter_op *op,
				const struct atomic_counter_info *info, bool writable)
{
	return spec_op_errno_mode(op, info, true, writable);
}

/*
 * A well-formed name (see "Names" in the uapi header): 1 to NAME_MAX - 1
 * ASCII characters of [A-Za-z0-9_.:-], a letter or '_' first, zeroes after
 * the NUL. Spelt out rather than with <ctype.h>, whose answer depends on
 * the locale.
 */
static inline bool spec_name_valid(const char name[ATOMIC_COUNTER_NAME_MAX])
{
	int i, len;

	for (len = 0; len < ATOMIC_COUNTER_NAME_MAX && name[len]; len++)
		;
	if (!len || len == ATOMIC_COUNTER_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];
		bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
		bool other = (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '-';

		if (!letter && (i == 0 || !other))
			return false;
	}
	for (; i < ATOMIC_COUNTER_NAME_MAX; i++)
		if (name[i])
			return false;
	return true;
}

/* A name only kernel code can give a counter: CREATE of it is -EPERM unless registered. */
static inline bool spec_name_is_kernel(const char *name)
{
	return !strncmp(name, "kernel.", 7) || !strncmp(name, "atomic_counter.", 15);
}

#endif /* AC_SPEC_H */
