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
#include "compat.h"

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
 * The kernel's counters are mapped the same way a read-only file is: a
 * window that covers any of their pages is refused PROT_WRITE and loses
 * VM_MAYWRITE, so no process can forge a kernel counter.
 *
 * Return: 0, -EINVAL for a private mapping or one that does not fit in the
 * bank, or -EACCES for a writable mapping of the kernel's counters.
 */
int ac_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ac_bank *bank = ac_file_bank(file);
	unsigned long pages = vma_pages(vma);
	unsigned long kernel_page = bank->kernel_first * ATOMIC_COUNTER_SIZE >> PAGE_SHIFT;

	/* VM_MAYSHARE, not VM_SHARED: the core clears the latter read-only. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff + pages > kernel_page) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		ac_vm_flags_clear(vma, VM_MAYWRITE);
	}
	/* Checks the window against the bank, and sets VM_DONTEXPAND | VM_DONTDUMP. */
	return remap_vmalloc_range(vma, bank->counters, vma->vm_pgoff);
}
