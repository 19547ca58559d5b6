// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for make bench: the floor under the ioctl and batch
 * paths. The one ioctl of /dev/ac_bench_floor (ac_bench_floor.h) runs each
 * phase of a batch over the caller's entries, timed on its own, so that
 * ac-bench can say what the system call and the user copies add to the
 * work itself, and where a batch entry's time goes. The shipped module
 * carries none of this.
 *
 * The checks and the atomics are the module's own: ops.c is built into
 * this module from the same source with the same flags (the module exports
 * none of it), against a private bank of one page.
 *
 * A second ioctl times the in-kernel API's update, atomic_counter_inc(),
 * beside a bare atomic64_inc() of the same word. That update is inline
 * (atomic_counter_kernel.h): what is timed is what a caller's module
 * compiles, on a real kernel counter, which this module registers at load
 * through atomic_counter's exported API. So it loads only after
 * atomic_counter, as make bench loads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ac_bench_floor.h"
#include "atomic_counter_kernel.h"
#include "ops.c"

static struct ac_bank bank;

/* The kernel counter the in-kernel API's update is timed on. */
static struct atomic_counter_handle *kapi;

/* Stands in for the module's waiter count: the batch reads it once. */
static atomic64_t floor_waiters;

/* ns since *@t, and *@t moved on to now. */
static u64 lap(u64 *t)
{
	u64 now = ktime_get_ns();
	u64 d = now - *t;

	*t = now;
	return d;
}

/* The batch's copy-in as it was: field by field in one window. */
static int get_fields(struct atomic_counter_op *ops,
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

static int put_results(struct atomic_counter_op __user *uops,
		       const struct atomic_counter_op *ops, u32 count)
{
	u32 i;

	if (!user_write_access_begin(uops, array_size(count, sizeof(*uops))))
		return -EFAULT;
	for (i = 0; i < count; i++)
		unsafe_put_user(ops[i].result, &uops[i].result, fault);
	user_write_access_end();
	return 0;
fault:
	user_write_access_end();
	return -EFAULT;
}

/* One run of every phase; @s gets each phase's ns, a stride of @reps apart. */
static int run_once(struct atomic_counter_op __user *uops, u32 count, u64 *s, u32 reps)
{
	size_t size = array_size(count, sizeof(*uops));
	struct atomic_counter_op *ops;
	int ret = 0;
	u64 t;
	u32 i;

	t = ktime_get_ns();
	s[AC_FLOOR_CLOCK * reps] = lap(&t);
	ops = kmalloc(size, GFP_KERNEL);
	s[AC_FLOOR_ALLOC * reps] = lap(&t);
	if (!ops)
		return -ENOMEM;
	if (copy_from_user(ops, uops, size)) {
		ret = -EFAULT;
		goto out;
	}
	s[AC_FLOOR_COPY_IN * reps] = lap(&t);
	ret = get_fields(ops, uops, count);
	if (ret)
		goto out;
	s[AC_FLOOR_COPY_IN_FIELDS * reps] = lap(&t);
	for (i = 0; i < count; i++) {
		ret = ac_op_check(&bank, &ops[i], FMODE_READ | FMODE_WRITE);
		if (ret)
			goto out;
	}
	s[AC_FLOOR_CHECK * reps] = lap(&t);
	for (i = 0; i < count; i++)
		ac_op_apply(&bank, &ops[i]);
	s[AC_FLOOR_APPLY * reps] = lap(&t);
	for (i = 0; i < count; i++)
		atomic64_inc(&bank.counters[array_index_nospec(ops[i].index, bank.total)]);
	s[AC_FLOOR_ATOMIC * reps] = lap(&t);
	/* As ac_waiters_present(): the updates before the waiter count. */
	smp_mb();
	if (atomic64_read(&floor_waiters))
		ret = -EBUSY;
	s[AC_FLOOR_BARRIER * reps] = lap(&t);
	if (!ret)
		ret = put_results(uops, ops, count);
	if (ret)
		goto out;
	s[AC_FLOOR_COPY_OUT * reps] = lap(&t);
	for (i = 0; i < count; i++) {
		if (put_user(ops[i].result, &uops[i].result)) {
			ret = -EFAULT;
			goto out;
		}
	}
	s[AC_FLOOR_PUT_USER * reps] = lap(&t);
	kfree(ops);
	s[AC_FLOOR_FREE * reps] = lap(&t);
	return 0;
out:
	kfree(ops);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static long floor_run(struct ac_floor_run __user *urun)
{
	struct ac_floor_run run;
	u64 *s, clock;
	int ret = 0;
	u32 r, p;

	if (copy_from_user(&run, urun, sizeof(run)))
		return -EFAULT;
	if (!run.count || run.count > ATOMIC_COUNTER_BATCH_MAX ||
	    !run.reps || run.reps > AC_FLOOR_MAX_REPS)
		return -EINVAL;
	s = kcalloc(AC_FLOOR_NR_PHASES * run.reps, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	for (r = 0; r < run.reps && !ret; r++) {
		ret = run_once(u64_to_user_ptr(run.ops), run.count, s + r, run.reps);
		cond_resched();
	}
	if (ret)
		goto out;
	for (p = 0; p < AC_FLOOR_NR_PHASES; p++) {
		sort(s + p * run.reps, run.reps, sizeof(*s), cmp_u64, NULL);
		run.ns[p] = s[p * run.reps + run.reps / 2];
	}
	clock = run.ns[AC_FLOOR_CLOCK];
	for (p = AC_FLOOR_CLOCK + 1; p < AC_FLOOR_NR_PHASES; p++)
		run.ns[p] = run.ns[p] > clock ? run.ns[p] - clock : 0;
	if (copy_to_user(urun, &run, sizeof(run)))
		ret = -EFAULT;
out:
	kfree(s);
	return ret;
}

/*
 * One run of @loop, @count iterations; its ns, one clock read included.
 * Each loop names the counter through the global handle, as a caller's
 * module does: the bare atomic64_inc() loads the word's address the same
 * way, so that the difference is what the update adds to the atomic.
 */
static u64 kapi_loop(u32 loop, u32 count)
{
	u64 t;
	u32 i;

	t = ktime_get_ns();
	switch (loop) {
	case AC_FLOOR_KAPI_EMPTY:
		for (i = 0; i < count; i++)
			barrier();
		break;
	case AC_FLOOR_KAPI_ATOMIC64_INC:
		for (i = 0; i < count; i++)
			atomic64_inc(kapi->v);
		break;
	case AC_FLOOR_KAPI_INC:
		for (i = 0; i < count; i++)
			atomic_counter_inc(kapi);
		break;
	case AC_FLOOR_KAPI_INC_FULL:
		for (i = 0; i < count; i++)
			atomic_counter_inc_full(kapi);
		break;
	}
	return lap(&t);
}

static long floor_kapi(struct ac_floor_kapi __user *ukapi)
{
	/* Row AC_FLOOR_KAPI_NR of @s holds the clock's own cost. */
	const u32 clock_row = AC_FLOOR_KAPI_NR;
	struct ac_floor_kapi k;
	u64 *s, clock, t;
	int ret = 0;
	u32 r, l;

	if (copy_from_user(&k, ukapi, sizeof(k)))
		return -EFAULT;
	if (!k.count || k.count > AC_FLOOR_KAPI_MAX_COUNT ||
	    !k.reps || k.reps > AC_FLOOR_MAX_REPS)
		return -EINVAL;
	s = kcalloc((AC_FLOOR_KAPI_NR + 1) * k.reps, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	for (r = 0; r < k.reps; r++) {
		t = ktime_get_ns();
		s[clock_row * k.reps + r] = lap(&t);
		for (l = 0; l < AC_FLOOR_KAPI_NR; l++)
			s[l * k.reps + r] = kapi_loop(l, k.count);
		cond_resched();
	}
	for (l = 0; l <= clock_row; l++)
		sort(s + l * k.reps, k.reps, sizeof(*s), cmp_u64, NULL);
	clock = s[clock_row * k.reps + k.reps / 2];
	for (l = 0; l < AC_FLOOR_KAPI_NR; l++) {
		k.ns[l] = s[l * k.reps + k.reps / 2];
		k.ns[l] = k.ns[l] > clock ? k.ns[l] - clock : 0;
	}
	if (copy_to_user(ukapi, &k, sizeof(k)))
		ret = -EFAULT;
	kfree(s);
	return ret;
}

static long floor_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case AC_FLOOR_IOC_RUN:
		return floor_run((struct ac_floor_run __user *)arg);
	case AC_FLOOR_IOC_KAPI:
		return floor_kapi((struct ac_floor_kapi __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations floor_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= floor_ioctl,
};

static struct miscdevice floor_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ac_bench_floor",
	.fops	= &floor_fops,
};

static int __init floor_init(void)
{
	int ret;

	kapi = atomic_counter_register("kernel.ac_bench_floor");
	if (IS_ERR(kapi))
		return PTR_ERR(kapi);
	/* One page of plain counters, all of them writable: no other region. */
	bank.counters = vzalloc(PAGE_SIZE);
	if (!bank.counters) {
		ret = -ENOMEM;
		goto out_kapi;
	}
	bank.nr = PAGE_SIZE / sizeof(atomic64_t);
	bank.named_first = bank.nr;
	bank.striped_first = bank.nr;
	bank.kernel_first = bank.nr;
	bank.kernel_striped_first = bank.nr;
	bank.nr_stripes = 1;
	bank.total = bank.nr;
	bank.size = PAGE_SIZE;
	ret = misc_register(&floor_dev);
	if (!ret)
		return 0;
	vfree(bank.counters);
out_kapi:
	atomic_counter_unregister(kapi);
	return ret;
}

static void __exit floor_exit(void)
{
	misc_deregister(&floor_dev);
	vfree(bank.counters);
	atomic_counter_unregister(kapi);
}

module_init(floor_init);
module_exit(floor_exit);

MODULE_DESCRIPTION("atomic_counter test: the kernel-side floor under the ioctl and batch paths, and the in-kernel update's cost, for make bench");
MODULE_LICENSE("GPL");
