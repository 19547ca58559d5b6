/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The interface between the test module ac_bench_floor and ac-bench: an
 * ioctl on /dev/ac_bench_floor that runs a batch's phases in the kernel,
 * each timed on its own, so that make bench can set every ioctl and batch
 * figure beside the cost of the work itself; and one that times the
 * in-kernel API's update beside the bare atomic. Not an ABI: both sides
 * are built from this tree together.
 */
#ifndef _AC_BENCH_FLOOR_H
#define _AC_BENCH_FLOOR_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * enum ac_floor_phase - the phases of a batch, as ac_ioctl_batch() runs them
 * @AC_FLOOR_CLOCK: two clock reads with nothing between, the timer's own
 *	cost (already taken off every other phase)
 * @AC_FLOOR_ALLOC: kmalloc() of the entries
 * @AC_FLOOR_COPY_IN: copy_from_user() of all entries (with the kmalloc(),
 *	what memdup_user() does)
 * @AC_FLOOR_COPY_IN_FIELDS: unsafe_get_user() of each field of each entry
 *	in one user-access window
 * @AC_FLOOR_CHECK: ac_op_check() of each entry
 * @AC_FLOOR_APPLY: ac_op_apply() of each entry
 * @AC_FLOOR_ATOMIC: atomic64_inc() of each entry's counter: the RMW alone
 * @AC_FLOOR_BARRIER: smp_mb() and one read, the batch's look at the waiter
 *	count
 * @AC_FLOOR_COPY_OUT: unsafe_put_user() of each result in one window
 * @AC_FLOOR_PUT_USER: put_user() of each result, a window each
 * @AC_FLOOR_FREE: kfree() of the entries
 * @AC_FLOOR_NR_PHASES: the number of phases
 */
enum ac_floor_phase {
	AC_FLOOR_CLOCK,
	AC_FLOOR_ALLOC,
	AC_FLOOR_COPY_IN,
	AC_FLOOR_COPY_IN_FIELDS,
	AC_FLOOR_CHECK,
	AC_FLOOR_APPLY,
	AC_FLOOR_ATOMIC,
	AC_FLOOR_BARRIER,
	AC_FLOOR_COPY_OUT,
	AC_FLOOR_PUT_USER,
	AC_FLOOR_FREE,
	AC_FLOOR_NR_PHASES
};

/* At most this many runs in one call. */
#define AC_FLOOR_MAX_REPS	255

/**
 * struct ac_floor_run - one measurement
 * @ops: in: struct atomic_counter_op[@count] in the caller's memory; the
 *	results are written back to it, as a batch does
 * @count: in: entries, 1 to ATOMIC_COUNTER_BATCH_MAX; every entry must
 *	pass the module's checks with the bank of 512 counters
 * @reps: in: runs of the whole sequence, 1 to AC_FLOOR_MAX_REPS
 * @ns: out: for each phase, the median over the runs, in nanoseconds, less
 *	the median of AC_FLOOR_CLOCK (which is itself as measured)
 */
struct ac_floor_run {
	__u64 ops;
	__u32 count;
	__u32 reps;
	__u64 ns[AC_FLOOR_NR_PHASES];
};

#define AC_FLOOR_IOC_RUN	_IOWR('f', 1, struct ac_floor_run)

/**
 * enum ac_floor_kapi_loop - the loops AC_FLOOR_IOC_KAPI times, each
 *	@count iterations, on the kernel counter the module registers at load
 *	("kernel.ac_bench_floor")
 * @AC_FLOOR_KAPI_EMPTY: the loop alone (a compiler barrier its whole body)
 * @AC_FLOOR_KAPI_ATOMIC64_INC: atomic64_inc() of that counter's word: the
 *	bare read-modify-write
 * @AC_FLOOR_KAPI_INC: atomic_counter_inc() of its handle: the in-kernel
 *	API's update, inline from atomic_counter_kernel.h, as any caller
 *	compiles it (the atomic, preemption off around it, and the look at
 *	the waiter count)
 * @AC_FLOOR_KAPI_INC_FULL: atomic_counter_inc_full(): the same, fully
 *	ordered
 * @AC_FLOOR_KAPI_NR: the number of loops
 */
enum ac_floor_kapi_loop {
	AC_FLOOR_KAPI_EMPTY,
	AC_FLOOR_KAPI_ATOMIC64_INC,
	AC_FLOOR_KAPI_INC,
	AC_FLOOR_KAPI_INC_FULL,
	AC_FLOOR_KAPI_NR
};

/* At most this many iterations in one loop. */
#define AC_FLOOR_KAPI_MAX_COUNT	65536

/**
 * struct ac_floor_kapi - one measurement of the in-kernel API's update
 * @count: in: iterations of each loop, 1 to AC_FLOOR_KAPI_MAX_COUNT
 * @reps: in: runs, 1 to AC_FLOOR_MAX_REPS; each run times every loop
 *	once, one after the other, so that a disturbance falls on all alike
 * @ns: out: for each loop, the median over the runs of its time in
 *	nanoseconds, less the median of two clock reads with nothing between
 */
struct ac_floor_kapi {
	__u32 count;
	__u32 reps;
	__u64 ns[AC_FLOOR_KAPI_NR];
};

#define AC_FLOOR_IOC_KAPI	_IOWR('f', 2, struct ac_floor_kapi)

#endif /* _AC_BENCH_FLOOR_H */
