/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel API of atomic_counter: kernel code registers a named
 * counter and updates it with one atomic instruction; every process can
 * read it by name, through the ioctl or on the shared page, and none can
 * write it.
 *
 * An out-of-tree module using it adds this directory to its include path
 * and atomic_counter's Module.symvers to KBUILD_EXTRA_SYMBOLS:
 *
 *	ccflags-y += -I$(ATOMIC_COUNTER_SRC)/kmod/include
 *	KBUILD_EXTRA_SYMBOLS += $(ATOMIC_COUNTER_SRC)/Module.symvers
 */
#ifndef _ATOMIC_COUNTER_KERNEL_H
#define _ATOMIC_COUNTER_KERNEL_H

#include <linux/atomic.h>
#include <linux/types.h>

/**
 * struct atomic_counter_handle - a registered kernel counter
 * @v: the counter, in the bank userspace maps read-only
 * @index: its index, as userspace sees it
 */
struct atomic_counter_handle {
	atomic64_t *v;
	u64 index;
};

struct atomic_counter_handle *atomic_counter_register(const char *name);
void atomic_counter_unregister(struct atomic_counter_handle *h);

/*
 * The hot path, inline: the plain forms are relaxed, as the kernel's own
 * void atomics; the _full forms are fully ordered, for counters whose
 * updates must be ordered against other memory accesses.
 */

/**
 * atomic_counter_add() - add to a counter, unordered
 * @h: the counter
 * @i: the amount
 */
static inline void atomic_counter_add(struct atomic_counter_handle *h, s64 i)
{
	atomic64_add(i, h->v);
}

/**
 * atomic_counter_add_full() - add to a counter, fully ordered
 * @h: the counter
 * @i: the amount
 */
static inline void atomic_counter_add_full(struct atomic_counter_handle *h, s64 i)
{
	/* Orders earlier accesses before the add: the "full" in the name. */
	smp_mb__before_atomic();
	atomic64_add(i, h->v);
	/* And the add before later accesses. */
	smp_mb__after_atomic();
}

/**
 * atomic_counter_inc() - add one, unordered
 * @h: the counter
 */
static inline void atomic_counter_inc(struct atomic_counter_handle *h)
{
	atomic64_inc(h->v);
}

/**
 * atomic_counter_inc_full() - add one, fully ordered
 * @h: the counter
 */
static inline void atomic_counter_inc_full(struct atomic_counter_handle *h)
{
	atomic_counter_add_full(h, 1);
}

/**
 * atomic_counter_dec() - subtract one, unordered
 * @h: the counter
 */
static inline void atomic_counter_dec(struct atomic_counter_handle *h)
{
	atomic64_dec(h->v);
}

/**
 * atomic_counter_dec_full() - subtract one, fully ordered
 * @h: the counter
 */
static inline void atomic_counter_dec_full(struct atomic_counter_handle *h)
{
	atomic_counter_add_full(h, -1);
}

/**
 * atomic_counter_read() - read a counter, unordered
 * @h: the counter
 *
 * Return: its value.
 */
static inline s64 atomic_counter_read(struct atomic_counter_handle *h)
{
	return atomic64_read(h->v);
}

/**
 * atomic_counter_read_acquire() - read a counter with ACQUIRE ordering
 * @h: the counter
 *
 * Return: its value.
 */
static inline s64 atomic_counter_read_acquire(struct atomic_counter_handle *h)
{
	return atomic64_read_acquire(h->v);
}

/**
 * atomic_counter_set() - set a counter, unordered
 * @h: the counter
 * @i: the new value
 */
static inline void atomic_counter_set(struct atomic_counter_handle *h, s64 i)
{
	atomic64_set(h->v, i);
}

/**
 * atomic_counter_set_release() - set a counter with RELEASE ordering
 * @h: the counter
 * @i: the new value
 */
static inline void atomic_counter_set_release(struct atomic_counter_handle *h, s64 i)
{
	atomic64_set_release(h->v, i);
}

#endif /* _ATOMIC_COUNTER_KERNEL_H */
