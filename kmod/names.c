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
 * One name per counter from named_first up to the end of the bank; an
 * empty string is a free counter.
 */
static char (*ac_names)[ATOMIC_COUNTER_NAME_MAX];
static DEFINE_MUTEX(ac_names_lock);

int ac_names_init(void)
{
	ac_names = kvcalloc(ac_bank.total - ac_bank.named_first, sizeof(*ac_names),
			    GFP_KERNEL);
	return ac_names ? 0 : -ENOMEM;
}

void ac_names_exit(void)
{
	kvfree(ac_names);
}

static char *ac_name_of(u64 index)
{
	return ac_names[index - ac_bank.named_first];
}

static u32 ac_owner_of(u64 index)
{
	return index >= ac_bank.kernel_first ? ATOMIC_COUNTER_OWNER_KERNEL :
					       ATOMIC_COUNTER_OWNER_USER;
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
	u64 i;

	for (i = ac_bank.named_first; i < ac_bank.total; i++)
		if (!strncmp(ac_name_of(i), name, ATOMIC_COUNTER_NAME_MAX))
			return i;
	return 0;
}

/*
 * Give @name a free counter of [first, end), zeroed so that no value is
 * inherited from an earlier owner. Caller holds ac_names_lock.
 */
static int ac_name_claim(const char *name, u64 first, u64 end, u64 *index)
{
	u64 i;

	for (i = first; i < end; i++) {
		if (ac_name_of(i)[0])
			continue;
		strscpy(ac_name_of(i), name, ATOMIC_COUNTER_NAME_MAX);
		atomic64_set(&ac_bank.counters[i], 0);
		*index = i;
		return 0;
	}
	return -ENOSPC;
}

/**
 * ac_name_claim_kernel() - give a kernel counter a name
 * @name: the name, by the same rules as userspace's
 * @index: set to the counter's index
 *
 * Return: 0, -EINVAL for an invalid name, -EEXIST when the name is taken
 * (by the kernel or a process), or -ENOSPC when the kernel region is full.
 */
int ac_name_claim_kernel(const char *name, u64 *index)
{
	char buf[ATOMIC_COUNTER_NAME_MAX] = {};
	int ret;

	if (strscpy(buf, name, sizeof(buf)) < 0 || !ac_name_valid(buf))
		return -EINVAL;
	mutex_lock(&ac_names_lock);
	if (ac_name_find(buf))
		ret = -EEXIST;
	else
		ret = ac_name_claim(buf, ac_bank.kernel_first, ac_bank.total, index);
	mutex_unlock(&ac_names_lock);
	return ret;
}

/**
 * ac_name_release() - free a named counter and zero it
 * @index: a counter of the named or the kernel region
 */
void ac_name_release(u64 index)
{
	mutex_lock(&ac_names_lock);
	ac_name_of(index)[0] = '\0';
	atomic64_set(&ac_bank.counters[index], 0);
	mutex_unlock(&ac_names_lock);
}

/**
 * ac_name_next() - the named counter with the lowest index at or after *@index
 * @index: in: where to start; out: the counter found
 * @name: out: its name, ATOMIC_COUNTER_NAME_MAX bytes
 * @owner: out: ATOMIC_COUNTER_OWNER_*
 *
 * Return: false when there is none.
 */
bool ac_name_next(u64 *index, char *name, u32 *owner)
{
	u64 i;

	mutex_lock(&ac_names_lock);
	for (i = max(*index, ac_bank.named_first); i < ac_bank.total; i++) {
		if (!ac_name_of(i)[0])
			continue;
		memcpy(name, ac_name_of(i), ATOMIC_COUNTER_NAME_MAX);
		*owner = ac_owner_of(i);
		*index = i;
		mutex_unlock(&ac_names_lock);
		return true;
	}
	mutex_unlock(&ac_names_lock);
	return false;
}

static int ac_name_create(struct atomic_counter_name *n)
{
	u64 index;
	int ret = 0;

	mutex_lock(&ac_names_lock);
	index = ac_name_find(n->name);
	if (index && (n->flags & ATOMIC_COUNTER_NAME_EXCL)) {
		ret = -EEXIST;
	} else if (index) {
		n->created = 0;
	} else {
		ret = ac_name_claim(n->name, ac_bank.named_first, ac_bank.kernel_first, &index);
		n->created = 1;
	}
	mutex_unlock(&ac_names_lock);
	if (!ret) {
		n->index = index;
		n->owner = ac_owner_of(index);
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
		atomic64_set(&ac_bank.counters[index], 0);
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
			    ATOMIC_COUNTER_NAME_EXCL : 0;
	int ret;

	if (copy_from_user(&n, uarg, sizeof(n)))
		return -EFAULT;
	if ((n.flags & ~allowed_flags) || n.reserved)
		return -EINVAL;
	if (writes && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	if (cmd == ATOMIC_COUNTER_IOC_NAME_NEXT) {
		if (!ac_name_next(&n.index, n.name, &n.owner))
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
