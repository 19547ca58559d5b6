/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * atomic_counter: banks of kernel atomic64_t counters shared by processes
 * through ioctls and through a shared mapping of the bank itself: the
 * global bank of /dev/atomic_counter, and private banks that only the
 * holders of their file descriptors reach.
 *
 * This header is the whole ABI: the module and every userspace program
 * build against it, and nothing else restates it.
 */
#ifndef _UAPI_LINUX_ATOMIC_COUNTER_H
#define _UAPI_LINUX_ATOMIC_COUNTER_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: ABI version and handshake
 *
 * A program fills &struct atomic_counter_info with @api set to
 * %ATOMIC_COUNTER_API and @features set to the features it needs, and calls
 * %ATOMIC_COUNTER_IOC_INFO. The module refuses an @api it does not speak
 * and any feature bit it does not know with -EINVAL, in the manner of
 * userfaultfd's UFFDIO_API, so a program learns at open time, not at first
 * use, that it runs against a module it was not built for.
 *
 * API 2 made every argument extensible (see "Extending the ABI") and
 * added %ATOMIC_COUNTER_IOC_DISARM, &struct atomic_counter_wake and
 * &atomic_counter_info.nr_kernel_striped; it refuses nonzero output fields
 * on input and reads through files without read access (see "Access
 * modes"). This module speaks API 2 only: an API 1 program gets -EINVAL
 * from INFO, which the library reports as an ABI mismatch (-EPROTO).
 */
#define ATOMIC_COUNTER_API		2

/**
 * DOC: Extending the ABI
 *
 * Every ioctl argument is a struct that can grow, read the way
 * clone3(2) and seccomp's SECCOMP_IOCTL_NOTIF_ADDFD read theirs: the
 * module takes the argument's size from the command (_IOC_SIZE()), which
 * the ATOMIC_COUNTER_IOC_* macros compute from the struct of the header a
 * program was built against, and matches the command on its type and
 * number alone. A struct smaller than the module's (from an older
 * program) has its missing tail read as zero; a larger one (from a newer
 * program) is accepted when the part the module does not know is all
 * zero, and refused with -E2BIG otherwise; a size below the struct's first
 * published size (its ``ATOMIC_COUNTER_<NAME>_SIZE_VER0``) is -EINVAL.
 * These checks come before any other of the ioctl's (and -EFAULT for an
 * unreadable argument with them). Output is written only within the
 * caller's size. The rules for what comes next:
 *
 * - a new field goes at the end of its struct, and the struct's size grows
 *   by a multiple of 8 bytes; the new size gets a constant
 *   (``..._SIZE_VER1``, then ``_VER2``...), and the old ones stay;
 * - a new input field's zero means the old behaviour, so that an old
 *   program (whose tail reads as zero) gets what it always got;
 * - an output field must be zero on input (-EINVAL otherwise), so that a
 *   later API can give it an input meaning without an old program's
 *   stale value being taken for a request;
 * - a new flag bit is refused by older modules with -EINVAL, so a program
 *   that sets one learns that the module lacks it; a new ioctl gets
 *   -ENOTTY from older modules;
 * - each addition gets a feature bit in &atomic_counter_info.features, so
 *   that a program can ask for it at the handshake instead of probing;
 * - a larger &struct atomic_counter_op in a batch is announced by a new
 *   &atomic_counter_batch.flags bit that gives the entry size, never
 *   guessed: without it every entry is %ATOMIC_COUNTER_OP_SIZE_VER0 bytes.
 */

/**
 * DOC: Access modes
 *
 * What a file may do depends on how it was opened: O_RDONLY, O_WRONLY or
 * O_RDWR for the device (its mode bits say who may open it how, so a
 * group can be given write access without read access, mode 0620), and
 * read-only or read-write for a private bank's file
 * (%ATOMIC_COUNTER_BANK_RDONLY).
 *
 * A read-only file may do INFO, READ, WAIT, ARM, DISARM, NAME_LOOKUP and
 * NAME_NEXT, REOPEN a read-only file of its bank, and map the bank
 * read-only: everything that reads. Everything that writes (every
 * operation but READ, NAME_CREATE, NAME_DELETE, WAKE, a new bank) gets
 * -EBADF.
 *
 * A write-only file may do INFO, the operations that return nothing
 * (SET, ADD, SUB, INC, DEC, AND, OR, XOR, ANDNOT, and the
 * %ATOMIC_COUNTER_OP_STRIPED forms of ADD, SUB, INC and DEC), NAME_CREATE
 * (it returns the index, which the writer needs), NAME_DELETE, WAKE and
 * BANK (a new bank is the creator's own). Everything that returns a
 * counter's value or what the name table holds gets -EBADF: READ, every
 * operation that returns a value (the _RETURN, FETCH_, XCHG, CMPXCHG and
 * conditional ones, whose result tells the value), NAME_LOOKUP,
 * NAME_NEXT, WAIT, ARM and DISARM; a batch entry likewise, named in
 * &atomic_counter_batch.failed. mmap(2) needs read access (the VFS refuses
 * it with -EACCES). NAME_CREATE without %ATOMIC_COUNTER_NAME_EXCL tells a
 * write-only file whether a name exists, and of which kind, as O_CREAT
 * tells a writer of a directory: a writer that must not learn even that
 * creates with %ATOMIC_COUNTER_NAME_EXCL.
 */

/**
 * DOC: Features
 *
 * %ATOMIC_COUNTER_FEATURE_MMAP: the bank can be mapped with mmap(2); counter
 * i is the naturally aligned 64-bit word at byte offset i * 8 of the bank
 * (see "Memory layout and false sharing" for a mapping at another offset).
 *
 * %ATOMIC_COUNTER_FEATURE_BATCH: %ATOMIC_COUNTER_IOC_BATCH is available.
 *
 * %ATOMIC_COUNTER_FEATURE_NAMES: named counters (the NAME_* ioctls) and a
 * read-only region of counters owned by kernel code.
 *
 * %ATOMIC_COUNTER_FEATURE_WAIT: %ATOMIC_COUNTER_IOC_WAIT, _WAKE, _ARM and
 * _DISARM, and poll() on an armed file.
 *
 * %ATOMIC_COUNTER_FEATURE_STRIPED: striped counters (see "Striped
 * counters"), %ATOMIC_COUNTER_OP_STRIPED and %ATOMIC_COUNTER_NAME_STRIPED.
 *
 * %ATOMIC_COUNTER_FEATURE_BANKS: private banks (see "Private banks"),
 * %ATOMIC_COUNTER_IOC_BANK, and &atomic_counter_info.flags.
 *
 * %ATOMIC_COUNTER_FEATURE_BANDS: every counter's band (&struct
 * atomic_counter_band) can be found on a read-only mapping, at
 * &atomic_counter_info.band_slot_offset, so that a page update calls
 * %ATOMIC_COUNTER_IOC_WAKE only when its value may satisfy a waiter of that
 * counter (see "Waiting").
 */
#define ATOMIC_COUNTER_FEATURE_MMAP	_BITULL(0)
#define ATOMIC_COUNTER_FEATURE_BATCH	_BITULL(1)
#define ATOMIC_COUNTER_FEATURE_NAMES	_BITULL(2)
#define ATOMIC_COUNTER_FEATURE_WAIT	_BITULL(3)
#define ATOMIC_COUNTER_FEATURE_STRIPED	_BITULL(4)
#define ATOMIC_COUNTER_FEATURE_BANKS	_BITULL(5)
#define ATOMIC_COUNTER_FEATURE_BANDS	_BITULL(6)
#define ATOMIC_COUNTER_FEATURES		(ATOMIC_COUNTER_FEATURE_MMAP | \
					 ATOMIC_COUNTER_FEATURE_BATCH | \
					 ATOMIC_COUNTER_FEATURE_NAMES | \
					 ATOMIC_COUNTER_FEATURE_WAIT | \
					 ATOMIC_COUNTER_FEATURE_STRIPED | \
					 ATOMIC_COUNTER_FEATURE_BANKS | \
					 ATOMIC_COUNTER_FEATURE_BANDS)

/**
 * DOC: Regions
 *
 * One index space, five regions, each starting on a page boundary: the
 * kernel's page size, sysconf(_SC_PAGESIZE) (4 KiB on x86-64; 4, 16 or
 * 64 KiB on arm64), so the regions' sizes and first indices vary with it.
 * A program reads them from &struct atomic_counter_info, never computes
 * them. Sizes asked for are rounded up to whole pages: on 64 KiB pages a
 * region that is not empty holds at least 8192 counters (or slots, for
 * the striped regions).
 *
 * - [0, @nr_counters): counters a program uses by number;
 * - [@named_first, @named_first + @nr_named): counters allocated by name
 *   (%ATOMIC_COUNTER_IOC_NAME_CREATE), zeroed when allocated;
 * - from @named_first + @nr_named: @nr_striped striped counters allocated
 *   by name (see "Striped counters");
 * - [@kernel_first, @kernel_first + @nr_kernel): counters registered by
 *   kernel code through the in-kernel API;
 * - from @kernel_first + @nr_kernel: @nr_kernel_striped striped counters
 *   registered by kernel code (@nr_striped in the global bank, none in a
 *   private one: see "Private banks"), their slots @nr_striped apart as
 *   in the other striped region.
 *
 * Userspace reads the last two, through the ioctl or the mapping, and can
 * never write them: a write request gets -EPERM, and a mapping that covers
 * any of their pages must be read-only (-EACCES otherwise; mprotect()
 * cannot upgrade it). Every index below @map_size / %ATOMIC_COUNTER_SIZE
 * can be read; every index below @kernel_first can be written.
 *
 * No mapping of a bank is executable: mmap() with PROT_EXEC gets -EPERM,
 * and mprotect() cannot add it (-EACCES). A page whose page table entries
 * are zapped (madvise(MADV_DONTNEED)) is mapped again at its next access.
 *
 * (Field names as in &struct atomic_counter_info.)
 */

/**
 * DOC: Striped counters
 *
 * A counter that many CPUs update at once is limited by its one cache line
 * moving between them. A striped counter spreads its count over one slot
 * per possible CPU (@nr_stripes of them, the kernel's nr_cpu_ids), and its
 * value is the sum of its slots, wrapping modulo 2^64.
 *
 * A striped region holds @nr_striped counters (@nr_kernel_striped for
 * the kernel's, which is @nr_striped or 0) and @nr_stripes rows of
 * @nr_striped slots, one row per CPU: slot c of the region's counter s is
 * at index first + c * @nr_striped + s, where first is the region's first
 * index. @nr_striped is a multiple of @cache_line_bytes / 8, so no cache
 * line holds the slots of two CPUs. A striped counter is known by the
 * index of its CPU 0 slot (first + s), which is what the NAME ioctls
 * return, and it is updated by adding to (or subtracting from) the slot of
 * the CPU the caller runs on; any slot would keep the sum exact, the
 * caller's own just keeps the line local.
 *
 * On the page that is a relaxed atomic add on the slot of the CPU rseq or
 * sched_getcpu() names: a migration between reading the CPU number and
 * the add costs locality, never a count. Through the ioctls the same is
 * %ATOMIC_COUNTER_OP_STRIPED; kernel code uses the in-kernel API, and WAIT
 * and ARM take %ATOMIC_COUNTER_WAIT_STRIPED to wait on the sum. Without
 * those flags the ioctls operate on one slot, as on any word.
 */

/**
 * DOC: Memory layout and false sharing
 *
 * Counter i lives at byte offset i * %ATOMIC_COUNTER_SIZE of the bank. An
 * mmap(2) offset is in bytes and a multiple of the page size; a mapping at
 * offset off holds counter i at byte i * %ATOMIC_COUNTER_SIZE - off of the
 * mapping (for i >= off / 8). The bank starts on a page
 * boundary, so a cache line of
 * @cache_line_bytes (see &struct atomic_counter_info) holds
 * @cache_line_bytes / 8 consecutive counters. Counters that share a line
 * and are updated by different CPUs slow each other down (false sharing);
 * a program that wants a hot counter alone on its line uses only indices
 * that are multiples of @cache_line_bytes / 8 and leaves the rest unused.
 */
#define ATOMIC_COUNTER_SIZE		8

/**
 * enum atomic_counter_order - memory ordering of one operation
 * @ATOMIC_COUNTER_FULL: fully ordered, the unsuffixed kernel form
 *	(atomic64_add_return()); zero, so a zeroed request asks for it.
 *	READ and SET have no fully ordered form (the kernel has no fully
 *	ordered atomic64_read() or atomic64_set()) and reject it: a zeroed
 *	READ or SET gets -EINVAL; ask for %ATOMIC_COUNTER_ACQUIRE (READ) or
 *	%ATOMIC_COUNTER_RELEASE (SET).
 * @ATOMIC_COUNTER_RELAXED: no ordering (``_relaxed``; the plain form of
 *	read, set and the void operations, which the kernel leaves unordered).
 * @ATOMIC_COUNTER_ACQUIRE: ACQUIRE on the read part (``_acquire``).
 * @ATOMIC_COUNTER_RELEASE: RELEASE on the write part (``_release``).
 * @ATOMIC_COUNTER_NR_ORDERS: number of orderings.
 *
 * The semantics are those of Documentation/atomic_t.txt. A conditional
 * operation that fails (cmpxchg that does not swap, add_unless that does
 * not add) gives no ordering, as in the kernel. A FETCH_MAX or FETCH_MIN
 * that finds the counter already past @value stores nothing and is a
 * read: ACQUIRE then orders it as a read-acquire, FULL puts a full
 * barrier on both sides of it (it orders like a fence), RELAXED and
 * RELEASE leave it unordered.
 *
 * What each path adds to the ordering asked for:
 *
 * - On the mapped page, the C11 order the library maps it to
 *   (memory_order_relaxed, _acquire, _release, _seq_cst), nothing more;
 *   a fully ordered FETCH_MAX or FETCH_MIN that stores nothing is a read
 *   between two seq_cst fences, as above. C11's seq_cst is not quite the
 *   kernel's fully ordered: on an arm64 CPU without LSE atomics (ARMv8.0,
 *   such as the Cortex-A72), a seq_cst read-modify-write is
 *   ldaxr/stlxr, which orders against other seq_cst accesses but lets
 *   later accesses that are not seq_cst pass its store, where the kernel
 *   adds dmb ish. A
 *   program that needs the full barrier around a page update there puts
 *   atomic_thread_fence(memory_order_seq_cst) after it.
 * - Through %ATOMIC_COUNTER_IOC_OP, every operation except READ is
 *   followed by a full barrier, the wake-up check's (see "Waiting");
 *   %ATOMIC_COUNTER_IOC_BATCH has one after its last entry, whatever the
 *   entries, and its entries are ordered among themselves only as each
 *   asks. So a RELAXED or ACQUIRE update through OP is in fact ordered
 *   before everything the caller does after the ioctl; what came before
 *   it is ordered only as asked. A program must not rely on that barrier
 *   (it belongs to the wake-up protocol, and may move), but its cost is
 *   there: through the ioctl, RELAXED saves the leading barrier only.
 */
enum atomic_counter_order {
	ATOMIC_COUNTER_FULL	= 0,
	ATOMIC_COUNTER_RELAXED	= 1,
	ATOMIC_COUNTER_ACQUIRE	= 2,
	ATOMIC_COUNTER_RELEASE	= 3,
	ATOMIC_COUNTER_NR_ORDERS
};

/**
 * enum atomic_counter_opcode - the atomic64_t operations
 * @ATOMIC_COUNTER_OP_READ: atomic64_read()
 * @ATOMIC_COUNTER_OP_SET: atomic64_set()
 * @ATOMIC_COUNTER_OP_ADD: atomic64_add()
 * @ATOMIC_COUNTER_OP_SUB: atomic64_sub()
 * @ATOMIC_COUNTER_OP_INC: atomic64_inc()
 * @ATOMIC_COUNTER_OP_DEC: atomic64_dec()
 * @ATOMIC_COUNTER_OP_AND: atomic64_and()
 * @ATOMIC_COUNTER_OP_OR: atomic64_or()
 * @ATOMIC_COUNTER_OP_XOR: atomic64_xor()
 * @ATOMIC_COUNTER_OP_ANDNOT: atomic64_andnot()
 * @ATOMIC_COUNTER_OP_ADD_RETURN: atomic64_add_return()
 * @ATOMIC_COUNTER_OP_SUB_RETURN: atomic64_sub_return()
 * @ATOMIC_COUNTER_OP_INC_RETURN: atomic64_inc_return()
 * @ATOMIC_COUNTER_OP_DEC_RETURN: atomic64_dec_return()
 * @ATOMIC_COUNTER_OP_FETCH_ADD: atomic64_fetch_add()
 * @ATOMIC_COUNTER_OP_FETCH_SUB: atomic64_fetch_sub()
 * @ATOMIC_COUNTER_OP_FETCH_INC: atomic64_fetch_inc()
 * @ATOMIC_COUNTER_OP_FETCH_DEC: atomic64_fetch_dec()
 * @ATOMIC_COUNTER_OP_FETCH_AND: atomic64_fetch_and()
 * @ATOMIC_COUNTER_OP_FETCH_OR: atomic64_fetch_or()
 * @ATOMIC_COUNTER_OP_FETCH_XOR: atomic64_fetch_xor()
 * @ATOMIC_COUNTER_OP_FETCH_ANDNOT: atomic64_fetch_andnot()
 * @ATOMIC_COUNTER_OP_XCHG: atomic64_xchg()
 * @ATOMIC_COUNTER_OP_CMPXCHG: atomic64_cmpxchg()
 * @ATOMIC_COUNTER_OP_FETCH_MAX: store max(old, value); no atomic64_ form exists
 * @ATOMIC_COUNTER_OP_FETCH_MIN: store min(old, value); no atomic64_ form exists
 * @ATOMIC_COUNTER_OP_ADD_UNLESS: atomic64_add_unless()
 * @ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS: atomic64_fetch_add_unless()
 * @ATOMIC_COUNTER_OP_INC_NOT_ZERO: atomic64_inc_not_zero()
 * @ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE: atomic64_inc_unless_negative()
 * @ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE: atomic64_dec_unless_positive()
 * @ATOMIC_COUNTER_OP_DEC_IF_POSITIVE: atomic64_dec_if_positive()
 * @ATOMIC_COUNTER_OP_SUB_AND_TEST: atomic64_sub_and_test()
 * @ATOMIC_COUNTER_OP_DEC_AND_TEST: atomic64_dec_and_test()
 * @ATOMIC_COUNTER_OP_INC_AND_TEST: atomic64_inc_and_test()
 * @ATOMIC_COUNTER_OP_ADD_NEGATIVE: atomic64_add_negative()
 * @ATOMIC_COUNTER_NR_OPS: number of operations
 *
 * Each name is the kernel's atomic64_<name>(); @value is the kernel's ``i``
 * (or ``new`` or ``a``), @expected its ``old`` (or ``u``), and @result what
 * the kernel function returns. Void operations return 0.
 *
 * Orderings each operation accepts, and the kernel primitive each pair runs
 * (F = fully ordered, X = relaxed, A = acquire, L = release; any other
 * ordering is refused with -EINVAL):
 *
 * ====================== ======= =========================================
 * operation              orders  primitive (result)
 * ====================== ======= =========================================
 * READ                   X A     atomic64_read{,_acquire} (value)
 * SET                    X L     atomic64_set{,_release} (0)
 * ADD SUB INC DEC        X F     atomic64_<op> (0); F adds
 * AND OR XOR ANDNOT              smp_mb__before_atomic() before and
 *                                smp_mb__after_atomic() after, as
 *                                atomic_t.txt prescribes for void ops
 * ADD_RETURN SUB_RETURN  F X A L atomic64_<op>{,_relaxed,_acquire,_release}
 * INC_RETURN DEC_RETURN          (new value)
 * FETCH_ADD FETCH_SUB    F X A L atomic64_<op>{,_relaxed,_acquire,_release}
 * FETCH_INC FETCH_DEC            (old value)
 * FETCH_AND FETCH_OR
 * FETCH_XOR FETCH_ANDNOT
 * XCHG                   F X A L atomic64_xchg{,...} (old value)
 * CMPXCHG                F X A L atomic64_cmpxchg{,...} (old value; it
 *                                swapped iff result == @expected)
 * FETCH_MAX FETCH_MIN    F X A L loop of atomic64_try_cmpxchg{,...} that
 *                                stores max/min(old, @value) (old value);
 *                                storing nothing, a read: F between two
 *                                smp_mb(), A with
 *                                smp_acquire__after_ctrl_dep(), X L
 *                                unordered
 * ADD_UNLESS             F       atomic64_add_unless (1 if added)
 * FETCH_ADD_UNLESS       F       atomic64_fetch_add_unless (old value)
 * INC_NOT_ZERO           F       atomic64_inc_not_zero (1 if added)
 * INC_UNLESS_NEGATIVE    F       atomic64_inc_unless_negative (1 if added)
 * DEC_UNLESS_POSITIVE    F       atomic64_dec_unless_positive (1 if done)
 * DEC_IF_POSITIVE        F       loop of atomic64_try_cmpxchg with
 *                                atomic64_dec_if_positive's documented
 *                                test (old - 1, wrapping; stored only
 *                                when old > 0: INT64_MIN is left alone
 *                                on every architecture, and its result,
 *                                INT64_MAX, is not negative: test
 *                                old > 0, not result >= 0, to know
 *                                whether it stored)
 * SUB_AND_TEST           F       atomic64_sub_and_test (1 if now zero)
 * DEC_AND_TEST           F       atomic64_dec_and_test (1 if now zero)
 * INC_AND_TEST           F       atomic64_inc_and_test (1 if now zero)
 * ADD_NEGATIVE           F       atomic64_add_negative (1 if now < 0)
 * ====================== ======= =========================================
 *
 * Arithmetic wraps modulo 2^64 like the kernel's: INT64_MAX + 1 is
 * INT64_MIN.
 */
enum atomic_counter_opcode {
	ATOMIC_COUNTER_OP_READ			= 0,
	ATOMIC_COUNTER_OP_SET			= 1,
	ATOMIC_COUNTER_OP_ADD			= 2,
	ATOMIC_COUNTER_OP_SUB			= 3,
	ATOMIC_COUNTER_OP_INC			= 4,
	ATOMIC_COUNTER_OP_DEC			= 5,
	ATOMIC_COUNTER_OP_AND			= 6,
	ATOMIC_COUNTER_OP_OR			= 7,
	ATOMIC_COUNTER_OP_XOR			= 8,
	ATOMIC_COUNTER_OP_ANDNOT		= 9,
	ATOMIC_COUNTER_OP_ADD_RETURN		= 10,
	ATOMIC_COUNTER_OP_SUB_RETURN		= 11,
	ATOMIC_COUNTER_OP_INC_RETURN		= 12,
	ATOMIC_COUNTER_OP_DEC_RETURN		= 13,
	ATOMIC_COUNTER_OP_FETCH_ADD		= 14,
	ATOMIC_COUNTER_OP_FETCH_SUB		= 15,
	ATOMIC_COUNTER_OP_FETCH_INC		= 16,
	ATOMIC_COUNTER_OP_FETCH_DEC		= 17,
	ATOMIC_COUNTER_OP_FETCH_AND		= 18,
	ATOMIC_COUNTER_OP_FETCH_OR		= 19,
	ATOMIC_COUNTER_OP_FETCH_XOR		= 20,
	ATOMIC_COUNTER_OP_FETCH_ANDNOT		= 21,
	ATOMIC_COUNTER_OP_XCHG			= 22,
	ATOMIC_COUNTER_OP_CMPXCHG		= 23,
	ATOMIC_COUNTER_OP_FETCH_MAX		= 24,
	ATOMIC_COUNTER_OP_FETCH_MIN		= 25,
	ATOMIC_COUNTER_OP_ADD_UNLESS		= 26,
	ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS	= 27,
	ATOMIC_COUNTER_OP_INC_NOT_ZERO		= 28,
	ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE	= 29,
	ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE	= 30,
	ATOMIC_COUNTER_OP_DEC_IF_POSITIVE	= 31,
	ATOMIC_COUNTER_OP_SUB_AND_TEST		= 32,
	ATOMIC_COUNTER_OP_DEC_AND_TEST		= 33,
	ATOMIC_COUNTER_OP_INC_AND_TEST		= 34,
	ATOMIC_COUNTER_OP_ADD_NEGATIVE		= 35,
	ATOMIC_COUNTER_NR_OPS
};

/**
 * struct atomic_counter_info - handshake and description of the bank
 * @api: in: %ATOMIC_COUNTER_API; out: the same.
 * @features: in: features the caller requires (-EINVAL if any is unknown);
 *	out: every feature this module supports.
 * @nr_counters: out: counters in the bank (indices 0 .. @nr_counters - 1).
 * @map_size: out: bytes of the bank mapping, a multiple of the page size.
 * @ops: out: bit n set when opcode n is supported.
 * @batch_max: out: most operations one %ATOMIC_COUNTER_IOC_BATCH takes.
 * @cache_line_bytes: out: the cache line size the module was built for.
 * @named_first: out: first index of the named region.
 * @nr_named: out: counters in the named region.
 * @kernel_first: out: first index of the kernel's read-only region.
 * @nr_kernel: out: counters in the kernel's region.
 * @waiters_index: out: a kernel counter that holds the number of waiters
 *	and armed files; see "Waiting".
 * @nr_striped: out: striped counters in userspace's striped region, and
 *	the distance in indices between two slots of a striped counter (in
 *	either striped region).
 * @nr_stripes: out: slots in each striped counter, one per possible CPU.
 * @flags: out: %ATOMIC_COUNTER_INFO_PRIVATE for a file of a private bank.
 * @nr_kernel_striped: out: striped counters in the kernel's striped
 *	region: @nr_striped in the global bank, 0 in a private bank, which
 *	has no such region.
 * @band_offset: out, with %ATOMIC_COUNTER_FEATURE_BANDS: the mmap()
 *	offset of the bank's table of bands (&struct atomic_counter_band:
 *	see "Waiting"), mapped shared and read-only (PROT_WRITE: -EACCES);
 *	a multiple of the page size. 0 from a module without the feature.
 * @band_size: out: bytes of the table, a multiple of the page size; 0
 *	without %ATOMIC_COUNTER_FEATURE_BANDS.
 * @band_slot_offset: out: the mmap() offset of the band slots, one
 *	__u32 per counter that says which entry of the table is its band
 *	(see "Waiting"); mapped as the table, with which it may share a
 *	window (it ends where the table begins). 0 without the feature.
 * @band_slot_size: out: bytes of the band slots, a multiple of the page
 *	size; 0 without the feature.
 *
 * Every field but @api and @features is output only, and must be zero on
 * input (-EINVAL): a caller zeroes the struct before it fills those two.
 * @nr_counters counts the counters used by number; @map_size covers all
 * five regions (see "Regions").
 *
 * The layout is the same for 32- and 64-bit processes.
 */
struct atomic_counter_info {
	__u64 api;
	__u64 features;
	__u64 nr_counters;
	__u64 map_size;
	__u64 ops;
	__u64 batch_max;
	__u64 cache_line_bytes;
	__u64 named_first;
	__u64 nr_named;
	__u64 kernel_first;
	__u64 nr_kernel;
	__u64 waiters_index;
	__u64 nr_striped;
	__u64 nr_stripes;
	__u64 flags;
	__u64 nr_kernel_striped;
	__u64 band_offset;
	__u64 band_size;
	__u64 band_slot_offset;
	__u64 band_slot_size;
};

#define ATOMIC_COUNTER_INFO_SIZE_VER0	128	/* the first published size */
#define ATOMIC_COUNTER_INFO_SIZE_VER1	160	/* and the bands' offsets and sizes */

/* &atomic_counter_info.flags: the file's bank is a private one. */
#define ATOMIC_COUNTER_INFO_PRIVATE	_BITULL(0)

/**
 * struct atomic_counter_op - one operation on one counter
 * @index: in: counter index, in any region (writes to the kernel's
 *	region are refused with -EPERM).
 * @op: in: an &enum atomic_counter_opcode.
 * @order: in: an &enum atomic_counter_order the operation accepts.
 * @value: in: the operand (``i``, ``new`` or ``a`` in the kernel's names).
 * @expected: in: cmpxchg's ``old``, add_unless's ``u``; otherwise zero.
 * @flags: in: zero, or %ATOMIC_COUNTER_OP_STRIPED.
 * @reserved: must be zero.
 * @result: out: what the kernel primitive returned (see the opcode table);
 *	must be zero on input (-EINVAL).
 *
 * Errors, in this order: -EINVAL for nonzero @flags bits other than
 * %ATOMIC_COUNTER_OP_STRIPED, a nonzero @reserved or @result, an unknown
 * @op or @order, an ordering the operation does not accept, an operand the
 * operation does not use, an index out of range, or
 * %ATOMIC_COUNTER_OP_STRIPED on a counter that is not striped; -EBADF for
 * an operation that returns a value (READ included) through a file
 * without read access, or one that writes through a file without write
 * access (see "Access modes"); -EPERM for a write to the kernel's
 * regions.
 *
 * The layout is the same for 32- and 64-bit processes.
 */
struct atomic_counter_op {
	__u64 index;
	__u32 op;
	__u32 order;
	__s64 value;
	__s64 expected;
	__u32 flags;
	__u32 reserved;
	__s64 result;
};

#define ATOMIC_COUNTER_OP_SIZE_VER0	48	/* the first published size */

/**
 * ATOMIC_COUNTER_OP_STRIPED - operate on a striped counter as a whole
 *
 * @index must be a striped counter (its CPU 0 slot; -EINVAL otherwise).
 * READ (relaxed, or acquire on every slot) returns the sum of the slots;
 * ADD, SUB, INC and DEC (relaxed or fully ordered) update the slot of the
 * CPU the call runs on. Other operations are refused with -EINVAL: a
 * striped counter has no single word to exchange or compare.
 */
#define ATOMIC_COUNTER_OP_STRIPED	_BITULL(0)

/**
 * ATOMIC_COUNTER_BATCH_MAX - most operations in one batch
 */
#define ATOMIC_COUNTER_BATCH_MAX	256

/**
 * ATOMIC_COUNTER_BATCH_NO_ENTRY - &atomic_counter_batch.failed when no entry is at fault
 */
#define ATOMIC_COUNTER_BATCH_NO_ENTRY	0xffffffffU

/**
 * struct atomic_counter_batch - several operations in one call
 * @ops: in: user address of an array of &struct atomic_counter_op, each
 *	%ATOMIC_COUNTER_OP_SIZE_VER0 bytes (a later API that lets entries
 *	grow will say so with a new @flags bit, which this module refuses).
 * @count: in: number of operations, 1 .. %ATOMIC_COUNTER_BATCH_MAX.
 * @flags: in: must be zero.
 * @failed: out, written only when the call fails (after the header was
 *	read): the position in @ops
 *	(0 .. @count - 1) of the entry that failed validation, or
 *	%ATOMIC_COUNTER_BATCH_NO_ENTRY when the call failed for any other
 *	reason (the header itself, @ops unreadable, results unwritable, no
 *	memory). Must be zero on input (-EINVAL, with
 *	%ATOMIC_COUNTER_BATCH_NO_ENTRY written back), as every output field:
 *	a caller that fixes the entry and retries with the same header sets
 *	@failed back to zero first (API 1 ignored it on input).
 * @reserved: must be zero.
 *
 * The module copies the whole array in and validates every entry, in
 * array order, before it applies any: if one entry is invalid, the call
 * fails with the first invalid entry's error, names it in @failed, and no
 * counter changes. Each entry is checked as %ATOMIC_COUNTER_IOC_OP checks
 * its argument (its @result must be zero too), with the same errors in the
 * same order; before them, the header's: -EINVAL for nonzero @flags,
 * @reserved or @failed, or a @count out of range, then -EFAULT for an
 * unreadable @ops. Otherwise the entries are applied in array order, each
 * atomically on its own (the batch as a whole is not one atomic step), and
 * every @result is written back. If writing the results back faults the
 * call returns -EFAULT, and the operations stay applied. If @failed itself
 * cannot be written (the header is in read-only memory) the call returns
 * -EFAULT instead of the entry's error; a successful call never writes
 * the header.
 *
 * The layout is the same for 32- and 64-bit processes.
 */
struct atomic_counter_batch {
	__u64 ops;
	__u32 count;
	__u32 flags;
	__u32 failed;
	__u32 reserved;
};

#define ATOMIC_COUNTER_BATCH_SIZE_VER0	24	/* the first published size */

/**
 * DOC: Names
 *
 * A name is 1 to %ATOMIC_COUNTER_NAME_MAX - 1 ASCII characters from
 * ``[A-Za-z0-9_.:-]``, starting with a letter or ``_``, NUL-terminated
 * within &atomic_counter_name.name (the bytes after the NUL must be zero).
 * No other byte is accepted, whatever the locale: 0x80-0xFF never are.
 * Each bank has names of its own: the global bank's are shared by every
 * process that opens the device and by kernel code, and live until deleted
 * or until the module unloads; a private bank's are seen only through its
 * files, and go with it.
 *
 * Names that begin with ``kernel.`` or ``atomic_counter.`` belong to
 * kernel code: only kernel code can give one a counter (the in-kernel API
 * refuses any other name), so a process cannot take such a name before
 * the kernel code that registers it loads. CREATE of such a name opens it
 * when kernel code has registered it (as for any existing name) and fails
 * with -EPERM when not. The module itself registers
 * ``atomic_counter.waiters``; other kernel code registers ``kernel.``
 * names, such as the sample's ``kernel.forks``.
 *
 * Reuse: DELETE frees a counter at once, and a later CREATE (of any name)
 * may give it out again, zeroed. The module does not know who still holds
 * the old index (a process that looked it up, a mapping of the page), and
 * such a holder can go on writing the counter after the new CREATE zeroed
 * it: "zeroed when allocated" holds only when no holder of the old name
 * still writes. The module cannot revoke an index; processes that share a
 * name agree on when it is deleted. To let a program notice reuse, each
 * counter keeps a generation, raised each time the counter is given a
 * name: the pair (@index, @generation) that CREATE, LOOKUP and NEXT return
 * identifies one life of a name, and a program that finds a different pair
 * for the same name (or a different name at the index) knows the name was
 * deleted in between.
 *
 * NEXT walks the table in index order from &atomic_counter_name.index, so
 * a whole walk costs time in proportion to the table, not its square, and
 * no call holds the table's lock for more than a bounded stretch of it. A
 * walk is not a snapshot: a name created or deleted during a walk may or
 * may not be seen.
 *
 * Errors:
 *
 * - -EINVAL: a malformed name, an unknown flag, nonzero reserved fields,
 *   a nonzero output field (@owner, @created, @generation; @index but for
 *   NEXT);
 * - -EEXIST: CREATE with %ATOMIC_COUNTER_NAME_EXCL of an existing name, or
 *   CREATE of an existing name of the other kind (striped or not);
 * - -ENOENT: LOOKUP or DELETE of an unknown name, NEXT past the last one;
 * - -ENOSPC: CREATE when every named counter of the kind asked for is
 *   taken;
 * - -EPERM: DELETE of a kernel counter; CREATE of a name beginning with
 *   ``kernel.`` or ``atomic_counter.`` that kernel code has not registered;
 * - -EBADF: CREATE or DELETE through a file without write access, LOOKUP
 *   or NEXT through a file without read access (see "Access modes").
 *
 * Errors are checked in this order: reserved fields, output fields and
 * flags, the file's mode, the name's form, then the table.
 */
#define ATOMIC_COUNTER_NAME_MAX		48

/* Owners of a name (&atomic_counter_name.owner). */
#define ATOMIC_COUNTER_OWNER_USER	1
#define ATOMIC_COUNTER_OWNER_KERNEL	2

/* CREATE fails with -EEXIST instead of opening an existing name. */
#define ATOMIC_COUNTER_NAME_EXCL	_BITULL(0)
/* In for CREATE: make a striped counter; out: the counter is striped. */
#define ATOMIC_COUNTER_NAME_STRIPED	_BITULL(1)

/**
 * struct atomic_counter_name - a name and its counter
 * @name: in (CREATE, LOOKUP, DELETE) or out (NEXT): the name. Out, every
 *	byte after the NUL is zero, so the name NEXT returns is a valid input
 *	as it is; to pass NEXT's whole buffer to LOOKUP or DELETE, a caller
 *	first zeroes its output fields (@index, @flags, @owner, @created,
 *	@generation), or copies @name alone into a zeroed struct.
 * @index: out: the counter's index; in for NEXT: the first index to look
 *	at. Must be zero on input to CREATE, LOOKUP and DELETE (-EINVAL).
 * @flags: in: CREATE: %ATOMIC_COUNTER_NAME_EXCL, %ATOMIC_COUNTER_NAME_STRIPED;
 *	otherwise zero. out: %ATOMIC_COUNTER_NAME_STRIPED for a striped
 *	counter, and nothing else.
 * @owner: out: %ATOMIC_COUNTER_OWNER_USER or %ATOMIC_COUNTER_OWNER_KERNEL;
 *	must be zero on input (-EINVAL).
 * @created: out (CREATE): 1 when this call created the counter, 0 when it
 *	opened an existing one; must be zero on input (-EINVAL).
 * @generation: out (CREATE, LOOKUP, NEXT): how many times the counter at
 *	@index has been given a name, modulo 2^32 and never 0 (see "Names":
 *	reuse); must be zero on input (-EINVAL).
 * @reserved: must be zero.
 *
 * %ATOMIC_COUNTER_IOC_NAME_NEXT returns the named counter with the lowest
 * index at or above @index, so a loop starting at 0 and going on from the
 * returned index + 1 visits every name once (each call with a struct
 * zeroed but for @index: what the last call returned is output).
 */
struct atomic_counter_name {
	char name[ATOMIC_COUNTER_NAME_MAX];
	__u64 index;
	__u64 flags;
	__u32 owner;
	__u32 created;
	__u32 generation;
	__u32 reserved;
};

#define ATOMIC_COUNTER_NAME_SIZE_VER0	80	/* the first published size */

/**
 * DOC: Waiting
 *
 * %ATOMIC_COUNTER_IOC_WAIT blocks until counter @index satisfies
 * @cond against @value, or @timeout_ns nanoseconds pass (-ETIMEDOUT; 0
 * checks once without blocking; a negative @timeout_ns waits for ever).
 * With %ATOMIC_COUNTER_WAIT_ABSTIME, @timeout_ns is instead a deadline on
 * CLOCK_MONOTONIC (as clock_gettime(2) gives it outside a time namespace;
 * the module does not apply a time namespace's offset), not negative
 * (-EINVAL): a deadline already past checks once.
 *
 * Signals: a signal whose handler runs interrupts a wait. Without a
 * timeout the call is restarted by the usual SA_RESTART rules; with one
 * it returns -EINTR, SA_RESTART or not, and a relative wait has written
 * the time it had left into @timeout_ns, as select(2) updates its timeout:
 * calling again with the same structure waits the rest. A signal that runs
 * no handler (a stop and a continue, a debugger's PTRACE_INTERRUPT, the
 * freezer) does not end a wait: it goes on with the time it had left (a
 * relative one from the same @timeout_ns update, so that the time spent
 * stopped is not counted, as for select(2); an absolute one with its
 * deadline).
 *
 * Updates through the ioctls and the in-kernel API wake waiters, and only
 * those of the updated counter whose condition holds for the value the
 * waker reads just after its update; the others are not woken at all.
 * In-kernel updates may run where no lock can be taken (hard irq, NMI):
 * they wake waiters shortly after, from a work item, and only when the
 * value is outside the counter's band (below). A WAIT whose condition
 * holds when it is called returns at once. Zeroing a counter
 * (a name created or deleted, a kernel counter registered or unregistered)
 * is an update too: it wakes the waiters that zero satisfies. So is a
 * change of the waiter count at &atomic_counter_info.waiters_index: a
 * waiter may wait on it (and counts itself in it); like the in-kernel
 * API's, those wake-ups come shortly after, from a work item, so that no
 * WAIT pays for the waiters of the count.
 *
 * An update made on the mapped page wakes nobody: its author calls
 * %ATOMIC_COUNTER_IOC_WAKE with the counter's index (&struct
 * atomic_counter_wake) afterwards, through a
 * file open for writing (a read-only one gets -EBADF: it cannot have
 * written the page, and has nothing to announce). It may
 * skip that system call while the waiter count (the kernel counter at
 * &atomic_counter_info.waiters_index, on the page) reads zero, but only
 * with a full barrier between its update and that read, on every
 * architecture, x86 included (C11 atomic_thread_fence(memory_order_seq_cst),
 * as the library's ac_wake() does). This is a Dekker pattern: a waiter
 * raises the count, then reads the counter; the updater writes the
 * counter, then reads the count. Without the barrier the updater's read
 * may be satisfied before its write is visible (a store buffer does that
 * on x86), both sides see the old values, and the waiter sleeps through
 * the update.
 *
 * With %ATOMIC_COUNTER_FEATURE_BANDS it may skip the call, after the same
 * barrier, while the counter's value lies in the counter's band (&struct
 * atomic_counter_band, which says how to read one), found through the
 * read-only band slots (the library's ac_wake() does). Then a
 * waiter on another counter, or one whose condition the value cannot
 * meet, costs a page update no system call. The waiter count still counts
 * every waiter, so that programs that follow the rule above keep working.
 *
 * Which band is a counter's: the band slots (a __u32 each, at
 * @band_slot_offset) are one per counter, in index order, a striped
 * counter's standing for all its slots; slot s names the table's entry s
 * (at @band_offset, @band_size / 32 entries). Read the slot (ACQUIRE),
 * then that entry; a slot past the table means call. Entry 0 is the
 * full band (a counter nobody waits on has slot 0) and entry 1 the empty
 * one (for a counter whose waiters found the table full: every update of
 * it calls); a counter is given an entry of its own when its first waiter
 * comes, and gives it back when its last goes, so a slot may change
 * between two reads, and an entry may change counter: each read is safe
 * (see kmod/wait.c). The slot of index i is that of its counter
 * c (i itself, or for a slot its CPU 0 slot: i less its row times
 * @nr_striped), at position c less, for each striped region whose last
 * slot (its first index + its striped counters times @nr_stripes - 1) is
 * below c, the region's slots past its CPU 0 row (its striped counters
 * times (@nr_stripes - 1)). The padding indices after a region's last
 * slot keep slots of their own. Field names as in &struct
 * atomic_counter_info.
 *
 * %ATOMIC_COUNTER_IOC_ARM attaches a condition to the open file (its
 * @timeout_ns must be 0); poll(), select() and epoll then report EPOLLIN
 * while the condition holds. Arming again replaces the condition, on any
 * counter; poll() on a file never armed reports EPOLLERR. epoll works in
 * every order: the file may be added to an epoll set before or after ARM,
 * and after a new ARM. %ATOMIC_COUNTER_IOC_DISARM drops the file's
 * condition, and its share of the waiter count: poll() then reports
 * EPOLLERR, as on a file never armed (DISARM of a file that is not armed
 * does nothing and returns 0).
 *
 * A file opened read-only may WAIT, ARM and DISARM: waiting reveals
 * nothing a read does not. A file without read access may not (-EBADF):
 * a wait's outcome tells the value (see "Access modes").
 *
 * Errors of WAIT and ARM, in this order: -EINVAL for unknown @flags, a
 * nonzero @reserved or @result, an unknown @cond, an index out of range,
 * %ATOMIC_COUNTER_WAIT_STRIPED on a counter that is not striped (and for
 * ARM a nonzero @timeout_ns); -EBADF through a file without read access;
 * then WAIT's own outcomes. Of WAKE: -EINVAL for nonzero
 * &atomic_counter_wake.flags; -EBADF through a file without write access;
 * -EINVAL for an index out of range. Of DISARM: -EBADF through a file
 * without read access.
 *
 * What a waiter costs others: the module keeps, for every counter, a band
 * (&struct atomic_counter_band): values for which no condition of a waiter
 * queued on that counter holds, the widest interval around the value it
 * last saw; [%INT64_MIN, %INT64_MAX] when nobody waits. An update, after a
 * full barrier, compares its counter's value with the band, with no lock
 * and no write, and goes on to the wait queue only when the value is
 * outside: waiters whose conditions cannot hold cost updates nothing,
 * however many they are, and waiters of other counters or of other banks
 * nothing at all (each bank has wait queues of its own). A value outside
 * the band takes the counter's queue lock, wakes the waiters whose
 * condition holds, walks the counter's waiters (linear in their number)
 * and moves the band. Two kinds of waiter keep the band empty, so that
 * every update of their counter takes that path, for as long as they
 * wait: one on a striped counter (its slots' writers do not know the sum:
 * every update looks, and reads every slot, one per possible CPU), and an
 * armed file whose condition holds (its pollers are woken at every
 * update, as poll() reports while the condition holds). A file opened
 * read-only can arm one; it costs every update of that counter, the
 * kernel's included, the lock, the walk and, for the in-kernel API, a
 * deferred wake-up. It never wakes a waiter whose condition still fails.
 *
 * The bands tell every reader of the bank the values other waiters wait
 * for (the edges of a band are their conditions' values), as the counters
 * tell their values.
 *
 * With %ATOMIC_COUNTER_WAIT_STRIPED the condition is on the sum of a
 * striped counter's slots (@index its CPU 0 slot, -EINVAL otherwise). An
 * update of any of its slots, through the ioctls (with or without
 * %ATOMIC_COUNTER_OP_STRIPED) or the in-kernel API, or a WAKE of any of
 * its slots after a page update, reads the sum once and wakes the waiters
 * on the sum whose condition it meets, and no waiter of another counter.
 *
 * The condition on a sum can only be GE: EQ, NE and LE get -EINVAL, from
 * WAIT and ARM alike. The sum is read one slot after the other while
 * updates go on, with no moment at which it is the counter's value. When
 * every update adds a non-negative amount (counts of events, the usual
 * use), each slot only grows, so the sum read lies between the counter's
 * values at the start and at the end of the read: GE is exact, it returns
 * once the counter has really reached @value, and an update that takes it
 * there wakes the waiter. A counter that is also decremented may be read
 * as below any value it held (an increment on one CPU missed, a decrement
 * on another seen) or above: "LE 0", all work drained, would return while
 * work is in flight, and GE may return early. Such a counter cannot be
 * waited on exactly through its slots: make it a plain counter.
 */
enum atomic_counter_cond {
	ATOMIC_COUNTER_COND_EQ	= 0,	/* counter == value */
	ATOMIC_COUNTER_COND_NE	= 1,	/* counter != value */
	ATOMIC_COUNTER_COND_GE	= 2,	/* counter >= value (signed) */
	ATOMIC_COUNTER_COND_LE	= 3,	/* counter <= value (signed) */
	ATOMIC_COUNTER_NR_CONDS
};

/* The condition is on a striped counter's sum (&atomic_counter_wait.flags). */
#define ATOMIC_COUNTER_WAIT_STRIPED	_BITULL(0)
/* WAIT: @timeout_ns is a CLOCK_MONOTONIC deadline (&atomic_counter_wait.flags). */
#define ATOMIC_COUNTER_WAIT_ABSTIME	_BITULL(1)

/**
 * struct atomic_counter_wait - a condition on a counter
 * @index: in: the counter, in any region.
 * @cond: in: an &enum atomic_counter_cond.
 * @flags: in: zero, %ATOMIC_COUNTER_WAIT_STRIPED (then @cond must be GE),
 *	%ATOMIC_COUNTER_WAIT_ABSTIME (WAIT only: -EINVAL for ARM).
 * @value: in: what the counter is compared with.
 * @timeout_ns: in: WAIT: nanoseconds to wait at most, 0 to check once,
 *	negative for ever; with %ATOMIC_COUNTER_WAIT_ABSTIME a CLOCK_MONOTONIC
 *	deadline in nanoseconds, not negative. ARM: must be 0. out (WAIT,
 *	relative and timed): when a signal interrupts the wait, the time it
 *	had left, 0 or more; otherwise unchanged.
 * @result: out (WAIT): the value that satisfied the condition, as the
 *	waiter or its waker read it (the counter may have moved on since);
 *	must be zero on input, to WAIT and to ARM (-EINVAL).
 * @reserved: must be zero.
 */
struct atomic_counter_wait {
	__u64 index;
	__u32 cond;
	__u32 flags;
	__s64 value;
	__s64 timeout_ns;
	__s64 result;
	__u64 reserved;
};

#define ATOMIC_COUNTER_WAIT_SIZE_VER0	48	/* the first published size */

/**
 * struct atomic_counter_band - values no waiter of a counter waits for
 * @seq: even while the band is stable, odd while the module changes it;
 *	each change adds 2
 * @lo: the lowest value of the band
 * @hi: the highest
 * @reserved: 0
 *
 * The module keeps one for each counter that someone waits on, in a table
 * (see "Waiting" for how a counter finds it): no
 * condition of a waiter queued on the counter holds for any value in
 * [@lo, @hi], so an update that leaves the counter inside the band needs
 * to wake nobody and makes no call into the wake-up path.
 * [%INT64_MIN, %INT64_MAX] when nobody waits; @lo > @hi (empty) when
 * every update must look, for example while an armed file's condition
 * holds or someone waits on a striped counter.
 *
 * A reader reads @seq (ACQUIRE), @lo and @hi, then @seq again after an
 * acquire fence, as a seqcount's reader does but without retrying: a
 * value read while @seq was odd, or changed, is outside (call WAKE). The
 * fields are 8-byte aligned on every ABI, i386 included, so that an
 * 8-byte atomic load of one is a single load, never a cmpxchg8b (a write,
 * which faults on the read-only page).
 *
 * Memory, allocated and charged with the bank (see "Private banks"): a
 * 4-byte slot per counter, and a table of one entry per 32 counters (at
 * least a page): 5 bytes per counter. When more counters than that have
 * waiters at once, the others share the empty band, and every update of
 * them calls.
 */
struct atomic_counter_band {
	__u64 seq __attribute__((aligned(8)));
	__s64 lo __attribute__((aligned(8)));
	__s64 hi __attribute__((aligned(8)));
	__u64 reserved __attribute__((aligned(8)));
};

/**
 * struct atomic_counter_wake - the argument of %ATOMIC_COUNTER_IOC_WAKE
 * @index: in: the counter updated on the page, in any region (a slot of a
 *	striped counter wakes the waiters on its sum too).
 * @flags: in: must be zero (-EINVAL).
 *
 * API 1 took a bare __u64 index: that is this struct's first 8 bytes,
 * %ATOMIC_COUNTER_WAKE_SIZE_VER0, so such a caller still works (its
 * command says 8 bytes, and the missing @flags reads as zero).
 */
struct atomic_counter_wake {
	__u64 index;
	__u64 flags;
};

#define ATOMIC_COUNTER_WAKE_SIZE_VER0	8	/* API 1's bare __u64 index */

/**
 * DOC: Private banks
 *
 * /dev/atomic_counter reaches the global bank: one per machine, shared by
 * every process that may open the node (its mode and group say who) and by
 * kernel code. A private bank is another bank, with the same regions,
 * operations, mapping, names, waiting and striped counters, that only the
 * holders of its files reach: %ATOMIC_COUNTER_IOC_BANK creates one and
 * returns a new file descriptor of it, and nothing else names it. It is
 * shared the way any descriptor is: across fork(), by SCM_RIGHTS, and with
 * pidfd_getfd() under ptrace's rules. It cannot be opened by path (an open
 * of /proc/PID/fd/N fails: -EACCES for a process that the inode's owner
 * and mode 0600 keep out, or -ENXIO for one they let in, as for an
 * eventfd), its names are
 * its own (the global bank's names and those of other private banks are
 * not seen through it), and it is freed, counters, names and all, when its
 * last file is closed and its last mapping unmapped.
 *
 * Its kernel regions hold only its own ``atomic_counter.waiters`` (the
 * count of its waiters, see "Waiting"): kernel code registers counters in
 * the global bank alone, so a ``kernel.`` name never exists in a private
 * bank, and CREATE of one fails with -EPERM there too. So a private bank
 * lays out only what it can use: no kernel striped region
 * (&atomic_counter_info.nr_kernel_striped is 0), and a kernel region of
 * one page, for the waiter count alone. That page is the whole cost of the
 * count (4 KiB; 16 or 64 KiB on kernels with such pages), and cannot be
 * shared with the counters userspace writes: the count must sit on a page
 * that userspace can map only read-only, or a process could forge it and
 * make page updaters skip the WAKE a waiter needs.
 *
 * Identity: from Linux 6.8 on (where the kernel exports
 * anon_inode_create_getfile()), each private bank has an inode of its own,
 * shared by all of its files (REOPEN's included), so fstat(2) tells two
 * banks apart by st_ino (st_dev is the anonymous inode filesystem's, the
 * same for every bank), and tells whether two descriptors reach the same
 * bank; the inode belongs to the bank's creator. On older kernels every
 * private bank's file shares the kernel's one anonymous inode, root's, and
 * st_ino tells nothing.
 *
 * The descriptor is O_CLOEXEC, as a new descriptor should be (a program
 * that runs another with it clears FD_CLOEXEC on purpose, with fcntl(2)),
 * and read-write (%ATOMIC_COUNTER_BANK_RDONLY without REOPEN is -EINVAL);
 * %ATOMIC_COUNTER_BANK_REOPEN gives another file of the same bank, through
 * a file open for reading (-EBADF otherwise, and for a read-write one
 * through a read-only file), read-only if asked
 * (%ATOMIC_COUNTER_BANK_RDONLY): something to
 * hand to a process that should only read, and a file of its own for each
 * ARM (an armed condition belongs to the file, and dup() shares the file).
 *
 * Memory: three limits compose, and a creation must pass all of them.
 *
 * - The memory cgroup of the task that calls %ATOMIC_COUNTER_IOC_BANK is
 *   charged with every byte of the bank: its pages
 *   (&atomic_counter_info.map_size), its bands
 *   (&atomic_counter_info.band_slot_size and band_size: about five
 *   eighths of map_size; see &struct atomic_counter_band), its name table (56 bytes a name,
 *   more than the counters for a bank with many names), its page array
 *   and the bank itself, for the bank's whole life, whoever holds it
 *   later. Over the cgroup's
 *   memory.max the creation fails with -ENOMEM (after reclaim, never by
 *   OOM-killing a task of the cgroup). This is the bound that keeps
 *   tenants apart: one at its limit leaves the others' banks alone.
 *   Kernels before 5.11 charge the tables but not the pages, which
 *   vm_insert_page() there refuses to map once charged.
 * - The module parameter ``bank_bytes_per_user`` (root may change it at
 *   run time in /sys/module/atomic_counter/parameters/), when not 0, bounds
 *   the bytes of every live private bank created under one effective user
 *   ID: a kuid, so one pool for the whole machine, shared by every process
 *   and container with that ID (containers without a user namespace share
 *   the host's IDs; each ID of a user namespace's range is another user).
 *   Over it the creation fails with -EDQUOT. It is 0, no such limit, by
 *   default, and 16 MiB by default before 5.11, where it is the only bound
 *   on the pages: an administrator's limit for machines without memory
 *   cgroups, at the cost that tenants of one kuid can deny each other.
 *   Live banks are counted even while it is 0, so a limit set later
 *   counts them; it refuses new banks only, and takes none away.
 * - Each file of a bank is a descriptor, within RLIMIT_NOFILE (-EMFILE) and
 *   the system's file-max (-ENFILE); a mapping holds its file too.
 *
 * A helper that creates banks for tenants (a container manager, a broker)
 * would charge its own cgroup, and with the parameter set its own kuid, for
 * all of them. It creates each bank from a process in the tenant's memory
 * cgroup instead: a child that joins the tenant's cgroup (writes 0, its
 * own PID, to the cgroup's cgroup.procs; with the parameter set, it also
 * takes the tenant's user ID), creates the bank through a descriptor of
 * the device it inherited, passes the new descriptor to the helper or the
 * tenant by SCM_RIGHTS, and exits. The charge stays with that cgroup until
 * the bank is freed: passing the descriptor on moves no charge.
 *
 * Errors of %ATOMIC_COUNTER_IOC_BANK, checked in this order:
 *
 * - -EINVAL: an unknown flag, a nonzero reserved field (after the size
 *   checks of "Extending the ABI", as for every ioctl);
 * - -EBADF: a new bank, or a writable REOPEN, through a file opened
 *   read-only;
 * - -EPERM: a new bank through a file of a private bank (a bank's file
 *   reaches that bank and nothing more; new banks come from the device);
 * - -EINVAL: a size out of range, or any size with REOPEN;
 * - -EDQUOT: ``bank_bytes_per_user`` is set and the creator's effective
 *   user would go over it;
 * - -ENOMEM: no memory, or the creator's memory cgroup would go over its
 *   limit;
 * - -EMFILE, -ENFILE: no free descriptor.
 */

/* IOC_BANK: a new file of the caller's bank instead of a new bank. */
#define ATOMIC_COUNTER_BANK_REOPEN	_BITULL(0)
/* IOC_BANK: the new file is read-only (O_RDONLY). */
#define ATOMIC_COUNTER_BANK_RDONLY	_BITULL(1)

/**
 * ATOMIC_COUNTER_BANK_MAX - most counters a region of a private bank has
 */
#define ATOMIC_COUNTER_BANK_MAX		1048576

/**
 * struct atomic_counter_bank - a new private bank, or a new file of a bank
 * @flags: in: %ATOMIC_COUNTER_BANK_REOPEN, %ATOMIC_COUNTER_BANK_RDONLY.
 * @nr_counters: in: counters used by number, 1 .. %ATOMIC_COUNTER_BANK_MAX,
 *	rounded up to a whole page (0 with REOPEN).
 * @nr_named: in: counters allocated by name, 1 ..
 *	%ATOMIC_COUNTER_BANK_MAX, rounded up to a whole page (0 with REOPEN).
 * @nr_striped: in: striped counters allocated by name, at least 1, and
 *	with a slot for each possible CPU at most %ATOMIC_COUNTER_BANK_MAX
 *	slots; rounded up to a cache line (0 with REOPEN).
 * @reserved: must be zero.
 *
 * %ATOMIC_COUNTER_IOC_BANK returns the new file descriptor. The layout of
 * the new bank is read with %ATOMIC_COUNTER_IOC_INFO on it, as for the
 * global one; its counters start at zero.
 */
struct atomic_counter_bank {
	__u64 flags;
	__u64 nr_counters;
	__u64 nr_named;
	__u64 nr_striped;
	__u64 reserved[4];
};

#define ATOMIC_COUNTER_BANK_SIZE_VER0	64	/* the first published size */

#define ATOMIC_COUNTER_IOC_MAGIC	0xAC

/* 0xAC 0x00-0x1F belonged to linux/raw.h, so this header starts at 0x80. */
#define ATOMIC_COUNTER_IOC_INFO		_IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x80, \
					      struct atomic_counter_info)
#define ATOMIC_COUNTER_IOC_OP		_IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x81, \
					      struct atomic_counter_op)
/*
 * BATCH is _IOWR since API 2, as a failed call writes
 * &atomic_counter_batch.failed back; the module matches commands on type
 * and number alone (see "Extending the ABI"), so API 1's _IOW command
 * still works.
 */
#define ATOMIC_COUNTER_IOC_BATCH	_IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x82, \
					      struct atomic_counter_batch)
#define ATOMIC_COUNTER_IOC_NAME_CREATE	_IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x83, \
					      struct atomic_counter_name)
#define ATOMIC_COUNTER_IOC_NAME_LOOKUP	_IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x84, \
					      struct atomic_counter_name)
#define ATOMIC_COUNTER_IOC_NAME_DELETE	_IOW(ATOMIC_COUNTER_IOC_MAGIC, 0x85, \
					     struct atomic_counter_name)
#define ATOMIC_COUNTER_IOC_NAME_NEXT	_IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x86, \
					      struct atomic_counter_name)
#define ATOMIC_COUNTER_IOC_WAIT		_IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x87, \
					      struct atomic_counter_wait)
/* API 1 passed a bare __u64 here: see &struct atomic_counter_wake. */
#define ATOMIC_COUNTER_IOC_WAKE		_IOW(ATOMIC_COUNTER_IOC_MAGIC, 0x88, \
					     struct atomic_counter_wake)
#define ATOMIC_COUNTER_IOC_ARM		_IOW(ATOMIC_COUNTER_IOC_MAGIC, 0x89, \
					     struct atomic_counter_wait)
/* Returns a new file descriptor: of a new private bank, or (REOPEN) of the same bank. */
#define ATOMIC_COUNTER_IOC_BANK		_IOW(ATOMIC_COUNTER_IOC_MAGIC, 0x8a, \
					     struct atomic_counter_bank)
/* Drops the file's armed condition; no argument (see "Waiting"). */
#define ATOMIC_COUNTER_IOC_DISARM	_IO(ATOMIC_COUNTER_IOC_MAGIC, 0x8b)

#endif /* _UAPI_LINUX_ATOMIC_COUNTER_H */
