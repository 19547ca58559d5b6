// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libatomic_counter: striped counters on the page (the inline functions
 * are in <atomic_counter.h>) and the CPU number they index by.
 */
#include <sched.h>
#include <string.h>

#include "internal.h"

int ac_striped(const struct ac_dev *dev, uint64_t index, ac_striped_t *s)
{
	/* On error the caller's handle is one the inline functions trap on. */
	memset(s, 0, sizeof(*s));
	if (ac__fd(dev) < 0)
		return -EBADF;
	if (!ac_is_striped(dev, index))
		return -EINVAL;
	if (!dev->bank)
		return -ENXIO;
	s->slots = &dev->bank[index];
	s->stride = dev->info.nr_striped;
	s->nr_stripes = (uint32_t)dev->info.nr_stripes;
	return 0;
}

unsigned int ac_cpu_slow(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : (unsigned int)cpu;
}
