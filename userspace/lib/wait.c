// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libatomic_counter: waiting for a counter's condition, arming a file for
 * poll(), and waking waiters after an update on the page.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

static int wait_ioctl(const struct ac_dev *dev, unsigned long cmd, uint64_t index, uint32_t cond,
		      int64_t value, int64_t timeout_ns, int64_t *seen)
{
	int fd = ac__fd(dev);
	struct atomic_counter_wait w;

	if (fd < 0)
		return fd;
	memset(&w, 0, sizeof(w));
	w.index = index;
	w.cond = cond;
	w.value = value;
	w.timeout_ns = timeout_ns;
	/* Like plain counters: a striped one is waited on by its value. */
	w.flags = ac_is_striped(dev, index) ? ATOMIC_COUNTER_WAIT_STRIPED : 0;
	if (ioctl(fd, cmd, &w) < 0)
		return -errno;
	if (seen)
		*seen = w.result;
	return 0;
}

int ac_wait(const struct ac_dev *dev, uint64_t index, enum atomic_counter_cond cond,
	    int64_t value, int64_t timeout_ns, int64_t *seen)
{
	return wait_ioctl(dev, ATOMIC_COUNTER_IOC_WAIT, index, cond, value, timeout_ns, seen);
}

int ac_arm(const struct ac_dev *dev, uint64_t index, enum atomic_counter_cond cond,
	   int64_t value)
{
	return wait_ioctl(dev, ATOMIC_COUNTER_IOC_ARM, index, cond, value, 0, NULL);
}

/*
 * Slots of the striped regions that have no band of their own: every row
 * but CPU 0's, of the regions that end at or before @counter (see
 * "Waiting" in <linux/atomic_counter.h>).
 */
static uint64_t bands_skipped(const struct atomic_counter_info *i, uint64_t counter)
{
	uint64_t rows = i->nr_stripes - 1, skipped = 0;

	if (counter >= i->named_first + i->nr_named + i->nr_striped * i->nr_stripes)
		skipped += i->nr_striped * rows;
	if (counter >= i->kernel_first + i->nr_kernel + i->nr_kernel_striped * i->nr_stripes)
		skipped += i->nr_kernel_striped * rows;
	return skipped;
}

/* How many band slots the module keeps for the bank @i describes. */
uint64_t ac__nr_band_slots(const struct atomic_counter_info *i)
{
	uint64_t total = i->map_size / ATOMIC_COUNTER_SIZE;

	return total - bands_skipped(i, total);
}

/*
 * Whether the value of @index may satisfy a waiter of its counter: outside
 * its band (a striped counter's, for all its slots), or the band was
 * changing. The counter's slot names its entry of the table (a slot past
 * it: call); the entry is read as a seqcount's reader does, without the
 * retry, as the module's own check (kmod/include/atomic_counter_kernel.h):
 * seq, lo and hi, then seq again after an acquire fence; the module writes
 * seq odd, lo and hi, seq even.
 */
static bool band_outside(const struct ac_dev *dev, const struct ac_state *st, uint64_t index)
{
	int64_t row = ac_striped_row(dev, index);
	const struct atomic_counter_band *b;
	uint64_t counter = index, seq;
	int64_t v, lo, hi;
	uint32_t slot;

	v = atomic_load_explicit(&dev->bank[index], memory_order_relaxed);
	if (row > 0)
		counter -= (uint64_t)row * dev->info.nr_striped;
	slot = __atomic_load_n(&st->band_slots[counter - bands_skipped(&st->info, counter)],
			       __ATOMIC_ACQUIRE);
	if (slot >= st->info.band_size / sizeof(*b))
		return true;
	/* The table begins where the slots end (map_bands()). */
	b = (const struct atomic_counter_band *)((const char *)st->band_slots +
						 st->info.band_slot_size) + slot;
	seq = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE);
	lo = __atomic_load_n(&b->lo, __ATOMIC_RELAXED);
	hi = __atomic_load_n(&b->hi, __ATOMIC_RELAXED);
	atomic_thread_fence(memory_order_acquire);
	if ((seq & 1) || seq != __atomic_load_n(&b->seq, __ATOMIC_RELAXED))
		return true;
	return v < lo || v > hi;
}

int ac_wake(const struct ac_dev *dev, uint64_t index)
{
	struct atomic_counter_wake arg = { .index = index };
	const struct ac_state *st;
	bool waiting;
	int fd;

	/*
	 * Like a futex: the fence orders the caller's update (whatever its
	 * ordering) before the look at what waiters write before they first
	 * read the counter: the counter's band, which the module narrows,
	 * or, from a module without bands, the waiter count it raises. So a
	 * value inside the band (a zero count) means no waiter can miss the
	 * update. Read before the handle's checks, so that no branch can go
	 * round the fence (make check looks for it before the first test).
	 */
	atomic_thread_fence(memory_order_seq_cst);
	st = dev->info.priv.state;
	if (dev->bank && st && st->band_slots && index < ac_nr_total(dev))
		waiting = band_outside(dev, st, index);
	else
		waiting = !dev->bank ||
			  atomic_load_explicit(&dev->bank[dev->info.waiters_index],
					       memory_order_relaxed);
	fd = ac__fd(dev);
	if (fd < 0)
		return fd;
	/*
	 * The module refuses a WAKE through a read-only file, but only when
	 * it gets one: with nobody waiting the call never reaches it, and a
	 * program's mistake would hide until the day someone waits.
	 */
	if (!dev->writable)
		return -EBADF;
	if (!waiting)
		return 0;
	return ioctl(fd, ATOMIC_COUNTER_IOC_WAKE, &arg) < 0 ? -errno : 0;
}
