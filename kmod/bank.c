// SPDX-License-Identifier: GPL-2.0
/*
 * Banks: the layout every bank shares, and private banks, which only the
 * holders of their files reach (see "Private banks" in the uapi header).
 *
 * A private bank is counted by its files: each holds a reference, and a
 * mapping holds its file, so the last file's release comes after the last
 * munmap() and frees the bank. Nothing else refers to one: kernel code
 * registers counters in the global bank only, and a waiter on a private
 * bank is a task in an ioctl on one of its files, or an armed file of it,
 * gone before that release.
 *
 * Its memory is charged to the memory cgroup of the task that creates it
 * (__GFP_ACCOUNT on every page and table, so a container pays for its own
 * banks, and one tenant at its limit leaves the others' banks alone). Its
 * bytes are also counted against the creator's effective user ID, and
 * refused over bank_bytes_per_user when the administrator sets one: a pool
 * per kuid for the whole machine, for machines without memory cgroups (and
 * kernels before 5.11, whose bank pages go uncharged; on by default there).
 * Off by default elsewhere, as tenants that share a kuid (containers
 * without a user namespace, banks made by one helper) would share it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/cred.h>
#include <linux/gfp.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/vmalloc.h>

#include "atomic_counter.h"
#include "compat.h"

static unsigned long bank_bytes_per_user = AC_BANK_BYTES_PER_USER_DEFAULT;
module_param(bank_bytes_per_user, ulong, 0644);
MODULE_PARM_DESC(bank_bytes_per_user,
		 "Bytes of private banks each effective user ID (kuid) may have alive at once, one pool per kuid for the whole machine; 0 = no per-user limit, the memory cgroup bounds them (the default; 16 MiB before 5.11)");

/**
 * struct ac_user - what one user's private banks take
 * @node: in ac_users, while @bytes is not zero
 * @uid: the user (an effective user ID, in the initial namespace)
 * @bytes: the sum of the charges of the user's live banks
 */
struct ac_user {
	struct hlist_node node;
	kuid_t uid;
	size_t bytes;
};

static DEFINE_HASHTABLE(ac_users, 6);
/* Guards ac_users and every ac_user's bytes. */
static DEFINE_MUTEX(ac_users_lock);

/* Counters in whole pages: each region must start on a page of its own. */
static u64 ac_round_to_pages(u64 counters)
{
	return PAGE_ALIGN((size_t)counters * ATOMIC_COUNTER_SIZE) / ATOMIC_COUNTER_SIZE;
}

/**
 * ac_bank_layout() - place a bank's five regions
 * @bank: the bank
 * @nr_counters: counters used by number, 1 .. AC_MAX_COUNTERS
 * @nr_named: counters allocated by name, 1 .. AC_MAX_COUNTERS
 * @nr_kernel: kernel counters, 1 .. AC_MAX_COUNTERS
 * @nr_striped: striped counters of userspace's striped region, at least 1
 *	and at most AC_MAX_COUNTERS / nr_cpu_ids
 * @kernel_striped: whether the bank has a kernel striped region (of as many
 *	striped counters): only the global bank, where kernel code registers
 *
 * Sets every field of the layout, @bank->total and @bank->size, as "Regions"
 * in the uapi header describes them, and the bands' sizes.
 */
void ac_bank_layout(struct ac_bank *bank, u64 nr_counters, u64 nr_named, u64 nr_kernel,
		    u64 nr_striped, bool kernel_striped)
{
	/* A CPU's row of slots fills whole cache lines, shared with no other CPU. */
	bank->nr_striped = roundup(nr_striped, L1_CACHE_BYTES / ATOMIC_COUNTER_SIZE);
	bank->nr_kernel_striped = kernel_striped ? bank->nr_striped : 0;
	bank->nr_stripes = nr_cpu_ids;
	bank->nr = ac_round_to_pages(nr_counters);
	bank->named_first = bank->nr;
	bank->nr_named = ac_round_to_pages(nr_named);
	bank->striped_first = bank->named_first + bank->nr_named;
	bank->kernel_first = bank->striped_first +
			     ac_round_to_pages(bank->nr_striped * bank->nr_stripes);
	bank->nr_kernel = ac_round_to_pages(nr_kernel);
	bank->kernel_striped_first = bank->kernel_first + bank->nr_kernel;
	bank->total = bank->kernel_striped_first +
		      ac_round_to_pages(bank->nr_kernel_striped * bank->nr_stripes);
	bank->size = bank->total * ATOMIC_COUNTER_SIZE;
	ac_bands_layout(bank);
}

/*
 * Charge @bytes to the current effective user, within bank_bytes_per_user
 * unless that is 0. Live banks are counted with or without a limit, so a
 * limit set at run time counts the banks already alive; it refuses new
 * banks only, and a lower one takes nothing away.
 * Return: 0, -EDQUOT over the budget, -ENOMEM.
 */
static int ac_user_charge(struct ac_bank *bank, size_t bytes)
{
	unsigned long limit = READ_ONCE(bank_bytes_per_user);
	kuid_t uid = current_euid();
	struct ac_user *new, *u;
	int ret = 0;

	/* Allocated before the lock, and freed after it when not needed. */
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	mutex_lock(&ac_users_lock);
	hash_for_each_possible(ac_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			goto found;
	if (!new) {
		ret = -ENOMEM;
		goto out;
	}
	u = new;
	new = NULL;
	u->uid = uid;
	hash_add(ac_users, &u->node, __kuid_val(uid));
found:
	if (limit && (bytes > limit || u->bytes > limit - bytes)) {
		ret = -EDQUOT;
		if (!u->bytes) {
			hash_del(&u->node);
			kfree(u);
		}
		goto out;
	}
	u->bytes += bytes;
	bank->user = u;
	bank->charged = bytes;
out:
	mutex_unlock(&ac_users_lock);
	kfree(new);
	return ret;
}

static void ac_user_uncharge(struct ac_bank *bank)
{
	struct ac_user *u = bank->user;

	if (!u)
		return;
	mutex_lock(&ac_users_lock);
	u->bytes -= bank->charged;
	if (!u->bytes) {
		hash_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&ac_users_lock);
}

/* Everything a private bank holds; each part may be missing still. */
static void ac_bank_free(struct ac_bank *bank)
{
	unsigned int i;

	ac_wait_bank_exit(bank);
	ac_names_exit(bank);
	if (bank->counters)
		vunmap(bank->counters);
	if (bank->pages) {
		for (i = 0; i < bank->nr_pages && bank->pages[i]; i++)
			__free_page(bank->pages[i]);
		kvfree(bank->pages);
	}
	ac_user_uncharge(bank);
	kfree(bank);
}

/*
 * The counters and their bands: pages of their own, charged to the memory
 * cgroup, mapped into one range with VM_USERMAP, which
 * remap_vmalloc_range() requires (vmalloc_user() would give that, but
 * takes no gfp flags and so charges nobody); as kernel/bpf/ringbuf.c does
 * for its ring. They fail rather
 * than OOM-kill, as AC_GFP_BANK says why (and BPF's map areas do).
 */
static int ac_bank_alloc_counters(struct ac_bank *bank)
{
	unsigned int i;

	bank->pages = kvcalloc(bank->nr_pages, sizeof(*bank->pages), AC_GFP_BANK);
	if (!bank->pages)
		return -ENOMEM;
	for (i = 0; i < bank->nr_pages; i++) {
		bank->pages[i] = alloc_page(AC_GFP_BANK_PAGE | __GFP_ZERO | __GFP_NOWARN |
					    __GFP_RETRY_MAYFAIL);
		if (!bank->pages[i])
			return -ENOMEM;
	}
	bank->counters = vmap(bank->pages, bank->nr_pages, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	return bank->counters ? 0 : -ENOMEM;
}

/**
 * ac_bank_create() - a new private bank
 * @req: the sizes asked for, not checked yet
 *
 * The sizes are those of struct atomic_counter_bank. Kernel code never
 * registers in a private bank, so it gets no kernel striped region, and a
 * kernel region of one page, for its waiter count alone: the count must be
 * on a page that userspace maps read-only.
 *
 * Context: process context; sleeps.
 * Return: the bank with one reference, or an ERR_PTR(): -EINVAL for a size
 * out of range, -EDQUOT over the user's budget, -ENOMEM (also over the
 * memory cgroup's limit).
 */
struct ac_bank *ac_bank_create(const struct atomic_counter_bank *req)
{
	struct ac_bank *bank;
	size_t charge;
	int ret;

	BUILD_BUG_ON(ATOMIC_COUNTER_BANK_MAX != AC_MAX_COUNTERS);
	if (!req->nr_counters || req->nr_counters > AC_MAX_COUNTERS ||
	    !req->nr_named || req->nr_named > AC_MAX_COUNTERS ||
	    !req->nr_striped || req->nr_striped > AC_MAX_COUNTERS / nr_cpu_ids)
		return ERR_PTR(-EINVAL);

	bank = kzalloc(sizeof(*bank), AC_GFP_BANK);
	if (!bank)
		return ERR_PTR(-ENOMEM);
	bank->is_private = true;
	refcount_set(&bank->ref, 1);
	ac_bank_layout(bank, req->nr_counters, req->nr_named,
		       PAGE_SIZE / ATOMIC_COUNTER_SIZE, req->nr_striped, false);
	/* The band slots and bands are the bank's last pages. */
	bank->nr_pages = (bank->size + bank->band_slots_size + bank->bands_size) >> PAGE_SHIFT;

	/* What the bank will hold, all of it, before any of it is allocated. */
	charge = sizeof(*bank) + bank->size + bank->band_slots_size + bank->bands_size +
		 ac_names_size(bank) +
		 array_size(bank->nr_pages, sizeof(*bank->pages)) + ac_wait_bank_size(bank);
	ret = ac_user_charge(bank, charge);
	if (ret)
		goto fail;
	ret = ac_bank_alloc_counters(bank);
	if (ret)
		goto fail;
	ret = ac_names_init(bank);
	if (ret)
		goto fail;
	ret = ac_wait_bank_init(bank);
	if (ret)
		goto fail;
	return bank;
fail:
	ac_bank_free(bank);
	return ERR_PTR(ret);
}

/**
 * ac_bank_get() - a reference for a new file of @bank
 * @bank: a bank the caller holds a file of
 */
void ac_bank_get(struct ac_bank *bank)
{
	if (bank->is_private)
		refcount_inc(&bank->ref);
}

/**
 * ac_bank_put() - drop a file's reference; the last frees a private bank
 * @bank: the bank
 *
 * Context: process context (a file's release); sleeps when it frees.
 */
void ac_bank_put(struct ac_bank *bank)
{
	if (bank->is_private && refcount_dec_and_test(&bank->ref))
		ac_bank_free(bank);
}
