// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting on a counter: blocking until a condition holds, poll() on a file
 * armed with one, and the wake-ups that updates send.
 *
 * Waiters sleep on one of a few wait queues, chosen by counter index, and
 * count themselves in a kernel counter ("atomic_counter.waiters") that
 * every process can read on the page. An update reads that count after
 * its write and touches a wait queue only when someone waits, so the op
 * path takes no lock while nobody does. The count is raised before a
 * waiter first checks its condition and both sides order their write
 * before their read with a full barrier, so either the waker sees the
 * waiter or the waiter sees the update: no wake-up is lost.
 */
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "atomic_counter.h"

#define AC_WAITQ_BITS	6

static wait_queue_head_t ac_waitqs[1 << AC_WAITQ_BITS];
static atomic64_t *ac_waiters;
static u64 ac_waiters_index;

/* A file's armed condition, for poll(). */
struct ac_file {
	struct atomic_counter_wait cond;
	bool armed;
};

static wait_queue_head_t *ac_waitq(u64 index)
{
	return &ac_waitqs[hash_64(index, AC_WAITQ_BITS)];
}

int ac_wait_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(ac_waitqs); i++)
		init_waitqueue_head(&ac_waitqs[i]);
	ret = ac_name_claim_kernel("atomic_counter.waiters", false, &ac_waiters_index);
	if (ret)
		return ret;
	ac_waiters = &ac_bank.counters[ac_waiters_index];
	return 0;
}

u64 ac_wait_waiters_index(void)
{
	return ac_waiters_index;
}

/**
 * ac_waiters_present() - whether anyone waits, seen after the caller's updates
 *
 * Return: true when some process waits or has armed a file.
 */
bool ac_waiters_present(void)
{
	/* Orders the caller's updates before the read of the waiter count. */
	smp_mb();
	return atomic64_read(ac_waiters);
}

/**
 * ac_wake_waiters_of() - wake whoever waits on a counter
 * @index: the counter, just updated
 *
 * Context: any; takes a wait queue's spinlock.
 */
void ac_wake_waiters_of(u64 index)
{
	wake_up_all(ac_waitq(index));
}

/**
 * ac_wake() - after an update: wake the counter's waiters, if anyone waits
 * @index: the counter
 *
 * Context: any; takes a wait queue's spinlock only when someone waits.
 */
void ac_wake(u64 index)
{
	if (ac_waiters_present())
		ac_wake_waiters_of(index);
}

static bool ac_cond_met(const struct atomic_counter_wait *w, s64 *seen)
{
	u64 index = array_index_nospec(w->index, ac_bank.total);
	s64 v = w->flags & ATOMIC_COUNTER_WAIT_STRIPED ? ac_counter_value(index) :
							 atomic64_read(&ac_bank.counters[index]);

	*seen = v;
	switch (w->cond) {
	case ATOMIC_COUNTER_COND_EQ:
		return v == w->value;
	case ATOMIC_COUNTER_COND_NE:
		return v != w->value;
	case ATOMIC_COUNTER_COND_GE:
		return v >= w->value;
	default:
		return v <= w->value;
	}
}

static int ac_wait_copy_in(struct atomic_counter_wait *w, const void __user *uarg)
{
	if (copy_from_user(w, uarg, sizeof(*w)))
		return -EFAULT;
	if ((w->flags & ~ATOMIC_COUNTER_WAIT_STRIPED) || w->reserved ||
	    w->cond >= ATOMIC_COUNTER_NR_CONDS || w->index >= ac_bank.total)
		return -EINVAL;
	if ((w->flags & ATOMIC_COUNTER_WAIT_STRIPED) && !ac_is_striped(w->index))
		return -EINVAL;
	return 0;
}

static void ac_waiter_add(void)
{
	atomic64_inc(ac_waiters);
	/* Orders the count before the waiter's first look at the counter. */
	smp_mb__after_atomic();
}

/**
 * ac_ioctl_wait() - ATOMIC_COUNTER_IOC_WAIT
 * @uarg: user pointer to a struct atomic_counter_wait
 *
 * Return: 0 with the value written back, -ETIMEDOUT, -EINTR or
 * -ERESTARTSYS for a signal (see "Waiting" in the uapi header), -EINVAL,
 * -EFAULT.
 */
long ac_ioctl_wait(void __user *uarg)
{
	struct atomic_counter_wait w;
	struct atomic_counter_wait __user *uw = uarg;
	long ret;
	s64 seen = 0;

	ret = ac_wait_copy_in(&w, uarg);
	if (ret)
		return ret;

	ac_waiter_add();
	if (w.timeout_ns < 0) {
		ret = wait_event_interruptible(*ac_waitq(w.index), ac_cond_met(&w, &seen));
	} else {
		ret = wait_event_interruptible_hrtimeout(*ac_waitq(w.index),
							 ac_cond_met(&w, &seen),
							 ns_to_ktime(w.timeout_ns));
		if (ret == -ETIME)
			ret = -ETIMEDOUT;
		else if (ret == -ERESTARTSYS)
			ret = -EINTR;
	}
	atomic64_dec(ac_waiters);
	if (ret)
		return ret;
	if (put_user(seen, &uw->result))
		return -EFAULT;
	return 0;
}

/**
 * ac_ioctl_wake() - ATOMIC_COUNTER_IOC_WAKE, for updates made on the page
 * @uarg: user pointer to the __u64 index of the counter
 *
 * Return: 0, -EINVAL for an index out of range, -EFAULT.
 */
long ac_ioctl_wake(void __user *uarg)
{
	u64 index;

	if (get_user(index, (u64 __user *)uarg))
		return -EFAULT;
	if (index >= ac_bank.total)
		return -EINVAL;
	ac_wake(index);
	return 0;
}

int ac_wait_open(struct file *file)
{
	struct ac_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	file->private_data = f;
	return 0;
}

void ac_wait_release(struct file *file)
{
	struct ac_file *f = file->private_data;

	if (f->armed)
		atomic64_dec(ac_waiters);
	kfree(f);
}

/**
 * ac_ioctl_arm() - ATOMIC_COUNTER_IOC_ARM: give the file a condition for poll()
 * @file: the open device
 * @uarg: user pointer to a struct atomic_counter_wait, timeout_ns 0
 *
 * An armed file counts as a waiter until it is closed, so that updates
 * wake its pollers.
 *
 * Return: 0, -EINVAL, -EFAULT.
 */
long ac_ioctl_arm(struct file *file, void __user *uarg)
{
	struct ac_file *f = file->private_data;
	struct atomic_counter_wait w;
	int ret;

	ret = ac_wait_copy_in(&w, uarg);
	if (ret)
		return ret;
	if (w.timeout_ns)
		return -EINVAL;
	/* Two threads arming one file at once: the file lock keeps it simple. */
	spin_lock(&file->f_lock);
	if (!f->armed)
		ac_waiter_add();
	f->cond = w;
	f->armed = true;
	spin_unlock(&file->f_lock);
	return 0;
}

__poll_t ac_poll(struct file *file, struct poll_table_struct *pt)
{
	struct ac_file *f = file->private_data;
	struct atomic_counter_wait w;
	bool armed;
	s64 seen;

	spin_lock(&file->f_lock);
	w = f->cond;
	armed = f->armed;
	spin_unlock(&file->f_lock);
	if (!armed)
		return EPOLLERR;
	poll_wait(file, ac_waitq(w.index), pt);
	return ac_cond_met(&w, &seen) ? EPOLLIN | EPOLLRDNORM : 0;
}
