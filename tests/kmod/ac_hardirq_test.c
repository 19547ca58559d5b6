// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: updates kernel counters from hard interrupt context,
 * where a wake-up that takes a spinlock_t is a bug on PREEMPT_RT.
 *
 * It registers "kernel.test_hardirq" and the striped
 * "kernel.test_hardirq_striped" (kernel code's names begin "kernel.").
 * Writing N to /sys/module/ac_hardirq_test/parameters/ticks has an
 * hrtimer increment both N more times, one increment a tick. The timer is
 * HRTIMER_MODE_REL_HARD, so its callback runs in hard irq context on
 * PREEMPT_RT too (a plain hrtimer is moved to softirq there).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "atomic_counter_kernel.h"
#include "compat.h"

#define TICK_NS	(200 * NSEC_PER_USEC)

static struct atomic_counter_handle *plain;
static struct atomic_counter_handle *striped;
static struct hrtimer timer;
static atomic_t ticks_left = ATOMIC_INIT(0);
/*
 * The parameter's sysfs file outlives module_exit() for a moment: a write
 * then must not start the timer again. Set under the parameter lock.
 */
static bool stopping;

static enum hrtimer_restart tick(struct hrtimer *t)
{
	if (atomic_dec_if_positive(&ticks_left) < 0)
		return HRTIMER_NORESTART;
	/* Proof of context for the test: a hard irq, on every kernel. */
	WARN_ON_ONCE(!ac_in_hardirq());
	atomic_counter_inc(plain);
	atomic_counter_inc(striped);
	hrtimer_forward_now(t, ns_to_ktime(TICK_NS));
	return HRTIMER_RESTART;
}

static int ticks_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (stopping)
		return -ENODEV;
	/* Writes are serialised by the parameter lock; ticks only go down. */
	if (n > INT_MAX - atomic_read(&ticks_left))
		return -ERANGE;
	atomic_add(n, &ticks_left);
	hrtimer_start(&timer, ns_to_ktime(TICK_NS), HRTIMER_MODE_REL_HARD);
	return 0;
}

static int ticks_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&ticks_left));
}

static const struct kernel_param_ops ticks_ops = {
	.set	= ticks_set,
	.get	= ticks_get,
};
module_param_cb(ticks, &ticks_ops, NULL, 0600);
MODULE_PARM_DESC(ticks, "Write N: increment the counters N more times from an hrtimer in hard irq");

static int __init hardirq_test_init(void)
{
	plain = atomic_counter_register("kernel.test_hardirq");
	if (IS_ERR(plain))
		return PTR_ERR(plain);
	striped = atomic_counter_register_striped("kernel.test_hardirq_striped");
	if (IS_ERR(striped)) {
		atomic_counter_unregister(plain);
		return PTR_ERR(striped);
	}
	ac_hrtimer_setup(&timer, tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	return 0;
}

static void __exit hardirq_test_exit(void)
{
	kernel_param_lock(THIS_MODULE);
	stopping = true;
	kernel_param_unlock(THIS_MODULE);
	/* No update after this, as atomic_counter_unregister() asks. */
	hrtimer_cancel(&timer);
	atomic_counter_unregister(striped);
	atomic_counter_unregister(plain);
}

module_init(hardirq_test_init);
module_exit(hardirq_test_exit);

MODULE_DESCRIPTION("atomic_counter test: kernel counter updates from hard irq context");
MODULE_LICENSE("GPL");
