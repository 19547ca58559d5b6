// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libatomic_counter: named counters, and indices from names or numbers.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

/* @n zeroed (the module refuses other bytes), with @name and @flags. */
static int name_ioctl(const struct ac_dev *dev, unsigned long cmd, const char *name,
		      uint64_t flags, struct atomic_counter_name *n)
{
	int fd = ac__fd(dev);

	memset(n, 0, sizeof(*n));
	if (fd < 0)
		return fd;
	if (strlen(name) >= sizeof(n->name))
		return -EINVAL;
	strcpy(n->name, name);
	n->flags = flags;
	return ioctl(fd, cmd, n) < 0 ? -errno : 0;
}

int ac_name_create(const struct ac_dev *dev, const char *name, uint64_t flags, uint64_t *index,
		   uint32_t *generation)
{
	struct atomic_counter_name n;
	int ret = name_ioctl(dev, ATOMIC_COUNTER_IOC_NAME_CREATE, name, flags, &n);

	if (ret)
		return ret;
	if (index)
		*index = n.index;
	if (generation)
		*generation = n.generation;
	return n.created ? 1 : 0;
}

int ac_name_lookup(const struct ac_dev *dev, const char *name, uint64_t *index, uint32_t *owner,
		   uint32_t *generation)
{
	struct atomic_counter_name n;
	int ret = name_ioctl(dev, ATOMIC_COUNTER_IOC_NAME_LOOKUP, name, 0, &n);

	if (ret)
		return ret;
	if (index)
		*index = n.index;
	if (owner)
		*owner = n.owner;
	if (generation)
		*generation = n.generation;
	return 0;
}

int ac_name_delete(const struct ac_dev *dev, const char *name)
{
	struct atomic_counter_name n;

	return name_ioctl(dev, ATOMIC_COUNTER_IOC_NAME_DELETE, name, 0, &n);
}

int ac_name_next(const struct ac_dev *dev, uint64_t from, struct atomic_counter_name *out)
{
	int fd = ac__fd(dev);

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return fd;
	out->index = from;
	return ioctl(fd, ATOMIC_COUNTER_IOC_NAME_NEXT, out) < 0 ? -errno : 0;
}

#ifdef AC_SHARED
/* Programs linked against 0.4.0 and before: without the generation. */
AC_SYMVER(ac_name_create_v0, "ac_name_create@ATOMIC_COUNTER_0")
int ac_name_create_v0(const struct ac_dev *dev, const char *name, uint64_t flags,
		      uint64_t *index);
int ac_name_create_v0(const struct ac_dev *dev, const char *name, uint64_t flags,
		      uint64_t *index)
{
	return ac_name_create(dev, name, flags, index, NULL);
}

AC_SYMVER(ac_name_lookup_v0, "ac_name_lookup@ATOMIC_COUNTER_0")
int ac_name_lookup_v0(const struct ac_dev *dev, const char *name, uint64_t *index,
		      uint32_t *owner);
int ac_name_lookup_v0(const struct ac_dev *dev, const char *name, uint64_t *index,
		      uint32_t *owner)
{
	return ac_name_lookup(dev, name, index, owner, NULL);
}
#endif

/* The value of digit @c in @base, or -1. */
static int digit(char c, unsigned int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A number in base 10, or base 16 after "0x": never octal, so that "010"
 * is ten. Return: 0, -EINVAL when @s is not such a number, -ERANGE when it
 * is one too big for 64 bits.
 */
int ac__parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	const char *p;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (digit(*p, base) < 0)
			return -EINVAL;
	for (p = s; *p; p++) {
		unsigned int d = (unsigned int)digit(*p, base);

		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int ac_resolve(const struct ac_dev *dev, const char *s, uint64_t *index)
{
	uint64_t v;
	int ret;

	if (ac__fd(dev) < 0)
		return -EBADF;
	if (*s >= '0' && *s <= '9') {
		ret = ac__parse_u64(s, &v);
		if (ret)
			return ret;
		if (v >= ac_nr_total(dev))
			return -ERANGE;
		*index = v;
		return 0;
	}
	return ac_name_lookup(dev, s, index, NULL, NULL);
}
