// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping the bank: every process that maps /dev/atomic_counter shares the
 * very atomic64_t words the ioctls operate on, so a userspace atomic on the
 * page and an ioctl on the same counter never lose each other's updates.
 */
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/personality.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>

#include "atomic_counter.h"
#include "compat.h"

/*
 * A page whose page table entry is gone: ac_mmap() maps every page of the
 * window at once, but madvise(MADV_DONTNEED) (allocators, checkpointers and
 * sanitizers issue it) and other zaps take entries away again, and the next
 * access comes here. The page is the bank's own, never a copy: mappings are
 * shared only, and a write fault on a window that may not be written never
 * reaches a handler. The core takes the reference passed in vmf->page into
 * the new entry, as perf's ring buffer does (perf_mmap_fault()).
 *
 * vmalloc_to_page() finds the page of either kind of bank: vmalloc_user()
 * memory (the global bank) or a private bank's pages vmap()ed. Those pages
 * are untyped on every kernel (see AC_GFP_BANK_PAGE), so the core's rmap
 * accounting of a mapped page may count their mappings. The bands (wait.c)
 * are the same area's last pages.
 */
static vm_fault_t ac_vm_fault(struct vm_fault *vmf)
{
	struct ac_bank *bank = ac_file_bank(vmf->vma->vm_file);
	struct page *page;

	/* The window was checked against the bank, and cannot grow; still. */
	if (vmf->pgoff >= (bank->size + bank->band_slots_size + bank->bands_size) >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page((char *)bank->counters + (vmf->pgoff << PAGE_SHIFT));
	if (WARN_ON_ONCE(!page))
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct ac_vm_ops = {
	.fault = ac_vm_fault,
};

/*
 * A window of the band slots and bands (see "Waiting" in the uapi
 * header), from offset @bank->size: read-only for everyone, as the
 * kernel's counters are (only the module writes them).
 */
static int ac_mmap_bands(struct ac_bank *bank, struct vm_area_struct *vma)
{
	int ret;

	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	/* Checks the window against the area, which ends with the bands. */
	ret = remap_vmalloc_range(vma, bank->counters, vma->vm_pgoff);
	if (ret)
		return ret;
	ac_vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
	vma->vm_ops = &ac_vm_ops;
	return 0;
}

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
 * No mapping is executable: a page that any writer of the bank can change
 * must not become code in another process. PROT_EXEC is refused with
 * -EPERM, as the core refuses it on a noexec mount, and VM_MAYEXEC is
 * cleared, so mprotect(PROT_EXEC) fails with -EACCES.
 *
 * Every page of the window is mapped here, and a page whose entry is
 * zapped later (madvise(MADV_DONTNEED)) is mapped again at its next access
 * (ac_vm_fault()).
 *
 * From offset &atomic_counter_info.band_slot_offset (the bank's size) on,
 * the file maps the band slots and the table of bands instead, read-only
 * (ac_mmap_bands()).
 *
 * Return: 0, -EINVAL for a private mapping or one that does not fit in the
 * bank or in the bands, -EPERM for an executable mapping, or -EACCES for a
 * writable mapping of the kernel's counters or of the bands.
 */
int ac_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ac_bank *bank = ac_file_bank(file);
	unsigned long pages = vma_pages(vma);
	unsigned long kernel_page = bank->kernel_first * ATOMIC_COUNTER_SIZE >> PAGE_SHIFT;
	int ret;

	/* VM_MAYSHARE, not VM_SHARED: the core clears the latter read-only. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC) {
		/*
		 * READ_IMPLIES_EXEC (32-bit programs without PT_GNU_STACK,
		 * setarch -X) adds PROT_EXEC to every readable mapping before
		 * we are asked: such a program never asked for code, and gets
		 * the mapping without it (the core computes the page
		 * protection from the flags after ->mmap) rather than -EPERM.
		 */
		if (!(current->personality & READ_IMPLIES_EXEC))
			return -EPERM;
		ac_vm_flags_clear(vma, VM_EXEC);
	}
	/* The bands, after the counters: no window has both. */
	if (vma->vm_pgoff >= bank->size >> PAGE_SHIFT)
		return ac_mmap_bands(bank, vma);
	/* EACCES before EINVAL, as before bands: the order is ABI (the fuzzer's model). */
	if (vma->vm_pgoff + pages > kernel_page && (vma->vm_flags & VM_WRITE))
		return -EACCES;
	if (pages > (bank->size >> PAGE_SHIFT) - vma->vm_pgoff)
		return -EINVAL;
	/* Checks the window against the bank, and sets VM_DONTEXPAND | VM_DONTDUMP. */
	ret = remap_vmalloc_range(vma, bank->counters, vma->vm_pgoff);
	if (ret)
		return ret;
	if (vma->vm_pgoff + pages > kernel_page)
		ac_vm_flags_clear(vma, VM_MAYWRITE);
	ac_vm_flags_clear(vma, VM_MAYEXEC);
	vma->vm_ops = &ac_vm_ops;
	return 0;
}
