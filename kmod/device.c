// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/atomic_counter: the misc device, its module parameters, and the
 * ioctls, each of which copies its argument in, has ops.c validate and
 * apply it, and copies the result out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/cache.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
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
		 "Mode of /dev/atomic_counter as created (default 0600); a udev rule's MODE, applied after, replaces it");

struct ac_bank ac_global;

static long ac_ioctl_info(struct file *file, void __user *uarg, size_t usize)
{
	const size_t out = offsetof(struct atomic_counter_info, nr_counters);
	struct ac_bank *bank = ac_file_bank(file);
	struct atomic_counter_info info;
	int ret;

	ret = ac_copy_arg_in(&info, sizeof(info), uarg, usize, ATOMIC_COUNTER_INFO_SIZE_VER0);
	if (ret)
		return ret;
	/* Everything after @features is output, and zero on input. */
	BUILD_BUG_ON(out != 2 * sizeof(__u64));
	if (info.api != ATOMIC_COUNTER_API ||
	    (info.features & ~ATOMIC_COUNTER_FEATURES) ||
	    memchr_inv((char *)&info + out, 0, sizeof(info) - out))
		return -EINVAL;

	info.features = ATOMIC_COUNTER_FEATURES;
	info.nr_counters = bank->nr;
	info.map_size = bank->size;
	info.ops = ac_supported_ops();
	info.batch_max = ATOMIC_COUNTER_BATCH_MAX;
	info.cache_line_bytes = L1_CACHE_BYTES;
	info.named_first = bank->named_first;
	info.nr_named = bank->nr_named;
	info.kernel_first = bank->kernel_first;
	info.nr_kernel = bank->nr_kernel;
	info.waiters_index = bank->waiters_index;
	info.nr_striped = bank->nr_striped;
	info.nr_stripes = bank->nr_stripes;
	info.flags = bank->is_private ? ATOMIC_COUNTER_INFO_PRIVATE : 0;
	info.nr_kernel_striped = bank->nr_kernel_striped;
	info.band_slot_offset = bank->size;
	info.band_slot_size = bank->band_slots_size;
	info.band_offset = bank->size + bank->band_slots_size;
	info.band_size = bank->bands_size;

	return ac_copy_arg_out(uarg, &info, sizeof(info), usize);
}

static long ac_ioctl_op(struct file *file, void __user *uarg, size_t usize)
{
	struct ac_bank *bank = ac_file_bank(file);
	struct atomic_counter_op __user *uop = uarg;
	struct atomic_counter_op op;
	int ret;

	ret = ac_copy_arg_in(&op, sizeof(op), uarg, usize, ATOMIC_COUNTER_OP_SIZE_VER0);
	if (ret)
		return ret;
	ret = ac_op_check(bank, &op, file->f_mode);
	if (ret)
		return ret;
	ac_op_apply(bank, &op);
	if (op.op != ATOMIC_COUNTER_OP_READ)
		ac_wake(bank, op.index);
	/* Within ATOMIC_COUNTER_OP_SIZE_VER0, so within every caller's struct. */
	if (put_user(op.result, &uop->result))
		return -EFAULT;
	return 0;
}

/*
 * Say which entry a failed batch failed on (see "failed" in the uapi
 * header). Only a failed call writes the header, so that a successful one
 * costs no extra store and works with a header in read-only memory.
 */
static long ac_batch_failed(struct atomic_counter_batch __user *ubatch, u32 entry, long ret)
{
	if (put_user(entry, &ubatch->failed))
		return -EFAULT;
	return ret;
}

/*
 * The batch is copied into kernel memory whole, so that every entry can be
 * checked before any is applied without a racing thread changing an entry
 * between its check and its use. Only the results go back: the caller's
 * other fields are left as they were. Entries are
 * ATOMIC_COUNTER_OP_SIZE_VER0 bytes; a larger entry would come with a flag
 * of its own (see "Extending the ABI" in the uapi header).
 */
static long ac_ioctl_batch(struct file *file, void __user *uarg, size_t usize)
{
	struct ac_bank *bank = ac_file_bank(file);
	struct atomic_counter_batch __user *ubatch = uarg;
	struct atomic_counter_batch batch;
	struct atomic_counter_op __user *uops;
	struct atomic_counter_op *ops;
	size_t size;
	long ret = 0;
	u32 i;

	ret = ac_copy_arg_in(&batch, sizeof(batch), uarg, usize, ATOMIC_COUNTER_BATCH_SIZE_VER0);
	if (ret)
		return ret;
	/* @failed is out only, and zero on input as every output field. */
	if (batch.flags || batch.reserved || batch.failed || !batch.count ||
	    batch.count > ATOMIC_COUNTER_BATCH_MAX)
		return ac_batch_failed(ubatch, ATOMIC_COUNTER_BATCH_NO_ENTRY, -EINVAL);

	uops = u64_to_user_ptr(batch.ops);
	size = array_size(batch.count, sizeof(*ops));
	ops = memdup_user(uops, size);
	if (IS_ERR(ops))
		return ac_batch_failed(ubatch, ATOMIC_COUNTER_BATCH_NO_ENTRY, PTR_ERR(ops));

	for (i = 0; i < batch.count; i++) {
		ret = ac_op_check(bank, &ops[i], file->f_mode);
		if (ret) {
			ret = ac_batch_failed(ubatch, i, ret);
			goto out;
		}
	}
	for (i = 0; i < batch.count; i++)
		ac_op_apply(bank, &ops[i]);
	/* One barrier for the whole batch, then each entry's band check. */
	smp_mb();
	for (i = 0; i < batch.count; i++)
		if (ops[i].op != ATOMIC_COUNTER_OP_READ)
			ac_wake_check(bank, ops[i].index);
	/* One user-access window for all the results, not one per result. */
	if (!user_write_access_begin(uops, size))
		goto fault;
	for (i = 0; i < batch.count; i++)
		unsafe_put_user(ops[i].result, &uops[i].result, fault_end);
	user_write_access_end();
out:
	kfree(ops);
	return ret;
fault_end:
	user_write_access_end();
fault:
	kfree(ops);
	return ac_batch_failed(ubatch, ATOMIC_COUNTER_BATCH_NO_ENTRY, -EFAULT);
}

static const struct file_operations ac_fops;

#define AC_BANK_FILE_NAME	"[atomic_counter]"

/*
 * Another file of a private bank, on the inode of @from, a file of the
 * bank: ac_anon_inode_own_getfile() gave the bank's first file an inode
 * of the bank's own where the kernel can (see "Private banks" in the uapi
 * header), and every file of the bank shares it, as the shared anonymous
 * inode is shared elsewhere. alloc_file_pseudo() does what
 * anon_inode_getfile() does, on the inode and mount of our choice; like
 * it, the file holds a reference on the module.
 */
static struct file *ac_bank_reopen_file(struct file *from, int flags)
{
	struct inode *inode = file_inode(from);
	struct file *file;

	__module_get(THIS_MODULE);
	ihold(inode);
	file = alloc_file_pseudo(inode, from->f_path.mnt, AC_BANK_FILE_NAME, flags, &ac_fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(THIS_MODULE);
	}
	return file;
}

/*
 * A new file of @bank, whose reference it takes over (and drops on
 * failure). An anonymous inode's file, like an eventfd's: nothing names it
 * in any filesystem, so only its descriptor reaches it. @from: the file a
 * REOPEN goes through, NULL for a new bank.
 */
static int ac_bank_file(struct ac_bank *bank, struct file *from, bool rdonly)
{
	int flags = rdonly ? O_RDONLY : O_RDWR;
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto put_bank;
	}
	if (!from)
		file = ac_anon_inode_own_getfile(AC_BANK_FILE_NAME, &ac_fops, NULL, flags);
	else if (bank->is_private)
		file = ac_bank_reopen_file(from, flags);
	else
		file = anon_inode_getfile(AC_BANK_FILE_NAME, &ac_fops, NULL, flags);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto put_fd;
	}
	ret = ac_wait_open(file, bank);
	if (ret) {
		/* Its release sees no private data, and leaves @bank to us. */
		fput(file);
		goto put_fd;
	}
	fd_install(fd, file);
	return fd;

put_fd:
	put_unused_fd(fd);
put_bank:
	ac_bank_put(bank);
	return ret;
}

/*
 * ATOMIC_COUNTER_IOC_BANK. A new bank comes only from the device: a
 * private bank's file is a capability for that bank, not for new ones.
 * Return: the new descriptor, or an errno listed under "Private banks".
 */
static long ac_ioctl_bank(struct file *file, void __user *uarg, size_t usize)
{
	const u64 known = ATOMIC_COUNTER_BANK_REOPEN | ATOMIC_COUNTER_BANK_RDONLY;
	struct ac_bank *bank = ac_file_bank(file);
	struct atomic_counter_bank req;
	bool rdonly;
	int ret;

	ret = ac_copy_arg_in(&req, sizeof(req), uarg, usize, ATOMIC_COUNTER_BANK_SIZE_VER0);
	if (ret)
		return ret;
	if ((req.flags & ~known) || memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;
	rdonly = req.flags & ATOMIC_COUNTER_BANK_RDONLY;

	if (req.flags & ATOMIC_COUNTER_BANK_REOPEN) {
		/*
		 * Never more access than the caller's own file has: every
		 * new file can read (and map), so the caller's must too.
		 */
		if (!(file->f_mode & FMODE_READ) ||
		    (!rdonly && !(file->f_mode & FMODE_WRITE)))
			return -EBADF;
		if (req.nr_counters || req.nr_named || req.nr_striped)
			return -EINVAL;
		ac_bank_get(bank);
		return ac_bank_file(bank, file, rdonly);
	}
	/* Creating takes memory: a read-only file only reads. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	/* A new bank no file could ever write would be of no use. */
	if (rdonly)
		return -EINVAL;
	if (bank->is_private)
		return -EPERM;
	bank = ac_bank_create(&req);
	if (IS_ERR(bank))
		return PTR_ERR(bank);
	return ac_bank_file(bank, NULL, false);
}

/*
 * A command without its size and direction: what the extensible ioctls
 * are matched on, as seccomp's EA_IOCTL() does, so that a struct of any
 * size (and API 1's _IOW BATCH) reaches its handler, which takes the size
 * from the command (see "Extending the ABI" in the uapi header).
 */
#define AC_IOC_BASE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT | \
					   _IOC_DIRMASK << _IOC_DIRSHIFT))

static long ac_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd);

	switch (AC_IOC_BASE(cmd)) {
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_OP):
		return ac_ioctl_op(file, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_BATCH):
		return ac_ioctl_batch(file, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_INFO):
		return ac_ioctl_info(file, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_NAME_CREATE):
		return ac_ioctl_name(file, ATOMIC_COUNTER_IOC_NAME_CREATE, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_NAME_LOOKUP):
		return ac_ioctl_name(file, ATOMIC_COUNTER_IOC_NAME_LOOKUP, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_NAME_DELETE):
		return ac_ioctl_name(file, ATOMIC_COUNTER_IOC_NAME_DELETE, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_NAME_NEXT):
		return ac_ioctl_name(file, ATOMIC_COUNTER_IOC_NAME_NEXT, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_WAIT):
		return ac_ioctl_wait(file, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_WAKE):
		return ac_ioctl_wake(file, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_ARM):
		return ac_ioctl_arm(file, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_BANK):
		return ac_ioctl_bank(file, uarg, usize);
	case AC_IOC_BASE(ATOMIC_COUNTER_IOC_DISARM):
		/* No argument, nothing to extend: only the exact command. */
		if (cmd != ATOMIC_COUNTER_IOC_DISARM)
			return -ENOTTY;
		return ac_ioctl_disarm(file);
	default:
		return -ENOTTY;
	}
}

static int ac_open(struct inode *inode, struct file *file)
{
	return ac_wait_open(file, &ac_global);
}

/*
 * The last reference to the file: no ioctl runs on it any more and no
 * mapping holds it, so a private bank can go with its last file.
 */
static int ac_release(struct inode *inode, struct file *file)
{
	struct ac_bank *bank;

	/* A bank's file that ac_bank_file() could not finish. */
	if (!file->private_data)
		return 0;
	bank = ac_file_bank(file);
	ac_wait_release(file);
	ac_bank_put(bank);
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
	BUILD_BUG_ON(sizeof(struct atomic_counter_info) != ATOMIC_COUNTER_INFO_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct atomic_counter_name) != 80);
	BUILD_BUG_ON(sizeof(struct atomic_counter_wait) != 48);
	BUILD_BUG_ON(sizeof(struct atomic_counter_band) != 32);
	BUILD_BUG_ON(sizeof(struct atomic_counter_bank) != 64);
	BUILD_BUG_ON(sizeof(struct atomic_counter_wake) != 16);
	/* Each struct's first published size is where its layout starts from. */
	BUILD_BUG_ON(ATOMIC_COUNTER_OP_SIZE_VER0 != 48);
	BUILD_BUG_ON(ATOMIC_COUNTER_BATCH_SIZE_VER0 != 24);
	BUILD_BUG_ON(ATOMIC_COUNTER_INFO_SIZE_VER0 != 128);
	BUILD_BUG_ON(ATOMIC_COUNTER_NAME_SIZE_VER0 != 80);
	BUILD_BUG_ON(ATOMIC_COUNTER_WAIT_SIZE_VER0 != 48);
	BUILD_BUG_ON(ATOMIC_COUNTER_BANK_SIZE_VER0 != 64);
	BUILD_BUG_ON(sizeof(__u64) != ATOMIC_COUNTER_WAKE_SIZE_VER0);
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

	ac_bank_layout(&ac_global, nr_counters, nr_named, nr_kernel, nr_striped, true);
	/* The counters, then their band slots and bands (wait.c), in one mappable area. */
	ac_global.counters = vmalloc_user(ac_global.size + ac_global.band_slots_size +
					  ac_global.bands_size);
	if (!ac_global.counters)
		return -ENOMEM;
	ret = ac_names_init(&ac_global);
	if (ret)
		goto free_bank;
	ret = ac_wait_bank_init(&ac_global);
	if (ret)
		goto free_wait;

	/* Last: once registered, the device can be opened. */
	ac_textview_init();
	ac_miscdev.mode = mode;
	ret = misc_register(&ac_miscdev);
	if (ret)
		goto free_names;
	pr_info("%llu counters by number, %llu by name, %llu for the kernel, %llu striped over %u CPUs for each; version %s\n",
		ac_global.nr, ac_global.nr_named, ac_global.nr_kernel, ac_global.nr_striped,
		ac_global.nr_stripes, ATOMIC_COUNTER_VERSION);
	return 0;

free_names:
	ac_textview_exit();
free_wait:
	ac_wait_bank_exit(&ac_global);
	ac_names_exit(&ac_global);
free_bank:
	vfree(ac_global.counters);
	return ret;
}

static void __exit ac_exit(void)
{
	misc_deregister(&ac_miscdev);
	ac_textview_exit();
	ac_wait_bank_exit(&ac_global);
	ac_names_exit(&ac_global);
	vfree(ac_global.counters);
}

module_init(ac_init);
module_exit(ac_exit);

MODULE_DESCRIPTION("Bank of atomic64_t counters shared by processes and the kernel");
MODULE_AUTHOR("atomic_counter developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(ATOMIC_COUNTER_VERSION);
