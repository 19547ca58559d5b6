/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of the atomic_counter module.
 */
#ifndef _ATOMIC_COUNTER_INTERNAL_H
#define _ATOMIC_COUNTER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/types.h>
#include <linux/atomic_counter.h>

/**
 * struct ac_bank - the one bank of counters behind /dev/atomic_counter
 * @counters: vmalloc_user() memory: page-aligned, zeroed, and mappable
 *	into userspace with remap_vmalloc_range().
 * @nr: number of counters; a whole number of pages' worth.
 * @size: bytes of @counters, a multiple of PAGE_SIZE.
 */
struct ac_bank {
	atomic64_t *counters;
	u64 nr;
	size_t size;
};

extern struct ac_bank ac_bank;

/* ops.c */
int ac_op_check(const struct atomic_counter_op *op, bool writable);
void ac_op_apply(struct atomic_counter_op *op);
u64 ac_supported_ops(void);

/* mmap.c */
int ac_mmap(struct file *file, struct vm_area_struct *vma);

#endif /* _ATOMIC_COUNTER_INTERNAL_H */
