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

int ac_wake(const struct ac_dev *dev, uint64_t index)
{
	struct atomic_counter_wake arg = { .index = index };
	bool waiting;
	int fd;

	/*
	 * Like a futex: the fence orders the caller's update (whatever its
	 * ordering) before the look at the waiter count, which the kernel
	 * raises before a waiter first reads the counter; so a zero count
	 * means no waiter can miss the update. The count is read before the
	 * handle's checks, so that no branch can go round the fence (make
	 * check looks for it before the first test).
	 */
	atomic_thread_fence(memory_order_seq_cst);
	waiting = !dev->bank ||
		  atomic_load_explicit(&dev->bank[dev->info.waiters_index], memory_order_relaxed);
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
