/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libatomic_counter's own declarations, shared by its files and by no
 * program: ac__ names are global in the static library (its tests call
 * them) and local in the shared one (the version script's "local: *").
 */
#ifndef AC_LIB_INTERNAL_H
#define AC_LIB_INTERNAL_H

#include <errno.h>
#include <stddef.h>

#include "atomic_counter.h"

#ifndef AC_VERSION
#error "AC_VERSION must come from the VERSION file"
#endif

/*
 * What an open handle owns beyond its frozen view (struct ac_dev_info),
 * reached through dev->info.priv.state: where later versions keep what
 * they add, since struct ac_dev never grows.
 */
struct ac_state {
	/* The module's whole INFO reply, for ac_info(). */
	struct atomic_counter_info info;
	/*
	 * The band slots, one per counter, mapped read-only with the table
	 * of bands where they end (info.band_slot_size + info.band_size
	 * bytes), when the module has ATOMIC_COUNTER_FEATURE_BANDS and the
	 * bank is mapped; NULL otherwise, and ac_wake() keeps the
	 * waiter-count rule.
	 */
	const uint32_t *band_slots;
};

/*
 * The descriptor of an open handle, or -EBADF for one the library did not
 * open (zeroed, failed, closed): such a handle's fd may be 0 or another
 * process's number, and no ioctl may go there.
 */
static inline int ac__fd(const struct ac_dev *dev)
{
	return dev->info.priv.state && dev->fd >= 0 ? dev->fd : -EBADF;
}

/* A number in base 10, or 16 after "0x" (names.c). */
int ac__parse_u64(const char *s, uint64_t *out);

/*
 * Whether the INFO reply @i describes a module and bank this library can
 * use, the pages being @page_size bytes (open.c). Return: 0 or -EPROTO.
 */
int ac__check_info(const struct atomic_counter_info *i, uint64_t page_size);

/* Band slots the module keeps for the bank INFO @i describes (wait.c). */
uint64_t ac__nr_band_slots(const struct atomic_counter_info *i);

#ifdef AC_SHARED
/*
 * An old definition kept for programs linked against an older release, at
 * its old version node (see libatomic_counter.map). GCC 10+ has the symver
 * attribute (which survives LTO); clang has not, and would drop it with a
 * warning, hiding the old versions behind local: *.
 */
#if defined(__has_attribute) && __has_attribute(symver)
#define AC_SYMVER(fn, ver)	__attribute__((symver(ver)))
#else
#define AC_SYMVER(fn, ver)	__asm__(".symver " #fn ", " ver);
#endif
#endif

#endif /* AC_LIB_INTERNAL_H */
