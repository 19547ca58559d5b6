// SPDX-License-Identifier: GPL-2.0
/*
 * Planted bugs for the VM harness's own tests: each lane must catch the
 * bug its checker exists for, or the lane proves nothing. Loaded with
 * bug=<name>; never part of the product.
 *
 *   warn         WARN_ON(1)                          any kernel
 *   leak         kmalloc() never freed               kmemleak
 *   oob          read one byte past a vmalloc area   KASAN
 *   sleep        GFP_KERNEL allocation under a lock  DEBUG_ATOMIC_SLEEP
 *   rt_spinlock  spinlock_t taken, preemption off    DEBUG_ATOMIC_SLEEP,
 *                (a sleeping lock on PREEMPT_RT)     PREEMPT_RT only
 *   inversion    A->B then B->A lock order           lockdep
 *   race         two threads on a plain int          KCSAN
 */
#include <linux/bug.h>
#include <linux/sched/task.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static char *bug = "warn";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "Which bug to plant: warn, leak, oob, sleep, rt_spinlock, inversion, race");

static void *leaked;
static DEFINE_SPINLOCK(planted_lock);
static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);
static int racy;

/* Plain, unmarked increments of a shared int from two threads. */
static int planted_racer(void *data)
{
	int *counter = data;
	int i;

	for (i = 0; i < 5000000; i++) {
		(*counter)++;
		if (!(i % 1000))
			cond_resched();
	}
	return 0;
}

static struct task_struct *planted_racer_start(const char *name)
{
	struct task_struct *t = kthread_create(planted_racer, &racy, name);

	/* Held so that kthread_stop() is safe after the thread has returned. */
	if (!IS_ERR(t)) {
		get_task_struct(t);
		wake_up_process(t);
	}
	return t;
}

static void planted_racer_wait(struct task_struct *t)
{
	if (IS_ERR(t))
		return;
	kthread_stop(t);
	put_task_struct(t);
}

static void planted_race(void)
{
	struct task_struct *a = planted_racer_start("planted_race_a");
	struct task_struct *b = planted_racer_start("planted_race_b");

	planted_racer_wait(a);
	planted_racer_wait(b);
}

static int __init planted_init(void)
{
	if (!strcmp(bug, "warn")) {
		WARN_ON(1);
	} else if (!strcmp(bug, "leak")) {
		/* Lost on purpose: the pointer is overwritten at once. */
		leaked = kmalloc(128, GFP_KERNEL);
		leaked = NULL;
	} else if (!strcmp(bug, "oob")) {
		char *area = vmalloc(4000);

		if (!area)
			return -ENOMEM;
		pr_info("planted: read past the end: %d\n", READ_ONCE(area[4000]));
		vfree(area);
	} else if (!strcmp(bug, "sleep")) {
		void *p;

		spin_lock(&planted_lock);
		p = kmalloc(64, GFP_KERNEL);
		spin_unlock(&planted_lock);
		kfree(p);
	} else if (!strcmp(bug, "rt_spinlock")) {
		/*
		 * What a kprobe handler or a preempt-disabled caller does when
		 * it calls wake_up(): fine without RT, where spinlock_t spins;
		 * a might-sleep in atomic context on RT, where it is an rtmutex.
		 */
		preempt_disable();
		spin_lock(&planted_lock);
		spin_unlock(&planted_lock);
		preempt_enable();
	} else if (!strcmp(bug, "inversion")) {
		mutex_lock(&lock_a);
		mutex_lock(&lock_b);
		mutex_unlock(&lock_b);
		mutex_unlock(&lock_a);
		mutex_lock(&lock_b);
		mutex_lock(&lock_a);
		mutex_unlock(&lock_a);
		mutex_unlock(&lock_b);
	} else if (!strcmp(bug, "race")) {
		planted_race();
	} else {
		return -EINVAL;
	}
	return 0;
}

static void __exit planted_exit(void)
{
}

module_init(planted_init);
module_exit(planted_exit);

MODULE_DESCRIPTION("Planted bugs for the atomic_counter VM harness tests");
MODULE_LICENSE("GPL");
