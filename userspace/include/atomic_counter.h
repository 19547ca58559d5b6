/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libatomic_counter: counters shared by processes and the kernel, through
 * /dev/atomic_counter.
 *
 * Two ways to reach a counter, on the same memory:
 *  - ac_op() and ac_batch(): the module's ioctls, every atomic64 operation
 *    in every ordering the kernel gives it (see <linux/atomic_counter.h>);
 *  - the fast path: ac_counter() returns a pointer into the mapped bank and
 *    the inline ac_<op>[_<order>]() functions below operate on it with one
 *    C11 atomic instruction and no system call.
 *
 * Names follow the kernel's atomic API (Documentation/atomic_t.txt):
 * fetch_<op> returns the old value, <op>_return the new one; the suffixes
 * _relaxed, _acquire and _release give those orderings, and no suffix is
 * fully ordered (seq_cst). Arguments come in the kernel's order: the
 * operand first, the counter last, and cmpxchg(v, old, new).
 *
 * Errors are negative errno values. The fast path does no checking: a
 * pointer from ac_counter() is valid until ac_close().
 */
#ifndef ATOMIC_COUNTER_H
#define ATOMIC_COUNTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/atomic_counter.h>

#if defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>	/* glibc 2.35: the thread's rseq area, for ac_cpu() */
#define AC_HAVE_RSEQ 1
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define AC_DEFAULT_DEVICE "/dev/atomic_counter"

/** One counter in the mapped bank: the kernel's own atomic64_t word. */
typedef _Atomic int64_t ac_counter_t;

/**
 * struct ac_dev - an open device
 * @fd: the file descriptor
 * @info: what the module said in the handshake
 * @bank: the mapped bank (info.map_size bytes), or NULL when not mapped
 * @writable: opened for writing
 */
struct ac_dev {
	int fd;
	struct atomic_counter_info info;
	ac_counter_t *bank;
	bool writable;
};

/* Flags for ac_open(). */
#define AC_OPEN_READONLY	(1 << 0)	/* O_RDONLY: reads only, read-only map */
/* (The kernel's region is always mapped read-only.) */
#define AC_OPEN_NOMAP		(1 << 1)	/* do not map the bank */

/**
 * ac_open() - open the device, check its ABI and map the bank
 * @dev: filled in on success
 * @path: device node, or NULL for $ATOMIC_COUNTER_DEVICE or the default
 * @flags: AC_OPEN_* flags
 *
 * Return: 0, or -errno: -ENOENT when the module is not loaded, -EACCES
 * without permission, -EPROTO when the module speaks another ABI version.
 */
int ac_open(struct ac_dev *dev, const char *path, int flags);

/** ac_close() - unmap and close; pointers into the bank become invalid. */
void ac_close(struct ac_dev *dev);

/**
 * ac_op() - one operation through the ioctl
 * @dev: the device
 * @index: counter index
 * @op: an enum atomic_counter_opcode
 * @order: an enum atomic_counter_order
 * @value: operand (the kernel's i, new or a)
 * @expected: cmpxchg's old, add_unless's u; 0 for other operations
 * @result: where to store what the kernel primitive returned, or NULL
 *
 * Return: 0 or -errno (-EINVAL for a bad index, operation or ordering,
 * -EBADF for a write through a read-only device).
 */
int ac_op(const struct ac_dev *dev, uint64_t index, uint32_t op, uint32_t order,
	  int64_t value, int64_t expected, int64_t *result);

/**
 * ac_batch() - up to ATOMIC_COUNTER_BATCH_MAX operations in one call
 *
 * All are checked before any is applied; each op's result is filled in.
 * Return: 0 or -errno.
 */
int ac_batch(const struct ac_dev *dev, struct atomic_counter_op *ops, uint32_t count);

/**
 * ac_op_striped() - ADD, SUB, INC, DEC or READ of a striped counter
 *	through the ioctl (ATOMIC_COUNTER_OP_STRIPED): updates go to the slot
 *	of the CPU the call runs on, READ returns the sum
 * Return: 0 or -errno (-EINVAL when @index is not a striped counter).
 */
int ac_op_striped(const struct ac_dev *dev, uint64_t index, uint32_t op, uint32_t order,
		  int64_t value, int64_t *result);

/**
 * ac_read_index() - read a counter through the ioctl (relaxed); the sum
 * of a striped counter's slots
 */
int ac_read_index(const struct ac_dev *dev, uint64_t index, int64_t *value);

/** ac_nr_total() - every counter's index is below this (all the regions). */
static inline uint64_t ac_nr_total(const struct ac_dev *dev)
{
	return dev->info.map_size / ATOMIC_COUNTER_SIZE;
}

/*
 * The CPU row of @index in a striped region (0: a striped counter itself,
 * its CPU 0 slot), or -1 outside both; see "Striped counters" in
 * <linux/atomic_counter.h>.
 */
static inline int64_t ac_striped_row(const struct ac_dev *dev, uint64_t index)
{
	const struct atomic_counter_info *i = &dev->info;
	uint64_t firsts[2] = { i->named_first + i->nr_named, i->kernel_first + i->nr_kernel };
	uint64_t size = i->nr_striped * i->nr_stripes;
	int r;

	for (r = 0; r < 2; r++)
		if (index >= firsts[r] && index < firsts[r] + size)
			return (int64_t)((index - firsts[r]) / i->nr_striped);
	return -1;
}

/** ac_is_striped() - whether @index is a striped counter (its CPU 0 slot) */
static inline bool ac_is_striped(const struct ac_dev *dev, uint64_t index)
{
	return ac_striped_row(dev, index) == 0;
}

/**
 * ac_is_slot() - whether @index is a slot of a striped counter other than
 * its CPU 0 slot: a part of a counter, not a counter of its own
 */
static inline bool ac_is_slot(const struct ac_dev *dev, uint64_t index)
{
	return ac_striped_row(dev, index) > 0;
}

/**
 * ac_counter() - pointer to a counter in the mapped bank
 *
 * Counters of the kernel's region are mapped read-only: writing through
 * their pointer kills the process with SIGSEGV.
 * Return: the counter, or NULL when @index is out of range or the bank is
 * not mapped.
 */
static inline ac_counter_t *ac_counter(const struct ac_dev *dev, uint64_t index)
{
	if (!dev->bank || index >= ac_nr_total(dev))
		return NULL;
	return &dev->bank[index];
}

/*
 * Named counters (see "Names" in <linux/atomic_counter.h>).
 */

/**
 * ac_name_create() - create a named counter, or open it if it exists
 * @flags: ATOMIC_COUNTER_NAME_EXCL to fail with -EEXIST instead;
 *	ATOMIC_COUNTER_NAME_STRIPED for a striped counter
 * @index: set to the counter's index
 * Return: 1 when created, 0 when opened, or -errno.
 */
int ac_name_create(const struct ac_dev *dev, const char *name, uint64_t flags, uint64_t *index);
/** ac_name_lookup() - the index of a name (and its owner, if @owner). */
int ac_name_lookup(const struct ac_dev *dev, const char *name, uint64_t *index, uint32_t *owner);
/** ac_name_delete() - delete a user counter's name (-EPERM for the kernel's). */
int ac_name_delete(const struct ac_dev *dev, const char *name);
/**
 * ac_name_next() - the named counter with the lowest index at or above @from
 * Return: 0 with *@out filled, -ENOENT when there is none, or -errno.
 */
int ac_name_next(const struct ac_dev *dev, uint64_t from, struct atomic_counter_name *out);
/*
 * Waiting (see "Waiting" in <linux/atomic_counter.h>).
 */

/**
 * ac_wait() - block until counter @index satisfies @cond against @value
 * (the sum of its slots, for a striped counter)
 * @timeout_ns: nanoseconds at most; 0 checks once; negative waits for ever
 * @seen: if not NULL, the value that satisfied the condition
 * Return: 0, -ETIMEDOUT, -EINTR, or -errno.
 */
int ac_wait(const struct ac_dev *dev, uint64_t index, uint32_t cond, int64_t value,
	    int64_t timeout_ns, int64_t *seen);
/**
 * ac_wake() - after updating counter @index on the page, wake its waiters
 *
 * Costs a read of the waiter count on the page and, only when someone
 * waits, one system call.
 * Return: 0 or -errno.
 */
int ac_wake(const struct ac_dev *dev, uint64_t index);
/**
 * ac_arm() - make poll() on dev->fd report POLLIN while the condition holds
 * (on the sum, for a striped counter)
 */
int ac_arm(const struct ac_dev *dev, uint64_t index, uint32_t cond, int64_t value);

/**
 * ac_resolve() - an index from a number ("12", "0x10") or a name
 * Return: 0, -ENOENT for an unknown name, -ERANGE for a number out of
 * range, -EINVAL for something that is neither.
 */
int ac_resolve(const struct ac_dev *dev, const char *name_or_index, uint64_t *index);

/** ac_op_name() - the kernel's name of an opcode ("fetch_add"), or NULL. */
const char *ac_op_name(uint32_t op);
/** ac_op_from_name() - the opcode of a name, or -EINVAL. */
int ac_op_from_name(const char *name);
/** ac_order_name() - "full", "relaxed", "acquire" or "release", or NULL. */
const char *ac_order_name(uint32_t order);
/** ac_version() - the library's version string. */
const char *ac_version(void);

/*
 * The fast path. Each function is one C11 atomic on the shared word, so it
 * never loses an update made by another process on the page or by the
 * module through an ioctl.
 */

static inline int64_t ac_read(ac_counter_t *v)
{ return atomic_load_explicit(v, memory_order_relaxed); }
static inline int64_t ac_read_acquire(ac_counter_t *v)
{ return atomic_load_explicit(v, memory_order_acquire); }

static inline void ac_set(ac_counter_t *v, int64_t i)
{ atomic_store_explicit(v, i, memory_order_relaxed); }
static inline void ac_set_release(ac_counter_t *v, int64_t i)
{ atomic_store_explicit(v, i, memory_order_release); }

/* Void operations: unordered by default, as the kernel's; _full orders them. */
static inline void ac_add(int64_t i, ac_counter_t *v)
{ atomic_fetch_add_explicit(v, i, memory_order_relaxed); }
static inline void ac_add_full(int64_t i, ac_counter_t *v)
{ atomic_fetch_add_explicit(v, i, memory_order_seq_cst); }
static inline void ac_sub(int64_t i, ac_counter_t *v)
{ atomic_fetch_sub_explicit(v, i, memory_order_relaxed); }
static inline void ac_sub_full(int64_t i, ac_counter_t *v)
{ atomic_fetch_sub_explicit(v, i, memory_order_seq_cst); }
static inline void ac_inc(ac_counter_t *v)
{ atomic_fetch_add_explicit(v, 1, memory_order_relaxed); }
static inline void ac_inc_full(ac_counter_t *v)
{ atomic_fetch_add_explicit(v, 1, memory_order_seq_cst); }
static inline void ac_dec(ac_counter_t *v)
{ atomic_fetch_sub_explicit(v, 1, memory_order_relaxed); }
static inline void ac_dec_full(ac_counter_t *v)
{ atomic_fetch_sub_explicit(v, 1, memory_order_seq_cst); }

/*
 * The value-returning operations, each in the four orderings. Arithmetic is
 * done on uint64_t so that wrapping at INT64_MAX is defined, as in the
 * kernel (C11 atomic arithmetic on signed types wraps as well).
 */
static inline int64_t ac_fetch_add_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{ return atomic_fetch_add_explicit(v, i, mo); }
static inline int64_t ac_fetch_sub_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{ return atomic_fetch_sub_explicit(v, i, mo); }
static inline int64_t ac_fetch_and_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{ return atomic_fetch_and_explicit(v, i, mo); }
static inline int64_t ac_fetch_or_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{ return atomic_fetch_or_explicit(v, i, mo); }
static inline int64_t ac_fetch_xor_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{ return atomic_fetch_xor_explicit(v, i, mo); }
static inline int64_t ac_fetch_andnot_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{ return atomic_fetch_and_explicit(v, ~i, mo); }
static inline int64_t ac_xchg_explicit(ac_counter_t *v, int64_t i, memory_order mo)
{ return atomic_exchange_explicit(v, i, mo); }

/* Returns the old value; it swapped iff that equals @old, as the kernel's. */
static inline int64_t ac_cmpxchg_explicit(ac_counter_t *v, int64_t old, int64_t new_,
					  memory_order mo)
{
	memory_order fail = mo == memory_order_release ? memory_order_relaxed :
			    mo == memory_order_acq_rel ? memory_order_acquire : mo;

	atomic_compare_exchange_strong_explicit(v, &old, new_, mo, fail);
	return old;
}

/* Stores max(old, i); a counter already at least @i is not written. */
static inline int64_t ac_fetch_max_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{
	int64_t old = atomic_load_explicit(v, memory_order_relaxed);

	while (old < i && !atomic_compare_exchange_weak_explicit(v, &old, i, mo,
								 memory_order_relaxed))
		;
	return old;
}

static inline int64_t ac_fetch_min_explicit(int64_t i, ac_counter_t *v, memory_order mo)
{
	int64_t old = atomic_load_explicit(v, memory_order_relaxed);

	while (old > i && !atomic_compare_exchange_weak_explicit(v, &old, i, mo,
								 memory_order_relaxed))
		;
	return old;
}

#define AC_RELAXED memory_order_relaxed
#define AC_ACQUIRE memory_order_acquire
#define AC_RELEASE memory_order_release
#define AC_FULL memory_order_seq_cst

static inline int64_t ac_fetch_add(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_add_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_add_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_add_release(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_sub(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_sub_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_sub_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_sub_release(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_inc(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_FULL); }
static inline int64_t ac_fetch_inc_relaxed(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_RELAXED); }
static inline int64_t ac_fetch_inc_acquire(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_inc_release(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_RELEASE); }

static inline int64_t ac_fetch_dec(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_FULL); }
static inline int64_t ac_fetch_dec_relaxed(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_RELAXED); }
static inline int64_t ac_fetch_dec_acquire(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_dec_release(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_RELEASE); }

static inline int64_t ac_add_return(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add(i, v) + (uint64_t)i); }
static inline int64_t ac_add_return_relaxed(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add_relaxed(i, v) + (uint64_t)i); }
static inline int64_t ac_add_return_acquire(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add_acquire(i, v) + (uint64_t)i); }
static inline int64_t ac_add_return_release(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add_release(i, v) + (uint64_t)i); }

static inline int64_t ac_sub_return(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub(i, v) - (uint64_t)i); }
static inline int64_t ac_sub_return_relaxed(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub_relaxed(i, v) - (uint64_t)i); }
static inline int64_t ac_sub_return_acquire(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub_acquire(i, v) - (uint64_t)i); }
static inline int64_t ac_sub_return_release(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub_release(i, v) - (uint64_t)i); }

static inline int64_t ac_inc_return(ac_counter_t *v) { return ac_add_return(1, v); }
static inline int64_t ac_inc_return_relaxed(ac_counter_t *v) { return ac_add_return_relaxed(1, v); }
static inline int64_t ac_inc_return_acquire(ac_counter_t *v) { return ac_add_return_acquire(1, v); }
static inline int64_t ac_inc_return_release(ac_counter_t *v) { return ac_add_return_release(1, v); }

static inline int64_t ac_dec_return(ac_counter_t *v) { return ac_sub_return(1, v); }
static inline int64_t ac_dec_return_relaxed(ac_counter_t *v) { return ac_sub_return_relaxed(1, v); }
static inline int64_t ac_dec_return_acquire(ac_counter_t *v) { return ac_sub_return_acquire(1, v); }
static inline int64_t ac_dec_return_release(ac_counter_t *v) { return ac_sub_return_release(1, v); }

static inline int64_t ac_fetch_and(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_and_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_and_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_and_release(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_or(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_or_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_or_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_or_release(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_xor(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_xor_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_xor_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_xor_release(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_andnot(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_andnot_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_andnot_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_andnot_release(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_xchg(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_FULL); }
static inline int64_t ac_xchg_relaxed(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_RELAXED); }
static inline int64_t ac_xchg_acquire(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_ACQUIRE); }
static inline int64_t ac_xchg_release(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_RELEASE); }

static inline int64_t ac_cmpxchg(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_FULL); }
static inline int64_t ac_cmpxchg_relaxed(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_RELAXED); }
static inline int64_t ac_cmpxchg_acquire(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_ACQUIRE); }
static inline int64_t ac_cmpxchg_release(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_RELEASE); }

static inline int64_t ac_fetch_max(int64_t i, ac_counter_t *v) { return ac_fetch_max_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_max_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_max_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_min(int64_t i, ac_counter_t *v) { return ac_fetch_min_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_min_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_min_explicit(i, v, AC_RELAXED); }

/*
 * Striped counters on the page (see "Striped counters" in
 * <linux/atomic_counter.h>): an update is a relaxed add on the slot of the
 * CPU the thread runs on, a read sums the slots.
 */

/**
 * ac_striped_t - a striped counter in the mapped bank
 * @slots: its CPU 0 slot; CPU c's is slots[c * @stride]
 * @stride: info.nr_striped
 * @nr_stripes: info.nr_stripes
 */
typedef struct {
	ac_counter_t *slots;
	uint64_t stride;
	uint32_t nr_stripes;
} ac_striped_t;

/**
 * ac_striped() - the striped counter at @index, for the inline functions
 * Return: 0, -EINVAL when @index is not a striped counter, -ENXIO when
 * the bank is not mapped.
 */
int ac_striped(const struct ac_dev *dev, uint64_t index, ac_striped_t *s);

/** ac_cpu_slow() - sched_getcpu(), or 0 where it fails; ac_cpu()'s fallback. */
unsigned int ac_cpu_slow(void);

/*
 * The CPU this thread runs on, or ran on a moment ago: read from the rseq
 * area glibc registers for every thread (one load), else sched_getcpu().
 * A stale answer only costs a remote cache line.
 */
static inline unsigned int ac_cpu(void)
{
#ifdef AC_HAVE_RSEQ
	if (__rseq_size) {
		const struct rseq *rs = (const struct rseq *)
			((char *)__builtin_thread_pointer() + __rseq_offset);

		return *(volatile const uint32_t *)&rs->cpu_id_start;
	}
#endif
	return ac_cpu_slow();
}

/* This CPU's slot. A CPU the module did not count (none should be) still adds somewhere. */
static inline ac_counter_t *ac_striped_slot(const ac_striped_t *s)
{
	unsigned int cpu = ac_cpu();

	if (cpu >= s->nr_stripes)
		cpu %= s->nr_stripes;
	return &s->slots[(uint64_t)cpu * s->stride];
}

static inline void ac_striped_add(int64_t i, const ac_striped_t *s) { ac_add(i, ac_striped_slot(s)); }
static inline void ac_striped_sub(int64_t i, const ac_striped_t *s) { ac_sub(i, ac_striped_slot(s)); }
static inline void ac_striped_inc(const ac_striped_t *s) { ac_inc(ac_striped_slot(s)); }
static inline void ac_striped_dec(const ac_striped_t *s) { ac_dec(ac_striped_slot(s)); }

/*
 * The sum, wrapping like one counter. Slots are read one after another:
 * while others only add (or only subtract), it is a value the counter
 * passed through.
 */
static inline int64_t ac_striped_read(const ac_striped_t *s)
{
	uint64_t sum = 0;
	uint32_t cpu;

	for (cpu = 0; cpu < s->nr_stripes; cpu++)
		sum += (uint64_t)ac_read(&s->slots[(uint64_t)cpu * s->stride]);
	return (int64_t)sum;
}

/*
 * The two counters of Rust's atomic_counter crate, on the shared page.
 * RelaxedCounter: relaxed operations, for statistics read now and then.
 * ConsistentCounter: sequentially consistent, for counts that order other
 * memory. inc and add return the previous value; reset returns the value
 * it replaced with zero.
 */
typedef struct { ac_counter_t *v; } ac_relaxed_counter;
typedef struct { ac_counter_t *v; } ac_consistent_counter;

static inline int64_t ac_relaxed_counter_inc(ac_relaxed_counter c) { return ac_fetch_add_relaxed(1, c.v); }
static inline int64_t ac_relaxed_counter_add(ac_relaxed_counter c, int64_t n) { return ac_fetch_add_relaxed(n, c.v); }
static inline int64_t ac_relaxed_counter_get(ac_relaxed_counter c) { return ac_read(c.v); }
static inline int64_t ac_relaxed_counter_reset(ac_relaxed_counter c) { return ac_xchg_relaxed(c.v, 0); }

static inline int64_t ac_consistent_counter_inc(ac_consistent_counter c) { return ac_fetch_add(1, c.v); }
static inline int64_t ac_consistent_counter_add(ac_consistent_counter c, int64_t n) { return ac_fetch_add(n, c.v); }
static inline int64_t ac_consistent_counter_get(ac_consistent_counter c) { return atomic_load_explicit(c.v, memory_order_seq_cst); }
static inline int64_t ac_consistent_counter_reset(ac_consistent_counter c) { return ac_xchg(c.v, 0); }

#ifdef __cplusplus
}
#endif

#endif /* ATOMIC_COUNTER_H */
