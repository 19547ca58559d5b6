// SPDX-License-Identifier: GPL-2.0
/*
 * The exported in-kernel API: registration and unregistration of named
 * kernel counters, and the deferred wake-up. The updates themselves are
 * inline in include/atomic_counter_kernel.h and call into this module
 * only when their value is outside the counter's band (wait.c).
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/irq_work.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "atomic_counter.h"
#include "compat.h"
#include "atomic_counter_kernel.h"

/*
 * The deferred wake-up, in two steps. The irq_work, the one thing an
 * update in any context (NMI included) may do, is a hard one: it runs in
 * hard irq on every kernel, and only queues the work item. A lazy
 * irq_work would run, on PREEMPT_RT, in a per-CPU kthread that real-time
 * tasks on that CPU starve, and that a CPU going offline parks with the
 * work still pending, so that atomic_counter_unregister()'s
 * irq_work_sync() would wait for the CPU to come back. The work item runs
 * on the unbound workqueue, on whichever CPU is free, in process context,
 * where the wait queue's spinlock_t may be taken and where a walk of many
 * satisfied waiters holds off no interrupt.
 *
 * Pending work items, like pending irq_works, are not queued twice: a
 * pending one has not read the counter yet, and clears its pending bit
 * before it does, with a full barrier, so one run sees every update made
 * while it was pending. Keyed by the CPU 0 slot, so that a striped
 * counter's waiters look at every slot.
 */
static void ac_kapi_wake(struct work_struct *work)
{
	struct atomic_counter_handle *h = container_of(work, struct atomic_counter_handle,
						       wake_work);

	/* After irq_work_queue()'s and queue_work()'s fully ordered claims. */
	ac_wake(&ac_global, h->index);
}

static void ac_kapi_wake_irq(struct irq_work *work)
{
	struct atomic_counter_handle *h = container_of(work, struct atomic_counter_handle,
						       wake_irq_work);

	queue_work(system_unbound_wq, &h->wake_work);
}

static struct atomic_counter_handle *ac_register(const char *name, bool striped)
{
	struct atomic_counter_handle *h;
	u64 index;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	ret = ac_name_claim_kernel(&ac_global, name, striped, &index);
	if (ret) {
		kfree(h);
		return ERR_PTR(ret);
	}
	h->index = index;
	h->v = &ac_global.counters[index];
	h->stride = striped ? ac_global.nr_striped : 0;
	h->nr_stripes = striped ? ac_global.nr_stripes : 1;
	h->waiters = ac_wait_waiters_of(&ac_global, index);
	h->band_slot = ac_band_slot_of(&ac_global, index);
	h->bands = (const s64 *)ac_global.bands;
	h->nr_bands = ac_nr_bands(&ac_global);
	ac_init_irq_work_hard(&h->wake_irq_work, ac_kapi_wake_irq);
	INIT_WORK(&h->wake_work, ac_kapi_wake);
	return h;
}

/**
 * atomic_counter_register() - register a named kernel counter
 * @name: 1 to ATOMIC_COUNTER_NAME_MAX - 1 characters of [A-Za-z0-9_.:-],
 *	beginning with "kernel." (for example "kernel.net.rx_drops"; this
 *	module's own begin with "atomic_counter."): names with those
 *	prefixes are kept for kernel code, so no process can take one
 *	before the module that registers it loads
 *
 * The counter starts at zero, lives in the region userspace maps read-only,
 * and keeps its name until atomic_counter_unregister(). The module that
 * calls this holds a reference on atomic_counter through the symbol, so the
 * bank outlives the handle.
 *
 * Context: process context; takes a mutex.
 * Return: the handle, or an ERR_PTR(): -EINVAL for an invalid name or one
 * without either prefix, -EEXIST for a name in use, -ENOSPC when
 * the kernel region is full, -ENOMEM.
 */
struct atomic_counter_handle *atomic_counter_register(const char *name)
{
	return ac_register(name, false);
}
EXPORT_SYMBOL_GPL(atomic_counter_register);

/**
 * atomic_counter_register_striped() - register a named striped kernel counter
 * @name: as for atomic_counter_register()
 *
 * For counters that many CPUs update at once: each CPU adds to its own
 * cache line, and a read sums them (see "Striped counters" in the uapi
 * header). The updates and reads are the same calls as for a plain
 * counter; atomic_counter_set() does not apply.
 *
 * Context: process context; takes a mutex.
 * Return: the handle, or an ERR_PTR() as atomic_counter_register(), with
 * -ENOSPC when the kernel's striped region is full.
 */
struct atomic_counter_handle *atomic_counter_register_striped(const char *name)
{
	return ac_register(name, true);
}
EXPORT_SYMBOL_GPL(atomic_counter_register_striped);

/**
 * __atomic_counter_wake_slot() - have the waiters of a kernel counter woken
 * @h: the counter, just updated, whose value after a full barrier was
 *	outside its band
 *
 * Called by the inline updates; not for direct use. Queues @h's irq_work
 * on this CPU (nothing to do if it is pending already: it has not read
 * the counter yet, and irq_work_queue()'s fully ordered claim orders the
 * update before that read), which queues the wake-up's work item.
 *
 * The name says which protocol the caller keeps: an update compiled
 * against a header that reads @h->band_slot references this symbol, so
 * that it cannot load against a module whose handles have no band slot
 * (nor, with this name, against 0.5's development builds of one band per
 * counter, whose handles put a band where the slot now is).
 *
 * Context: any, NMI included; takes no lock.
 */
void __atomic_counter_wake_slot(struct atomic_counter_handle *h)
{
	/* Counted once per wake-up queued, not per update that finds it pending. */
	if (irq_work_queue(&h->wake_irq_work))
		ac_wait_stats_kapi();
}
EXPORT_SYMBOL_GPL(__atomic_counter_wake_slot);

/**
 * __atomic_counter_wake() - __atomic_counter_wake_slot(), for modules built
 *	against 0.4.0's header and earlier, whose updates put a full barrier
 *	before it and call it when the queue's count (@h->waiters) is not zero
 * @h: the counter
 *
 * Context: any, NMI included; takes no lock.
 */
void __atomic_counter_wake(struct atomic_counter_handle *h)
{
	__atomic_counter_wake_slot(h);
}
EXPORT_SYMBOL_GPL(__atomic_counter_wake);

/**
 * atomic_counter_unregister() - give a kernel counter back
 * @h: a handle from atomic_counter_register(), or NULL
 *
 * The name disappears and the counter is zeroed, which wakes the waiters
 * that zero satisfies; @h is freed. The caller makes sure that no update
 * of @h runs any more (for a kprobe or a tracepoint handler: unregistered,
 * and synchronised, first); a wake-up still pending from an earlier update
 * runs before @h is freed.
 *
 * Context: process context; sleeps.
 */
void atomic_counter_unregister(struct atomic_counter_handle *h)
{
	if (!h)
		return;
	/* Either may be queued still, or running: they read @h. The first queues the second. */
	irq_work_sync(&h->wake_irq_work);
	flush_work(&h->wake_work);
	ac_name_release(&ac_global, h->index);
	kfree(h);
}
EXPORT_SYMBOL_GPL(atomic_counter_unregister);
