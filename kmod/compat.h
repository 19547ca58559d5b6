/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API changes the module meets across the kernels DKMS builds it
 * for, each behind one helper with the version that changed it. The rest
 * of the module calls the helpers and never tests LINUX_VERSION_CODE.
 */
#ifndef _ATOMIC_COUNTER_COMPAT_H
#define _ATOMIC_COUNTER_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/version.h>

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

#endif /* _ATOMIC_COUNTER_COMPAT_H */
