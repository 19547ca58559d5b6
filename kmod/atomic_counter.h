/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of the atomic_counter module.
 */
#ifndef _ATOMIC_COUNTER_INTERNAL_H
#define _ATOMIC_COUNTER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/mm_types.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/atomic_counter.h>

/* 1M counters (8 MiB) a region is far more than any user has asked for. */
#define AC_MAX_COUNTERS		SZ_1M

/*
 * Every table a private bank holds (its pages: AC_GFP_BANK_PAGE in
 * compat.h): charged to the creator's memory cgroup, and failing with
 * -ENOMEM at that cgroup's limit rather than OOM-killing one of its tasks,
 * which would not free the bank. A name table can be larger than the
 * counters (56 bytes a name).
 */
#define AC_GFP_BANK		(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

struct ac_names;
struct ac_user;
struct ac_waitq;

/**
 * struct ac_bank - a bank of counters: its memory, layout, names and waiters
 * @counters: page-aligned, zeroed, and mappable into userspace with
 *	remap_vmalloc_range(): vmalloc_user() memory for the global bank,
 *	@pages mapped with vmap(VM_USERMAP) for a private one. @size bytes of
 *	counters, @band_slots_size bytes of band slots, then @bands_size
 *	bytes of bands, in one area.
 * @nr: counters used by number, [0, @nr).
 * @named_first: first counter allocated by name from userspace.
 * @nr_named: plain counters allocated by name, from @named_first.
 * @striped_first: first slot of userspace's striped counters.
 * @kernel_first: first counter of the kernel's read-only regions; also the
 *	end of what userspace may write.
 * @nr_kernel: plain kernel counters, from @kernel_first.
 * @kernel_striped_first: first slot of the kernel's striped counters.
 * @nr_striped: striped counters in userspace's striped region; the
 *	distance between two slots of one striped counter, in either region.
 * @nr_kernel_striped: striped counters in the kernel's striped region:
 *	@nr_striped in the global bank, 0 in a private one, where kernel code
 *	never registers (see "Private banks" in the uapi header).
 * @nr_stripes: slots of a striped counter, one per possible CPU.
 * @total: every counter and slot: the bank is [0, @total).
 * @size: bytes of the counters, a multiple of PAGE_SIZE.
 * @names: the bank's name table (names.c).
 * @waiters: the bank's "atomic_counter.waiters" kernel counter: how many
 *	wait on the bank's counters (wait.c).
 * @waiters_index: its index.
 * @waiters_work: tells the waiters of @waiters of its changes (wait.c).
 * @band_slots: which entry of @bands is each counter's band, one per
 *	counter (a striped counter's for all its slots), after the counters
 *	in the same memory (wait.c).
 * @band_slots_size: bytes of @band_slots, a multiple of PAGE_SIZE.
 * @bands: the table of bands, after @band_slots: what updates compare
 *	their value with (wait.c).
 * @bands_size: bytes of @bands, a multiple of PAGE_SIZE.
 * @bands_used: the entries of @bands given to a counter (wait.c).
 * @waitqs: the bank's own wait queues, AC_NR_WAITQS of them (wait.c).
 * @is_private: a private bank (bank.c), reached only through its files.
 * @ref: a private bank's files; it is freed with the last.
 * @pages: a private bank's pages (counters and bands), charged to the
 *	creator's memory cgroup.
 * @nr_pages: how many.
 * @user: the user a private bank's bytes are charged to.
 * @charged: those bytes.
 *
 * Each region is a whole number of pages, so that a page is either
 * writable by userspace or not; see "Regions" in the uapi header.
 */
struct ac_bank {
	atomic64_t *counters;
	u64 nr;
	u64 named_first;
	u64 nr_named;
	u64 striped_first;
	u64 kernel_first;
	u64 nr_kernel;
	u64 kernel_striped_first;
	u64 nr_striped;
	u64 nr_kernel_striped;
	u32 nr_stripes;
	u64 total;
	size_t size;
	struct ac_names *names;
	atomic64_t *waiters;
	u64 waiters_index;
	struct work_struct waiters_work;
	u32 *band_slots;
	size_t band_slots_size;
	struct atomic_counter_band *bands;
	size_t bands_size;
	unsigned long *bands_used;
	struct ac_waitq *waitqs;
	bool is_private;
	refcount_t ref;
	struct page **pages;
	unsigned int nr_pages;
	struct ac_user *user;
	size_t charged;
};

/* The bank behind /dev/atomic_counter and the in-kernel API. */
extern struct ac_bank ac_global;

/**
 * ac_copy_arg_in() - read an extensible ioctl argument
 * @karg: the module's struct
 * @ksize: its size
 * @uarg: the caller's struct
 * @usize: its size, from the command (_IOC_SIZE())
 * @ver0: the struct's first published size, ATOMIC_COUNTER_*_SIZE_VER0
 *
 * See "Extending the ABI" in the uapi header: a smaller struct's missing
 * tail reads as zero, a larger one's unknown tail must be zero.
 *
 * Return: 0, -EINVAL below @ver0, -E2BIG for a nonzero unknown tail,
 * -EFAULT.
 */
static inline int ac_copy_arg_in(void *karg, size_t ksize, const void __user *uarg,
				 size_t usize, size_t ver0)
{
	if (usize < ver0)
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

/**
 * ac_copy_arg_out() - write an extensible ioctl argument back
 * @uarg: the caller's struct
 * @karg: the module's
 * @ksize: its size
 * @usize: the caller's size, at least the struct's first published size
 *
 * Only what both know: an older caller's struct ends before the fields it
 * lacks.
 *
 * Return: 0 or -EFAULT.
 */
static inline int ac_copy_arg_out(void __user *uarg, const void *karg, size_t ksize,
				  size_t usize)
{
	return copy_to_user(uarg, karg, min(ksize, usize)) ? -EFAULT : 0;
}

/* bank.c */
void ac_bank_layout(struct ac_bank *bank, u64 nr_counters, u64 nr_named, u64 nr_kernel,
		    u64 nr_striped, bool kernel_striped);
struct ac_bank *ac_bank_create(const struct atomic_counter_bank *req);
void ac_bank_get(struct ac_bank *bank);
void ac_bank_put(struct ac_bank *bank);

/* ops.c */
bool ac_is_striped(const struct ac_bank *bank, u64 index);
s64 ac_counter_value(const struct ac_bank *bank, u64 index);
int ac_op_check(const struct ac_bank *bank, const struct atomic_counter_op *op, fmode_t mode);
void ac_op_apply(struct ac_bank *bank, struct atomic_counter_op *op);
u64 ac_supported_ops(void);

/* mmap.c */
int ac_mmap(struct file *file, struct vm_area_struct *vma);

/**
 * struct ac_names_hash_stats - the shape of a name table's hash
 * @buckets: hash buckets, a power of two
 * @names: names in the table
 * @longest_chain: names in the fullest bucket
 */
struct ac_names_hash_stats {
	u64 buckets;
	u64 names;
	u64 longest_chain;
};

/* names.c */
size_t ac_names_size(const struct ac_bank *bank);
int ac_names_init(struct ac_bank *bank);
void ac_names_exit(struct ac_bank *bank);
long ac_ioctl_name(struct file *file, unsigned int cmd, void __user *uarg, size_t usize);
int ac_name_claim_kernel(struct ac_bank *bank, const char *name, bool striped, u64 *index);
void ac_name_release(struct ac_bank *bank, u64 index);
bool ac_name_next(struct ac_bank *bank, struct atomic_counter_name *n);
void ac_names_hash_stats(struct ac_bank *bank, struct ac_names_hash_stats *stats);

/* wait.c */
size_t ac_wait_bank_size(const struct ac_bank *bank);
int ac_wait_bank_init(struct ac_bank *bank);
void ac_wait_bank_exit(struct ac_bank *bank);
atomic_t *ac_wait_waiters_of(struct ac_bank *bank, u64 index);
void ac_bands_layout(struct ac_bank *bank);
u32 *ac_band_slot_of(struct ac_bank *bank, u64 index);
void ac_wake_check(struct ac_bank *bank, u64 index);
void ac_wake_slow(struct ac_bank *bank, u64 index);
void ac_wake(struct ac_bank *bank, u64 index);
void ac_wait_stats_kapi(void);
void ac_wait_debugfs_init(struct dentry *dir);
long ac_ioctl_wait(struct file *file, void __user *uarg, size_t usize);
long ac_ioctl_wake(struct file *file, void __user *uarg, size_t usize);
long ac_ioctl_arm(struct file *file, void __user *uarg, size_t usize);
long ac_ioctl_disarm(struct file *file);
int ac_wait_open(struct file *file, struct ac_bank *bank);
void ac_wait_release(struct file *file);
struct ac_bank *ac_file_bank(const struct file *file);
__poll_t ac_poll(struct file *file, struct poll_table_struct *pt);

/* Entries in @bank's table of bands. */
static inline u32 ac_nr_bands(const struct ac_bank *bank)
{
	return bank->bands_size / sizeof(*bank->bands);
}

/* textview.c */
void ac_textview_init(void);
void ac_textview_exit(void);

#endif /* _ATOMIC_COUNTER_INTERNAL_H */
