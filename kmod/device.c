// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/atomic_counter: the misc device, its module parameters, and the
 * ioctls, each of which copies its argument in, has ops.c validate and
 * apply it, and copies the result out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/cache.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "atomic_counter.h"
#include "compat.h"

/* 1M counters (8 MiB) a region is far more than any user has asked for. */
#define AC_MAX_COUNTERS		SZ_1M
#define AC_DEFAULT_COUNTERS	512

static unsigned int nr_counters = AC_DEFAULT_COUNTERS;
module_param(nr_counters, uint, 0444);
MODULE_PARM_DESC(nr_counters,
		 "Counters used by number, rounded up to a whole page (default 512, at most 1048576)");

static unsigned int nr_named = AC_DEFAULT_COUNTERS;
module_param(nr_named, uint, 0444);
MODULE_PARM_DESC(nr_named,
		 "Counters userspace can allocate by name (default 512, at most 1048576)");

static unsigned int nr_kernel = AC_DEFAULT_COUNTERS;
module_param(nr_kernel, uint, 0444);
MODULE_PARM_DESC(nr_kernel,
		 "Counters kernel code can register, read-only to userspace (default 512, at most 1048576)");

static unsigned int nr_striped = 64;
module_param(nr_striped, uint, 0444);
MODULE_PARM_DESC(nr_striped,
		 "Striped counters userspace can allocate by name, and as many for the kernel, rounded up to a cache line (default 64)");

static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode,
		 "Mode of /dev/atomic_counter (default 0600; a udev rule can give a group access)");

struct ac_bank ac_bank;

/* Counters in whole pages: each region must start on a page of its own. */
static u64 ac_round_to_pages(u64 counters)
{
	return PAGE_ALIGN((size_t)counters * ATOMIC_COUNTER_SIZE) / ATOMIC_COUNTER_SIZE;
}

/* Counters in a striped region: a row of slots for each possible CPU. */
static u64 ac_striped_region(void)
{
	return ac_round_to_pages(ac_bank.nr_striped * ac_bank.nr_stripes);
}

static long ac_ioctl_info(void __user *uarg)
{
	struct atomic_counter_info info;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.api != ATOMIC_COUNTER_API ||
	    (info.features & ~ATOMIC_COUNTER_FEATURES) ||
	    memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;

	info.features = ATOMIC_COUNTER_FEATURES;
	info.nr_counters = ac_bank.nr;
	info.map_size = ac_bank.size;
	info.ops = ac_supported_ops();
	info.batch_max = ATOMIC_COUNTER_BATCH_MAX;
	info.cache_line_bytes = L1_CACHE_BYTES;
	info.named_first = ac_bank.named_first;
	info.nr_named = ac_bank.nr_named;
	info.kernel_first = ac_bank.kernel_first;
	info.nr_kernel = ac_bank.nr_kernel;
	info.waiters_index = ac_wait_waiters_index();
	info.nr_striped = ac_bank.nr_striped;
	info.nr_stripes = ac_bank.nr_stripes;

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long ac_ioctl_op(struct file *file, void __user *uarg)
{
	struct atomic_counter_op __user *uop = uarg;
	struct atomic_counter_op op;
	int ret;

	if (copy_from_user(&op, uop, sizeof(op)))
		return -EFAULT;
	ret = ac_op_check(&op, file->f_mode & FMODE_WRITE);
	if (ret)
		return ret;
	ac_op_apply(&op);
	if (op.op != ATOMIC_COUNTER_OP_READ)
		ac_wake(op.index);
	if (put_user(op.result, &uop->result))
		return -EFAULT;
	return 0;
}

/*
 * Copy a batch in field by field inside one user-access window: word loads
 * instead of a byte string copy of up to 12 KiB, which the CPU model QEMU
 * emulates (rep movsb) runs a byte at a time; make bench measured a batch
 * of 64 twice as slow per op with memdup_user() there.
 */
static int ac_copy_ops_from_user(struct atomic_counter_op *ops,
				 const struct atomic_counter_op __user *uops, u32 count)
{
	u32 i;

	if (!user_read_access_begin(uops, array_size(count, sizeof(*uops))))
		return -EFAULT;
	for (i = 0; i < count; i++) {
		unsafe_get_user(ops[i].index, &uops[i].index, fault);
		unsafe_get_user(ops[i].op, &uops[i].op, fault);
		unsafe_get_user(ops[i].order, &uops[i].order, fault);
		unsafe_get_user(ops[i].value, &uops[i].value, fault);
		unsafe_get_user(ops[i].expected, &uops[i].expected, fault);
		unsafe_get_user(ops[i].flags, &uops[i].flags, fault);
		unsafe_get_user(ops[i].reserved, &uops[i].reserved, fault);
	}
	user_read_access_end();
	return 0;
fault:
	user_read_access_end();
	return -EFAULT;
}

/*
 * The batch is copied into kernel memory whole, so that every entry can be
 * checked before any is applied without a racing thread changing an entry
 * between its check and its use. Only the results go back: the caller's
 * other fields are left as they were.
 */
static long ac_ioctl_batch(struct file *file, void __user *uarg)
{
	struct atomic_counter_batch batch;
	struct atomic_counter_op __user *uops;
	struct atomic_counter_op *ops;
	size_t size;
	long ret = 0;
	u32 i;

	if (copy_from_user(&batch, uarg, sizeof(batch)))
		return -EFAULT;
	if (batch.flags || batch.reserved || !batch.count ||
	    batch.count > ATOMIC_COUNTER_BATCH_MAX)
		return -EINVAL;

	uops = u64_to_user_ptr(batch.ops);
	size = array_size(batch.count, sizeof(*ops));
	ops = kmalloc(size, GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	ret = ac_copy_ops_from_user(ops, uops, batch.count);
	if (ret)
		goto out;

	for (i = 0; i < batch.count; i++) {
		ret = ac_op_check(&ops[i], file->f_mode & FMODE_WRITE);
		if (ret)
			goto out;
	}
	for (i = 0; i < batch.count; i++)
		ac_op_apply(&ops[i]);
	/* One barrier and one look at the waiter count for the whole batch. */
	if (ac_waiters_present()) {
		for (i = 0; i < batch.count; i++)
			if (ops[i].op != ATOMIC_COUNTER_OP_READ)
				ac_wake_waiters_of(ops[i].index);
	}
	/* One user-access window for all the results, not one per result. */
	if (!user_write_access_begin(uops, size)) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < batch.count; i++)
		unsafe_put_user(ops[i].result, &uops[i].result, fault);
	user_write_access_end();
out:
	kfree(ops);
	return ret;
fault:
	user_write_access_end();
	kfree(ops);
	return -EFAULT;
}

static long ac_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case ATOMIC_COUNTER_IOC_OP:
		return ac_ioctl_op(file, uarg);
	case ATOMIC_COUNTER_IOC_BATCH:
		return ac_ioctl_batch(file, uarg);
	case ATOMIC_COUNTER_IOC_INFO:
		return ac_ioctl_info(uarg);
	case ATOMIC_COUNTER_IOC_NAME_CREATE:
	case ATOMIC_COUNTER_IOC_NAME_LOOKUP:
	case ATOMIC_COUNTER_IOC_NAME_DELETE:
	case ATOMIC_COUNTER_IOC_NAME_NEXT:
		return ac_ioctl_name(file, cmd, uarg);
	case ATOMIC_COUNTER_IOC_WAIT:
		return ac_ioctl_wait(uarg);
	case ATOMIC_COUNTER_IOC_WAKE:
		return ac_ioctl_wake(uarg);
	case ATOMIC_COUNTER_IOC_ARM:
		return ac_ioctl_arm(file, uarg);
	default:
		return -ENOTTY;
	}
}

static int ac_open(struct inode *inode, struct file *file)
{
	return ac_wait_open(file);
}

static int ac_release(struct inode *inode, struct file *file)
{
	ac_wait_release(file);
	return 0;
}

static const struct file_operations ac_fops = {
	.owner		= THIS_MODULE,
	.open		= ac_open,
	.release	= ac_release,
	.poll		= ac_poll,
	.unlocked_ioctl	= ac_ioctl,
	/* Every ABI struct has the same layout for 32-bit processes. */
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= ac_mmap,
};

static struct miscdevice ac_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "atomic_counter",
	.fops	= &ac_fops,
};

static int __init ac_init(void)
{
	int ret;

	/* The compat path relies on these layouts not depending on the ABI. */
	BUILD_BUG_ON(sizeof(struct atomic_counter_op) != 48);
	BUILD_BUG_ON(sizeof(struct atomic_counter_batch) != 24);
	BUILD_BUG_ON(sizeof(struct atomic_counter_info) != 128);
	BUILD_BUG_ON(sizeof(struct atomic_counter_name) != 80);
	BUILD_BUG_ON(sizeof(struct atomic_counter_wait) != 48);
	BUILD_BUG_ON(sizeof(atomic64_t) != ATOMIC_COUNTER_SIZE);

	if (!nr_counters || nr_counters > AC_MAX_COUNTERS ||
	    !nr_named || nr_named > AC_MAX_COUNTERS ||
	    !nr_kernel || nr_kernel > AC_MAX_COUNTERS) {
		pr_err("nr_counters, nr_named and nr_kernel must be within 1..%u\n",
		       AC_MAX_COUNTERS);
		return -EINVAL;
	}
	/* Both striped regions hold nr_striped slots for every possible CPU. */
	if (!nr_striped || (u64)nr_striped * nr_cpu_ids > AC_MAX_COUNTERS) {
		pr_err("nr_striped must be within 1..%u on %u possible CPUs\n",
		       AC_MAX_COUNTERS / nr_cpu_ids, nr_cpu_ids);
		return -EINVAL;
	}
	if (mode & ~0666) {
		pr_err("mode=%#o has bits other than read and write\n", mode);
		return -EINVAL;
	}

	/* A CPU's row of slots fills whole cache lines, shared with no other CPU. */
	ac_bank.nr_striped = roundup(nr_striped, L1_CACHE_BYTES / ATOMIC_COUNTER_SIZE);
	ac_bank.nr_stripes = nr_cpu_ids;
	ac_bank.nr = ac_round_to_pages(nr_counters);
	ac_bank.named_first = ac_bank.nr;
	ac_bank.nr_named = ac_round_to_pages(nr_named);
	ac_bank.striped_first = ac_bank.named_first + ac_bank.nr_named;
	ac_bank.kernel_first = ac_bank.striped_first + ac_striped_region();
	ac_bank.nr_kernel = ac_round_to_pages(nr_kernel);
	ac_bank.kernel_striped_first = ac_bank.kernel_first + ac_bank.nr_kernel;
	ac_bank.total = ac_bank.kernel_striped_first + ac_striped_region();
	ac_bank.size = ac_bank.total * ATOMIC_COUNTER_SIZE;
	ac_bank.counters = vmalloc_user(ac_bank.size);
	if (!ac_bank.counters)
		return -ENOMEM;
	ret = ac_names_init();
	if (ret)
		goto free_bank;
	ret = ac_wait_init();
	if (ret)
		goto free_names_only;

	/* Last: once registered, the device can be opened. */
	ac_textview_init();
	ac_miscdev.mode = mode;
	ret = misc_register(&ac_miscdev);
	if (ret)
		goto free_names;
	pr_info("%llu counters by number, %llu by name, %llu for the kernel, %llu striped over %u CPUs for each; version %s\n",
		ac_bank.nr, ac_bank.nr_named, ac_bank.nr_kernel, ac_bank.nr_striped,
		ac_bank.nr_stripes, ATOMIC_COUNTER_VERSION);
	return 0;

free_names:
	ac_textview_exit();
free_names_only:
	ac_names_exit();
free_bank:
	vfree(ac_bank.counters);
	return ret;
}

static void __exit ac_exit(void)
{
	misc_deregister(&ac_miscdev);
	ac_textview_exit();
	ac_names_exit();
	vfree(ac_bank.counters);
}

module_init(ac_init);
module_exit(ac_exit);

MODULE_DESCRIPTION("Bank of atomic64_t counters shared by processes and the kernel");
MODULE_AUTHOR("atomic_counter developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(ATOMIC_COUNTER_VERSION);
