// SPDX-License-Identifier: GPL-2.0
/*
 * The exported in-kernel API: registration and unregistration of named
 * kernel counters. The updates themselves are inline in
 * include/atomic_counter_kernel.h and never call into this module.
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/slab.h>

#include "atomic_counter.h"
#include "atomic_counter_kernel.h"

static struct atomic_counter_handle *ac_register(const char *name, bool striped)
{
	struct atomic_counter_handle *h;
	u64 index;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	ret = ac_name_claim_kernel(name, striped, &index);
	if (ret) {
		kfree(h);
		return ERR_PTR(ret);
	}
	h->index = index;
	h->v = &ac_bank.counters[index];
	h->stride = striped ? ac_bank.nr_striped : 0;
	h->nr_stripes = striped ? ac_bank.nr_stripes : 1;
	h->waiters = &ac_bank.counters[ac_wait_waiters_index()];
	return h;
}

/**
 * atomic_counter_register() - register a named kernel counter
 * @name: 1 to ATOMIC_COUNTER_NAME_MAX - 1 characters of [A-Za-z0-9_.:-],
 *	starting with a letter or '_' (for example "net.rx_drops")
 *
 * The counter starts at zero, lives in the region userspace maps read-only,
 * and keeps its name until atomic_counter_unregister(). The module that
 * calls this holds a reference on atomic_counter through the symbol, so the
 * bank outlives the handle.
 *
 * Context: process context; takes a mutex.
 * Return: the handle, or an ERR_PTR(): -EINVAL for an invalid name,
 * -EEXIST for a name in use, -ENOSPC when the kernel region is full,
 * -ENOMEM.
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
 * __atomic_counter_wake() - wake the waiters of a kernel counter
 * @h: the counter, just updated
 *
 * Called by the inline updates when some process waits; not for direct use.
 *
 * Context: any; takes a wait queue's spinlock.
 */
void __atomic_counter_wake(struct atomic_counter_handle *h)
{
	ac_wake(h->index);
}
EXPORT_SYMBOL_GPL(__atomic_counter_wake);

/**
 * atomic_counter_unregister() - give a kernel counter back
 * @h: a handle from atomic_counter_register(), or NULL
 *
 * The name disappears and the counter is zeroed; @h is freed.
 *
 * Context: process context; takes a mutex.
 */
void atomic_counter_unregister(struct atomic_counter_handle *h)
{
	if (!h)
		return;
	ac_name_release(h->index);
	kfree(h);
}
EXPORT_SYMBOL_GPL(atomic_counter_unregister);
