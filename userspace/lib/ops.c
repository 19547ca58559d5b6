// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libatomic_counter: operations through the ioctls (one, a batch, a
 * striped counter's) and the names of opcodes and orderings. The fast
 * path is inline in <atomic_counter.h>.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

static const char *const op_names[ATOMIC_COUNTER_NR_OPS] = {
	[ATOMIC_COUNTER_OP_READ] = "read",
	[ATOMIC_COUNTER_OP_SET] = "set",
	[ATOMIC_COUNTER_OP_ADD] = "add",
	[ATOMIC_COUNTER_OP_SUB] = "sub",
	[ATOMIC_COUNTER_OP_INC] = "inc",
	[ATOMIC_COUNTER_OP_DEC] = "dec",
	[ATOMIC_COUNTER_OP_AND] = "and",
	[ATOMIC_COUNTER_OP_OR] = "or",
	[ATOMIC_COUNTER_OP_XOR] = "xor",
	[ATOMIC_COUNTER_OP_ANDNOT] = "andnot",
	[ATOMIC_COUNTER_OP_ADD_RETURN] = "add_return",
	[ATOMIC_COUNTER_OP_SUB_RETURN] = "sub_return",
	[ATOMIC_COUNTER_OP_INC_RETURN] = "inc_return",
	[ATOMIC_COUNTER_OP_DEC_RETURN] = "dec_return",
	[ATOMIC_COUNTER_OP_FETCH_ADD] = "fetch_add",
	[ATOMIC_COUNTER_OP_FETCH_SUB] = "fetch_sub",
	[ATOMIC_COUNTER_OP_FETCH_INC] = "fetch_inc",
	[ATOMIC_COUNTER_OP_FETCH_DEC] = "fetch_dec",
	[ATOMIC_COUNTER_OP_FETCH_AND] = "fetch_and",
	[ATOMIC_COUNTER_OP_FETCH_OR] = "fetch_or",
	[ATOMIC_COUNTER_OP_FETCH_XOR] = "fetch_xor",
	[ATOMIC_COUNTER_OP_FETCH_ANDNOT] = "fetch_andnot",
	[ATOMIC_COUNTER_OP_XCHG] = "xchg",
	[ATOMIC_COUNTER_OP_CMPXCHG] = "cmpxchg",
	[ATOMIC_COUNTER_OP_FETCH_MAX] = "fetch_max",
	[ATOMIC_COUNTER_OP_FETCH_MIN] = "fetch_min",
	[ATOMIC_COUNTER_OP_ADD_UNLESS] = "add_unless",
	[ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS] = "fetch_add_unless",
	[ATOMIC_COUNTER_OP_INC_NOT_ZERO] = "inc_not_zero",
	[ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE] = "inc_unless_negative",
	[ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE] = "dec_unless_positive",
	[ATOMIC_COUNTER_OP_DEC_IF_POSITIVE] = "dec_if_positive",
	[ATOMIC_COUNTER_OP_SUB_AND_TEST] = "sub_and_test",
	[ATOMIC_COUNTER_OP_DEC_AND_TEST] = "dec_and_test",
	[ATOMIC_COUNTER_OP_INC_AND_TEST] = "inc_and_test",
	[ATOMIC_COUNTER_OP_ADD_NEGATIVE] = "add_negative",
};

static const char *const order_names[ATOMIC_COUNTER_NR_ORDERS] = {
	[ATOMIC_COUNTER_FULL] = "full",
	[ATOMIC_COUNTER_RELAXED] = "relaxed",
	[ATOMIC_COUNTER_ACQUIRE] = "acquire",
	[ATOMIC_COUNTER_RELEASE] = "release",
};

const char *ac_op_name(uint32_t op)
{
	return op < ATOMIC_COUNTER_NR_OPS ? op_names[op] : NULL;
}

int ac_op_from_name(const char *name)
{
	int op;

	for (op = 0; op < ATOMIC_COUNTER_NR_OPS; op++)
		if (!strcmp(name, op_names[op]))
			return op;
	return -EINVAL;
}

const char *ac_order_name(uint32_t order)
{
	return order < ATOMIC_COUNTER_NR_ORDERS ? order_names[order] : NULL;
}

/* One request; every byte not an input is zero, as the module requires. */
static int op_ioctl(const struct ac_dev *dev, uint64_t index, uint32_t op, uint32_t order,
		    int64_t value, int64_t expected, uint32_t flags, int64_t *result)
{
	int fd = ac__fd(dev);
	struct atomic_counter_op o;

	if (fd < 0)
		return fd;
	memset(&o, 0, sizeof(o));
	o.index = index;
	o.op = op;
	o.order = order;
	o.value = value;
	o.expected = expected;
	o.flags = flags;
	if (ioctl(fd, ATOMIC_COUNTER_IOC_OP, &o) < 0)
		return -errno;
	if (result)
		*result = o.result;
	return 0;
}

int ac_op(const struct ac_dev *dev, uint64_t index, enum atomic_counter_opcode op,
	  ac_order_t order, int64_t value, int64_t expected, int64_t *result)
{
	return op_ioctl(dev, index, op, order.order, value, expected, 0, result);
}

int ac_op_cmpxchg(const struct ac_dev *dev, uint64_t index, int64_t old, int64_t new_,
		  ac_order_t order, int64_t *found)
{
	int64_t r = 0;
	int ret;

	/* The uapi's value is the new value, expected the old one. */
	ret = op_ioctl(dev, index, ATOMIC_COUNTER_OP_CMPXCHG, order.order, new_, old, 0, &r);
	if (ret)
		return ret;
	if (found)
		*found = r;
	return r == old;
}

int ac_batch(const struct ac_dev *dev, struct atomic_counter_op *ops, uint32_t count,
	     uint32_t *failed)
{
	int fd = ac__fd(dev);
	struct atomic_counter_batch b;
	uint32_t i;

	if (fd < 0)
		return fd;
	/*
	 * @failed and each result are output only, and refused unless zero
	 * (API 2): a reused array holds the last call's results.
	 */
	memset(&b, 0, sizeof(b));
	b.ops = (uintptr_t)ops;
	b.count = count;
	if (ops && count <= ATOMIC_COUNTER_BATCH_MAX)
		for (i = 0; i < count; i++)
			ops[i].result = 0;
	if (ioctl(fd, ATOMIC_COUNTER_IOC_BATCH, &b) < 0) {
		int ret = -errno;

		/* Not the module's answer: it never looked at an entry. */
		if (failed)
			*failed = ret == -ENOTTY ? ATOMIC_COUNTER_BATCH_NO_ENTRY : b.failed;
		return ret;
	}
	return 0;
}

int ac_op_striped(const struct ac_dev *dev, uint64_t index, enum atomic_counter_opcode op,
		  ac_order_t order, int64_t value, int64_t *result)
{
	return op_ioctl(dev, index, op, order.order, value, 0, ATOMIC_COUNTER_OP_STRIPED, result);
}

int ac_read_index(const struct ac_dev *dev, uint64_t index, int64_t *value)
{
	if (ac_is_striped(dev, index))
		return ac_op_striped(dev, index, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, value);
	return ac_op(dev, index, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, 0, value);
}

#ifdef AC_SHARED
/*
 * Programs linked against 0.2.0 and before pass the ordering as a plain
 * uint32_t: they keep these definitions (ac_op@ATOMIC_COUNTER_0,
 * ac_op_striped@ATOMIC_COUNTER_0.2); programs built now get the typed ones.
 */
AC_SYMVER(ac_op_untyped, "ac_op@ATOMIC_COUNTER_0")
int ac_op_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op, uint32_t order,
		  int64_t value, int64_t expected, int64_t *result);
int ac_op_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op, uint32_t order,
		  int64_t value, int64_t expected, int64_t *result)
{
	return op_ioctl(dev, index, op, order, value, expected, 0, result);
}

AC_SYMVER(ac_op_striped_untyped, "ac_op_striped@ATOMIC_COUNTER_0.2")
int ac_op_striped_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op,
			  uint32_t order, int64_t value, int64_t *result);
int ac_op_striped_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op,
			  uint32_t order, int64_t value, int64_t *result)
{
	return op_ioctl(dev, index, op, order, value, 0, ATOMIC_COUNTER_OP_STRIPED, result);
}

/* Programs linked against 0.4.0 and before: ac_batch without @failed. */
AC_SYMVER(ac_batch_v0, "ac_batch@ATOMIC_COUNTER_0")
int ac_batch_v0(const struct ac_dev *dev, struct atomic_counter_op *ops, uint32_t count);
int ac_batch_v0(const struct ac_dev *dev, struct atomic_counter_op *ops, uint32_t count)
{
	return ac_batch(dev, ops, count, NULL);
}
#endif
