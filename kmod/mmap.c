// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping the bank: every process that maps /dev/atomic_counter shares the
 * very atomic64_t words the ioctls operate on, so a userspace atomic on the
 * page and an ioctl on the same counter never lose each other's updates.
 */
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "atomic_counter.h"

/**
 * ac_mmap() - map (a window of) the bank into a process
 * @file: the open device
 * @vma: the new mapping; vm_pgoff selects the first page of the bank
 *
 * Only shared mappings are allowed: a private one would become a copy on
 * the first write and silently stop counting with everyone else. A file
 * opened read-only maps read-only for good: the mmap core refuses
 * PROT_WRITE on it and clears VM_MAYWRITE, so mprotect() cannot upgrade it.
 * The mapping holds a reference on the file, and through it on the module,
 * so the bank outlives close() and rmmod is refused until munmap().
 *
 * Return: 0, or -EINVAL for a private mapping or one that does not fit in
 * the bank.
 */
int ac_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* VM_MAYSHARE, not VM_SHARED: the core clears the latter read-only. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE) && (vma->vm_flags & VM_MAYWRITE))
		return -EACCES;

	/* Checks the window against the bank, and sets VM_DONTEXPAND | VM_DONTDUMP. */
	return remap_vmalloc_range(vma, ac_bank.counters, vma->vm_pgoff);
}
