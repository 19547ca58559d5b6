/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of the atomic_counter module.
 */
#ifndef _ATOMIC_COUNTER_INTERNAL_H
#define _ATOMIC_COUNTER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/atomic_counter.h>

/**
 * struct ac_bank - the one bank of counters behind /dev/atomic_counter
 * @counters: vmalloc_user() memory: page-aligned, zeroed, and mappable
 *	into userspace with remap_vmalloc_range().
 * @nr: counters used by number, [0, @nr).
 * @named_first: first counter allocated by name from userspace.
 * @nr_named: plain counters allocated by name, from @named_first.
 * @striped_first: first slot of userspace's striped counters.
 * @kernel_first: first counter of the kernel's read-only regions; also the
 *	end of what userspace may write.
 * @nr_kernel: plain kernel counters, from @kernel_first.
 * @kernel_striped_first: first slot of the kernel's striped counters.
 * @nr_striped: striped counters in each striped region; the distance
 *	between two slots of one striped counter.
 * @nr_stripes: slots of a striped counter, one per possible CPU.
 * @total: every counter and slot: the bank is [0, @total).
 * @size: bytes of @counters, a multiple of PAGE_SIZE.
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
	u32 nr_stripes;
	u64 total;
	size_t size;
};

extern struct ac_bank ac_bank;

/* ops.c */
bool ac_is_striped(u64 index);
s64 ac_counter_value(u64 index);
int ac_op_check(const struct atomic_counter_op *op, bool writable);
void ac_op_apply(struct atomic_counter_op *op);
u64 ac_supported_ops(void);

/* mmap.c */
int ac_mmap(struct file *file, struct vm_area_struct *vma);

/* names.c */
int ac_names_init(void);
void ac_names_exit(void);
long ac_ioctl_name(struct file *file, unsigned int cmd, void __user *uarg);
int ac_name_claim_kernel(const char *name, bool striped, u64 *index);
void ac_name_release(u64 index);
bool ac_name_next(struct atomic_counter_name *n);

/* wait.c */
int ac_wait_init(void);
u64 ac_wait_waiters_index(void);
bool ac_waiters_present(void);
void ac_wake_waiters_of(u64 index);
void ac_wake(u64 index);
long ac_ioctl_wait(void __user *uarg);
long ac_ioctl_wake(void __user *uarg);
long ac_ioctl_arm(struct file *file, void __user *uarg);
int ac_wait_open(struct file *file);
void ac_wait_release(struct file *file);
__poll_t ac_poll(struct file *file, struct poll_table_struct *pt);

/* textview.c */
void ac_textview_init(void);
void ac_textview_exit(void);

#endif /* _ATOMIC_COUNTER_INTERNAL_H */
