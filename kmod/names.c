// SPDX-License-Identifier: GPL-2.0
/*
 * Names: a map from a string to a counter of the named region (userspace's)
 * or of the kernel's region. Only control paths come here (create, look up,
 * delete, register), so a mutex guards the table; the op path never takes
 * it: an index, once known, is all an operation needs.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "atomic_counter.h"

/*
 * The counters a name can hold, in index order: userspace's plain and
 * striped ones, then the kernel's. A striped counter is named by its CPU 0
 * slot, so each striped range is the first row of its region.
 */
enum { AC_USER, AC_USER_STRIPED, AC_KERNEL, AC_KERNEL_STRIPED, AC_NR_RANGES };

struct ac_name_range {
	u64 first;
	u64 nr;
	u64 entry;	/* the first counter's entry in ac_names */
};

static struct ac_name_range ac_ranges[AC_NR_RANGES];

/* One name per counter of the ranges, in their order; "" is a free counter. */
static char (*ac_names)[ATOMIC_COUNTER_NAME_MAX];
static u64 ac_nr_names;
static DEFINE_MUTEX(ac_names_lock);

int ac_names_init(void)
{
	const u64 firsts[AC_NR_RANGES] = {
		ac_bank.named_first, ac_bank.striped_first,
		ac_bank.kernel_first, ac_bank.kernel_striped_first,
	};
	const u64 nrs[AC_NR_RANGES] = {
		ac_bank.nr_named, ac_bank.nr_striped,
		ac_bank.nr_kernel, ac_bank.nr_striped,
	};
	int r;

	for (r = 0; r < AC_NR_RANGES; r++) {
		ac_ranges[r].first = firsts[r];
		ac_ranges[r].nr = nrs[r];
		ac_ranges[r].entry = ac_nr_names;
		ac_nr_names += nrs[r];
	}
	ac_names = kvcalloc(ac_nr_names, sizeof(*ac_names), GFP_KERNEL);
	return ac_names ? 0 : -ENOMEM;
}

void ac_names_exit(void)
{
	kvfree(ac_names);
}

static u64 ac_entry_index(u64 entry)
{
	int r;

	for (r = AC_NR_RANGES - 1; entry < ac_ranges[r].entry; r--)
		;
	return ac_ranges[r].first + entry - ac_ranges[r].entry;
}

/* @index is a counter of one of the ranges. */
static char *ac_name_of(u64 index)
{
	int r;

	for (r = AC_NR_RANGES - 1; index < ac_ranges[r].first; r--)
		;
	return ac_names[ac_ranges[r].entry + index - ac_ranges[r].first];
}

static u32 ac_owner_of(u64 index)
{
	return index >= ac_bank.kernel_first ? ATOMIC_COUNTER_OWNER_KERNEL :
					       ATOMIC_COUNTER_OWNER_USER;
}

static u64 ac_kind_of(u64 index)
{
	return ac_is_striped(index) ? ATOMIC_COUNTER_NAME_STRIPED : 0;
}

/* Every slot of a striped counter, so that its sum is zero too. */
static void ac_counter_zero(u64 index)
{
	u32 slots = ac_is_striped(index) ? ac_bank.nr_stripes : 1;
	u32 cpu;

	for (cpu = 0; cpu < slots; cpu++)
		atomic64_set(&ac_bank.counters[index + cpu * ac_bank.nr_striped], 0);
}

/*
 * The documented rules: 1..NAME_MAX-1 characters of [A-Za-z0-9_.:-],
 * starting with a letter or '_', and nothing but zeroes after the NUL, so
 * that a future ABI can give those bytes a meaning.
 */
static bool ac_name_valid(const char *name)
{
	size_t len = strnlen(name, ATOMIC_COUNTER_NAME_MAX);
	size_t i;

	if (!len || len == ATOMIC_COUNTER_NAME_MAX)
		return false;
	if (!isalpha(name[0]) && name[0] != '_')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.:-", name[i]))
			return false;
	return !memchr_inv(name + len, 0, ATOMIC_COUNTER_NAME_MAX - len);
}

/* Caller holds ac_names_lock. Return: the index, or 0 when not found. */
static u64 ac_name_find(const char *name)
{
	u64 e;

	for (e = 0; e < ac_nr_names; e++)
		if (!strncmp(ac_names[e], name, ATOMIC_COUNTER_NAME_MAX))
			return ac_entry_index(e);
	return 0;
}

/*
 * Give @name a free counter of range @r, zeroed so that no value is
 * inherited from an earlier owner. Caller holds ac_names_lock.
 */
static int ac_name_claim(const char *name, int r, u64 *index)
{
	const struct ac_name_range *range = &ac_ranges[r];
	u64 e;

	for (e = range->entry; e < range->entry + range->nr; e++) {
		if (ac_names[e][0])
			continue;
		strscpy(ac_names[e], name, ATOMIC_COUNTER_NAME_MAX);
		*index = ac_entry_index(e);
		ac_counter_zero(*index);
		return 0;
	}
	return -ENOSPC;
}

/**
 * ac_name_claim_kernel() - give a kernel counter a name
 * @name: the name, by the same rules as userspace's
 * @striped: a striped counter rather than a plain one
 * @index: set to the counter's index
 *
 * Return: 0, -EINVAL for an invalid name, -EEXIST when the name is taken
 * (by the kernel or a process), or -ENOSPC when the kernel region is full.
 */
int ac_name_claim_kernel(const char *name, bool striped, u64 *index)
{
	char buf[ATOMIC_COUNTER_NAME_MAX] = {};
	int ret;

	if (strscpy(buf, name, sizeof(buf)) < 0 || !ac_name_valid(buf))
		return -EINVAL;
	mutex_lock(&ac_names_lock);
	if (ac_name_find(buf))
		ret = -EEXIST;
	else
		ret = ac_name_claim(buf, striped ? AC_KERNEL_STRIPED : AC_KERNEL, index);
	mutex_unlock(&ac_names_lock);
	return ret;
}

/**
 * ac_name_release() - free a named counter and zero it
 * @index: a named counter, userspace's or the kernel's
 */
void ac_name_release(u64 index)
{
	mutex_lock(&ac_names_lock);
	ac_name_of(index)[0] = '\0';
	ac_counter_zero(index);
	mutex_unlock(&ac_names_lock);
}

/**
 * ac_name_next() - the named counter with the lowest index at or after @n->index
 * @n: in: index, where to start; out: index, name, owner and flags of
 *	the counter found
 *
 * Return: false when there is none.
 */
bool ac_name_next(struct atomic_counter_name *n)
{
	u64 e;

	mutex_lock(&ac_names_lock);
	for (e = 0; e < ac_nr_names; e++) {
		u64 index = ac_entry_index(e);

		if (index < n->index || !ac_names[e][0])
			continue;
		memcpy(n->name, ac_names[e], ATOMIC_COUNTER_NAME_MAX);
		n->index = index;
		n->owner = ac_owner_of(index);
		n->flags = ac_kind_of(index);
		mutex_unlock(&ac_names_lock);
		return true;
	}
	mutex_unlock(&ac_names_lock);
	return false;
}

static int ac_name_create(struct atomic_counter_name *n)
{
	u64 kind = n->flags & ATOMIC_COUNTER_NAME_STRIPED;
	u64 index;
	int ret = 0;

	mutex_lock(&ac_names_lock);
	index = ac_name_find(n->name);
	if (index && ((n->flags & ATOMIC_COUNTER_NAME_EXCL) || ac_kind_of(index) != kind)) {
		ret = -EEXIST;
	} else if (index) {
		n->created = 0;
	} else {
		ret = ac_name_claim(n->name, kind ? AC_USER_STRIPED : AC_USER, &index);
		n->created = 1;
	}
	mutex_unlock(&ac_names_lock);
	if (!ret) {
		n->index = index;
		n->owner = ac_owner_of(index);
		n->flags = kind;
	}
	return ret;
}

static int ac_name_lookup(struct atomic_counter_name *n)
{
	u64 index;

	mutex_lock(&ac_names_lock);
	index = ac_name_find(n->name);
	mutex_unlock(&ac_names_lock);
	if (!index)
		return -ENOENT;
	n->index = index;
	n->owner = ac_owner_of(index);
	n->flags = ac_kind_of(index);
	return 0;
}

static int ac_name_delete(struct atomic_counter_name *n)
{
	u64 index;
	int ret = 0;

	mutex_lock(&ac_names_lock);
	index = ac_name_find(n->name);
	if (!index) {
		ret = -ENOENT;
	} else if (index >= ac_bank.kernel_first) {
		ret = -EPERM;
	} else {
		ac_name_of(index)[0] = '\0';
		ac_counter_zero(index);
	}
	mutex_unlock(&ac_names_lock);
	return ret;
}

/**
 * ac_ioctl_name() - the NAME_* ioctls
 * @file: the open device
 * @cmd: ATOMIC_COUNTER_IOC_NAME_{CREATE,LOOKUP,DELETE,NEXT}
 * @uarg: user pointer to a struct atomic_counter_name
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long ac_ioctl_name(struct file *file, unsigned int cmd, void __user *uarg)
{
	struct atomic_counter_name n;
	bool writes = cmd == ATOMIC_COUNTER_IOC_NAME_CREATE ||
		      cmd == ATOMIC_COUNTER_IOC_NAME_DELETE;
	u64 allowed_flags = cmd == ATOMIC_COUNTER_IOC_NAME_CREATE ?
			    ATOMIC_COUNTER_NAME_EXCL | ATOMIC_COUNTER_NAME_STRIPED : 0;
	int ret;

	if (copy_from_user(&n, uarg, sizeof(n)))
		return -EFAULT;
	if ((n.flags & ~allowed_flags) || n.reserved)
		return -EINVAL;
	if (writes && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	if (cmd == ATOMIC_COUNTER_IOC_NAME_NEXT) {
		if (!ac_name_next(&n))
			return -ENOENT;
	} else {
		if (!ac_name_valid(n.name))
			return -EINVAL;
		if (cmd == ATOMIC_COUNTER_IOC_NAME_CREATE)
			ret = ac_name_create(&n);
		else if (cmd == ATOMIC_COUNTER_IOC_NAME_LOOKUP)
			ret = ac_name_lookup(&n);
		else
			ret = ac_name_delete(&n);
		if (ret)
			return ret;
	}
	if (cmd != ATOMIC_COUNTER_IOC_NAME_DELETE && copy_to_user(uarg, &n, sizeof(n)))
		return -EFAULT;
	return 0;
}
