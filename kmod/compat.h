/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API changes the module meets across the kernels DKMS builds it
 * for, each behind one helper with the version that changed it. The rest
 * of the module calls the helpers and never tests LINUX_VERSION_CODE.
 */
#ifndef _ATOMIC_COUNTER_COMPAT_H
#define _ATOMIC_COUNTER_COMPAT_H

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/sizes.h>
#include <linux/version.h>

/*
 * A private bank's first file, on an anonymous inode of the bank's own
 * (its other files share it: see ac_bank_reopen_file()), so that fstat()
 * tells banks apart. anon_inode_create_getfile() (6.6, as a rename of
 * anon_inode_getfile_secure()) was first exported in 6.8, for KVM's
 * guest_memfd; before that, the kernel's one shared anonymous inode.
 */
static inline struct file *ac_anon_inode_own_getfile(const char *name,
						     const struct file_operations *fops,
						     void *priv, int flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return anon_inode_create_getfile(name, fops, priv, flags, NULL);
#else
	return anon_inode_getfile(name, fops, priv, flags);
#endif
}

/* 6.3 made vm_flags read-only and added vm_flags_{set,clear}(). */
static inline void ac_vm_flags_clear(struct vm_area_struct *vma, unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * 5.5 added compat_ptr_ioctl(); before it, a 32-bit process's pointer
 * argument is converted by hand. (Every ABI struct has one layout for 32-
 * and 64-bit processes, so nothing else needs converting.)
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 5, 0) && defined(CONFIG_COMPAT)
#include <linux/compat.h>
static inline long compat_ptr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (!file->f_op->unlocked_ioctl)
		return -ENOIOCTLCMD;
	return file->f_op->unlocked_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
}
#endif

/*
 * 6.13 added hrtimer_setup(), which sets the callback with the timer, and
 * later kernels removed hrtimer_init() (7.3 has only the former).
 */
static inline void ac_hrtimer_setup(struct hrtimer *timer,
				    enum hrtimer_restart (*function)(struct hrtimer *),
				    clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(timer, function, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = function;
#endif
}

/* 5.11 named in_irq() in_hardirq(); 5.10 has only the old name. */
static inline bool ac_in_hardirq(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
	return in_hardirq();
#else
	return in_irq();
#endif
}

/*
 * 5.11 added IRQ_WORK_INIT_HARD(), for PREEMPT_RT. Before it, mainline had
 * no PREEMPT_RT, and an irq_work that is not lazy, as init_irq_work()
 * makes it, runs in hard irq. 5.10 already defines IRQ_WORK_HARD_IRQ,
 * which mainline ignores and the 5.10-rt patches honour: set it, so that
 * an -rt tree runs the work in hard irq too, not in its irq_work thread.
 */
static inline void ac_init_irq_work_hard(struct irq_work *work,
					 void (*func)(struct irq_work *))
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
	*work = IRQ_WORK_INIT_HARD(func);
#else
	init_irq_work(work, func);
	atomic_set(&work->flags, IRQ_WORK_HARD_IRQ);
#endif
}

/*
 * A private bank's pages, charged to the memory cgroup. Before 5.11 a
 * charged page carried the PageKmemcg page type, and vm_insert_page(),
 * under remap_vmalloc_range(), refuses typed pages: a bank would not map
 * for any task in a memory cgroup. There the pages go uncharged (as BPF's
 * ring buffer did on 5.10); the per-user budget still holds, on by default
 * there (below). The fault path (mmap.c) relies on it too: it hands the
 * page to the core, which checks no type and counts the page's mappings in
 * _mapcount, the very word a 5.10 page type lives in, so a typed page
 * would be corrupted there rather than refused.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
#define AC_GFP_BANK_PAGE	GFP_KERNEL_ACCOUNT
#else
#define AC_GFP_BANK_PAGE	GFP_KERNEL
#endif

/*
 * The default of bank_bytes_per_user. Where the pages are charged, the
 * memory cgroup bounds a creator's banks and a per-user pool is left off:
 * a kuid is one pool for every tenant that shares it. Where they are not
 * (before 5.11), that pool is all that bounds them, so it stays on.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
#define AC_BANK_BYTES_PER_USER_DEFAULT	0UL
#else
#define AC_BANK_BYTES_PER_USER_DEFAULT	SZ_16M
#endif

#endif /* _ATOMIC_COUNTER_COMPAT_H */
