/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libatomic_counter: counters shared by processes and the kernel, through
 * /dev/atomic_counter.
 *
 * Two ways to reach a counter, on the same memory:
 *  - ac_op() and ac_batch(): the module's ioctls, every atomic64 operation
 *    in every ordering the kernel gives it (see <linux/atomic_counter.h>);
 *  - the fast path: ac_counter() returns a pointer into the mapped bank and
 *    the inline ac_<op>[_<order>]() functions below operate on it with one
 *    C11 atomic instruction and no system call.
 *
 * Names follow the kernel's atomic API (Documentation/atomic_t.txt):
 * fetch_<op> returns the old value, <op>_return the new one; the suffixes
 * _relaxed, _acquire and _release give those orderings, and no suffix is
 * fully ordered (seq_cst). Arguments come in the kernel's order: the
 * operand first, the counter last, and cmpxchg(v, old, new).
 *
 * Errors are negative errno values. The fast path does no checking: a
 * pointer from ac_counter() is valid until ac_close().
 */
#ifndef ATOMIC_COUNTER_H
#define ATOMIC_COUNTER_H

#ifdef __cplusplus
/*
 * From C++ the counters are std::atomic<int64_t>, which GCC and Clang lay
 * out as C's _Atomic int64_t: the same 8 aligned bytes, the same
 * instructions, so C and C++ processes share the page.
 */
#include <atomic>
#include <cstddef>
#include <cstdint>
#else
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif
#include <linux/atomic_counter.h>
#include <atomic_counter_version.h>

#if defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>	/* glibc 2.35: the thread's rseq area, for ac_cpu() */
#define AC_HAVE_RSEQ 1
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define AC_DEFAULT_DEVICE "/dev/atomic_counter"
/* A descriptor of a private bank a parent handed down; see ac_open(). */
#define AC_BANK_FD_ENV "ATOMIC_COUNTER_BANK_FD"
/* The process ID $ATOMIC_COUNTER_BANK_FD is meant for; see ac_open(). */
#define AC_BANK_PID_ENV "ATOMIC_COUNTER_BANK_PID"
/* What the library needs of the module; a module without any is -EPROTO. */
#define AC_REQUIRED_FEATURES (ATOMIC_COUNTER_FEATURE_MMAP | ATOMIC_COUNTER_FEATURE_BATCH | \
			      ATOMIC_COUNTER_FEATURE_NAMES | ATOMIC_COUNTER_FEATURE_WAIT | \
			      ATOMIC_COUNTER_FEATURE_STRIPED)

/** One counter in the mapped bank: the kernel's own atomic64_t word. */
/*
 * Without lock-free 8-byte atomics the compiler calls libatomic, whose
 * fallback takes a lock private to the process: updates from two processes
 * to the shared page would be lost without a word. Refuse such a target.
 * The test is on what the header really uses, an aligned 8-byte object
 * (ac_counter_t is 8-aligned: the bank is page-aligned): not
 * ATOMIC_LLONG_LOCK_FREE, which clang -m32 sets to 1 ("sometimes") because
 * an unaligned long long on i386 is not lock-free, although an aligned one
 * is (cmpxchg8b).
 */
#define AC_IMPL_LOCK_FREE_8 __atomic_always_lock_free(8, 0)
#ifdef __cplusplus
typedef std::atomic<int64_t> ac_counter_t;
static_assert(AC_IMPL_LOCK_FREE_8, "libatomic_counter needs lock-free 8-byte atomics");
static_assert(sizeof(ac_counter_t) == ATOMIC_COUNTER_SIZE, "a counter is 8 bytes");
#else
typedef _Atomic int64_t ac_counter_t;
_Static_assert(AC_IMPL_LOCK_FREE_8, "libatomic_counter needs lock-free 8-byte atomics");
_Static_assert(sizeof(ac_counter_t) == ATOMIC_COUNTER_SIZE, "a counter is 8 bytes");
#endif

/**
 * ac_order_t - the ordering of one operation, for ac_op() and the
 * ac_<op>_explicit() functions: AC_FULL, AC_RELAXED, AC_ACQUIRE or
 * AC_RELEASE
 *
 * A struct, not an integer, so that passing a C11 memory_order or a bare
 * number where an ordering belongs is a compile error: they number the
 * orderings differently (memory_order_relaxed is 0, ATOMIC_COUNTER_FULL
 * is 0).
 */
typedef struct ac_order {
	uint32_t order;	/* an enum atomic_counter_order */
} ac_order_t;

#ifdef __cplusplus
#define AC_ORDER(o) (ac_order_t{ (o) })
#else
#define AC_ORDER(o) ((ac_order_t){ (o) })
#endif
#define AC_FULL		AC_ORDER(ATOMIC_COUNTER_FULL)
#define AC_RELAXED	AC_ORDER(ATOMIC_COUNTER_RELAXED)
#define AC_ACQUIRE	AC_ORDER(ATOMIC_COUNTER_ACQUIRE)
#define AC_RELEASE	AC_ORDER(ATOMIC_COUNTER_RELEASE)

struct ac_state;

/**
 * struct ac_dev_info - the fast path's view of the bank, FROZEN
 *
 * What the inline functions of this header read (they are compiled into
 * programs, so the library cannot change what they find where). It is the
 * layout of 0.4's struct atomic_counter_info, with the same field names,
 * and it never changes: no field is ever added, removed or moved, whatever
 * the module's INFO reply grows. New information is reached through
 * functions: ac_info() returns the module's whole reply.
 *
 * @api .. @flags: as in &struct atomic_counter_info (the module's values).
 * @priv: the library's own state (malloc'ed by the open functions, freed
 *	by ac_close()); not API. 8 bytes on every target, as 0.4's
 *	reserved[1] was.
 */
struct ac_dev_info {
	uint64_t api;
	uint64_t features;
	uint64_t nr_counters;
	uint64_t map_size;
	uint64_t ops;
	uint64_t batch_max;
	uint64_t cache_line_bytes;
	uint64_t named_first;
	uint64_t nr_named;
	uint64_t kernel_first;
	uint64_t nr_kernel;
	uint64_t waiters_index;
	uint64_t nr_striped;
	uint64_t nr_stripes;
	uint64_t flags;
	union {
		struct ac_state *state;
		uint64_t word;
	} priv;
};

/**
 * struct ac_dev - an open device
 * @fd: the file descriptor
 * @info: the fast path's frozen view of the bank (see &struct ac_dev_info)
 * @bank: the mapped bank (info.map_size bytes), or NULL when not mapped
 * @writable: opened for writing
 *
 * Its layout is the ABI of every program built since 0.1 (the SONAME is
 * libatomic_counter.so.0): it never changes either. A handle the library
 * did not fill (a zeroed struct, or one whose open failed or that was
 * closed) is refused by every function with -EBADF, and ac_close() of it
 * does nothing. A copy of an open handle shares the library's state with
 * it: close only one of them.
 */
struct ac_dev {
	int fd;
	struct ac_dev_info info;
	ac_counter_t *bank;
	bool writable;
};

/* The layout of 0.4, which programs built then were compiled with. */
/* (Defined empty only by make check, to plant an ABI break abidiff must see.) */
#ifndef AC_IMPL_ASSERT
#ifdef __cplusplus
#define AC_IMPL_ASSERT(c, m) static_assert(c, m)
#else
#define AC_IMPL_ASSERT(c, m) _Static_assert(c, m)
#endif
#endif
/* Each field where the uapi put it in 0.4 (the uapi never moves a field). */
#define AC_IMPL_SAME(f) (offsetof(struct ac_dev_info, f) == offsetof(struct atomic_counter_info, f))
AC_IMPL_ASSERT(AC_IMPL_SAME(api) && AC_IMPL_SAME(features) && AC_IMPL_SAME(nr_counters) &&
	       AC_IMPL_SAME(map_size) && AC_IMPL_SAME(ops) && AC_IMPL_SAME(batch_max) &&
	       AC_IMPL_SAME(cache_line_bytes) && AC_IMPL_SAME(named_first) &&
	       AC_IMPL_SAME(nr_named) && AC_IMPL_SAME(kernel_first) && AC_IMPL_SAME(nr_kernel) &&
	       AC_IMPL_SAME(waiters_index) && AC_IMPL_SAME(nr_striped) &&
	       AC_IMPL_SAME(nr_stripes) && AC_IMPL_SAME(flags), "struct ac_dev_info is frozen");
#undef AC_IMPL_SAME
AC_IMPL_ASSERT(sizeof(struct ac_dev_info) == 128, "struct ac_dev_info is frozen");
AC_IMPL_ASSERT(offsetof(struct ac_dev_info, priv) == 120, "struct ac_dev_info is frozen");
/* 0.4's struct ac_dev, with its info (16 __u64) spelt out. */
struct ac_impl_dev_v0_4 {
	int fd;
	struct { uint64_t w[16]; } info;
	void *bank;
	bool writable;
};
AC_IMPL_ASSERT(sizeof(struct ac_dev) == sizeof(struct ac_impl_dev_v0_4) &&
	       offsetof(struct ac_dev, info) == offsetof(struct ac_impl_dev_v0_4, info) &&
	       offsetof(struct ac_dev, bank) == offsetof(struct ac_impl_dev_v0_4, bank) &&
	       offsetof(struct ac_dev, writable) == offsetof(struct ac_impl_dev_v0_4, writable),
	       "struct ac_dev is frozen");

/**
 * ac_info() - the module's whole INFO reply for the bank @dev reaches
 *
 * Every field, including those added after struct ac_dev_info was frozen
 * (&atomic_counter_info grows; the view does not).
 * Return: the library's copy, valid until ac_close(), or NULL for a handle
 * that is not open.
 */
const struct atomic_counter_info *ac_info(const struct ac_dev *dev);

/* Flags for ac_open() and ac_open_fd(); any other bit is -EINVAL. */
#define AC_OPEN_READONLY	(1 << 0)	/* O_RDONLY: reads only, read-only map */
/* (The kernel's region is always mapped read-only.) */
#define AC_OPEN_NOMAP		(1 << 1)	/* do not map the bank */
#define AC_OPEN_FLAGS		(AC_OPEN_READONLY | AC_OPEN_NOMAP)

/**
 * ac_open() - open the device, check its ABI and map the bank
 * @dev: filled in on success
 * @path: device node, or NULL for the bank the environment names: the
 *	private bank at descriptor $ATOMIC_COUNTER_BANK_FD (a new file of
 *	it, as ac_reopen() gives), else the device $ATOMIC_COUNTER_DEVICE,
 *	else the default (both ignored in a set-user-ID program:
 *	secure_getenv()); AC_DEFAULT_DEVICE always names the global bank.
 *	The descriptor is guarded as systemd guards LISTEN_FDS: it counts
 *	only when $ATOMIC_COUNTER_BANK_PID is this process's ID (a variable
 *	left by an ancestor names a descriptor of some other process's
 *	choosing, and is ignored), and only when it is a file of this
 *	module's (-EBADF otherwise). The library reads both variables when it
 *	is loaded, before main(), keeps the descriptor for every later
 *	ac_open(NULL) of the process and its fork() children, and removes
 *	both from the environment, so that programs this one runs do not
 *	inherit them. A program that hands the bank on sets both again for
 *	its child (the PID is the child's: the shell's $$ before an exec).
 * @flags: AC_OPEN_* flags
 *
 * Return: 0, or -errno: -ENOENT when the node does not exist (the module
 * is not loaded, for the default path), -EACCES without permission,
 * -EPROTO when the module speaks another ABI version, lacks a feature the
 * library needs (AC_REQUIRED_FEATURES) or describes a layout the library
 * cannot use (a module older than the library: reload it), -EINVAL for an
 * unknown flag, -EBADF when $ATOMIC_COUNTER_BANK_FD is not a descriptor
 * of a bank of this module.
 */
int ac_open(struct ac_dev *dev, const char *path, int flags);

/**
 * ac_open_fd() - the same, on a descriptor of the device opened by someone
 *	else (a privileged broker, socket activation)
 * @fd: the descriptor; the library works on its own duplicate
 *	(F_DUPFD_CLOEXEC), so the caller may close @fd at any time
 * @flags: AC_OPEN_* flags; a descriptor opened O_RDONLY acts as if
 *	AC_OPEN_READONLY were given
 *
 * Return: as ac_open(), and -EBADF for a bad @fd.
 */
int ac_open_fd(struct ac_dev *dev, int fd, int flags);

/**
 * struct ac_open_opts - what ac_open_opts() takes beyond ac_open()'s
 * @sz: sizeof(struct ac_open_opts), so that later versions can add fields
 *	without new functions: a smaller @sz (a program built against an
 *	older header) reads the missing fields as 0; a larger one (a newer
 *	header) is refused with -E2BIG unless the bytes the library does not
 *	know are all 0, as the kernel's copy_struct_from_user() does; less
 *	than sizeof(size_t) is -EINVAL
 * @flags: AC_OPEN_* flags
 * @features: ATOMIC_COUNTER_FEATURE_* bits the module must have; the
 *	module itself refuses unknown ones, with -EINVAL, at open time
 */
struct ac_open_opts {
	size_t sz;
	int flags;
	uint64_t features;
};

/**
 * ac_open_opts() - ac_open() with options
 * @path: as for ac_open()
 * @opts: options, or NULL for none
 *
 * Return: as ac_open(); -EINVAL when the module lacks a feature in
 * @opts->features or @opts->sz is smaller than sizeof(size_t), -E2BIG for
 * a nonzero byte past what the library knows.
 */
int ac_open_opts(struct ac_dev *dev, const char *path, const struct ac_open_opts *opts);

/* ac_bank_create()'s sizes when given 0 (the library's, not module parameters). */
#define AC_BANK_DEFAULT_COUNTERS	512
#define AC_BANK_DEFAULT_NAMED		512
#define AC_BANK_DEFAULT_STRIPED		64

/**
 * struct ac_bank_opts - what ac_bank_create() takes
 * @sz: sizeof(struct ac_bank_opts); as &ac_open_opts.sz
 * @flags: 0 or AC_OPEN_NOMAP
 * @nr_counters: counters used by number (0: AC_BANK_DEFAULT_COUNTERS)
 * @nr_named: counters allocated by name (0: AC_BANK_DEFAULT_NAMED)
 * @nr_striped: striped counters (0: AC_BANK_DEFAULT_STRIPED)
 */
struct ac_bank_opts {
	size_t sz;
	int flags;
	uint64_t nr_counters;
	uint64_t nr_named;
	uint64_t nr_striped;
};

/**
 * ac_bank_create() - create a private bank, open and map it
 * @dev: filled in on success; dev->fd is the bank's only way in (O_CLOEXEC)
 * @opts: sizes and flags, or NULL for the defaults
 *
 * The bank is reached only through dev->fd and the descriptors made from
 * it: fork() children, SCM_RIGHTS, ac_reopen(); it goes when the last is
 * closed and unmapped (see "Private banks" in <linux/atomic_counter.h>).
 * The device ($ATOMIC_COUNTER_DEVICE or the default) is opened read-write
 * for the call and closed again. To hand the bank to a program it execs, a
 * process clears FD_CLOEXEC on dev->fd and puts its number in
 * $ATOMIC_COUNTER_BANK_FD, which that program's ac_open(NULL) honours.
 *
 * Return: 0, or -errno: as ac_open() for the device, -EINVAL for sizes
 * out of range, a flag other than AC_OPEN_NOMAP or an @opts->sz below
 * sizeof(size_t), -E2BIG for a nonzero byte past what the library knows,
 * -EDQUOT when the user's private banks would take more than the module's
 * bank_bytes_per_user, -ENOTTY for a module without private banks.
 */
int ac_bank_create(struct ac_dev *dev, const struct ac_bank_opts *opts);

/**
 * ac_reopen() - a new file of the bank a descriptor reaches, opened and mapped
 * @dev: filled in on success
 * @fd: a descriptor of a private bank, or of the device
 * @flags: AC_OPEN_* flags; AC_OPEN_READONLY gives a read-only file, even
 *	from a writable @fd (never a writable one from a read-only @fd: -EBADF)
 *
 * Unlike ac_open_fd(), which works on a duplicate of @fd's file, this is a
 * file of its own: its ac_arm() condition is its own, and it can be
 * read-only where @fd is not.
 *
 * Return: 0, or -errno: -EBADF, -ENOTTY for a descriptor that is not one
 * of the module's, as ac_open() otherwise.
 */
int ac_reopen(struct ac_dev *dev, int fd, int flags);

/**
 * ac_close() - unmap and close; pointers into the bank become invalid.
 * Safe on a handle that is not open (a zeroed one, a failed open, a second
 * close): it closes nothing then, not even descriptor 0.
 */
void ac_close(struct ac_dev *dev);

/**
 * ac_op() - one operation through the ioctl
 * @dev: the device
 * @index: counter index
 * @op: an enum atomic_counter_opcode (a condition or ordering passed here is
 *	a -Wenum-conversion warning, which -Wextra enables)
 * @order: AC_FULL, AC_RELAXED, AC_ACQUIRE or AC_RELEASE
 * @value: operand (the kernel's i, new or a): for CMPXCHG the NEW value
 * @expected: cmpxchg's OLD value, add_unless's u; 0 for other operations
 * @result: where to store what the kernel primitive returned, or NULL
 *
 * The operand order is the uapi's (value, then expected), which for
 * CMPXCHG is (new, old): the reverse of ac_cmpxchg(v, old, new). Use
 * ac_op_cmpxchg(), which names them, for a compare-and-exchange.
 *
 * Return: 0 or -errno (-EINVAL for a bad index, operation or ordering,
 * -EBADF for a write through a read-only device).
 */
int ac_op(const struct ac_dev *dev, uint64_t index, enum atomic_counter_opcode op,
	  ac_order_t order, int64_t value, int64_t expected, int64_t *result);

/**
 * ac_op_cmpxchg() - atomic64_cmpxchg() through the ioctl, in the kernel's
 *	argument order
 * @old: the value the counter must hold
 * @new_: what it becomes if it does
 * @found: if not NULL, the value found (== @old iff it swapped)
 *
 * Return: 1 when it swapped, 0 when the counter held something else, or
 * -errno as ac_op().
 */
int ac_op_cmpxchg(const struct ac_dev *dev, uint64_t index, int64_t old, int64_t new_,
		  ac_order_t order, int64_t *found);

/**
 * ac_batch() - up to ATOMIC_COUNTER_BATCH_MAX operations in one call
 * @failed: if not NULL, set when the call fails: the position in @ops of
 *	the entry at fault, or ATOMIC_COUNTER_BATCH_NO_ENTRY when none is
 *	(or the module is too old to say); untouched on success
 *
 * All are checked before any is applied; each op's result is zeroed
 * first (the module refuses a nonzero one: it is output only) and filled
 * in. (Programs built before 0.5 call a 3-argument form, which stays.)
 * Return: 0 or -errno.
 */
int ac_batch(const struct ac_dev *dev, struct atomic_counter_op *ops, uint32_t count,
	     uint32_t *failed);

/**
 * ac_op_striped() - ADD, SUB, INC, DEC or READ of a striped counter
 *	through the ioctl (ATOMIC_COUNTER_OP_STRIPED): updates go to the slot
 *	of the CPU the call runs on, READ returns the sum
 * Return: 0 or -errno (-EINVAL when @index is not a striped counter).
 */
int ac_op_striped(const struct ac_dev *dev, uint64_t index, enum atomic_counter_opcode op,
		  ac_order_t order, int64_t value, int64_t *result);

/**
 * ac_read_index() - read a counter through the ioctl (relaxed); the sum
 * of a striped counter's slots
 */
int ac_read_index(const struct ac_dev *dev, uint64_t index, int64_t *value);

/** ac_nr_total() - every counter's index is below this (all the regions). */
static inline uint64_t ac_nr_total(const struct ac_dev *dev)
{
	return dev->info.map_size / ATOMIC_COUNTER_SIZE;
}

/*
 * The CPU row of @index in a striped region (0: a striped counter itself,
 * its CPU 0 slot), or -1 outside both; see "Striped counters" in
 * <linux/atomic_counter.h>.
 */
static inline int64_t ac_striped_row(const struct ac_dev *dev, uint64_t index)
{
	const struct ac_dev_info *i = &dev->info;
	uint64_t firsts[2] = { i->named_first + i->nr_named, i->kernel_first + i->nr_kernel };
	uint64_t sizes[2] = { i->nr_striped * i->nr_stripes, i->nr_striped * i->nr_stripes };
	int r;

	/*
	 * A private bank has no kernel striped region (its INFO says
	 * nr_kernel_striped 0): its map ends with the kernel's plain region.
	 * Told from map_size, which the frozen view has.
	 */
	if (i->map_size / ATOMIC_COUNTER_SIZE <= firsts[1])
		sizes[1] = 0;

	for (r = 0; r < 2; r++)
		if (index >= firsts[r] && index < firsts[r] + sizes[r])
			return (int64_t)((index - firsts[r]) / i->nr_striped);
	return -1;
}

/** ac_is_striped() - whether @index is a striped counter (its CPU 0 slot) */
static inline bool ac_is_striped(const struct ac_dev *dev, uint64_t index)
{
	return ac_striped_row(dev, index) == 0;
}

/**
 * ac_is_slot() - whether @index is a slot of a striped counter other than
 * its CPU 0 slot: a part of a counter, not a counter of its own
 */
static inline bool ac_is_slot(const struct ac_dev *dev, uint64_t index)
{
	return ac_striped_row(dev, index) > 0;
}

/**
 * ac_counter() - pointer to a counter in the mapped bank
 *
 * Counters of the kernel's region are mapped read-only: writing through
 * their pointer kills the process with SIGSEGV.
 * Return: the counter, or NULL when @index is out of range or the bank is
 * not mapped.
 */
static inline ac_counter_t *ac_counter(const struct ac_dev *dev, uint64_t index)
{
	if (!dev->bank || index >= ac_nr_total(dev))
		return NULL;
	return &dev->bank[index];
}

/*
 * Named counters (see "Names" in <linux/atomic_counter.h>).
 */

/**
 * ac_name_create() - create a named counter, or open it if it exists
 * @flags: ATOMIC_COUNTER_NAME_EXCL to fail with -EEXIST instead;
 *	ATOMIC_COUNTER_NAME_STRIPED for a striped counter
 * @index: if not NULL, set to the counter's index
 * @generation: if not NULL, set to the counter's generation (see "Names"
 *	in <linux/atomic_counter.h>: the pair (index, generation) is one life
 *	of the name; 0 from a module that does not report generations)
 * (Programs built before 0.5 call a form without @generation, which stays.)
 * Return: 1 when created, 0 when opened, or -errno.
 */
int ac_name_create(const struct ac_dev *dev, const char *name, uint64_t flags, uint64_t *index,
		   uint32_t *generation);
/**
 * ac_name_lookup() - the index of a name, and if asked its owner
 *	(ATOMIC_COUNTER_OWNER_*) and generation (as for ac_name_create())
 */
int ac_name_lookup(const struct ac_dev *dev, const char *name, uint64_t *index, uint32_t *owner,
		   uint32_t *generation);
/** ac_name_delete() - delete a user counter's name (-EPERM for the kernel's). */
int ac_name_delete(const struct ac_dev *dev, const char *name);
/**
 * ac_name_next() - the named counter with the lowest index at or above @from
 * Return: 0 with *@out filled, -ENOENT when there is none, or -errno.
 */
int ac_name_next(const struct ac_dev *dev, uint64_t from, struct atomic_counter_name *out);
/*
 * Waiting (see "Waiting" in <linux/atomic_counter.h>).
 */

/**
 * ac_wait() - block until counter @index satisfies @cond against @value
 * (the sum of its slots, for a striped counter: GE only, -EINVAL otherwise)
 * @timeout_ns: nanoseconds at most; 0 checks once; negative waits for ever
 * @seen: if not NULL, the value that satisfied the condition
 * Return: 0, -ETIMEDOUT, -EINTR (a handler ran during a timed wait), or -errno.
 */
int ac_wait(const struct ac_dev *dev, uint64_t index, enum atomic_counter_cond cond,
	    int64_t value, int64_t timeout_ns, int64_t *seen);
/**
 * ac_wake() - after updating counter @index on the page, wake its waiters
 *
 * Costs a full barrier (a seq_cst fence, which the uapi's "Waiting" rule
 * requires even on x86), a read of the counter's band (its slot and the
 * table entry it names) and, only when the value is outside it, so that a
 * waiter of this counter may now be satisfied, one system call. With a
 * module without ATOMIC_COUNTER_FEATURE_BANDS it reads the waiter count
 * instead and makes the call whenever someone waits.
 * Return: 0 or -errno: -EBADF for a read-only handle, always (it cannot
 * have written the page), not only when someone waits.
 */
int ac_wake(const struct ac_dev *dev, uint64_t index);
/**
 * ac_arm() - make poll() on dev->fd report POLLIN while the condition holds
 * (on the sum, for a striped counter: GE only, -EINVAL otherwise)
 *
 * The condition belongs to the open file, which fork() shares: a child that
 * arms replaces its parent's condition (and the reverse). A child that
 * wants a condition of its own arms a file of its own, from ac_reopen().
 */
int ac_arm(const struct ac_dev *dev, uint64_t index, enum atomic_counter_cond cond,
	   int64_t value);

/**
 * ac_resolve() - an index from a number ("12", "0x10") or a name
 * Return: 0, -ENOENT for an unknown name, -ERANGE for a number out of
 * range, -EINVAL for something that is neither.
 */
int ac_resolve(const struct ac_dev *dev, const char *name_or_index, uint64_t *index);

/** ac_op_name() - the kernel's name of an opcode ("fetch_add"), or NULL. */
const char *ac_op_name(uint32_t op);
/** ac_op_from_name() - the opcode of a name, or -EINVAL. */
int ac_op_from_name(const char *name);
/** ac_order_name() - "full", "relaxed", "acquire" or "release", or NULL. */
const char *ac_order_name(uint32_t order);
/** ac_version() - the library's version string. */
const char *ac_version(void);

/*
 * The fast path. Each function is one atomic instruction (a compare-and-
 * swap loop for max, min and the conditional forms) on the shared word, so
 * it never loses an update made by another process on the page or by the
 * module through an ioctl.
 *
 * Suffixes, as in the kernel: none is fully ordered for the operations
 * that return a value, _relaxed, _acquire and _release the others; read,
 * set and the void operations are unordered (relaxed) by default, with
 * ac_read_acquire(), ac_set_release() and the _full void forms for order.
 * The _explicit forms take an ac_order_t.
 *
 * The primitives, one set per language (C11 <stdatomic.h>, C++ <atomic>);
 * ac_impl_* names are the header's own, not API.
 */
#ifdef __cplusplus
typedef std::memory_order ac_memory_order_t;
#define AC_MO_RELAXED std::memory_order_relaxed
#define AC_MO_ACQUIRE std::memory_order_acquire
#define AC_MO_RELEASE std::memory_order_release
#define AC_MO_SEQ_CST std::memory_order_seq_cst
static inline int64_t ac_impl_load(ac_counter_t *v, ac_memory_order_t mo)
{ return std::atomic_load_explicit(v, mo); }
static inline void ac_impl_store(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ std::atomic_store_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_add(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return std::atomic_fetch_add_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_sub(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return std::atomic_fetch_sub_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_and(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return std::atomic_fetch_and_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_or(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return std::atomic_fetch_or_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_xor(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return std::atomic_fetch_xor_explicit(v, i, mo); }
static inline int64_t ac_impl_xchg(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return std::atomic_exchange_explicit(v, i, mo); }
static inline bool ac_impl_cas(ac_counter_t *v, int64_t *old, int64_t new_, ac_memory_order_t mo,
			   ac_memory_order_t fail)
{ return std::atomic_compare_exchange_strong_explicit(v, old, new_, mo, fail); }
static inline bool ac_impl_cas_weak(ac_counter_t *v, int64_t *old, int64_t new_,
				ac_memory_order_t mo, ac_memory_order_t fail)
{ return std::atomic_compare_exchange_weak_explicit(v, old, new_, mo, fail); }
static inline void ac_impl_fence(ac_memory_order_t mo)
{ std::atomic_thread_fence(mo); }
#else
typedef memory_order ac_memory_order_t;
#define AC_MO_RELAXED memory_order_relaxed
#define AC_MO_ACQUIRE memory_order_acquire
#define AC_MO_RELEASE memory_order_release
#define AC_MO_SEQ_CST memory_order_seq_cst
static inline int64_t ac_impl_load(ac_counter_t *v, ac_memory_order_t mo)
{ return atomic_load_explicit(v, mo); }
static inline void ac_impl_store(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ atomic_store_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_add(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return atomic_fetch_add_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_sub(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return atomic_fetch_sub_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_and(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return atomic_fetch_and_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_or(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return atomic_fetch_or_explicit(v, i, mo); }
static inline int64_t ac_impl_fetch_xor(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return atomic_fetch_xor_explicit(v, i, mo); }
static inline int64_t ac_impl_xchg(ac_counter_t *v, int64_t i, ac_memory_order_t mo)
{ return atomic_exchange_explicit(v, i, mo); }
static inline bool ac_impl_cas(ac_counter_t *v, int64_t *old, int64_t new_, ac_memory_order_t mo,
			   ac_memory_order_t fail)
{ return atomic_compare_exchange_strong_explicit(v, old, new_, mo, fail); }
static inline bool ac_impl_cas_weak(ac_counter_t *v, int64_t *old, int64_t new_,
				ac_memory_order_t mo, ac_memory_order_t fail)
{ return atomic_compare_exchange_weak_explicit(v, old, new_, mo, fail); }
static inline void ac_impl_fence(ac_memory_order_t mo)
{ atomic_thread_fence(mo); }
#endif

/* The language's ordering for @o; an unknown one gets the strongest. */
static inline ac_memory_order_t ac_impl_mo(ac_order_t o)
{
	switch (o.order) {
	case ATOMIC_COUNTER_RELAXED:
		return AC_MO_RELAXED;
	case ATOMIC_COUNTER_ACQUIRE:
		return AC_MO_ACQUIRE;
	case ATOMIC_COUNTER_RELEASE:
		return AC_MO_RELEASE;
	default:
		return AC_MO_SEQ_CST;
	}
}

static inline int64_t ac_read(ac_counter_t *v)
{ return ac_impl_load(v, AC_MO_RELAXED); }
static inline int64_t ac_read_acquire(ac_counter_t *v)
{ return ac_impl_load(v, AC_MO_ACQUIRE); }

static inline void ac_set(ac_counter_t *v, int64_t i)
{ ac_impl_store(v, i, AC_MO_RELAXED); }
static inline void ac_set_release(ac_counter_t *v, int64_t i)
{ ac_impl_store(v, i, AC_MO_RELEASE); }

/* Void operations: unordered by default, as the kernel's; _full orders them. */
static inline void ac_add(int64_t i, ac_counter_t *v) { ac_impl_fetch_add(v, i, AC_MO_RELAXED); }
static inline void ac_add_full(int64_t i, ac_counter_t *v) { ac_impl_fetch_add(v, i, AC_MO_SEQ_CST); }
static inline void ac_sub(int64_t i, ac_counter_t *v) { ac_impl_fetch_sub(v, i, AC_MO_RELAXED); }
static inline void ac_sub_full(int64_t i, ac_counter_t *v) { ac_impl_fetch_sub(v, i, AC_MO_SEQ_CST); }
static inline void ac_inc(ac_counter_t *v) { ac_impl_fetch_add(v, 1, AC_MO_RELAXED); }
static inline void ac_inc_full(ac_counter_t *v) { ac_impl_fetch_add(v, 1, AC_MO_SEQ_CST); }
static inline void ac_dec(ac_counter_t *v) { ac_impl_fetch_sub(v, 1, AC_MO_RELAXED); }
static inline void ac_dec_full(ac_counter_t *v) { ac_impl_fetch_sub(v, 1, AC_MO_SEQ_CST); }
static inline void ac_and(int64_t i, ac_counter_t *v) { ac_impl_fetch_and(v, i, AC_MO_RELAXED); }
static inline void ac_and_full(int64_t i, ac_counter_t *v) { ac_impl_fetch_and(v, i, AC_MO_SEQ_CST); }
static inline void ac_or(int64_t i, ac_counter_t *v) { ac_impl_fetch_or(v, i, AC_MO_RELAXED); }
static inline void ac_or_full(int64_t i, ac_counter_t *v) { ac_impl_fetch_or(v, i, AC_MO_SEQ_CST); }
static inline void ac_xor(int64_t i, ac_counter_t *v) { ac_impl_fetch_xor(v, i, AC_MO_RELAXED); }
static inline void ac_xor_full(int64_t i, ac_counter_t *v) { ac_impl_fetch_xor(v, i, AC_MO_SEQ_CST); }
static inline void ac_andnot(int64_t i, ac_counter_t *v) { ac_impl_fetch_and(v, ~i, AC_MO_RELAXED); }
static inline void ac_andnot_full(int64_t i, ac_counter_t *v) { ac_impl_fetch_and(v, ~i, AC_MO_SEQ_CST); }

/*
 * The value-returning operations, each in the four orderings. Arithmetic is
 * done on uint64_t so that wrapping at INT64_MAX is defined, as in the
 * kernel (atomic arithmetic on signed types wraps as well).
 */
static inline int64_t ac_fetch_add_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_add(v, i, ac_impl_mo(o)); }
static inline int64_t ac_fetch_sub_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_sub(v, i, ac_impl_mo(o)); }
static inline int64_t ac_fetch_and_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_and(v, i, ac_impl_mo(o)); }
static inline int64_t ac_fetch_or_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_or(v, i, ac_impl_mo(o)); }
static inline int64_t ac_fetch_xor_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_xor(v, i, ac_impl_mo(o)); }
static inline int64_t ac_fetch_andnot_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_and(v, ~i, ac_impl_mo(o)); }
static inline int64_t ac_xchg_explicit(ac_counter_t *v, int64_t i, ac_order_t o)
{ return ac_impl_xchg(v, i, ac_impl_mo(o)); }

/*
 * The kernel's try_cmpxchg: true when *@old was found and @new_ stored;
 * else false, with the value found in *@old for the next attempt. A failed
 * attempt orders nothing, as in the kernel.
 */
static inline bool ac_try_cmpxchg_explicit(ac_counter_t *v, int64_t *old, int64_t new_,
					   ac_order_t o)
{ return ac_impl_cas(v, old, new_, ac_impl_mo(o), AC_MO_RELAXED); }

/* Returns the old value; it swapped iff that equals @old, as the kernel's. */
static inline int64_t ac_cmpxchg_explicit(ac_counter_t *v, int64_t old, int64_t new_,
					  ac_order_t o)
{
	ac_try_cmpxchg_explicit(v, &old, new_, o);
	return old;
}

/*
 * Stores max(old, i) (min for !@is_max), ordered as asked when it stores. A
 * counter already past @i is not written, and the operation is a read:
 * acquire for AC_ACQUIRE, fenced on both sides for AC_FULL (as the
 * module's FETCH_MAX), unordered otherwise.
 */
static inline int64_t ac_impl_fetch_bound(ac_counter_t *v, int64_t i, ac_order_t o, bool is_max)
{
	ac_memory_order_t mo = ac_impl_mo(o);
	ac_memory_order_t rd = mo == AC_MO_ACQUIRE ? AC_MO_ACQUIRE : AC_MO_RELAXED;
	bool fenced = false;
	int64_t old = ac_impl_load(v, rd);

	for (;;) {
		if (is_max ? old < i : old > i) {
			if (ac_impl_cas_weak(v, &old, i, mo, rd))
				return old;
		} else if (mo != AC_MO_SEQ_CST || fenced) {
			if (fenced)
				ac_impl_fence(AC_MO_SEQ_CST);
			return old;
		} else {
			ac_impl_fence(AC_MO_SEQ_CST);
			fenced = true;
			old = ac_impl_load(v, AC_MO_RELAXED);
		}
	}
}

static inline int64_t ac_fetch_max_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_bound(v, i, o, true); }

static inline int64_t ac_fetch_min_explicit(int64_t i, ac_counter_t *v, ac_order_t o)
{ return ac_impl_fetch_bound(v, i, o, false); }

static inline int64_t ac_fetch_add(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_add_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_add_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_add_release(int64_t i, ac_counter_t *v) { return ac_fetch_add_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_sub(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_sub_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_sub_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_sub_release(int64_t i, ac_counter_t *v) { return ac_fetch_sub_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_inc(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_FULL); }
static inline int64_t ac_fetch_inc_relaxed(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_RELAXED); }
static inline int64_t ac_fetch_inc_acquire(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_inc_release(ac_counter_t *v) { return ac_fetch_add_explicit(1, v, AC_RELEASE); }

static inline int64_t ac_fetch_dec(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_FULL); }
static inline int64_t ac_fetch_dec_relaxed(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_RELAXED); }
static inline int64_t ac_fetch_dec_acquire(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_dec_release(ac_counter_t *v) { return ac_fetch_sub_explicit(1, v, AC_RELEASE); }

static inline int64_t ac_add_return(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add_explicit(i, v, AC_FULL) + (uint64_t)i); }
static inline int64_t ac_add_return_relaxed(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add_explicit(i, v, AC_RELAXED) + (uint64_t)i); }
static inline int64_t ac_add_return_acquire(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add_explicit(i, v, AC_ACQUIRE) + (uint64_t)i); }
static inline int64_t ac_add_return_release(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_add_explicit(i, v, AC_RELEASE) + (uint64_t)i); }

static inline int64_t ac_sub_return(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub_explicit(i, v, AC_FULL) - (uint64_t)i); }
static inline int64_t ac_sub_return_relaxed(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub_explicit(i, v, AC_RELAXED) - (uint64_t)i); }
static inline int64_t ac_sub_return_acquire(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub_explicit(i, v, AC_ACQUIRE) - (uint64_t)i); }
static inline int64_t ac_sub_return_release(int64_t i, ac_counter_t *v) { return (int64_t)((uint64_t)ac_fetch_sub_explicit(i, v, AC_RELEASE) - (uint64_t)i); }

static inline int64_t ac_inc_return(ac_counter_t *v) { return ac_add_return(1, v); }
static inline int64_t ac_inc_return_relaxed(ac_counter_t *v) { return ac_add_return_relaxed(1, v); }
static inline int64_t ac_inc_return_acquire(ac_counter_t *v) { return ac_add_return_acquire(1, v); }
static inline int64_t ac_inc_return_release(ac_counter_t *v) { return ac_add_return_release(1, v); }

static inline int64_t ac_dec_return(ac_counter_t *v) { return ac_sub_return(1, v); }
static inline int64_t ac_dec_return_relaxed(ac_counter_t *v) { return ac_sub_return_relaxed(1, v); }
static inline int64_t ac_dec_return_acquire(ac_counter_t *v) { return ac_sub_return_acquire(1, v); }
static inline int64_t ac_dec_return_release(ac_counter_t *v) { return ac_sub_return_release(1, v); }

static inline int64_t ac_fetch_and(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_and_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_and_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_and_release(int64_t i, ac_counter_t *v) { return ac_fetch_and_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_or(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_or_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_or_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_or_release(int64_t i, ac_counter_t *v) { return ac_fetch_or_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_xor(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_xor_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_xor_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_xor_release(int64_t i, ac_counter_t *v) { return ac_fetch_xor_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_andnot(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_andnot_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_andnot_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_andnot_release(int64_t i, ac_counter_t *v) { return ac_fetch_andnot_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_max(int64_t i, ac_counter_t *v) { return ac_fetch_max_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_max_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_max_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_max_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_max_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_max_release(int64_t i, ac_counter_t *v) { return ac_fetch_max_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_fetch_min(int64_t i, ac_counter_t *v) { return ac_fetch_min_explicit(i, v, AC_FULL); }
static inline int64_t ac_fetch_min_relaxed(int64_t i, ac_counter_t *v) { return ac_fetch_min_explicit(i, v, AC_RELAXED); }
static inline int64_t ac_fetch_min_acquire(int64_t i, ac_counter_t *v) { return ac_fetch_min_explicit(i, v, AC_ACQUIRE); }
static inline int64_t ac_fetch_min_release(int64_t i, ac_counter_t *v) { return ac_fetch_min_explicit(i, v, AC_RELEASE); }

static inline int64_t ac_xchg(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_FULL); }
static inline int64_t ac_xchg_relaxed(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_RELAXED); }
static inline int64_t ac_xchg_acquire(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_ACQUIRE); }
static inline int64_t ac_xchg_release(ac_counter_t *v, int64_t i) { return ac_xchg_explicit(v, i, AC_RELEASE); }

static inline int64_t ac_cmpxchg(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_FULL); }
static inline int64_t ac_cmpxchg_relaxed(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_RELAXED); }
static inline int64_t ac_cmpxchg_acquire(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_ACQUIRE); }
static inline int64_t ac_cmpxchg_release(ac_counter_t *v, int64_t old, int64_t new_) { return ac_cmpxchg_explicit(v, old, new_, AC_RELEASE); }

static inline bool ac_try_cmpxchg(ac_counter_t *v, int64_t *old, int64_t new_) { return ac_try_cmpxchg_explicit(v, old, new_, AC_FULL); }
static inline bool ac_try_cmpxchg_relaxed(ac_counter_t *v, int64_t *old, int64_t new_) { return ac_try_cmpxchg_explicit(v, old, new_, AC_RELAXED); }
static inline bool ac_try_cmpxchg_acquire(ac_counter_t *v, int64_t *old, int64_t new_) { return ac_try_cmpxchg_explicit(v, old, new_, AC_ACQUIRE); }
static inline bool ac_try_cmpxchg_release(ac_counter_t *v, int64_t *old, int64_t new_) { return ac_try_cmpxchg_explicit(v, old, new_, AC_RELEASE); }
/*
 * The kernel's conditional and testing forms, fully ordered when they
 * change the counter (a failed attempt orders nothing), as in the kernel.
 */

/* Adds @a unless the counter is @u; returns the old value. */
static inline int64_t ac_fetch_add_unless(ac_counter_t *v, int64_t a, int64_t u)
{
	int64_t old = ac_impl_load(v, AC_MO_RELAXED);

	do {
		if (old == u)
			break;
	} while (!ac_impl_cas_weak(v, &old, (int64_t)((uint64_t)old + (uint64_t)a),
			       AC_MO_SEQ_CST, AC_MO_RELAXED));
	return old;
}

/* Adds @a unless the counter is @u; true if it added. */
static inline bool ac_add_unless(ac_counter_t *v, int64_t a, int64_t u)
{ return ac_fetch_add_unless(v, a, u) != u; }

/* Adds one unless the counter is zero; true if it added. */
static inline bool ac_inc_not_zero(ac_counter_t *v)
{ return ac_add_unless(v, 1, 0); }

/* Subtracts @i; true if the counter is now zero. */
static inline bool ac_sub_and_test(int64_t i, ac_counter_t *v)
{ return ac_sub_return(i, v) == 0; }

/* Subtracts one; true if the counter is now zero (the last reference). */
static inline bool ac_dec_and_test(ac_counter_t *v)
{ return ac_dec_return(v) == 0; }

/* Adds one; true if the counter is now zero. */
static inline bool ac_inc_and_test(ac_counter_t *v)
{ return ac_inc_return(v) == 0; }

/* Adds @i; true if the counter is now negative. */
static inline bool ac_add_negative(int64_t i, ac_counter_t *v)
{ return ac_add_return(i, v) < 0; }

/*
 * Striped counters on the page (see "Striped counters" in
 * <linux/atomic_counter.h>): an update is a relaxed add on the slot of the
 * CPU the thread runs on, a read sums the slots.
 */

/**
 * ac_striped_t - a striped counter in the mapped bank
 * @slots: its CPU 0 slot; CPU c's is slots[c * @stride]
 * @stride: info.nr_striped
 * @nr_stripes: info.nr_stripes
 */
typedef struct {
	ac_counter_t *slots;
	uint64_t stride;
	uint32_t nr_stripes;
} ac_striped_t;

/**
 * ac_striped() - the striped counter at @index, for the inline functions
 * Return: 0, -EINVAL when @index is not a striped counter, -ENXIO when
 * the bank is not mapped, -EBADF for a handle that is not open. On error
 * *@s is zeroed, and the inline functions trap (__builtin_trap(): SIGILL
 * on x86, SIGTRAP on arm64) on a zeroed ac_striped_t instead of dropping
 * its updates.
 */
int ac_striped(const struct ac_dev *dev, uint64_t index, ac_striped_t *s);

/** ac_cpu_slow() - sched_getcpu(), or 0 where it fails; ac_cpu()'s fallback. */
unsigned int ac_cpu_slow(void);

/*
 * The CPU this thread runs on, or ran on a moment ago: read from the rseq
 * area glibc registers for every thread (one load), else sched_getcpu().
 * A stale answer only costs a remote cache line.
 */
static inline unsigned int ac_cpu(void)
{
#ifdef AC_HAVE_RSEQ
	if (__rseq_size) {
		const struct rseq *rs = (const struct rseq *)
			((char *)__builtin_thread_pointer() + __rseq_offset);

		return *(volatile const uint32_t *)&rs->cpu_id_start;
	}
#endif
	return ac_cpu_slow();
}

/*
 * A zeroed ac_striped_t (one ac_striped() never filled, or refused) has no
 * slot: using it is a bug that must not pass silently (updates that go
 * nowhere, a sum of 0), so it traps, as a NULL ac_counter() would fault.
 */
static inline void ac_impl_striped_check(const ac_striped_t *s)
{
	if (!s->nr_stripes || !s->slots)
		__builtin_trap();
}

/*
 * This CPU's slot. A CPU the module did not count (none should be) still
 * adds somewhere.
 */
static inline ac_counter_t *ac_striped_slot(const ac_striped_t *s)
{
	unsigned int cpu = ac_cpu();

	/*
	 * A zeroed handle has no stripes, so it takes this branch too, which
	 * costs the common case nothing: its check lives in the cold path.
	 */
	if (cpu >= s->nr_stripes) {
		ac_impl_striped_check(s);
		cpu %= s->nr_stripes;
	}
	return &s->slots[(uint64_t)cpu * s->stride];
}

/* Updates of a striped counter. */
static inline void ac_striped_add(int64_t i, const ac_striped_t *s)
{
	ac_add(i, ac_striped_slot(s));
}

static inline void ac_striped_sub(int64_t i, const ac_striped_t *s)
{ ac_striped_add((int64_t)(0 - (uint64_t)i), s); }
static inline void ac_striped_inc(const ac_striped_t *s) { ac_striped_add(1, s); }
static inline void ac_striped_dec(const ac_striped_t *s) { ac_striped_add(-1, s); }

/*
 * The sum, wrapping like one counter. Slots are read one after another:
 * while others only add (or only subtract), it is a value the counter
 * passed through.
 */
static inline int64_t ac_striped_read(const ac_striped_t *s)
{
	uint64_t sum = 0;
	uint32_t cpu;

	ac_impl_striped_check(s);
	for (cpu = 0; cpu < s->nr_stripes; cpu++)
		sum += (uint64_t)ac_read(&s->slots[(uint64_t)cpu * s->stride]);
	return (int64_t)sum;
}

/*
 * The two counters of Rust's atomic_counter crate, on the shared page.
 * RelaxedCounter: relaxed operations, for statistics read now and then.
 * ConsistentCounter: sequentially consistent, for counts that order other
 * memory. inc and add return the previous value; reset returns the value
 * it replaced with zero.
 */
typedef struct { ac_counter_t *v; } ac_relaxed_counter;
typedef struct { ac_counter_t *v; } ac_consistent_counter;

static inline int64_t ac_relaxed_counter_inc(ac_relaxed_counter c) { return ac_fetch_add_relaxed(1, c.v); }
static inline int64_t ac_relaxed_counter_add(ac_relaxed_counter c, int64_t n) { return ac_fetch_add_relaxed(n, c.v); }
static inline int64_t ac_relaxed_counter_get(ac_relaxed_counter c) { return ac_read(c.v); }
static inline int64_t ac_relaxed_counter_reset(ac_relaxed_counter c) { return ac_xchg_relaxed(c.v, 0); }

static inline int64_t ac_consistent_counter_inc(ac_consistent_counter c) { return ac_fetch_add(1, c.v); }
static inline int64_t ac_consistent_counter_add(ac_consistent_counter c, int64_t n) { return ac_fetch_add(n, c.v); }
static inline int64_t ac_consistent_counter_get(ac_consistent_counter c) { return ac_impl_load(c.v, AC_MO_SEQ_CST); }
static inline int64_t ac_consistent_counter_reset(ac_consistent_counter c) { return ac_xchg(c.v, 0); }

#ifdef __cplusplus
}
#endif

#endif /* ATOMIC_COUNTER_H */
