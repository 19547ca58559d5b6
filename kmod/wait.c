// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting on a counter: blocking until a condition holds, poll() on a file
 * armed with one, and the wake-ups that updates send.
 *
 * Bands. For every counter (a striped counter: one for all its slots) the
 * bank keeps a band slot in @bank->band_slots, which names an entry of the
 * table @bank->bands, a struct atomic_counter_band [lo, hi]: no condition
 * of a waiter queued on that counter holds for any value in it. Entry 0
 * is [INT64_MIN, INT64_MAX], the band of every counter nobody waits on;
 * a counter takes an entry of its own with its first waiter and gives it
 * back with its last (ac_band_take(), ac_band_give_back()), so the table
 * is one entry per 32 counters, not one per counter; when it is full the
 * counter gets entry 1, the empty band, and every update of it looks. An
 * update, after its write and a full barrier, reads the band and the
 * counter and compares: a value
 * inside the band wakes nobody, with no lock taken and nothing written, so
 * waiters whose condition cannot hold cost updaters six loads and two
 * compares, however many they are. Only a value outside the band takes the
 * slow path (ac_wake_slow()): the queue's lock, the walk of that counter's
 * waiters, and a new band. As io_uring's cq_wait_nr does for one waiter,
 * each waiter gives a trigger on each side of the value it last saw: GE x
 * an upper one at x, LE x a lower one at x, NE x the band [x, x] (it holds
 * everywhere else), EQ x the side x is on; the band is the widest interval
 * around the value that no trigger reaches. A striped counter's slot
 * writer does not know the sum, so a striped counter with any waiter has
 * an empty band (lo > hi): each of its updates looks, as before bands. So
 * has a counter with an armed file whose condition holds: poll() reports
 * while it holds, and every update that keeps it holding wakes the
 * pollers, as it did.
 *
 * Who writes a band: only holders of its counter's queue lock, each write
 * a version, as a seqcount's writer makes one (ac_band_write()): seq made
 * odd, smp_wmb(), lo and hi, smp_wmb(), seq made even. The invariant: no
 * value in a version satisfies a waiter queued on the counter when the
 * version was written. A join narrows the band to exclude the new waiter's
 * trigger (ac_waiter_add()); the slow path writes the band around the
 * value it read of the waiters it left queued (ac_wake_slow()); the last
 * waiter's leaving makes it full. A reader reads seq, smp_rmb(), lo and
 * hi, smp_rmb(), seq again (__atomic_counter_band_outside()): the two
 * message-passing pairs mean that equal even seqs give it one version
 * whole; anything else it counts as outside, and takes the slow path. It
 * never retries, so the check is legal in NMI, and it takes the slow path
 * at most once. Any number of writes may overlap a read: the reader uses
 * a version whole or none.
 *
 * The slot is written under the same lock: an entry's number when the
 * counter's first waiter joins, or a slow path finds the counter on the
 * empty band (after the entry's band is written, with a release), 0 when
 * its last waiter leaves. Each number stored opens an epoch of waiters. A
 * reader reads the slot, then the entry it names (an address dependency):
 * a slot load coherence-before the current epoch's opening store (a stale
 * number, 0, or the same number from an earlier epoch) is ordered against
 * every waiter of the epoch by the store-buffering pattern below, as an
 * old version is, the opening waiter's store standing for the later ones
 * through the lock; a load of the opening store reads the band written
 * before it, or a later version (message passing). A slot read after the
 * last waiter left needs no band. An entry's owners follow each other
 * through test_and_set_bit() (fully ordered) and clear_bit_unlock(), so
 * its versions stay one sequence across them.
 *
 * A version is safe for the waiters queued when it was written; a waiter
 * that joins later is covered by the store-buffering pattern, as futex's
 * waiter check and io_uring's cq_wait_nr: the updater does "atomic64_*()
 * on the counter; smp_mb(); read the band", the waiter "narrow the band
 * (under the queue's lock); smp_mb() (set_current_state() or an explicit
 * one); read the counter". With full barriers on both sides at least one
 * sees the other's write: either the updater's first read of seq sees the
 * narrowing or a later version (odd, or a band that excludes the waiter's
 * trigger for as long as it is queued, since every later version is
 * written with it queued), or the waiter's look sees the update and the
 * waiter does not sleep. A join that finds its trigger excluded already
 * writes nothing: the version it found was written by an earlier lock
 * holder, whose stores reach the joiner through the unlock and lock and are
 * ordered before its look by its full barrier (A-cumulativity), so an
 * updater that reads an older version is the one whose write the joiner's
 * look sees. The updater's read of the counter comes after its
 * own write, so it is that write's value or a later one; each later write
 * has an updater of its own that checks too (tests/ordering/band-sb.litmus
 * has the pattern, for herd7). The barrier: smp_mb() in
 * ac_wake() and for a batch, once, before the checks; the in-kernel API's
 * smp_mb__after_atomic() after a read-modify-write (free on x86, whose
 * atomics are full barriers; a dmb ish on arm64) and smp_mb() after a
 * set; on the page, the library's seq_cst fence before it reads the
 * mapped band.
 *
 * Contexts. The check itself is loads and compares: legal in NMI. The
 * slow path takes the queue's spinlock_t, so the in-kernel API (kprobe,
 * hard irq, NMI, and everything on PREEMPT_RT, where a spinlock_t
 * sleeps) defers it: a hard irq_work, then a work item, which calls
 * ac_wake() in process context (kapi.c). Its updates pay no irq_work
 * while their value stays in the band, so a reader's armed files cost a
 * kernel counter nothing until one of its conditions may hold.
 *
 * Modules built against 0.4.0's in-kernel API header read the queue's
 * count (@nr, handed out as the handle's @waiters) after a full barrier,
 * and call in when it is not zero: a waiter raises it before its first
 * look, the same store-buffering pattern. The bank's
 * "atomic_counter.waiters" count still counts every waiter, so that a
 * library which predates the mapped bands still calls WAKE when anyone
 * waits.
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
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
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
 *	0.4.0's in-kernel API header read (see the top of this file)
 *
 * One per cache line: the lock is taken by the slow paths of its counters
 * only, and @nr read by old in-kernel updates.
 */
struct ac_waitq {
	spinlock_t lock;	/* guards @groups, their waiters and the bands of their counters */
	struct hlist_head groups;
	atomic_t nr;
} ____cacheline_aligned_in_smp;

/*
 * What the tests count (debugfs "wait_stats"): slow paths taken, WAKE
 * calls, in-kernel wake-ups deferred. Per CPU, so that counting shares no
 * cache line between CPUs or banks: the in-kernel API's count is taken in
 * any context, NMI included (this_cpu_inc() is one instruction on x86 and
 * an atomic on arm64, the module's architectures).
 */
struct ac_wait_stats {
	unsigned long slow;
	unsigned long wake_calls;
	unsigned long kapi;
};

static DEFINE_PER_CPU(struct ac_wait_stats, ac_wait_stats);

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

/*
 * Slots of @bank's striped regions that have no band of their own: every
 * row but CPU 0's, of the regions that end at or before @counter (all of
 * them for @counter == @bank->total).
 */
static u64 ac_band_skipped(const struct ac_bank *bank, u64 counter)
{
	u64 rows = bank->nr_stripes - 1, skipped = 0;

	if (counter >= bank->striped_first + (u64)bank->nr_striped * bank->nr_stripes)
		skipped += bank->nr_striped * rows;
	if (counter >= bank->kernel_striped_first +
		       (u64)bank->nr_kernel_striped * bank->nr_stripes)
		skipped += bank->nr_kernel_striped * rows;
	return skipped;
}

/* Table entries that are never given to a counter (see "Waiting" in the uapi header). */
#define AC_BAND_FULL	0
#define AC_BAND_EMPTY	1

/**
 * ac_bands_layout() - the sizes of a bank's band slots and bands
 * @bank: a bank with its layout
 *
 * A band slot per counter, a striped counter's for all its slots, in
 * index order, as "Waiting" in the uapi header says; a table of one band
 * per 32 counters, and at least a page of them: a counter holds an entry
 * only while someone waits on it.
 */
void ac_bands_layout(struct ac_bank *bank)
{
	u64 nr = bank->total - ac_band_skipped(bank, bank->total);

	bank->band_slots_size = PAGE_ALIGN(array_size(nr, sizeof(u32)));
	bank->bands_size = PAGE_ALIGN(array_size(max_t(u64, nr / 32, 1),
						 sizeof(struct atomic_counter_band)));
}

/**
 * ac_band_slot_of() - the band slot of a counter
 * @bank: the bank
 * @index: a counter, or any slot of a striped counter, below @bank->total
 *	and clamped by the caller (array_index_nospec())
 *
 * Return: the word that names @index's counter's entry of @bank->bands.
 */
u32 *ac_band_slot_of(struct ac_bank *bank, u64 index)
{
	u64 counter = ac_counter_of(bank, index);

	/* Clamped too: a mispredicted skip must not index before the slots. */
	return &bank->band_slots[array_index_nospec(counter - ac_band_skipped(bank, counter),
						    bank->band_slots_size / sizeof(u32))];
}

/*
 * Whether @v may satisfy a waiter of @index's counter: outside its band,
 * or the band was changing. The caller has put a full barrier between its
 * update and this call.
 */
static bool ac_band_outside(struct ac_bank *bank, u64 index, s64 v)
{
	/* The in-kernel API's check, on the same words. */
	BUILD_BUG_ON(offsetof(struct atomic_counter_band, seq) != 0);
	BUILD_BUG_ON(offsetof(struct atomic_counter_band, lo) != sizeof(s64));
	BUILD_BUG_ON(offsetof(struct atomic_counter_band, hi) != 2 * sizeof(s64));
	BUILD_BUG_ON(sizeof(struct atomic_counter_band) != 4 * sizeof(s64));
	return __atomic_counter_band_outside(ac_band_slot_of(bank, index),
					     (const s64 *)bank->bands, ac_nr_bands(bank), v);
}

/*
 * Make [@lo, @hi] (lo > hi: empty) the next version of entry @nr of
 * @bank's table, under the queue lock of the counter it is given to;
 * nothing is written when it is the band already, and the full and empty
 * entries never change. See the top of this file.
 */
static void ac_band_write(struct ac_bank *bank, u32 nr, s64 lo, s64 hi)
{
	struct atomic_counter_band *b = &bank->bands[nr];

	if (nr == AC_BAND_FULL || nr == AC_BAND_EMPTY || (b->lo == lo && b->hi == hi))
		return;
	WRITE_ONCE(b->seq, b->seq + 1);
	/* A reader that sees a new lo or hi sees seq odd or changed on its second read. */
	smp_wmb();
	WRITE_ONCE(b->lo, lo);
	WRITE_ONCE(b->hi, hi);
	/* A reader that sees seq even again sees the new lo and hi. */
	smp_wmb();
	WRITE_ONCE(b->seq, b->seq + 1);
}

/*
 * An entry of the table for the counter whose slot is @slot, which has
 * none of its own (0, or 1 when the table was full), under its queue lock:
 * [@lo, @hi] written into it (a version: each entry's seq keeps counting),
 * then its number published in the slot with a release, so that a reader
 * of the new slot reads that band or a later one. With the table full,
 * the slot stays or becomes 1, the empty band: every update of the
 * counter looks, and its next slow path tries again. Taken with
 * test_and_set_bit(), fully ordered, against the last owner's
 * clear_bit_unlock(): its writes of the entry, under another queue lock,
 * come before ours (on x86 and arm64 also when another bit's atomic of the
 * same word comes between; 6.1's LKMM does not model that sequence).
 */
static void ac_band_take(struct ac_bank *bank, u32 *slot, s64 lo, s64 hi)
{
	u32 nr = ac_nr_bands(bank), i;

	for (;;) {
		/* A plain scan, racing other queues' takers: test_and_set_bit() decides. */
		i = data_race(find_next_zero_bit(bank->bands_used, nr, AC_BAND_EMPTY + 1));
		if (i >= nr) {
			i = AC_BAND_EMPTY;
			break;
		}
		if (!test_and_set_bit(i, bank->bands_used))
			break;
	}
	ac_band_write(bank, i, lo, hi);
	/* The entry's band before its name: see the top of this file. */
	smp_store_release(slot, i);
}

/*
 * The counter whose slot is @slot lost its last waiter, under its queue
 * lock: slot 0 (the full band), and its entry back to the table. A reader
 * that read the slot before may still read the entry as another counter's
 * (see the top of this file).
 */
static void ac_band_give_back(struct ac_bank *bank, u32 *slot)
{
	u32 i = *slot;

	WRITE_ONCE(*slot, AC_BAND_FULL);
	if (i != AC_BAND_FULL && i != AC_BAND_EMPTY)
		clear_bit_unlock(i, bank->bands_used);
}

/**
 * ac_wait_bank_size() - what a bank's waiting structures take
 * @bank: a bank with its layout
 *
 * Return: bytes of its queues, to charge a private bank's creator (its
 * bands are in @bank->bands_size).
 */
size_t ac_wait_bank_size(const struct ac_bank *bank)
{
	return AC_NR_WAITQS * sizeof(struct ac_waitq) +
	       BITS_TO_LONGS(ac_nr_bands(bank)) * sizeof(long);
}

static void ac_waiters_changed(struct work_struct *work)
{
	struct ac_bank *bank = container_of(work, struct ac_bank, waiters_work);

	ac_wake_slow(bank, bank->waiters_index);
}

/**
 * ac_wait_bank_init() - give a bank its bands, queues and waiter count
 * @bank: a bank with its layout, counters and name table
 *
 * The bands are the last @bank->bands_size bytes of the counters' memory,
 * zeroed: each is made full here. A private bank's queues are charged to
 * its creator's memory cgroup, as its counters and bands are.
 *
 * Return: 0, -ENOMEM, or an errno of ac_name_claim_kernel().
 */
int ac_wait_bank_init(struct ac_bank *bank)
{
	gfp_t gfp = bank->is_private ? AC_GFP_BANK : GFP_KERNEL;
	size_t i, nr_bands;
	int ret;

	INIT_WORK(&bank->waiters_work, ac_waiters_changed);
	/* Zeroed: every slot names entry 0, the full band. */
	bank->band_slots = (u32 *)((char *)bank->counters + bank->size);
	bank->bands = (struct atomic_counter_band *)((char *)bank->band_slots +
						     bank->band_slots_size);
	nr_bands = ac_nr_bands(bank);
	for (i = 0; i < nr_bands; i++) {
		bank->bands[i].lo = S64_MIN;
		bank->bands[i].hi = S64_MAX;
	}
	bank->bands[AC_BAND_EMPTY].lo = S64_MAX;
	bank->bands[AC_BAND_EMPTY].hi = S64_MIN;
	bank->bands_used = kcalloc(BITS_TO_LONGS(nr_bands), sizeof(long), gfp);
	bank->waitqs = kcalloc(AC_NR_WAITQS, sizeof(*bank->waitqs), gfp);
	if (!bank->bands_used || !bank->waitqs)
		return -ENOMEM;
	__set_bit(AC_BAND_FULL, bank->bands_used);
	__set_bit(AC_BAND_EMPTY, bank->bands_used);
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
	if (bank->waiters)
		flush_work(&bank->waiters_work);
	kfree(bank->waitqs);
	kfree(bank->bands_used);
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
	case ATOMIC_COUNTER_COND_LE:
		return v <= w->value;
	default:	/* ac_wait_copy_in() refused it */
		WARN_ON_ONCE(1);
		return true;
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
 *   striped counter with waiters being empty, always defers a waker, which
 *   reads every slot after irq_work_queue()'s fully ordered claim. Either
 *   way the last sum read after the Nth unit went in holds it (see the
 *   comment at the top of this file).
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
	case ATOMIC_COUNTER_COND_EQ:	/* v != x: the side of v that x is not on */
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
	u32 *slot = ac_band_slot_of(bank, counter);
	bool any = false, striped = ac_is_striped(bank, counter);
	s64 lo = S64_MIN, hi = S64_MAX;
	struct ac_group *g;

	this_cpu_inc(ac_wait_stats.slow);
	spin_lock(&q->lock);
	hlist_for_each_entry(g, &q->groups, node) {
		if (g->counter != counter)
			continue;
		any = true;
		ac_group_wake(g, ac_group_value(bank, g), &lo, &hi);
	}
	if (striped) {
		lo = S64_MAX;
		hi = S64_MIN;
	}
	/*
	 * Nobody waits: the last waiter gave the entry back (slot 0, full).
	 * On the empty band because the table was full: try for an entry.
	 */
	if (any && *slot == AC_BAND_EMPTY)
		ac_band_take(bank, slot, lo, hi);
	else if (any)
		ac_band_write(bank, *slot, lo, hi);
	spin_unlock(&q->lock);
}

/**
 * ac_wake_check() - after an update and a full barrier: the slow path when
 *	the counter's value may satisfy one of its waiters
 * @bank: the bank
 * @index: the counter, or slot, updated, below @bank->total
 *
 * Six loads and two compares when nobody may be satisfied (the value,
 * the slot, then the band: see ac_band_outside()): no lock, no write.
 *
 * Context: process context (the slow path takes a spinlock_t).
 */
void ac_wake_check(struct ac_bank *bank, u64 index)
{
	/* The index picks the band, a dependent load: clamped under speculation. */
	index = array_index_nospec(index, bank->total);
	if (ac_band_outside(bank, index, atomic64_read(&bank->counters[index])))
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

/*
 * The in-kernel API deferred a slow path (kapi.c). Context: any, NMI
 * included: a this_cpu op is one instruction, or an atomic one, there.
 */
void ac_wait_stats_kapi(void)
{
	this_cpu_inc(ac_wait_stats.kapi);
}

static int ac_wait_stats_show(struct seq_file *m, void *unused)
{
	struct ac_wait_stats sum = {};
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct ac_wait_stats *st = per_cpu_ptr(&ac_wait_stats, cpu);

		sum.slow += READ_ONCE(st->slow);
		sum.wake_calls += READ_ONCE(st->wake_calls);
		sum.kapi += READ_ONCE(st->kapi);
	}
	seq_printf(m, "slow_paths %lu\nwake_calls %lu\nkapi_deferred %lu\n",
		   sum.slow, sum.wake_calls, sum.kapi);
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
	/* The count's update (the caller's atomic64_*()) before the look at its band. */
	smp_mb();
	if (ac_band_outside(bank, bank->waiters_index, atomic64_read(bank->waiters)))
		queue_work(system_unbound_wq, &bank->waiters_work);
}

/*
 * Count @w in and queue it: the bank's waiter count first, then, under the
 * queue's lock, the queue's count, the queue entry and the band narrowed
 * to @w's safe interval around the value read there (a new version, safe
 * for the waiters queued before too: a subset of the old band). The
 * waiter's first look at the counter comes after all of them and a full
 * barrier (set_current_state(), or the caller's smp_mb()). Then the waiter
 * count's own waiters hear of the change.
 *
 * Context: process context; takes the queue's spinlock_t.
 */
static void ac_waiter_add(struct ac_waiter *w)
{
	bool striped = w->cond.flags & ATOMIC_COUNTER_WAIT_STRIPED;
	struct ac_bank *bank = w->bank;
	u64 counter = ac_counter_of(bank, w->cond.index);
	u32 *slot = ac_band_slot_of(bank, counter);
	struct ac_waitq *q = ac_waitq(bank, counter);
	s64 lo = S64_MIN, hi = S64_MAX;
	struct atomic_counter_band *b;
	struct ac_group *g;
	u32 nr;

	w->woken = false;
	atomic64_inc(bank->waiters);
	spin_lock(&q->lock);
	atomic_inc(&q->nr);
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
	if (ac_is_striped(bank, counter)) {
		lo = S64_MAX;
		hi = S64_MIN;
	} else {
		ac_band_narrow(&lo, &hi, &w->cond, ac_group_value(bank, g));
	}
	/* The counter's first waiter takes an entry of the table, its band in it. */
	nr = *slot;
	if (nr == AC_BAND_FULL) {
		ac_band_take(bank, slot, lo, hi);
	} else {
		b = &bank->bands[nr];
		ac_band_write(bank, nr, max(b->lo, lo), min(b->hi, hi));
	}
	spin_unlock(&q->lock);
	ac_waiters_count_changed(bank);
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
	/* The counter's last waiter: its band is full again, its entry free. */
	if (!ac_counter_waited(q, counter))
		ac_band_give_back(w->bank, ac_band_slot_of(w->bank, counter));
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
	 * A condition that holds already needs no join, which would narrow
	 * the band to nothing and send the next update down the slow path.
	 * Full barriers on both sides of the look, as the loop's
	 * (set_current_state() before it, ac_waiter_del()'s after).
	 */
	smp_mb();	/* the caller's accesses before the look */
	/* A waiter on the waiter count counts itself in first, as it always did. */
	if (ac_counter_of(w->bank, w->cond.index) != w->bank->waiters_index &&
	    ac_cond_met(w->bank, &w->cond, seen)) {
		smp_mb();	/* the look before the caller's next ones */
		return 0;
	}
	ac_waiter_add(w);
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
	this_cpu_inc(ac_wait_stats.wake_calls);
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
