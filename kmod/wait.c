// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting on a counter: blocking until a condition holds, poll() on a file
 * armed with one, and the wake-ups that updates send.
 *
 * Bands. For every counter (a striped counter: at its CPU 0 slot) the bank
 * keeps a struct atomic_counter_band [lo, hi] in @bank->band_pages: no
 * condition of a waiter queued on that counter holds for any value in it
 * ([INT64_MIN, INT64_MAX] when nobody waits). An update, after its write
 * and a full barrier, reads the band and the counter and compares: a value
 * inside the band wakes nobody, with no lock taken and nothing written, so
 * waiters whose condition cannot hold cost updaters two compares, however
 * many they are. Only a value outside the band takes the slow path
 * (ac_wake_slow()): the queue's lock, the walk of that counter's waiters,
 * and a new band. As io_uring's cq_wait_nr does for one waiter, each waiter
 * gives a trigger on each side of the value it last saw: GE x an upper one
 * at x, LE x a lower one at x, NE x the band [x, x] (it holds everywhere
 * else), EQ x the side x is on; the band is the widest interval around the
 * value that no trigger reaches. A striped counter's slot writer does not
 * know the sum, so a striped counter with any waiter has an empty band
 * (lo > hi): each of its updates looks, as before bands. So has a counter
 * with an armed file whose condition holds: poll() reports while it holds,
 * and every update that keeps it holding wakes the pollers, as it did.
 *
 * Who writes a band: only holders of its counter's queue lock, so writes
 * to one band are one sequence. Two kinds of write:
 *
 * - Narrowing, by a joining waiter (ac_waiter_add()): the band becomes its
 *   intersection with the new waiter's safe interval; any mix of old and
 *   new words is a subset of the old band, safe for the waiters queued
 *   before, and the new waiter is covered by the store-buffering pattern
 *   below, not by the band's words alone.
 * - A move, by the slow path, to the band of the waiters left around the
 *   value it read: first narrow to the intersection of old and new (lo,
 *   then hi), then lower lo, then raise hi, with smp_wmb() between the
 *   three steps (ac_band_move()). An updater reads lo, hi, lo again with
 *   smp_rmb() between, and uses the larger lo (ac_band_outside()); the
 *   message-passing pairs (step's wmb, reader's rmb) make every band it can
 *   assemble a subset of the old band, of the intersection or of the new
 *   one: each is safe for the waiters still queued (the woken ones are
 *   gone from them), and a subset of a safe band is safe.
 *
 * The store-buffering pattern, as futex's waiter check and io_uring's
 * cq_wait_nr: the updater does "atomic64_*() on the counter; smp_mb();
 * read the band; read the counter", the waiter "narrow the band (under the
 * queue's lock); smp_mb() (set_current_state() or an explicit one); read
 * the counter". With full barriers on both sides at least one sees the
 * other's write: either the updater reads the narrowed band and, if its
 * value may satisfy the waiter, takes the slow path, whose lock orders it
 * after the join, or the waiter's look sees the update and the waiter does
 * not sleep. The updater's read of the counter comes after its own write,
 * so it is that write's value or a later one; each later write has an
 * updater of its own that checks too. The barrier: smp_mb() in ac_wake()
 * and for a batch, once, before the checks; the in-kernel API's
 * smp_mb__after_atomic() after a read-modify-write (free on x86, whose
 * atomics are full barriers) and smp_mb() after a set; on the page, the
 * library's seq_cst fence before it reads the mapped band.
 *
 * Contexts. The check itself is loads and compares: legal in NMI. The
 * slow path takes the queue's spinlock_t, so the in-kernel API (kprobe,
 * hard irq, NMI, and everything on PREEMPT_RT, where a spinlock_t
 * sleeps) defers it: a hard irq_work, then a work item, which calls
 * ac_wake_slow() in process context (kapi.c). Its updates pay no irq_work
 * while their value stays in the band, so a reader's armed files cost a
 * kernel counter nothing until one of its conditions may hold.
 *
 * Old in-kernel API users. Modules built against 0.5's earlier header
 * read the queue's count (@nr, handed out as the handle's @waiters) with no
 * barrier, inside an RCU-sched section; for them a waiter on a kernel
 * counter still raises @nr and waits for a grace period since @nr last
 * left zero (ac_kernel_api_counter()). The bank's "atomic_counter.waiters"
 * count still counts every waiter, so that a library which predates the
 * mapped bands still calls WAKE when anyone waits.
 *
 * Queues. Each bank has AC_NR_WAITQS queues of its own, chosen by counter
 * (all the slots of a striped counter share their counter's queue), so a
 * bank's waiters never share a lock with another bank's updates. On a
 * queue, the waiters of one counter form a group (struct ac_group). The
 * slow path walks its counter's groups, wakes the waiters whose condition
 * holds, marks the blocked ones woken (they skip the band from then on and
 * return without looking again) and moves the band. That walk is over the
 * counter's waiters, linear in their number: only a value outside the band
 * pays it.
 *
 * The group lives in the waiter that came first (nothing is allocated to
 * wait) and moves into the next one when that waiter leaves. Waiters do
 * not point at their group, so that a move is O(1): a leaving waiter
 * finds its group on the queue, as a joining one does. A leaving waiter
 * leaves the band as it is (narrower than needed is safe), and the next
 * slow path widens it; the counter's last waiter makes it full.
 */
#include <linux/bits.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "atomic_counter.h"
#include "atomic_counter_kernel.h"
#include "compat.h"

#define AC_WAITQ_BITS	6
#define AC_NR_WAITQS	BIT(AC_WAITQ_BITS)

/**
 * struct ac_waitq - one wait queue of a bank
 * @lock: see @groups
 * @groups: the struct ac_group of each counter waited on through this queue
 * @nr: waiters on the queue or about to be; what updates compiled against
 *	an older kernel API header read (see the top of this file)
 * @gp: the RCU state when @nr last left zero, under @lock: the grace
 *	period a waiter on a kernel counter waits for (ac_waiter_add())
 *
 * One per cache line: the lock is taken by the slow paths of its counters
 * only, and @nr read by old in-kernel updates.
 */
struct ac_waitq {
	spinlock_t lock;	/* guards @groups, their waiters and the bands of their counters */
	struct hlist_head groups;
	atomic_t nr;
	unsigned long gp;
} ____cacheline_aligned_in_smp;

/*
 * What the tests count (debugfs "wait_stats"): slow paths taken, WAKE
 * calls, in-kernel wake-ups deferred. Written on paths that already pay
 * a system call or a lock.
 */
static atomic_long_t ac_stat_slow;
static atomic_long_t ac_stat_wake_calls;
static atomic_long_t ac_stat_kapi;

/**
 * struct ac_group - the waiters of one counter on a queue
 * @node: on the queue's @groups
 * @waiters: its struct ac_waiter entries
 * @index: what they wait on: a counter, one slot of a striped counter, or
 *	with @striped a striped counter's sum (its CPU 0 slot)
 * @counter: ac_counter_of(@index): the counter the queue and band belong to
 * @striped: the waiters wait on the sum (ATOMIC_COUNTER_WAIT_STRIPED)
 */
struct ac_group {
	struct hlist_node node;
	struct list_head waiters;
	u64 index;
	u64 counter;
	bool striped;
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
 * @woken: for a blocked WAIT, under the queue's lock: a waker found the
 *	condition held, for @seen; the waiter returns without looking again
 * @seen: that value
 */
struct ac_waiter {
	struct list_head node;
	struct ac_group own;
	struct ac_bank *bank;
	struct atomic_counter_wait cond;
	struct task_struct *task;
	wait_queue_head_t *poll_wq;
	bool woken;
	s64 seen;
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

/* The bank's own queue of @counter: banks share no queue. */
static struct ac_waitq *ac_waitq(const struct ac_bank *bank, u64 counter)
{
	return &bank->waitqs[hash_64(counter, AC_WAITQ_BITS)];
}

/* Bands per page, a power of two: a counter's page and place by shifts. */
#define AC_BAND_SHIFT	(PAGE_SHIFT - ilog2(sizeof(struct atomic_counter_band)))
#define AC_BAND_MASK	(BIT(AC_BAND_SHIFT) - 1)

/*
 * The band of @counter, or NULL when its page was never needed: nobody
 * waits on any counter of the page, and every band there is full. The
 * page's contents were written before its pointer was published
 * (cmpxchg() in ac_band_alloc()), and are read through it (an address
 * dependency, as rcu_dereference() relies on).
 */
static struct atomic_counter_band *ac_band_peek(const struct ac_bank *bank, u64 counter)
{
	struct atomic_counter_band *p = READ_ONCE(bank->band_pages[counter >> AC_BAND_SHIFT]);

	return p ? &p[counter & AC_BAND_MASK] : NULL;
}

/*
 * The page of bands @nr, allocated (full bands) and published if it was
 * not: charged, in a private bank, to the memory cgroup of the task that
 * first needs it. Context: process context; may sleep.
 */
static struct atomic_counter_band *ac_band_alloc(struct ac_bank *bank, unsigned long nr)
{
	/* Untyped pages, as the counters' (compat.h): the fault path maps them. */
	gfp_t gfp = bank->is_private ? AC_GFP_BANK_PAGE | __GFP_RETRY_MAYFAIL | __GFP_NOWARN :
		    GFP_KERNEL;
	struct atomic_counter_band *p, *old;
	unsigned long i;

	p = READ_ONCE(bank->band_pages[nr]);
	if (p)
		return p;
	p = (struct atomic_counter_band *)__get_free_page(gfp);
	if (!p)
		return NULL;
	for (i = 0; i <= AC_BAND_MASK; i++) {
		p[i].lo = S64_MIN;
		p[i].hi = S64_MAX;
	}
	/* Fully ordered: the full bands before the pointer. */
	old = cmpxchg(&bank->band_pages[nr], NULL, p);
	if (old) {
		free_page((unsigned long)p);
		return old;
	}
	return p;
}

/**
 * ac_band_of() - the band an update of a counter compares its value with,
 *	its page allocated if it was not
 * @bank: the bank
 * @index: a counter, or any slot of a striped counter
 *
 * Context: process context; may sleep.
 * Return: the band of @index's counter, or NULL when out of memory.
 */
struct atomic_counter_band *ac_band_of(struct ac_bank *bank, u64 index)
{
	u64 counter = ac_counter_of(bank, index);
	struct atomic_counter_band *p = ac_band_alloc(bank, counter >> AC_BAND_SHIFT);

	return p ? &p[counter & AC_BAND_MASK] : NULL;
}

/**
 * ac_band_page() - a page of the bands' mapping, allocated if it was not
 * @bank: the bank
 * @nr: the page, below @bank->bands_size / PAGE_SIZE
 *
 * Context: process context (a page fault); may sleep.
 * Return: the page, or NULL when out of memory.
 */
struct page *ac_band_page(struct ac_bank *bank, unsigned long nr)
{
	struct atomic_counter_band *p = ac_band_alloc(bank, nr);

	return p ? virt_to_page(p) : NULL;
}

/*
 * Whether @v may satisfy a waiter of @b's counter: outside the band. The
 * caller has put a full barrier between its update and this call. Reads
 * lo, hi, lo, each ordered after the last, and uses the larger lo: see
 * the top of this file for why no torn band is then too wide.
 */
static bool ac_band_outside(const struct atomic_counter_band *b, s64 v)
{
	/* The in-kernel API's check, on the same words. */
	BUILD_BUG_ON(offsetof(struct atomic_counter_band, hi) != sizeof(s64));
	return __atomic_counter_band_outside(&b->lo, v);
}

/*
 * Move @b to [@lo, @hi] (lo > hi: empty), under its queue's lock: through
 * the intersection with the old band, then lo, then hi (see the top of
 * this file). A band that only narrows takes the first step alone.
 */
static void ac_band_move(struct atomic_counter_band *b, s64 lo, s64 hi)
{
	s64 old_lo = b->lo, old_hi = b->hi;

	WRITE_ONCE(b->lo, max(old_lo, lo));
	/* A reader that sees the next step's hi sees this lo (its rmb). */
	smp_wmb();
	WRITE_ONCE(b->hi, min(old_hi, hi));
	if (lo >= old_lo && hi <= old_hi)
		return;
	/* A reader that sees the new lo sees the intersection's hi. */
	smp_wmb();
	WRITE_ONCE(b->lo, lo);
	/* A reader that sees the new hi sees the new lo on its second read. */
	smp_wmb();
	WRITE_ONCE(b->hi, hi);
}

/* Pages of bands that cover [0, @bank->total). */
static unsigned long ac_band_pages(const struct ac_bank *bank)
{
	return (bank->total + AC_BAND_MASK) >> AC_BAND_SHIFT;
}

/**
 * ac_wait_bank_size() - what a bank's waiting structures take up front
 * @bank: a bank with its layout
 *
 * The pages of bands come later, each when first needed, charged then.
 *
 * Return: bytes of its band page table and queues, to charge a private
 * bank's creator.
 */
size_t ac_wait_bank_size(const struct ac_bank *bank)
{
	return array_size(ac_band_pages(bank), sizeof(*bank->band_pages)) +
	       AC_NR_WAITQS * sizeof(struct ac_waitq);
}

static void ac_waiters_changed(struct work_struct *work)
{
	struct ac_bank *bank = container_of(work, struct ac_bank, waiters_work);

	ac_wake_slow(bank, bank->waiters_index);
}

/**
 * ac_wait_bank_init() - give a bank its bands, queues and waiter count
 * @bank: a bank with its layout and name table
 *
 * A private bank's are charged to its creator's memory cgroup, as its
 * counters are.
 *
 * Return: 0, -ENOMEM, or an errno of ac_name_claim_kernel().
 */
int ac_wait_bank_init(struct ac_bank *bank)
{
	gfp_t gfp = bank->is_private ? AC_GFP_BANK : GFP_KERNEL;
	unsigned long i;
	int ret;

	INIT_WORK(&bank->waiters_work, ac_waiters_changed);
	bank->bands_size = ac_band_pages(bank) << PAGE_SHIFT;
	bank->band_pages = kvcalloc(ac_band_pages(bank), sizeof(*bank->band_pages), gfp);
	bank->waitqs = kcalloc(AC_NR_WAITQS, sizeof(*bank->waitqs), gfp);
	if (!bank->band_pages || !bank->waitqs)
		return -ENOMEM;
	for (i = 0; i < AC_NR_WAITQS; i++) {
		spin_lock_init(&bank->waitqs[i].lock);
		INIT_HLIST_HEAD(&bank->waitqs[i].groups);
	}
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
 *	waiter's leaving. Its parts may be missing (a failed init).
 *
 * Context: process context; sleeps.
 */
void ac_wait_bank_exit(struct ac_bank *bank)
{
	unsigned long i;

	if (bank->waiters)
		flush_work(&bank->waiters_work);
	kfree(bank->waitqs);
	if (bank->band_pages) {
		for (i = 0; i < ac_band_pages(bank); i++)
			free_page((unsigned long)bank->band_pages[i]);
		kvfree(bank->band_pages);
	}
}

/**
 * ac_wait_waiters_of() - the count that old in-kernel updates read
 * @bank: the bank
 * @index: a counter (for a striped counter, any of its slots)
 *
 * Return: the count of the queue @index's waiters sleep on.
 */
atomic_t *ac_wait_waiters_of(struct ac_bank *bank, u64 index)
{
	return &ac_waitq(bank, ac_counter_of(bank, index))->nr;
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
 *   miss). An in-kernel update has that barrier too, and, the band of a
 *   striped counter with waiters being empty, always defers a waker. One
 *   built against the header before bands has no barrier, and no waker
 *   when it read the queue's count as zero; such an update began before
 *   the waiter's grace period ended, so the waiter's first look, after it, sees its
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

/*
 * Narrow [*lo, *hi] to the values around @v for which @w's condition
 * keeps its truth (its safe interval): for a condition false at @v, the
 * widest interval around @v on which it stays false. Empty for a
 * condition true at @v: the caller wakes a blocked waiter then, and an
 * armed file that holds wants every update (see the top of this file).
 */
static void ac_band_narrow(s64 *lo, s64 *hi, const struct atomic_counter_wait *w, s64 v)
{
	s64 x = w->value;

	if (ac_cond_holds(w, v)) {
		*lo = S64_MAX;
		*hi = S64_MIN;
		return;
	}
	switch (w->cond) {
	case ATOMIC_COUNTER_COND_NE:	/* false at v: v == x, and nowhere else */
		*lo = max(*lo, x);
		*hi = min(*hi, x);
		break;
	case ATOMIC_COUNTER_COND_GE:	/* v < x */
		*hi = min(*hi, x - 1);
		break;
	case ATOMIC_COUNTER_COND_LE:	/* v > x */
		*lo = max(*lo, x + 1);
		break;
	default:			/* EQ, on the side x is not */
		if (x > v)
			*hi = min(*hi, x - 1);
		else
			*lo = max(*lo, x + 1);
		break;
	}
}

/*
 * The value @g's waiters compare with, read now. Called under the queue's
 * lock.
 */
static s64 ac_group_value(struct ac_bank *bank, const struct ac_group *g)
{
	if (g->striped)
		return ac_counter_value(bank, g->index);
	return atomic64_read(&bank->counters[g->index]);
}

/*
 * Wake the waiters of @g whose condition holds for @v, and narrow [*lo,
 * *hi] to the safe interval of each one left. A blocked waiter woken is
 * marked so, with @v: it leaves without looking again, and no longer
 * counts for the band.
 */
static void ac_group_wake(struct ac_group *g, s64 v, s64 *lo, s64 *hi)
{
	struct ac_waiter *w;

	list_for_each_entry(w, &g->waiters, node) {
		if (w->woken)
			continue;
		if (!ac_cond_holds(&w->cond, v)) {
			ac_band_narrow(lo, hi, &w->cond, v);
			continue;
		}
		if (w->task) {
			w->seen = v;
			WRITE_ONCE(w->woken, true);
			wake_up_process(w->task);
		} else {
			wake_up_interruptible_poll(w->poll_wq, EPOLLIN | EPOLLRDNORM);
			ac_band_narrow(lo, hi, &w->cond, v);
		}
	}
}

/**
 * ac_wake_slow() - wake the waiters of a counter whose condition holds, and
 *	move its band
 * @bank: the bank
 * @index: the counter, or any slot of a striped counter, just updated
 *	(a slot: every slot's waiters and the sum's look, as the update
 *	may have gone to any of them)
 *
 * The caller has put a full barrier between its update and this call (the
 * in-kernel API's: irq_work_queue()'s claim, then the work item), or found
 * the value outside the band after one. The band moves to the widest
 * interval around the values read here that no waiter left may be
 * satisfied in; empty for a striped counter that has waiters.
 *
 * Context: process context: takes the queue's spinlock_t with interrupts
 * on. Walks the counter's waiters: linear in their number.
 */
void ac_wake_slow(struct ac_bank *bank, u64 index)
{
	u64 counter = ac_counter_of(bank, index);
	struct ac_waitq *q = ac_waitq(bank, counter);
	struct atomic_counter_band *b = ac_band_peek(bank, counter);
	bool any = false, striped = ac_is_striped(bank, counter);
	s64 lo = S64_MIN, hi = S64_MAX;
	struct ac_group *g;

	/* No page: nobody ever waited on a counter of it. */
	if (!b)
		return;
	atomic_long_inc(&ac_stat_slow);
	spin_lock(&q->lock);
	hlist_for_each_entry(g, &q->groups, node) {
		if (g->counter != counter)
			continue;
		any = true;
		ac_group_wake(g, ac_group_value(bank, g), &lo, &hi);
	}
	if (!any)
		ac_band_move(b, S64_MIN, S64_MAX);
	else if (striped)
		ac_band_move(b, S64_MAX, S64_MIN);
	else
		ac_band_move(b, lo, hi);
	spin_unlock(&q->lock);
}

/**
 * ac_wake_check() - after an update and a full barrier: the slow path when
 *	the counter's value may satisfy one of its waiters
 * @bank: the bank
 * @index: the counter, or slot, updated
 *
 * Two loads and two compares (three loads: see ac_band_outside()) when
 * nobody may be satisfied: no lock, no write.
 *
 * Context: process context (the slow path takes a spinlock_t).
 */
void ac_wake_check(struct ac_bank *bank, u64 index)
{
	struct atomic_counter_band *b = ac_band_peek(bank, ac_counter_of(bank, index));

	/* No page of bands: full bands; see ac_band_peek(). */
	if (b && ac_band_outside(b, atomic64_read(&bank->counters[index])))
		ac_wake_slow(bank, index);
}

/**
 * ac_wake() - after an update: wake the waiters it satisfies
 * @bank: the bank
 * @index: the counter, or slot, just updated
 *
 * Context: as ac_wake_check().
 */
void ac_wake(struct ac_bank *bank, u64 index)
{
	/* Orders the update before the read of the band: see the top of this file. */
	smp_mb();
	ac_wake_check(bank, index);
}

/* The in-kernel API deferred a slow path (kapi.c). */
void ac_wait_stats_kapi(void)
{
	atomic_long_inc(&ac_stat_kapi);
}

static int ac_wait_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "slow_paths %ld\nwake_calls %ld\nkapi_deferred %ld\n",
		   atomic_long_read(&ac_stat_slow), atomic_long_read(&ac_stat_wake_calls),
		   atomic_long_read(&ac_stat_kapi));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ac_wait_stats);

/**
 * ac_wait_debugfs_init() - the "wait_stats" file: slow paths, WAKE calls,
 *	deferred in-kernel wake-ups since load, for tests and benchmarks
 * @dir: the module's debugfs directory
 */
void ac_wait_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("wait_stats", 0444, dir, NULL, &ac_wait_stats_fops);
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
		if (g->index == w->cond.index && g->striped == striped)
			return g;
	return NULL;
}

/*
 * The waiter count of @bank changed: its own waiters hear of it from a
 * work item, not from here, so that a WAIT never walks their group. After
 * the count's update, a full barrier, then the band check, as for any
 * update; a pending work item reads the count when it runs.
 */
static void ac_waiters_count_changed(struct ac_bank *bank)
{
	struct atomic_counter_band *b = ac_band_peek(bank, bank->waiters_index);

	/* The count's update before the look at its band. */
	smp_mb__after_atomic();
	if (b && ac_band_outside(b, atomic64_read(bank->waiters)))
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
 * Count @w in and queue it: the bank's waiter count first, then, under the
 * queue's lock, the queue's count, the queue entry and the band narrowed
 * to @w's safe interval around the value read there. The waiter's first
 * look at the counter comes after all of them and a full barrier
 * (set_current_state(), or the caller's smp_mb()), or for a kernel counter
 * after a grace period too, for old in-kernel updates. Then the waiter
 * count's own waiters hear of the change.
 *
 * Context: process context, may sleep (a grace period, for kernel counters,
 * and the allocation of the band's page).
 * Return: 0, or -ENOMEM when the page of the counter's band cannot be had.
 */
static int ac_waiter_add(struct ac_waiter *w)
{
	bool striped = w->cond.flags & ATOMIC_COUNTER_WAIT_STRIPED;
	struct ac_bank *bank = w->bank;
	u64 counter = ac_counter_of(bank, w->cond.index);
	struct atomic_counter_band *b = ac_band_of(bank, counter);
	struct ac_waitq *q = ac_waitq(bank, counter);
	s64 lo = S64_MIN, hi = S64_MAX;
	struct ac_group *g;
	unsigned long gp;

	/* The page of its band, before anything else: it may sleep. */
	if (!b)
		return -ENOMEM;
	w->woken = false;
	atomic64_inc(bank->waiters);
	spin_lock(&q->lock);
	/*
	 * A grace period that starts after the queue's count last left zero
	 * serves every waiter that joins while it stays above: old in-kernel
	 * updates that began after its start saw the count. Taken under the
	 * lock with the increment, so no waiter sees the count raised and the
	 * state stale.
	 */
	if (atomic_inc_return(&q->nr) == 1)
		q->gp = get_state_synchronize_rcu();
	gp = q->gp;
	g = ac_group_of(q, w);
	if (!g) {
		g = &w->own;
		g->index = w->cond.index;
		g->counter = counter;
		g->striped = striped;
		INIT_LIST_HEAD(&g->waiters);
		hlist_add_head(&g->node, &q->groups);
	}
	list_add_tail(&w->node, &g->waiters);
	/* Only narrows: any mix of old and new words is inside the old band. */
	if (ac_is_striped(bank, counter)) {
		lo = S64_MAX;
		hi = S64_MIN;
	} else {
		ac_band_narrow(&lo, &hi, &w->cond, ac_group_value(bank, g));
	}
	WRITE_ONCE(b->lo, max(b->lo, lo));
	WRITE_ONCE(b->hi, min(b->hi, hi));
	spin_unlock(&q->lock);
	ac_waiters_count_changed(bank);
	if (ac_kernel_api_counter(bank, w->cond.index))
		cond_synchronize_rcu(gp);
	return 0;
}

/* Whether anyone waits on @counter of @q. Context: under @q->lock. */
static bool ac_counter_waited(struct ac_waitq *q, u64 counter)
{
	struct ac_group *g;

	hlist_for_each_entry(g, &q->groups, node)
		if (g->counter == counter)
			return true;
	return false;
}

/*
 * Take @w off its group; a group that @w heads and that others still wait
 * in moves into the next waiter, which heads none (a waiter is in one
 * group). The band stays as it is, narrower than the waiters left need,
 * which is safe, until the next slow path moves it; the counter's last
 * waiter makes it full again.
 *
 * Return: whether a waker found @w's condition held (a blocked WAIT's),
 * and @w->seen is the value it found.
 */
static bool ac_waiter_del(struct ac_waiter *w)
{
	u64 counter = ac_counter_of(w->bank, w->cond.index);
	struct ac_waitq *q = ac_waitq(w->bank, counter);
	struct ac_group *g, *heir;
	struct ac_waiter *next;
	bool woken;

	spin_lock(&q->lock);
	/* Found under the lock: another waiter's leaving may move the group. */
	g = ac_group_of(q, w);
	list_del(&w->node);
	if (list_empty(&g->waiters)) {
		hlist_del(&g->node);
	} else if (g == &w->own) {
		next = list_first_entry(&g->waiters, struct ac_waiter, node);
		heir = &next->own;
		heir->index = g->index;
		heir->counter = g->counter;
		heir->striped = g->striped;
		list_replace(&g->waiters, &heir->waiters);
		hlist_add_before(&heir->node, &g->node);
		hlist_del(&g->node);
	}
	/* The counter's last waiter: its band is full again. */
	if (!ac_counter_waited(q, counter))
		ac_band_move(ac_band_peek(w->bank, counter), S64_MIN, S64_MAX);
	woken = w->woken;
	spin_unlock(&q->lock);
	atomic_dec(&q->nr);
	atomic64_dec(w->bank->waiters);
	ac_waiters_count_changed(w->bank);
	return woken;
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
	ret = ac_waiter_add(w);
	if (ret)
		return ret;
	for (;;) {
		/* A full barrier: the queue entry before the look at the counter. */
		set_current_state(TASK_INTERRUPTIBLE);
		/* A waker found the condition held: its value is the answer. */
		if (READ_ONCE(w->woken) || ac_cond_met(w->bank, &w->cond, seen)) {
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
	/* Woken by a waker, even if a signal or the timeout came too. */
	if (ac_waiter_del(w)) {
		*seen = w->seen;
		ret = 0;
	}
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
	atomic_long_inc(&ac_stat_wake_calls);
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
 * Return: 0, -EINVAL, -E2BIG, -EBADF, -EFAULT, -ENOMEM (the page of the
 * counter's band).
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

	/* The page of the band first: a failed ARM leaves the old one armed. */
	if (!ac_band_of(f->bank, w.index))
		return -ENOMEM;
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
	/* Cannot fail: the page is there, and pages stay. */
	WARN_ON_ONCE(ac_waiter_add(&f->waiter));
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
