// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting on a counter: blocking until a condition holds, poll() on a file
 * armed with one, and the wake-ups that updates send.
 *
 * Waiters sleep on one of AC_NR_WAITQS wait queues, shared by every bank
 * and chosen by (bank, counter) (all the slots of a striped counter share
 * their counter's queue), and count themselves twice: in their queue's own
 * count, which the kernel's update paths read, and in their bank's kernel
 * counter "atomic_counter.waiters", which every process reads on the page
 * to know whether a page update needs a WAKE. An update reads its queue's
 * count after its write and touches the queue only when the count is
 * non-zero, so a waiter costs nothing to updates of counters on other
 * queues. A waiter raises the count and joins
 * the queue together, under the queue's lock, before it first checks its
 * condition, and both sides put a full barrier between their write and
 * their read, so either the waker sees the waiter or the waiter sees the
 * update: no wake-up is lost. A waker that saw the count but took the lock
 * first has released it before the waiter's look at the counter, which
 * then sees the update. The in-kernel API's updates are the exception:
 * in place of their barrier the waiter waits for a grace period (see
 * ac_kernel_api_counter()), so that they cost no barrier at all.
 *
 * On a queue, the waiters of one counter of one bank form a group (struct
 * ac_group),
 * with bounds that cover every condition in it: the lowest GE value, the
 * highest LE value, the range of the EQ and of the NE values. A waker
 * compares each group of its queue with its key, and for its counter's
 * group the value it reads after its update with the bounds: only when
 * some condition may hold does it walk the group's waiters and wake those
 * whose condition holds. An update that satisfies no one on its counter
 * costs a comparison per counter waited on through the queue, whatever
 * the number of waiters; the bounds are exact but for EQ values on both
 * sides of the new value. The walk also narrows the bounds to the
 * waiters still there; a waiter that leaves does not, so they are never
 * narrower than the conditions they cover, and the queue's lock makes a
 * group's waiters, bounds and every waker's look at them one order.
 *
 * The group lives in the waiter that came first (nothing is allocated to
 * wait) and moves into the next one when that waiter leaves. Waiters do
 * not point at their group, so that a move is O(1): a leaving waiter
 * finds its group on the queue, as a joining one does.
 *
 * Wakers run in process context: ioctls, name changes that zero a
 * counter, and the work item the in-kernel API defers its wake-ups to
 * (kapi.c), so the queue's lock is a spinlock_t taken with interrupts on.
 *
 * Adding or removing a waiter updates its bank's "atomic_counter.waiters";
 * the count's own waiters hear of it through the bank's work item, as the
 * in-kernel API's do, so that waiting on the count never makes others'
 * WAITs walk their waiters.
 */
#include <linux/bits.h>
#include <linux/hash.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "atomic_counter.h"

#define AC_WAITQ_BITS	8
#define AC_NR_WAITQS	BIT(AC_WAITQ_BITS)

/**
 * struct ac_waitq - one wait queue and how many wait on it
 * @lock: see @groups
 * @groups: the struct ac_group of each counter waited on through this queue
 * @nr: waiters on the queue or about to be; what updates read
 * @gp: the RCU state when @nr last left zero, under @lock: the grace
 *	period a waiter on a kernel counter waits for (ac_waiter_add())
 *
 * One per cache line: a queue's count is read by every update of its
 * counters, and written by its waiters only.
 */
struct ac_waitq {
	spinlock_t lock;	/* guards @groups, their waiters and their bounds */
	struct hlist_head groups;
	atomic_t nr;
	unsigned long gp;
} ____cacheline_aligned_in_smp;

/*
 * The global bank's queues, and the private banks' own: a waiter on a
 * private bank must not cost anything to updates of the global bank and
 * of kernel counters, which it could otherwise reach on every queue.
 */
static struct ac_waitq ac_waitqs[AC_NR_WAITQS];
static struct ac_waitq ac_private_waitqs[AC_NR_WAITQS];

/**
 * struct ac_bounds - which values may satisfy some condition of a group
 * @conds: BIT(cond) for each condition some waiter of the group has
 * @ge: the lowest GE value
 * @le: the highest LE value
 * @eq_lo: the lowest EQ value
 * @eq_hi: the highest EQ value
 * @ne_lo: the lowest NE value
 * @ne_hi: the highest NE value
 *
 * Exact for GE, LE and NE (two different NE values: every value differs
 * from one of them); for EQ, a range that may hold no waiter's value.
 */
struct ac_bounds {
	unsigned int conds;
	s64 ge;
	s64 le;
	s64 eq_lo;
	s64 eq_hi;
	s64 ne_lo;
	s64 ne_hi;
};

/**
 * struct ac_group - the waiters of one counter on a queue
 * @node: on the queue's @groups
 * @waiters: its struct ac_waiter entries
 * @bank: the bank of @index
 * @index: what they wait on: a counter, one slot of a striped counter, or
 *	with @striped a striped counter's sum (its CPU 0 slot)
 * @counter: ac_counter_of(@index): the counter the queue was chosen by
 * @striped: the waiters wait on the sum (ATOMIC_COUNTER_WAIT_STRIPED)
 * @bounds: covers the condition of every entry on @waiters, and may
 *	cover more: tightened only when a wake-up walks the group
 */
struct ac_group {
	struct hlist_node node;
	struct list_head waiters;
	struct ac_bank *bank;
	u64 index;
	u64 counter;
	bool striped;
	struct ac_bounds bounds;
};

/**
 * struct ac_wake_key - what a waker updated
 * @bank: the bank of @index
 * @index: the counter: a plain counter, or a striped counter's CPU 0 slot
 *	(whichever of its slots was updated)
 * @slot: the word it updated: @index, or another slot of it
 */
struct ac_wake_key {
	struct ac_bank *bank;
	u64 index;
	u64 slot;
};

/**
 * struct ac_waiter - a blocked WAIT or an armed file
 * @node: on its group's waiters while waiting or armed
 * @own: the group @node is on when this waiter heads it: a group lives in
 *	a waiter, so that waiting allocates nothing
 * @bank: the bank of @cond.index
 * @cond: the condition, validated
 * @task: for a blocked WAIT: the task to wake
 * @poll_wq: for an armed file: the queue its pollers sleep on
 */
struct ac_waiter {
	struct list_head node;
	struct ac_group own;
	struct ac_bank *bank;
	struct atomic_counter_wait cond;
	struct task_struct *task;
	wait_queue_head_t *poll_wq;
};

/*
 * A file's state for poll(). Pollers always sleep on @poll_wq, armed or
 * not, so that the queue epoll registers at EPOLL_CTL_ADD stays right
 * whatever ARM does later; the armed condition's entry on the counter's
 * queue wakes @poll_wq.
 */
struct ac_file {
	struct ac_bank *bank;	/* the file's bank, for its whole life */
	struct mutex lock;	/* serialises ARM */
	wait_queue_head_t poll_wq;
	struct ac_waiter waiter;
	bool armed;
};

/*
 * A striped counter's CPU 0 slot for any of its slots; @index otherwise.
 * A striped region holds at most 2^20 slots (checked at load), so u32
 * arithmetic does: no 64-bit division on 32-bit kernels.
 */
static u64 ac_counter_of(const struct ac_bank *bank, u64 index)
{
	u64 span = (u64)bank->nr_striped * bank->nr_stripes;
	u64 kernel_span = (u64)bank->nr_kernel_striped * bank->nr_stripes;
	u32 stride = bank->nr_striped;

	if (index >= bank->striped_first && index < bank->striped_first + span)
		return bank->striped_first + (u32)(index - bank->striped_first) % stride;
	if (index >= bank->kernel_striped_first &&
	    index < bank->kernel_striped_first + kernel_span)
		return bank->kernel_striped_first +
		       (u32)(index - bank->kernel_striped_first) % stride;
	return index;
}

/* Private banks are told apart by address, and share their queues. */
static struct ac_waitq *ac_waitq(const struct ac_bank *bank, u64 counter)
{
	struct ac_waitq *qs = bank->is_private ? ac_private_waitqs : ac_waitqs;

	return &qs[hash_64((unsigned long)bank ^ counter, AC_WAITQ_BITS)];
}

/* The queues, once for every bank. */
void ac_wait_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ac_waitqs); i++) {
		spin_lock_init(&ac_waitqs[i].lock);
		INIT_HLIST_HEAD(&ac_waitqs[i].groups);
		atomic_set(&ac_waitqs[i].nr, 0);
		spin_lock_init(&ac_private_waitqs[i].lock);
		INIT_HLIST_HEAD(&ac_private_waitqs[i].groups);
		atomic_set(&ac_private_waitqs[i].nr, 0);
	}
}

static void ac_waiters_changed(struct work_struct *work)
{
	struct ac_bank *bank = container_of(work, struct ac_bank, waiters_work);

	ac_wake(bank, bank->waiters_index);
}

/**
 * ac_wait_bank_init() - give a bank its waiter count
 * @bank: a bank with its name table
 *
 * Return: 0, or an errno of ac_name_claim_kernel().
 */
int ac_wait_bank_init(struct ac_bank *bank)
{
	int ret;

	INIT_WORK(&bank->waiters_work, ac_waiters_changed);
	ret = ac_name_claim_kernel(bank, "atomic_counter.waiters", false, &bank->waiters_index);
	if (ret)
		return ret;
	bank->waiters = &bank->counters[bank->waiters_index];
	return 0;
}

/**
 * ac_wait_bank_exit() - before a bank is freed
 * @bank: a bank no file refers to any more, so that nothing queues its
 *	waiter count's work again; it may still be pending from the last
 *	waiter's leaving
 *
 * Context: process context; sleeps.
 */
void ac_wait_bank_exit(struct ac_bank *bank)
{
	if (bank->waiters)
		flush_work(&bank->waiters_work);
}

/**
 * ac_wait_waiters_of() - the waiter count an update of a counter reads
 * @bank: the bank
 * @index: a counter (for a striped counter, any of its slots)
 *
 * Return: the count of the queue @index's waiters sleep on.
 */
atomic_t *ac_wait_waiters_of(struct ac_bank *bank, u64 index)
{
	return &ac_waitq(bank, ac_counter_of(bank, index))->nr;
}

/**
 * ac_waiters_present() - whether anyone waits on the bank at all, seen
 *	after the caller's updates
 * @bank: the bank
 *
 * For a batch: one barrier and one read before ac_wake_waiters_of() on
 * each counter it updated.
 *
 * Return: true when some process waits on @bank or has armed a file of it.
 */
bool ac_waiters_present(struct ac_bank *bank)
{
	/* Orders the caller's updates before the read of the waiter count. */
	smp_mb();
	return atomic64_read(bank->waiters);
}

static bool ac_cond_holds(const struct atomic_counter_wait *w, s64 v)
{
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

/*
 * A striped counter's sum is read slot by slot, preemptibly, while its
 * slots change: on the page, every process adds to its CPU's slot with no
 * lock, and nothing stops the slots for a read. The sum read is therefore
 * not a value the counter held at one moment, and only GE can be decided
 * on it (ac_wait_copy_in() refuses the rest):
 *
 * - When every update of the counter adds a non-negative amount, each slot
 *   only grows, so the value read from a slot lies between the slot's
 *   values when the read began and when it ended (a read returns a value
 *   the slot held, never one older than what the reader saw before), and
 *   the sum between the counter's values at the start and at the end of
 *   the read. A sum of at least N means the counter has reached N, and,
 *   only growing, stays there: GE never returns early. Nor does it miss
 *   its wake-up. Through the ioctls each update is followed by a full
 *   barrier before its waker reads the slots (ac_wake()'s smp_mb()), so
 *   of two updates on two CPUs at least one waker sees both (the
 *   store-buffering pattern, which full barriers forbid both sides to
 *   miss). An in-kernel update has no barrier, and no waker when it read
 *   the queue's count as zero; such an update began before the waiter's
 *   grace period ended, so the waiter's first look, after it, sees its
 *   slot (RCU's guarantee), while an update that began after the grace
 *   period started reads the raised count and its waker, after
 *   irq_work_queue()'s fully ordered claim, reads every slot the earlier
 *   updates wrote or the waiter's read saw them (LKMM: an rcu-fence
 *   between the first update and the waiter's look, a strong fence
 *   between the later update and its waker). Either way the last sum read
 *   after the Nth unit went in holds it (see the comment at the top of
 *   this file).
 * - With a counter also decremented, an increment on one CPU seen before
 *   it happened and a decrement on another seen after it happened give a
 *   sum below any value the counter held; the other way round, one above.
 *   LE and EQ (say LE 0, "all work drained") would then return while the
 *   counter never got there, and NE on a counter that never moved. Only a
 *   consistent snapshot of every slot could decide them, and page updates
 *   take no lock that could give one: such a counter is waited on exactly
 *   only as a plain counter. GE on it may return on a sum above any value
 *   it held, which the uapi header says.
 */
static bool ac_cond_met(const struct ac_bank *bank, const struct atomic_counter_wait *w,
			s64 *seen)
{
	u64 index = array_index_nospec(w->index, bank->total);

	if (w->flags & ATOMIC_COUNTER_WAIT_STRIPED)
		*seen = ac_counter_value(bank, index);
	else
		*seen = atomic64_read(&bank->counters[index]);
	return ac_cond_holds(w, *seen);
}

/* Widen @b to cover @w. */
static void ac_bounds_add(struct ac_bounds *b, const struct atomic_counter_wait *w)
{
	bool first = !(b->conds & BIT(w->cond));
	s64 v = w->value;

	b->conds |= BIT(w->cond);
	switch (w->cond) {
	case ATOMIC_COUNTER_COND_EQ:
		b->eq_lo = first ? v : min(b->eq_lo, v);
		b->eq_hi = first ? v : max(b->eq_hi, v);
		break;
	case ATOMIC_COUNTER_COND_NE:
		b->ne_lo = first ? v : min(b->ne_lo, v);
		b->ne_hi = first ? v : max(b->ne_hi, v);
		break;
	case ATOMIC_COUNTER_COND_GE:
		b->ge = first ? v : min(b->ge, v);
		break;
	default:
		b->le = first ? v : max(b->le, v);
		break;
	}
}

/* False when no condition @b covers holds for @v. */
static bool ac_bounds_may_hold(const struct ac_bounds *b, s64 v)
{
	if ((b->conds & BIT(ATOMIC_COUNTER_COND_GE)) && v >= b->ge)
		return true;
	if ((b->conds & BIT(ATOMIC_COUNTER_COND_LE)) && v <= b->le)
		return true;
	if ((b->conds & BIT(ATOMIC_COUNTER_COND_EQ)) && v >= b->eq_lo && v <= b->eq_hi)
		return true;
	return (b->conds & BIT(ATOMIC_COUNTER_COND_NE)) && (b->ne_lo != b->ne_hi || v != b->ne_lo);
}

/*
 * Whether @key's update concerns @g's waiters, and the value they compare
 * with, read after the update. Called under the queue's lock.
 */
static bool ac_group_value(const struct ac_group *g, const struct ac_wake_key *key, s64 *v)
{
	/* The queue is shared with other banks' counters. */
	if (g->bank != key->bank)
		return false;
	if (g->striped) {
		if (g->index != key->index)
			return false;
		*v = ac_counter_value(g->bank, g->index);
		return true;
	}
	/*
	 * An update named by a striped counter's CPU 0 slot (a STRIPED op,
	 * the in-kernel API, WAKE after page updates, a zeroing by NAME_*)
	 * may have gone to any of its slots: a waiter on one slot looks at
	 * its own.
	 */
	if (g->index != key->slot && (key->slot != key->index || g->counter != key->index))
		return false;
	*v = atomic64_read(&g->bank->counters[g->index]);
	return true;
}

/*
 * Wake the waiters of @g whose condition holds for @v, and tighten the
 * bounds to the entries still there. A woken waiter stays on the list
 * until it runs, and sleeps again if the counter moved back meanwhile,
 * so it stays within the bounds too.
 */
static void ac_group_wake(struct ac_group *g, s64 v)
{
	struct ac_bounds bounds = {};
	struct ac_waiter *w;

	list_for_each_entry(w, &g->waiters, node) {
		if (ac_cond_holds(&w->cond, v)) {
			if (w->task)
				wake_up_process(w->task);
			else
				wake_up_interruptible_poll(w->poll_wq, EPOLLIN | EPOLLRDNORM);
		}
		ac_bounds_add(&bounds, &w->cond);
	}
	g->bounds = bounds;
}

/**
 * ac_wake_waiters_of() - wake the waiters a counter's update satisfies
 * @bank: the bank
 * @index: the counter, or slot, just updated
 *
 * The caller has put a full barrier between its update and this call
 * (the in-kernel API's: irq_work_queue()'s claim, then the work item).
 *
 * Context: process context: takes the queue's spinlock_t, with interrupts
 * on, when someone waits on the queue. Updates made elsewhere (the
 * in-kernel API's) come here through a work item.
 */
void ac_wake_waiters_of(struct ac_bank *bank, u64 index)
{
	struct ac_wake_key key = {
		.bank = bank, .index = ac_counter_of(bank, index), .slot = index,
	};
	struct ac_waitq *q = ac_waitq(bank, key.index);
	struct ac_group *g;
	s64 v;

	if (!atomic_read(&q->nr))
		return;
	spin_lock(&q->lock);
	hlist_for_each_entry(g, &q->groups, node)
		if (ac_group_value(g, &key, &v) && ac_bounds_may_hold(&g->bounds, v))
			ac_group_wake(g, v);
	spin_unlock(&q->lock);
}

/**
 * ac_wake() - after an update: wake the waiters it satisfies
 * @bank: the bank
 * @index: the counter, or slot, just updated
 *
 * Context: as ac_wake_waiters_of().
 */
void ac_wake(struct ac_bank *bank, u64 index)
{
	/* Orders the update before the read of the queue's count. */
	smp_mb();
	ac_wake_waiters_of(bank, index);
}

/*
 * WAIT's and ARM's argument, checked. The callers check the file's mode
 * after it: a wait's outcome tells the counter's value, which a file
 * without read access may not learn (see "Access modes" in the uapi
 * header).
 */
static int ac_wait_copy_in(const struct ac_bank *bank, struct atomic_counter_wait *w,
			   const void __user *uarg, size_t usize)
{
	int ret;

	ret = ac_copy_arg_in(w, sizeof(*w), uarg, usize, ATOMIC_COUNTER_WAIT_SIZE_VER0);
	if (ret)
		return ret;
	/* @result is output only: zero, so that it can become an input. */
	if ((w->flags & ~(ATOMIC_COUNTER_WAIT_STRIPED | ATOMIC_COUNTER_WAIT_ABSTIME)) ||
	    w->reserved || w->result ||
	    w->cond >= ATOMIC_COUNTER_NR_CONDS || w->index >= bank->total)
		return -EINVAL;
	/* "For ever" is a relative wait's; no CLOCK_MONOTONIC time is negative. */
	if ((w->flags & ATOMIC_COUNTER_WAIT_ABSTIME) && w->timeout_ns < 0)
		return -EINVAL;
	/* A striped sum decides GE alone: see ac_cond_met(). */
	if ((w->flags & ATOMIC_COUNTER_WAIT_STRIPED) &&
	    (!ac_is_striped(bank, w->index) || w->cond != ATOMIC_COUNTER_COND_GE))
		return -EINVAL;
	w->index = array_index_nospec(w->index, bank->total);
	return 0;
}

/* The group of @w's counter on @q, if any. Context: under @q->lock. */
static struct ac_group *ac_group_of(struct ac_waitq *q, const struct ac_waiter *w)
{
	bool striped = w->cond.flags & ATOMIC_COUNTER_WAIT_STRIPED;
	struct ac_group *g;

	hlist_for_each_entry(g, &q->groups, node)
		if (g->bank == w->bank && g->index == w->cond.index && g->striped == striped)
			return g;
	return NULL;
}

/*
 * The waiter count of @bank changed: its own waiters hear of it from a
 * work item, not from here, so that a WAIT never walks their group. After
 * the count's update, a full barrier, then the look at its queue's count,
 * as for any update; a pending work item reads the count when it runs.
 */
static void ac_waiters_count_changed(struct ac_bank *bank)
{
	/* The count's update before the look at its queue's count. */
	smp_mb__after_atomic();
	if (atomic_read(ac_wait_waiters_of(bank, bank->waiters_index)))
		queue_work(system_unbound_wq, &bank->waiters_work);
}

/*
 * The in-kernel API's updates put no barrier between the update and their
 * look at the waiter count (atomic_counter_kernel.h says why): they are
 * RCU read-side critical sections, and a waiter on a counter they update,
 * one of the global bank's kernel region, waits for a grace period after
 * raising the count and before its first look at the counter. An update
 * whose section began before the grace period is then visible to that
 * look; one that began after it reads the raised count. One grace period
 * serves all the waiters that join a queue while its count stays above
 * zero, so only a waiter that joins before a grace period since the
 * count last left zero waits for one (tens of milliseconds, in D state),
 * and none whose condition holds already (ac_wait_on()). A process may
 * start grace periods as membarrier(MEMBARRIER_CMD_GLOBAL) lets it, but
 * also on nohz_full kernels, where membarrier refuses, and expedited
 * ones (IPIs to every CPU) under rcupdate.rcu_expedited=1. Every other
 * counter is updated through the ioctls or WAKE, whose smp_mb() in
 * ac_wake() is the other half of the pattern.
 */
static bool ac_kernel_api_counter(const struct ac_bank *bank, u64 index)
{
	/* The waiter count is a kernel counter, but ac_wake() updates it. */
	return bank == &ac_global && index >= bank->kernel_first &&
	       ac_counter_of(bank, index) != bank->waiters_index;
}

/*
 * Count @w in and queue it: the bank's waiter count first, then the
 * queue's count and the queue entry together under its lock. The waiter's
 * first look at the counter comes after both, and after a full barrier
 * (set_current_state(), or the caller's smp_mb()), or for a kernel counter
 * after a grace period. Then the waiter count's own waiters hear of the
 * change.
 *
 * Context: process context, may sleep (a grace period, for kernel counters).
 */
static void ac_waiter_add(struct ac_waiter *w)
{
	bool striped = w->cond.flags & ATOMIC_COUNTER_WAIT_STRIPED;
	u64 counter = ac_counter_of(w->bank, w->cond.index);
	struct ac_waitq *q = ac_waitq(w->bank, counter);
	struct ac_group *g;
	unsigned long gp;

	atomic64_inc(w->bank->waiters);
	spin_lock(&q->lock);
	/*
	 * A grace period that starts after the queue's count last left zero
	 * serves every waiter that joins while it stays above: updates that
	 * began after its start saw the count. Taken under the lock with the
	 * increment, so no waiter sees the count raised and the state stale.
	 */
	if (atomic_inc_return(&q->nr) == 1)
		q->gp = get_state_synchronize_rcu();
	gp = q->gp;
	g = ac_group_of(q, w);
	if (!g) {
		g = &w->own;
		g->bank = w->bank;
		g->index = w->cond.index;
		g->counter = counter;
		g->striped = striped;
		g->bounds = (struct ac_bounds){};
		INIT_LIST_HEAD(&g->waiters);
		hlist_add_head(&g->node, &q->groups);
	}
	list_add_tail(&w->node, &g->waiters);
	ac_bounds_add(&g->bounds, &w->cond);
	spin_unlock(&q->lock);
	ac_waiters_count_changed(w->bank);
	if (ac_kernel_api_counter(w->bank, w->cond.index))
		cond_synchronize_rcu(gp);
}

/*
 * Take @w off its group; a group that @w heads and that others still wait
 * in moves into the next waiter, which heads none (a waiter is in one
 * group). Its bounds keep covering @w's condition until a wake-up walks it.
 */
static void ac_waiter_del(struct ac_waiter *w)
{
	struct ac_waitq *q = ac_waitq(w->bank, ac_counter_of(w->bank, w->cond.index));
	struct ac_group *g, *heir;
	struct ac_waiter *next;

	spin_lock(&q->lock);
	/* Found under the lock: another waiter's leaving may move the group. */
	g = ac_group_of(q, w);
	list_del(&w->node);
	if (list_empty(&g->waiters)) {
		hlist_del(&g->node);
	} else if (g == &w->own) {
		next = list_first_entry(&g->waiters, struct ac_waiter, node);
		heir = &next->own;
		heir->bank = g->bank;
		heir->index = g->index;
		heir->counter = g->counter;
		heir->striped = g->striped;
		heir->bounds = g->bounds;
		list_replace(&g->waiters, &heir->waiters);
		hlist_add_before(&heir->node, &g->node);
		hlist_del(&g->node);
	}
	spin_unlock(&q->lock);
	atomic_dec(&q->nr);
	atomic64_dec(w->bank->waiters);
	ac_waiters_count_changed(w->bank);
}

/*
 * The body of WAIT. Sleeps until a wake-up whose key satisfies the
 * condition, a signal, or @expires (NULL: never).
 */
static long ac_wait_on(struct ac_waiter *w, ktime_t *expires, s64 *seen)
{
	bool timed_out = false;
	long ret;

	/*
	 * Joining a kernel counter's queue may wait for a grace period
	 * (ac_kernel_api_counter()): a condition that holds already needs
	 * no join. Full barriers on both sides of the look, as the loop's
	 * (set_current_state() before it, ac_waiter_del()'s after).
	 */
	if (ac_kernel_api_counter(w->bank, w->cond.index)) {
		smp_mb();	/* the caller's accesses before the look */
		if (ac_cond_met(w->bank, &w->cond, seen)) {
			smp_mb();	/* the look before the caller's next ones */
			return 0;
		}
	}
	ac_waiter_add(w);
	for (;;) {
		/* A full barrier: the queue entry before the look at the counter. */
		set_current_state(TASK_INTERRUPTIBLE);
		if (ac_cond_met(w->bank, &w->cond, seen)) {
			ret = 0;
			break;
		}
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (timed_out) {
			ret = -ETIMEDOUT;
			break;
		}
		if (expires)
			timed_out = !schedule_hrtimeout_range(expires, current->timer_slack_ns,
							      HRTIMER_MODE_ABS);
		else
			schedule();
	}
	__set_current_state(TASK_RUNNING);
	ac_waiter_del(w);
	return ret;
}

/*
 * A timed wait that a signal interrupted: -ERESTARTNOHAND, as select()
 * returns. With no handler to run (a stop and a continue, the freezer,
 * PTRACE_INTERRUPT, a signal ignored or blocked), the ioctl is restarted
 * as if nothing happened; with one, the caller gets -EINTR, SA_RESTART or
 * not, since a restart cannot tell what the handler changed. A relative
 * wait first writes the time left back into @timeout_ns (as select() does
 * with its timeout), which the restarted call, or the caller after its
 * handler, waits on; when that write fails the call cannot be restarted
 * without waiting its whole timeout again, and returns -EINTR, as select()
 * does. An absolute wait restarts with its own deadline.
 *
 * Not a restart_block, as nanosleep() and futex() use: its function would
 * be this module's, called by restart_syscall() from a task that holds no
 * reference on the file (a restart_block must not keep one: it is dropped
 * without a word whenever the call is not restarted) nor on the module, so
 * a close and an rmmod in between would leave it pointing into freed text.
 * Restarting the ioctl itself looks its file up again and keeps nothing
 * across.
 */
static long ac_wait_interrupted(struct atomic_counter_wait __user *uw, bool abstime,
				ktime_t expires)
{
	s64 left;

	if (abstime)
		return -ERESTARTNOHAND;
	/* 0 when the deadline has passed: the restarted call checks once. */
	left = max_t(s64, ktime_to_ns(ktime_sub(expires, ktime_get())), 0);
	if (put_user(left, &uw->timeout_ns))
		return -EINTR;
	return -ERESTARTNOHAND;
}

/**
 * ac_ioctl_wait() - ATOMIC_COUNTER_IOC_WAIT
 * @file: the caller's file
 * @uarg: user pointer to a struct atomic_counter_wait
 * @usize: its size, from the caller's command
 *
 * Return: 0 with the value written back, -ETIMEDOUT, -EINTR,
 * -ERESTARTSYS (untimed) or -ERESTARTNOHAND (timed) for a signal (see
 * "Waiting" in the uapi header), -EINVAL, -E2BIG, -EBADF, -EFAULT.
 */
long ac_ioctl_wait(struct file *file, void __user *uarg, size_t usize)
{
	struct atomic_counter_wait __user *uw = uarg;
	struct ac_waiter w = { .bank = ac_file_bank(file) };
	ktime_t expires = 0;
	bool abstime;
	long ret;
	s64 seen = 0;

	ret = ac_wait_copy_in(w.bank, &w.cond, uarg, usize);
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	abstime = w.cond.flags & ATOMIC_COUNTER_WAIT_ABSTIME;
	/*
	 * The deadline, fixed at entry: a relative timeout counts from here,
	 * and a restart after a signal starts from the time left.
	 */
	if (abstime)
		expires = ns_to_ktime(w.cond.timeout_ns);
	else if (w.cond.timeout_ns > 0)
		expires = ktime_add_safe(ktime_get(), ns_to_ktime(w.cond.timeout_ns));
	/* No time to wait (0, or a deadline past): checked once, with no queue. */
	if (abstime ? ktime_compare(expires, ktime_get()) <= 0 : !w.cond.timeout_ns) {
		if (!ac_cond_met(w.bank, &w.cond, &seen))
			return -ETIMEDOUT;
	} else {
		w.task = current;
		if (w.cond.timeout_ns < 0) {
			ret = ac_wait_on(&w, NULL, &seen);
		} else {
			ret = ac_wait_on(&w, &expires, &seen);
			if (ret == -ERESTARTSYS)
				ret = ac_wait_interrupted(uw, abstime, expires);
		}
		if (ret)
			return ret;
	}
	if (put_user(seen, &uw->result))
		return -EFAULT;
	return 0;
}

/**
 * ac_ioctl_wake() - ATOMIC_COUNTER_IOC_WAKE, for updates made on the page
 * @file: the caller's file
 * @uarg: user pointer to a struct atomic_counter_wake
 * @usize: its size, from the caller's command: 8 from API 1's bare index
 *
 * Only a file that can write the page has updates to announce: a read-only
 * one could only make other users' queues busy.
 *
 * Return: 0, -EINVAL for nonzero flags, -EBADF for a file not open for
 * writing, -EINVAL for an index out of range, -E2BIG, -EFAULT.
 */
long ac_ioctl_wake(struct file *file, void __user *uarg, size_t usize)
{
	struct ac_bank *bank = ac_file_bank(file);
	struct atomic_counter_wake wk;
	int ret;

	ret = ac_copy_arg_in(&wk, sizeof(wk), uarg, usize, ATOMIC_COUNTER_WAKE_SIZE_VER0);
	if (ret)
		return ret;
	if (wk.flags)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (wk.index >= bank->total)
		return -EINVAL;
	ac_wake(bank, array_index_nospec(wk.index, bank->total));
	return 0;
}

/**
 * ac_wait_open() - a new file's state: its bank, and poll()'s
 * @file: the file
 * @bank: its bank, which outlives it
 *
 * Return: 0 or -ENOMEM.
 */
int ac_wait_open(struct file *file, struct ac_bank *bank)
{
	/* A file of a private bank is the user's to pay for, as the bank is. */
	struct ac_file *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return -ENOMEM;
	f->bank = bank;
	f->waiter.bank = bank;
	mutex_init(&f->lock);
	init_waitqueue_head(&f->poll_wq);
	f->waiter.poll_wq = &f->poll_wq;
	file->private_data = f;
	return 0;
}

/**
 * ac_file_bank() - the bank a file of the module reaches
 * @file: a file of /dev/atomic_counter or of a bank
 *
 * Return: its bank.
 */
struct ac_bank *ac_file_bank(const struct file *file)
{
	const struct ac_file *f = file->private_data;

	return f->bank;
}

void ac_wait_release(struct file *file)
{
	struct ac_file *f = file->private_data;

	if (f->armed)
		ac_waiter_del(&f->waiter);
	mutex_destroy(&f->lock);
	kfree(f);
}

/**
 * ac_ioctl_arm() - ATOMIC_COUNTER_IOC_ARM: give the file a condition for poll()
 * @file: the open device
 * @uarg: user pointer to a struct atomic_counter_wait, timeout_ns 0 and
 *	no ATOMIC_COUNTER_WAIT_ABSTIME: an armed file has no timeout
 * @usize: its size, from the caller's command
 *
 * An armed file is a waiter on its counter until it is closed, armed
 * again or disarmed: updates of that counter that satisfy the condition
 * wake its pollers.
 *
 * Return: 0, -EINVAL, -E2BIG, -EBADF, -EFAULT.
 */
long ac_ioctl_arm(struct file *file, void __user *uarg, size_t usize)
{
	struct ac_file *f = file->private_data;
	struct atomic_counter_wait w;
	s64 seen;
	int ret;

	ret = ac_wait_copy_in(f->bank, &w, uarg, usize);
	if (ret)
		return ret;
	if (w.timeout_ns || (w.flags & ATOMIC_COUNTER_WAIT_ABSTIME))
		return -EINVAL;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;

	mutex_lock(&f->lock);
	/*
	 * Off its old queue before the condition changes: wakers read the
	 * condition under the queue's lock, never a torn one.
	 */
	if (f->armed)
		ac_waiter_del(&f->waiter);
	spin_lock(&file->f_lock);
	f->waiter.cond = w;
	f->armed = true;
	spin_unlock(&file->f_lock);
	ac_waiter_add(&f->waiter);
	/* The entry before the look at the counter, as for a blocked WAIT. */
	smp_mb();
	/* Already met: no update may come to tell pollers that sleep now. */
	if (ac_cond_met(f->bank, &w, &seen))
		wake_up_interruptible_poll(&f->poll_wq, EPOLLIN | EPOLLRDNORM);
	mutex_unlock(&f->lock);
	return 0;
}

/**
 * ac_ioctl_disarm() - ATOMIC_COUNTER_IOC_DISARM: drop the file's condition
 * @file: the caller's file
 *
 * The file stops being a waiter (and leaves its bank's waiter count), and
 * poll() reports EPOLLERR again, as on a file never armed. Its pollers are
 * woken to see that.
 *
 * Return: 0 (a file that is not armed too), -EBADF for a file without read
 * access, which may not arm either.
 */
long ac_ioctl_disarm(struct file *file)
{
	struct ac_file *f = file->private_data;

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	mutex_lock(&f->lock);
	if (f->armed) {
		ac_waiter_del(&f->waiter);
		spin_lock(&file->f_lock);
		f->armed = false;
		spin_unlock(&file->f_lock);
		wake_up_interruptible_poll(&f->poll_wq, EPOLLERR);
	}
	mutex_unlock(&f->lock);
	return 0;
}

__poll_t ac_poll(struct file *file, struct poll_table_struct *pt)
{
	struct ac_file *f = file->private_data;
	struct atomic_counter_wait w;
	bool armed;
	s64 seen;

	/* Before the look at the condition, armed or not: see struct ac_file. */
	poll_wait(file, &f->poll_wq, pt);
	spin_lock(&file->f_lock);
	w = f->waiter.cond;
	armed = f->armed;
	spin_unlock(&file->f_lock);
	if (!armed)
		return EPOLLERR;
	return ac_cond_met(f->bank, &w, &seen) ? EPOLLIN | EPOLLRDNORM : 0;
}
