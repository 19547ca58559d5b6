// SPDX-License-Identifier: GPL-2.0
/*
 * Names: in each bank, a map from a string to a counter of the named region
 * (userspace's) or of the kernel's region. Only control paths come here
 * (create, look up, delete, register), so a mutex guards each table; the
 * op path never takes it: an index, once known, is all an operation needs.
 */
#include <linux/errno.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/random.h>
#include <linux/sched.h>
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
	u64 entry;	/* the first counter's entry in the table's entries */
	u64 free_hint;	/* no free entry of the range is below this one */
};

/**
 * struct ac_name_entry - the name of one counter
 * @name: the name, zero-padded to the end (NEXT copies all of it out);
 *	"" for a free counter.
 * @generation: how many times the counter has been given a name, never 0
 *	once it has been; see "Names" in the uapi header.
 * @hash_next: the next entry in the same hash bucket, or AC_NO_ENTRY.
 */
struct ac_name_entry {
	char name[ATOMIC_COUNTER_NAME_MAX];
	u32 generation;
	u32 hash_next;
};

#define AC_NO_ENTRY	U32_MAX

/**
 * struct ac_names - a bank's name table
 * @ranges: the counters a name can hold, in index order
 * @entries: one entry per counter of @ranges, in their order, so in index
 *	order
 * @nr: entries in @entries
 * @buckets: a chained hash of the named entries, so that CREATE, LOOKUP
 *	and DELETE do not scan a table of up to millions of entries under
 *	the lock
 * @bucket_mask: buckets - 1, a power of two
 * @seed: the hash's seed, drawn at random for each table: with a fixed
 *	one, a writer could precompute names that all land in one bucket and
 *	make every name operation a walk of one long chain under @lock
 * @lock: see below
 */
struct ac_names {
	struct ac_name_range ranges[AC_NR_RANGES];
	struct ac_name_entry *entries;
	u64 nr;
	u32 *buckets;
	u32 bucket_mask;
	u32 seed;
	/* Guards the entries, buckets and free hints; the rest is set once. */
	struct mutex lock;
};

/*
 * Entries NEXT looks at per hold of a table's lock: a walk of a sparse table
 * of millions of entries lets CREATE and DELETE in between.
 */
#define AC_NAMES_SCAN_BATCH	4096

/* Names userspace cannot create: see "Names" in the uapi header. */
static const char *const ac_kernel_prefixes[] = { "kernel.", "atomic_counter." };

/*
 * Counters of range @r that can have a name. In a private bank only the
 * module names a kernel counter (its "atomic_counter.waiters"): kernel code
 * registers in the global bank alone, so one entry does, and its kernel
 * striped region is empty.
 */
static u64 ac_range_names(const struct ac_bank *bank, int r)
{
	switch (r) {
	case AC_USER:
		return bank->nr_named;
	case AC_USER_STRIPED:
		return bank->nr_striped;
	case AC_KERNEL:
		return bank->is_private ? 1 : bank->nr_kernel;
	default:
		return bank->nr_kernel_striped;
	}
}

static u64 ac_nr_names(const struct ac_bank *bank)
{
	u64 nr = 0;
	int r;

	for (r = 0; r < AC_NR_RANGES; r++)
		nr += ac_range_names(bank, r);
	return nr;
}

/**
 * ac_names_size() - bytes ac_names_init() will allocate for @bank
 * @bank: the bank, its layout set
 *
 * Return: the size, for a private bank's charge.
 */
size_t ac_names_size(const struct ac_bank *bank)
{
	u64 nr = ac_nr_names(bank);

	return sizeof(struct ac_names) + nr * sizeof(struct ac_name_entry) +
	       roundup_pow_of_two(nr) * sizeof(u32);
}

/**
 * ac_names_init() - give a bank its (empty) name table
 * @bank: the bank, its layout set
 *
 * A private bank's table is charged to the memory cgroup of the task that
 * creates it.
 *
 * Return: 0, -EINVAL for a table too big for the hash chains, -ENOMEM.
 */
int ac_names_init(struct ac_bank *bank)
{
	const u64 firsts[AC_NR_RANGES] = {
		bank->named_first, bank->striped_first,
		bank->kernel_first, bank->kernel_striped_first,
	};
	gfp_t gfp = bank->is_private ? AC_GFP_BANK : GFP_KERNEL;
	struct ac_names *t;
	u64 nr_buckets;
	int r;

	t = kzalloc(sizeof(*t), gfp);
	if (!t)
		return -ENOMEM;
	mutex_init(&t->lock);
	t->seed = get_random_u32();
	bank->names = t;
	for (r = 0; r < AC_NR_RANGES; r++) {
		t->ranges[r].first = firsts[r];
		t->ranges[r].nr = ac_range_names(bank, r);
		t->ranges[r].entry = t->nr;
		t->ranges[r].free_hint = t->nr;
		t->nr += t->ranges[r].nr;
	}
	/* Entry numbers are u32 in the hash chains, AC_NO_ENTRY excluded. */
	if (t->nr >= AC_NO_ENTRY) {
		ac_names_exit(bank);
		return -EINVAL;
	}
	nr_buckets = roundup_pow_of_two(t->nr);
	t->bucket_mask = nr_buckets - 1;
	t->buckets = kvmalloc_array(nr_buckets, sizeof(*t->buckets), gfp);
	t->entries = kvcalloc(t->nr, sizeof(*t->entries), gfp);
	if (!t->buckets || !t->entries) {
		ac_names_exit(bank);
		return -ENOMEM;
	}
	memset(t->buckets, 0xff, nr_buckets * sizeof(*t->buckets));
	return 0;
}

/**
 * ac_names_exit() - free a bank's name table
 * @bank: the bank; nobody uses its names any more
 */
void ac_names_exit(struct ac_bank *bank)
{
	struct ac_names *t = bank->names;

	if (!t)
		return;
	kvfree(t->entries);
	kvfree(t->buckets);
	mutex_destroy(&t->lock);
	kfree(t);
	bank->names = NULL;
}

/* @name is valid: zero-padded to ATOMIC_COUNTER_NAME_MAX. */
static u32 *ac_bucket_of(struct ac_names *t, const char *name)
{
	return &t->buckets[jhash(name, ATOMIC_COUNTER_NAME_MAX, t->seed) & t->bucket_mask];
}

static u64 ac_entry_index(const struct ac_names *t, u64 entry)
{
	int r;

	for (r = AC_NR_RANGES - 1; entry < t->ranges[r].entry; r--)
		;
	return t->ranges[r].first + entry - t->ranges[r].entry;
}

/* @index is a counter of one of the ranges. */
static struct ac_name_entry *ac_entry_of(struct ac_names *t, u64 index)
{
	int r;

	for (r = AC_NR_RANGES - 1; index < t->ranges[r].first; r--)
		;
	return &t->entries[t->ranges[r].entry + index - t->ranges[r].first];
}

/*
 * The first entry whose counter's index is @index or above, or t->nr: the
 * ranges are in index order, and an index between two of them (a row of
 * striped slots past CPU 0) goes to the next.
 */
static u64 ac_entry_at_or_after(const struct ac_names *t, u64 index)
{
	int r;

	for (r = 0; r < AC_NR_RANGES; r++) {
		const struct ac_name_range *range = &t->ranges[r];

		if (index < range->first)
			return range->entry;
		if (index - range->first < range->nr)
			return range->entry +
			       array_index_nospec(index - range->first, range->nr);
	}
	return t->nr;
}

static u32 ac_owner_of(const struct ac_bank *bank, u64 index)
{
	return index >= bank->kernel_first ? ATOMIC_COUNTER_OWNER_KERNEL :
					     ATOMIC_COUNTER_OWNER_USER;
}

static u64 ac_kind_of(const struct ac_bank *bank, u64 index)
{
	return ac_is_striped(bank, index) ? ATOMIC_COUNTER_NAME_STRIPED : 0;
}

/*
 * Every slot of a striped counter, so that its sum is zero too. Zero is a
 * value like any other: a waiter on EQ 0 or LE 0 must wake, as for an
 * update, so every caller calls ac_wake(@bank, @index) (keyed by the CPU 0
 * slot: the waiters of every slot and of the sum) once it has dropped the
 * name table's lock: a walk of waiters that userspace can make long is no
 * reason to hold up every other name's change.
 */
static void ac_counter_zero(struct ac_bank *bank, u64 index)
{
	u32 slots = ac_is_striped(bank, index) ? bank->nr_stripes : 1;
	u32 cpu;

	for (cpu = 0; cpu < slots; cpu++)
		atomic64_set(&bank->counters[index + cpu * bank->nr_striped], 0);
}

/*
 * ASCII only, spelt out: the kernel's isalpha() is Latin-1 and takes
 * 0xC0-0xFF as letters.
 */
static bool ac_name_char_valid(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
		return true;
	if (first)
		return false;
	return (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '-';
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
	for (i = 0; i < len; i++)
		if (!ac_name_char_valid(name[i], i == 0))
			return false;
	return !memchr_inv(name + len, 0, ATOMIC_COUNTER_NAME_MAX - len);
}

/* A name only kernel code can give a counter. */
static bool ac_name_is_kernel(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ac_kernel_prefixes); i++)
		if (str_has_prefix(name, ac_kernel_prefixes[i]))
			return true;
	return false;
}

/*
 * @name is valid, so zero-padded. Caller holds the table's lock.
 * Return: the index, or 0 when not found.
 */
static u64 ac_name_find(struct ac_names *t, const char *name)
{
	u32 e;

	for (e = *ac_bucket_of(t, name); e != AC_NO_ENTRY; e = t->entries[e].hash_next)
		if (!memcmp(t->entries[e].name, name, ATOMIC_COUNTER_NAME_MAX))
			return ac_entry_index(t, e);
	return 0;
}

/* Caller holds the table's lock; @n->index is a named counter. */
static void ac_name_fill(const struct ac_bank *bank, struct atomic_counter_name *n,
			 const struct ac_name_entry *entry)
{
	n->owner = ac_owner_of(bank, n->index);
	n->flags = ac_kind_of(bank, n->index);
	n->generation = entry->generation;
}

/*
 * Give @name a free counter of range @r, zeroed so that no value is
 * inherited from an earlier owner. Caller holds the table's lock.
 */
static int ac_name_claim(struct ac_bank *bank, const char *name, int r, u64 *index)
{
	struct ac_names *t = bank->names;
	struct ac_name_range *range = &t->ranges[r];
	struct ac_name_entry *entry;
	u32 *bucket;
	u64 e;

	/* The lowest free entry, as always; the hint spares rescanning the taken ones. */
	for (e = range->free_hint; e < range->entry + range->nr; e++) {
		entry = &t->entries[e];
		if (entry->name[0])
			continue;
		strscpy_pad(entry->name, name, ATOMIC_COUNTER_NAME_MAX);
		/* 0 means "never named", and an old module's answer. */
		if (!++entry->generation)
			entry->generation = 1;
		bucket = ac_bucket_of(t, entry->name);
		entry->hash_next = *bucket;
		*bucket = e;
		range->free_hint = e + 1;
		*index = ac_entry_index(t, e);
		ac_counter_zero(bank, *index);
		return 0;
	}
	range->free_hint = e;
	return -ENOSPC;
}

/*
 * Caller holds the table's lock. The whole name is zeroed, not only its
 * first byte: NEXT copies all ATOMIC_COUNTER_NAME_MAX bytes of the next
 * name to take the entry, and a shorter one must not show this one's tail.
 */
static void ac_name_free(struct ac_bank *bank, u64 index)
{
	struct ac_names *t = bank->names;
	struct ac_name_entry *entry = ac_entry_of(t, index);
	u32 e = entry - t->entries;
	u32 *link;
	int r;

	for (link = ac_bucket_of(t, entry->name); *link != e; link = &t->entries[*link].hash_next)
		;
	*link = entry->hash_next;
	memset(entry->name, 0, ATOMIC_COUNTER_NAME_MAX);
	for (r = AC_NR_RANGES - 1; e < t->ranges[r].entry; r--)
		;
	t->ranges[r].free_hint = min_t(u64, t->ranges[r].free_hint, e);
	ac_counter_zero(bank, index);
}

/**
 * ac_name_claim_kernel() - give a kernel counter a name
 * @bank: the bank
 * @name: the name, by the same rules as userspace's, and beginning with
 *	"kernel." or "atomic_counter.", which userspace cannot create
 * @striped: a striped counter rather than a plain one
 * @index: set to the counter's index
 *
 * Return: 0, -EINVAL for an invalid name or one without a kernel prefix,
 * -EEXIST when the name is taken (by other kernel code), or -ENOSPC when
 * the kernel region is full.
 */
int ac_name_claim_kernel(struct ac_bank *bank, const char *name, bool striped, u64 *index)
{
	char buf[ATOMIC_COUNTER_NAME_MAX] = {};
	struct ac_names *t = bank->names;
	int ret;

	if (strscpy(buf, name, sizeof(buf)) < 0 || !ac_name_valid(buf) ||
	    !ac_name_is_kernel(buf))
		return -EINVAL;
	mutex_lock(&t->lock);
	if (ac_name_find(t, buf))
		ret = -EEXIST;
	else
		ret = ac_name_claim(bank, buf, striped ? AC_KERNEL_STRIPED : AC_KERNEL, index);
	mutex_unlock(&t->lock);
	if (!ret)
		ac_wake(bank, *index);
	return ret;
}

/**
 * ac_name_release() - free a named counter and zero it
 * @bank: the bank
 * @index: a named counter, userspace's or the kernel's
 */
void ac_name_release(struct ac_bank *bank, u64 index)
{
	mutex_lock(&bank->names->lock);
	ac_name_free(bank, index);
	mutex_unlock(&bank->names->lock);
	ac_wake(bank, index);
}

/**
 * ac_name_next() - the named counter with the lowest index at or after @n->index
 * @bank: the bank
 * @n: in: index, where to start; out: index, name, owner, flags and
 *	generation of the counter found; every byte of name is written
 *
 * The table is in index order, so the scan starts at @n->index: a walk
 * that goes on from the index found + 1 looks at each entry once. The lock
 * is dropped every AC_NAMES_SCAN_BATCH entries; a name created or deleted
 * meanwhile may or may not be seen, as between two calls.
 *
 * Context: process context; takes a mutex.
 * Return: false when there is none.
 */
bool ac_name_next(struct ac_bank *bank, struct atomic_counter_name *n)
{
	struct ac_names *t = bank->names;
	u64 e = ac_entry_at_or_after(t, n->index);

	while (e < t->nr) {
		u64 end = min(e + AC_NAMES_SCAN_BATCH, t->nr);

		mutex_lock(&t->lock);
		for (; e < end; e++) {
			if (!t->entries[e].name[0])
				continue;
			memcpy(n->name, t->entries[e].name, ATOMIC_COUNTER_NAME_MAX);
			n->index = ac_entry_index(t, e);
			ac_name_fill(bank, n, &t->entries[e]);
			mutex_unlock(&t->lock);
			return true;
		}
		mutex_unlock(&t->lock);
		cond_resched();
	}
	return false;
}

/**
 * ac_names_hash_stats() - the shape of a bank's name hash
 * @bank: the bank
 * @stats: set to the number of buckets, of names and of names in the
 *	fullest bucket
 *
 * For the text view: a chain much longer than the table's load would give
 * shows names that collide on purpose. The lock is dropped every
 * AC_NAMES_SCAN_BATCH buckets, so a table that changes meanwhile gives
 * figures of no one moment, as a walk with NEXT does.
 *
 * Context: process context; takes a mutex.
 */
void ac_names_hash_stats(struct ac_bank *bank, struct ac_names_hash_stats *stats)
{
	struct ac_names *t = bank->names;
	u64 nr_buckets = (u64)t->bucket_mask + 1;
	u64 b = 0;

	memset(stats, 0, sizeof(*stats));
	stats->buckets = nr_buckets;
	while (b < nr_buckets) {
		u64 end = min_t(u64, b + AC_NAMES_SCAN_BATCH, nr_buckets);

		mutex_lock(&t->lock);
		for (; b < end; b++) {
			u64 chain = 0;
			u32 e;

			for (e = t->buckets[b]; e != AC_NO_ENTRY; e = t->entries[e].hash_next)
				chain++;
			stats->names += chain;
			stats->longest_chain = max(stats->longest_chain, chain);
		}
		mutex_unlock(&t->lock);
		cond_resched();
	}
}

static int ac_name_create(struct ac_bank *bank, struct atomic_counter_name *n)
{
	struct ac_names *t = bank->names;
	u64 kind = n->flags & ATOMIC_COUNTER_NAME_STRIPED;
	u64 index;
	int ret = 0;

	mutex_lock(&t->lock);
	index = ac_name_find(t, n->name);
	if (index && ((n->flags & ATOMIC_COUNTER_NAME_EXCL) || ac_kind_of(bank, index) != kind)) {
		ret = -EEXIST;
	} else if (index) {
		n->created = 0;
	} else if (ac_name_is_kernel(n->name)) {
		/* Kept for kernel code, whenever it loads. */
		ret = -EPERM;
	} else {
		ret = ac_name_claim(bank, n->name, kind ? AC_USER_STRIPED : AC_USER, &index);
		n->created = 1;
	}
	if (!ret) {
		n->index = index;
		ac_name_fill(bank, n, ac_entry_of(t, index));
	}
	mutex_unlock(&t->lock);
	if (!ret && n->created)
		ac_wake(bank, index);
	return ret;
}

static int ac_name_lookup(struct ac_bank *bank, struct atomic_counter_name *n)
{
	struct ac_names *t = bank->names;
	u64 index;

	mutex_lock(&t->lock);
	index = ac_name_find(t, n->name);
	if (index) {
		n->index = index;
		ac_name_fill(bank, n, ac_entry_of(t, index));
	}
	mutex_unlock(&t->lock);
	return index ? 0 : -ENOENT;
}

static int ac_name_delete(struct ac_bank *bank, struct atomic_counter_name *n)
{
	struct ac_names *t = bank->names;
	u64 index;
	int ret = 0;

	mutex_lock(&t->lock);
	index = ac_name_find(t, n->name);
	if (!index)
		ret = -ENOENT;
	else if (index >= bank->kernel_first)
		ret = -EPERM;
	else
		ac_name_free(bank, index);
	mutex_unlock(&t->lock);
	if (!ret)
		ac_wake(bank, index);
	return ret;
}

/**
 * ac_ioctl_name() - the NAME_* ioctls
 * @file: the open device, or a file of a bank
 * @cmd: ATOMIC_COUNTER_IOC_NAME_{CREATE,LOOKUP,DELETE,NEXT}, as the header
 *	defines them (whatever size the caller's command said)
 * @uarg: user pointer to a struct atomic_counter_name
 * @usize: its size, from the caller's command
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long ac_ioctl_name(struct file *file, unsigned int cmd, void __user *uarg, size_t usize)
{
	struct ac_bank *bank = ac_file_bank(file);
	struct atomic_counter_name n;
	bool writes = cmd == ATOMIC_COUNTER_IOC_NAME_CREATE ||
		      cmd == ATOMIC_COUNTER_IOC_NAME_DELETE;
	u64 allowed_flags = cmd == ATOMIC_COUNTER_IOC_NAME_CREATE ?
			    ATOMIC_COUNTER_NAME_EXCL | ATOMIC_COUNTER_NAME_STRIPED : 0;
	int ret;

	ret = ac_copy_arg_in(&n, sizeof(n), uarg, usize, ATOMIC_COUNTER_NAME_SIZE_VER0);
	if (ret)
		return ret;
	/* Output fields are zero on input, so that they can become inputs. */
	if ((n.flags & ~allowed_flags) || n.reserved || n.owner || n.created ||
	    n.generation || (cmd != ATOMIC_COUNTER_IOC_NAME_NEXT && n.index))
		return -EINVAL;
	/*
	 * CREATE and DELETE write; LOOKUP and NEXT tell what the table holds.
	 * CREATE's answer is only what a writer needs to write.
	 */
	if (!(file->f_mode & (writes ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;

	if (cmd == ATOMIC_COUNTER_IOC_NAME_NEXT) {
		if (!ac_name_next(bank, &n))
			return -ENOENT;
	} else {
		if (!ac_name_valid(n.name))
			return -EINVAL;
		if (cmd == ATOMIC_COUNTER_IOC_NAME_CREATE)
			ret = ac_name_create(bank, &n);
		else if (cmd == ATOMIC_COUNTER_IOC_NAME_LOOKUP)
			ret = ac_name_lookup(bank, &n);
		else
			ret = ac_name_delete(bank, &n);
		if (ret)
			return ret;
	}
	if (cmd == ATOMIC_COUNTER_IOC_NAME_DELETE)
		return 0;
	return ac_copy_arg_out(uarg, &n, sizeof(n), usize);
}
