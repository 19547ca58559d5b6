/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel API of atomic_counter: kernel code registers a named
 * counter and updates it with one atomic instruction; every process can
 * read it by name, through the ioctl or on the shared page, and none can
 * write it. A striped counter (atomic_counter_register_striped()) takes
 * the same calls: its updates go to the slot of the CPU they run on, and
 * its reads sum the slots.
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
#include <linux/bug.h>
#include <linux/irq_work.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/**
 * struct atomic_counter_handle - a registered kernel counter
 * @v: the counter, or a striped counter's CPU 0 slot, in the bank
 *	userspace maps read-only
 * @stride: 0 for a plain counter; for a striped one, the distance from
 *	one CPU's slot to the next
 * @nr_stripes: 1 for a plain counter; the slots of a striped one
 * @index: its index, as userspace sees it
 * @waiters: how many processes wait on the wait queue of this counter
 *	(and of the others that share it; see wait.c)
 * @wake_irq_work: the deferred wake-up of those processes, first step:
 *	queues @wake_work
 * @wake_work: the deferred wake-up, second step: wakes them
 * @band_slot: which entry of @bands is the counter's band (wait.c)
 * @bands: the bank's table of bands, as the uapi's struct
 *	atomic_counter_band, four words each: seq, lowest and highest value
 *	no waiter of the counter waits for, reserved. An update whose value
 *	is outside its band defers a wake-up.
 * @nr_bands: entries of @bands
 *
 * Allocated by this module: a module built against 0.4.0's header knows
 * the fields before @band_slot only, and reads @waiters, which is kept for it.
 */
struct atomic_counter_handle {
	atomic64_t *v;
	u64 stride;
	unsigned int nr_stripes;
	u64 index;
	atomic_t *waiters;
	struct irq_work wake_irq_work;
	struct work_struct wake_work;
	const u32 *band_slot;
	const s64 *bands;
	u32 nr_bands;
};

struct atomic_counter_handle *atomic_counter_register(const char *name);
struct atomic_counter_handle *atomic_counter_register_striped(const char *name);
void atomic_counter_unregister(struct atomic_counter_handle *h);
void __atomic_counter_wake_slot(struct atomic_counter_handle *h);
/* What modules built against 0.4.0's header and earlier call; not for new code. */
void __atomic_counter_wake(struct atomic_counter_handle *h);

/*
 * The word an update of a striped counter goes to: this CPU's slot. Any
 * slot keeps the sum exact; preemption is off around an in-kernel API
 * update anyway (see below; ops.c's striped ioctl ops are preemptible,
 * and a migration only moves them to another slot), and the add stays
 * atomic because an NMI, or an interrupted update of another context, may
 * add to the same slot. With @stride 0 (a plain counter) every CPU gets
 * @first.
 */
static inline atomic64_t *__atomic_counter_slot(atomic64_t *first, u64 stride)
{
	return first + raw_smp_processor_id() * stride;
}

/* The value of a striped counter, wrapping like one atomic64_t would. */
static inline s64 __atomic_counter_sum(const atomic64_t *first, u64 stride,
				       unsigned int nr_stripes, bool acquire)
{
	u64 sum = 0;
	unsigned int cpu;

	for (cpu = 0; cpu < nr_stripes; cpu++) {
		const atomic64_t *slot = first + cpu * stride;

		sum += acquire ? atomic64_read_acquire(slot) : atomic64_read(slot);
	}
	return sum;
}

/**
 * __atomic_counter_band_outside() - whether a value may satisfy a waiter
 * @slot: the counter's band slot
 * @bands: the table of bands, four words each: seq, lo, hi, reserved
 * @nr: entries of @bands
 * @v: the counter's value, read after the update and a full barrier
 *
 * The slot names the band, which is read as a seqcount's reader does,
 * without the retry (the module writes a band as a seqcount's writer
 * does: wait.c): a band read while its seq was odd or changed counts as
 * outside, so the check never loops, in NMI either.
 *
 * Return: true when @v is outside the band, or the band was changing.
 */
static inline bool __atomic_counter_band_outside(const u32 *slot, const s64 *bands, u32 nr,
						 s64 v)
{
	/* Ordered before the band's words by their address dependency on it. */
	const s64 *b = bands + 4 * (size_t)array_index_nospec(READ_ONCE(*slot), nr);
	s64 seq = READ_ONCE(b[0]);
	s64 lo, hi;

	/* Pairs with the module's smp_wmb() after it makes seq odd. */
	smp_rmb();
	lo = READ_ONCE(b[1]);
	hi = READ_ONCE(b[2]);
	/* Pairs with the module's smp_wmb() before it makes seq even. */
	smp_rmb();
	return (seq & 1) || seq != READ_ONCE(b[0]) || v < lo || v > hi;
}

/*
 * An update and its look at the counter's band. Each update puts a full
 * barrier between its write and that look (smp_mb__after_atomic() after
 * a read-modify-write: nothing on x86, whose atomics are full barriers;
 * smp_mb() after a set): it is the store-buffering pattern, whose other
 * half is the waiter's, which narrows the band, then has a full barrier,
 * then reads the counter. Either the update sees the narrowed band or the
 * waiter sees the update (wait.c). With nobody waiting, or no waiter whose
 * condition the value may satisfy, the look is six loads and two
 * compares; otherwise the irq_work and a work item wake those whose
 * condition now holds. The wake-up is deferred because an update may run
 * where no lock may be taken (NMI) or where a spinlock_t, which sleeps on
 * PREEMPT_RT, may not (hard irq, kprobe handlers, preemption off).
 *
 * The barrier is the price of waiters that cost updates nothing: on arm64
 * a dmb ish per update. The update and its look are one RCU-sched
 * read-side section (preemption off), so that the slot read back is the
 * one written.
 */
static inline void __atomic_counter_update_begin(void)
	__acquires(RCU_SCHED)
{
	RCU_LOCKDEP_WARN(!rcu_is_watching(),
			 "atomic_counter update where RCU is not watching");
	rcu_read_lock_sched_notrace();
}

/* After the update and a full barrier. */
static inline void __atomic_counter_update_end(struct atomic_counter_handle *h)
	__releases(RCU_SCHED)
{
	s64 v = atomic64_read(__atomic_counter_slot(h->v, h->stride));

	if (unlikely(__atomic_counter_band_outside(h->band_slot, h->bands, h->nr_bands, v)))
		__atomic_counter_wake_slot(h);
	rcu_read_unlock_sched_notrace();
}

/*
 * The hot path, inline: the plain forms are relaxed, as the kernel's own
 * void atomics; the _full forms are fully ordered, for counters whose
 * updates must be ordered against other memory accesses. Every update
 * wakes the processes waiting on the counter (ATOMIC_COUNTER_IOC_WAIT,
 * poll) whose condition it satisfies; while its value stays inside the
 * counter's band (nobody waits, or nobody for that value) that costs a
 * barrier after the atomic (none on x86), six loads and two compares.
 *
 * Every update may be called in any context: process, softirq, hard irq,
 * kprobe and tracepoint handlers, with preemption or interrupts off, and
 * NMI, on every kernel including PREEMPT_RT. It never sleeps and takes no
 * lock: for a value outside the band it queues the handle's irq_work (irq_work_queue(),
 * NMI-safe), a hard one on every kernel, PREEMPT_RT included, which queues
 * the handle's work item on the unbound workqueue; that wakes them, in
 * process context, where the wait queue's spinlock_t may be taken.
 * Waiters therefore wake shortly after the update, not inside it; several
 * updates before the work item runs make one wake-up, which reads the
 * counter's latest value.
 *
 * "Any context" is any where rcu_read_lock_sched() is legal: where RCU is
 * watching, on a CPU RCU counts online. Not inside cpuidle's ->enter()
 * after ct_idle_enter() (a kprobe placed there through ftrace runs with
 * RCU not watching on 5.10 and 6.1), nor in the entry code's noinstr
 * sections or on a CPU coming up before rcu_cpu_starting() or going down
 * after it reported itself dead. Lockdep kernels (CONFIG_PROVE_RCU) warn
 * about an update where RCU is not watching.
 *
 * NMI, exactly: safe where atomic64_t is made of instructions (every
 * 64-bit architecture; not those with CONFIG_GENERIC_ATOMIC64, whose
 * atomic64_t takes a raw spinlock an NMI may interrupt). Where the
 * architecture has no irq_work interrupt (arch_irq_work_has_interrupt()
 * false) the wake-up waits for the next timer tick.
 */

/**
 * atomic_counter_add() - add to a counter, unordered
 * @h: the counter
 * @i: the amount
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_add(struct atomic_counter_handle *h, s64 i)
{
	__atomic_counter_update_begin();
	atomic64_add(i, __atomic_counter_slot(h->v, h->stride));
	/* The add before the look at the band: see above. */
	smp_mb__after_atomic();
	__atomic_counter_update_end(h);
}

/**
 * atomic_counter_add_full() - add to a counter, fully ordered
 * @h: the counter
 * @i: the amount
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_add_full(struct atomic_counter_handle *h, s64 i)
{
	__atomic_counter_update_begin();
	/* Orders earlier accesses before the add: the "full" in the name. */
	smp_mb__before_atomic();
	atomic64_add(i, __atomic_counter_slot(h->v, h->stride));
	/* And the add before later accesses. */
	smp_mb__after_atomic();
	__atomic_counter_update_end(h);
}

/**
 * atomic_counter_inc() - add one, unordered
 * @h: the counter
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_inc(struct atomic_counter_handle *h)
{
	__atomic_counter_update_begin();
	atomic64_inc(__atomic_counter_slot(h->v, h->stride));
	/* The increment before the look at the band. */
	smp_mb__after_atomic();
	__atomic_counter_update_end(h);
}

/**
 * atomic_counter_inc_full() - add one, fully ordered
 * @h: the counter
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_inc_full(struct atomic_counter_handle *h)
{
	atomic_counter_add_full(h, 1);
}

/**
 * atomic_counter_dec() - subtract one, unordered
 * @h: the counter
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_dec(struct atomic_counter_handle *h)
{
	__atomic_counter_update_begin();
	atomic64_dec(__atomic_counter_slot(h->v, h->stride));
	/* The decrement before the look at the band. */
	smp_mb__after_atomic();
	__atomic_counter_update_end(h);
}

/**
 * atomic_counter_dec_full() - subtract one, fully ordered
 * @h: the counter
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_dec_full(struct atomic_counter_handle *h)
{
	atomic_counter_add_full(h, -1);
}

/**
 * atomic_counter_read() - read a counter, unordered
 * @h: the counter
 *
 * A striped counter's slots are read one after the other: with updates
 * going on, the sum is one the counter passed through if they all add (or
 * all subtract), as with percpu_counter_sum().
 *
 * Context: any where RCU is watching, NMI included.
 * Return: its value.
 */
static inline s64 atomic_counter_read(struct atomic_counter_handle *h)
{
	return __atomic_counter_sum(h->v, h->stride, h->nr_stripes, false);
}

/**
 * atomic_counter_read_acquire() - read a counter with ACQUIRE ordering
 * @h: the counter (each slot of a striped one is read with ACQUIRE)
 *
 * Context: any where RCU is watching, NMI included.
 * Return: its value.
 */
static inline s64 atomic_counter_read_acquire(struct atomic_counter_handle *h)
{
	return __atomic_counter_sum(h->v, h->stride, h->nr_stripes, true);
}

/**
 * atomic_counter_set() - set a counter, unordered
 * @h: the counter, not a striped one: it has no single word to set
 * @i: the new value
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_set(struct atomic_counter_handle *h, s64 i)
{
	if (WARN_ON_ONCE(h->stride))
		return;
	__atomic_counter_update_begin();
	atomic64_set(h->v, i);
	/* A set is no read-modify-write: a real barrier. */
	smp_mb();
	__atomic_counter_update_end(h);
}

/**
 * atomic_counter_set_release() - set a counter with RELEASE ordering
 * @h: the counter, not a striped one
 * @i: the new value
 *
 * Context: any where RCU is watching (see the updates above), NMI included;
 * never sleeps.
 */
static inline void atomic_counter_set_release(struct atomic_counter_handle *h, s64 i)
{
	if (WARN_ON_ONCE(h->stride))
		return;
	__atomic_counter_update_begin();
	atomic64_set_release(h->v, i);
	/* The set before the look at the band. */
	smp_mb();
	__atomic_counter_update_end(h);
}

#endif /* _ATOMIC_COUNTER_KERNEL_H */
