// SPDX-License-Identifier: MIT
/*
 * ac-fuzz: many processes throwing random and edge-case requests at
 * /dev/atomic_counter, with every outcome checked against the documented
 * errno set: ioctls with random commands, fields, indices and pointers
 * (NULL, unmapped, read-only, straddling a mapping's end), huge batches,
 * private banks created and files reopened with random flags and sizes,
 * and mmap, mprotect, munmap, fork and close in random order.
 *
 *   ac-fuzz [-s SEED] [-p PROCS] [-n CALLS | -t SECONDS] [-v]
 *
 * The seed is printed first; the same seed replays the same choices in
 * each process (the interleaving between processes is the kernel's).
 * Exit status 0 when every outcome was allowed, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ac_spec.h"

#define DEVICE "/dev/atomic_counter"

static uint64_t rng;
static long page;
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct atomic_counter_info info;
static uint64_t nr;		/* counters in the bank, all regions */
static uint64_t map_size;
static uint64_t band_size;	/* the band slots and bands, mapped after the counters */
static uint64_t kernel_off;	/* where the read-only kernel region starts */
static int verbose;

/* The three regions bad pointers are made of. */
static char *unmapped;		/* PROT_NONE */
static char *readonly;		/* PROT_READ */
static char *edge;		/* a writable page followed by an inaccessible one */

static uint64_t next(void)
{
	/* xorshift64*: small, fast, and the same sequence for the same seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

static int chance(int percent)
{
	return (int)below(100) < percent;
}

struct proc {
	int id;
	long call;
	int fd;
	int readable;
	int writable;
	void *map;
	size_t map_len;
	int map_prot;
	int map_writable;	/* the fd it was made with was writable */
	long calls;
	long unexpected;
};

static void report(struct proc *p, const char *what, int got, const char *want)
{
	p->unexpected++;
	fprintf(stderr, "ac-fuzz: proc %d call %ld: %s: got %s, want %s\n",
		p->id, p->call, what, got ? strerror(got) : "success", want);
}

/* Compare an outcome (0 or errno) with the one allowed errno (0: success). */
static void check(struct proc *p, const char *what, int got, int want)
{
	p->calls++;
	if (got != want)
		report(p, what, got, want ? strerror(want) : "success");
	else if (verbose)
		fprintf(stderr, "proc %d call %ld: %s: %s\n", p->id, p->call, what,
			got ? strerror(got) : "ok");
}

static int64_t edge_value(void)
{
	static const int64_t values[] = {
		0, 1, -1, 2, 64, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
		(int64_t)0xaaa31337c001d00dULL, 0x1111111122222222LL, 1LL << 32,
	};

	return chance(80) ? values[below(sizeof(values) / sizeof(values[0]))] : (int64_t)next();
}

/*
 * A striped counter of either striped region, or one of its other slots
 * (on a private bank, where the kernel's region is empty, an index past
 * the bank's end).
 */
static uint64_t striped_index(void)
{
	uint64_t first = chance(50) ? info.named_first + info.nr_named :
				      info.kernel_first + info.nr_kernel;
	uint64_t s = below(info.nr_striped);

	return chance(80) ? first + s : first + below(info.nr_stripes) * info.nr_striped + s;
}

static uint64_t edge_index(void)
{
	switch (below(12)) {
	case 10:
	case 11:
		return striped_index();
	case 0:
		return nr;
	case 1:
		return nr + below(4096);
	case 2:
		return UINT64_MAX - below(4);
	case 3:
		return (1ULL << 32) | below(nr);	/* in range once truncated */
	case 4:
		return nr - 1;
	default:
		return below(nr);
	}
}

/* A request that is valid most of the time and wrong in one way otherwise. */
static void random_op(struct atomic_counter_op *op)
{
	memset(op, 0, sizeof(*op));
	op->index = edge_index();
	op->op = chance(95) ? below(ATOMIC_COUNTER_NR_OPS) : (uint32_t)next();
	op->order = chance(95) ? below(ATOMIC_COUNTER_NR_ORDERS) : (uint32_t)next();
	if (op->op < ATOMIC_COUNTER_NR_OPS) {
		if ((spec[op->op].operands & USES_VALUE) || chance(5))
			op->value = edge_value();
		if ((spec[op->op].operands & USES_EXPECTED) || chance(5))
			op->expected = edge_value();
	}
	if (chance(10))
		op->flags = ATOMIC_COUNTER_OP_STRIPED;
	else if (chance(3))
		op->flags = (uint32_t)next() | 2;
	if (chance(3))
		op->reserved = (uint32_t)next() | 1;
	if (chance(3))
		op->result = (int64_t)(next() | 1);	/* output only: must come in zero */
}

/* A pointer for an ioctl argument of @size bytes, and the errno it earns. */
static void *arg_pointer(void *good, size_t size, int *fault, int *result_fault)
{
	*fault = 0;
	*result_fault = 0;
	switch (below(20)) {
	case 0:
		*fault = EFAULT;
		return NULL;
	case 1:
		*fault = EFAULT;
		return unmapped + below(page);
	case 2:
		/* Read fine, the result cannot be written back. */
		mprotect(readonly, page, PROT_READ | PROT_WRITE);
		memcpy(readonly, good, size);
		mprotect(readonly, page, PROT_READ);
		*result_fault = EFAULT;
		return readonly;
	case 3:
		/* Straddles the end of the mapping. */
		*fault = EFAULT;
		memcpy(edge + page - size / 2, good, size / 2);
		return edge + page - size / 2;
	default:
		return good;
	}
}

static void fuzz_op(struct proc *p)
{
	struct atomic_counter_op op;
	int fault, result_fault, want, got;
	void *arg;

	random_op(&op);
	want = spec_op_errno_mode(&op, &info, p->readable, p->writable);
	arg = arg_pointer(&op, sizeof(op), &fault, &result_fault);
	if (fault)
		want = EFAULT;
	else if (!want && result_fault)
		want = EFAULT;
	got = ioctl(p->fd, ATOMIC_COUNTER_IOC_OP, arg) < 0 ? errno : 0;
	check(p, "IOC_OP", got, want);
}

static void fuzz_batch(struct proc *p)
{
	static struct atomic_counter_op ops[ATOMIC_COUNTER_BATCH_MAX + 1];
	struct atomic_counter_batch b = { 0 };
	uint32_t i, count, failed = 0, in_failed;
	int want = 0, fault, result_fault, got;
	void *arg;

	switch (below(8)) {
	case 0:
		count = 0;
		break;
	case 1:
		count = ATOMIC_COUNTER_BATCH_MAX + 1 + below(4);
		break;
	case 2:
		count = UINT32_MAX - below(2);
		break;
	default:
		count = 1 + below(ATOMIC_COUNTER_BATCH_MAX);
		break;
	}
	for (i = 0; i < count && i < ATOMIC_COUNTER_BATCH_MAX; i++) {
		if (chance(97)) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].index = below(nr);
			ops[i].op = chance(50) ? ATOMIC_COUNTER_OP_READ : ATOMIC_COUNTER_OP_INC_RETURN;
			ops[i].order = ATOMIC_COUNTER_RELAXED;
		} else {
			random_op(&ops[i]);
		}
	}
	b.ops = (uintptr_t)ops;
	b.count = count;
	if (chance(3))
		b.flags = (uint32_t)next() | 1;
	if (chance(3))
		b.reserved = next() | 1;
	if (chance(5))
		b.failed = next() | 1;	/* out only: must come in zero */

	if (b.flags || b.reserved || b.failed || !count || count > ATOMIC_COUNTER_BATCH_MAX) {
		want = EINVAL;
		failed = ATOMIC_COUNTER_BATCH_NO_ENTRY;
	} else {
		/* Entries are checked in order: the first bad one decides. */
		for (i = 0; i < count && !want; i++) {
			want = spec_op_errno_mode(&ops[i], &info, p->readable, p->writable);
			failed = i;
		}
		if (chance(5)) {
			b.ops = (uintptr_t)(chance(50) ? NULL : unmapped);
			want = EFAULT;
			failed = ATOMIC_COUNTER_BATCH_NO_ENTRY;
		}
	}
	in_failed = b.failed;
	arg = arg_pointer(&b, sizeof(b), &fault, &result_fault);
	if (fault)
		want = EFAULT;	/* the batch header itself is unreadable */
	else if (want && result_fault)
		want = EFAULT;	/* a failed call writes @failed into the header */
	got = ioctl(p->fd, ATOMIC_COUNTER_IOC_BATCH, arg) < 0 ? errno : 0;
	check(p, "IOC_BATCH", got, want);
	/* Written only on failure: the entry at fault, or no entry. */
	if (arg == &b && got == want && b.failed != (want ? failed : in_failed)) {
		p->unexpected++;
		fprintf(stderr, "ac-fuzz: proc %d call %ld: IOC_BATCH failed: got %#x, want %#x\n",
			p->id, p->call, b.failed, want ? failed : in_failed);
	}
}

static void fuzz_info(struct proc *p)
{
	struct atomic_counter_info in = { .api = ATOMIC_COUNTER_API };
	int want = 0, fault, result_fault, got;
	__u64 *out = &in.nr_counters;	/* every field from here is output only */
	uint64_t nr_out = (sizeof(in) - offsetof(struct atomic_counter_info, nr_counters)) / 8, i;
	void *arg;

	if (chance(10))
		in.api = chance(50) ? 1 : next();	/* API 1 included: refused */
	if (chance(10))
		in.features = next();
	else if (chance(50))
		in.features = ATOMIC_COUNTER_FEATURES & next();
	if (chance(10))
		out[below(nr_out)] = next() | 1;	/* must come in zero */
	if (in.api != ATOMIC_COUNTER_API || (in.features & ~ATOMIC_COUNTER_FEATURES))
		want = EINVAL;
	for (i = 0; i < nr_out; i++)
		if (out[i])
			want = EINVAL;
	arg = arg_pointer(&in, sizeof(in), &fault, &result_fault);
	if (fault)
		want = EFAULT;
	else if (!want && result_fault)
		want = EFAULT;
	got = ioctl(p->fd, ATOMIC_COUNTER_IOC_INFO, arg) < 0 ? errno : 0;
	check(p, "IOC_INFO", got, want);
}

/* A size for one region of a new bank: mostly small, sometimes at or over a bound. */
static uint64_t bank_size(uint64_t max)
{
	switch (below(8)) {
	case 0:
		return 0;
	case 1:
		return max;
	case 2:
		return max + 1 + below(3);
	case 3:
		return next();
	default:
		return 1 + below(3 * page / ATOMIC_COUNTER_SIZE);
	}
}

/*
 * IOC_BANK from the global bank's file, in the order of errors the uapi
 * gives; a new descriptor is checked (its bank, its access mode, CLOEXEC)
 * and closed. A creation the sizes allow may still find the user's budget
 * or the guest's memory spent by the other processes.
 */
static void fuzz_bank(struct proc *p)
{
	const uint64_t known = ATOMIC_COUNTER_BANK_REOPEN | ATOMIC_COUNTER_BANK_RDONLY;
	struct atomic_counter_bank req = { .flags = below(4) };
	struct atomic_counter_info bi = { .api = ATOMIC_COUNTER_API };
	int fault, result_fault, got, want = 0, reopen, rdonly, fd;
	uint64_t max = ATOMIC_COUNTER_BANK_MAX, reserved = 0;
	void *arg;
	int i;

	if (chance(5))
		req.flags |= next() & ~known;
	if (chance(5))
		req.reserved[below(ARRAY_LEN(req.reserved))] = next() | 1;
	reopen = !!(req.flags & ATOMIC_COUNTER_BANK_REOPEN);
	rdonly = !!(req.flags & ATOMIC_COUNTER_BANK_RDONLY);
	if (!reopen || chance(10)) {
		req.nr_counters = bank_size(max);
		req.nr_named = bank_size(max);
		req.nr_striped = bank_size(max / info.nr_stripes);
	}
	for (i = 0; i < (int)ARRAY_LEN(req.reserved); i++)
		reserved |= req.reserved[i];
	if ((req.flags & ~known) || reserved)
		want = EINVAL;
	else if (reopen && (!p->readable || (!rdonly && !p->writable)))
		want = EBADF;
	else if (reopen && (req.nr_counters | req.nr_named | req.nr_striped))
		want = EINVAL;
	else if (!reopen && !p->writable)
		want = EBADF;
	else if (!reopen && rdonly)
		want = EINVAL;
	else if (!reopen && (!req.nr_counters || req.nr_counters > max ||
			     !req.nr_named || req.nr_named > max || !req.nr_striped ||
			     req.nr_striped > max / info.nr_stripes))
		want = EINVAL;
	arg = arg_pointer(&req, sizeof(req), &fault, &result_fault);
	if (fault)
		want = EFAULT;	/* the kernel only reads it: result_fault is no fault */
	fd = ioctl(p->fd, ATOMIC_COUNTER_IOC_BANK, arg);
	got = fd < 0 ? errno : 0;
	if (!want && !reopen && (got == EDQUOT || got == ENOMEM)) {
		p->calls++;
		return;
	}
	check(p, "IOC_BANK", got, want);
	if (fd < 0)
		return;
	if (ioctl(fd, ATOMIC_COUNTER_IOC_INFO, &bi))
		report(p, "IOC_INFO on a new bank file", errno, "success");
	else if (reopen ? bi.flags != 0 || bi.map_size != info.map_size :
			  bi.flags != ATOMIC_COUNTER_INFO_PRIVATE || bi.nr_counters < req.nr_counters ||
			  bi.nr_named < req.nr_named || bi.nr_striped < req.nr_striped)
		report(p, "IOC_BANK's new file", 0, "its own bank, as large as asked");
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != (rdonly ? O_RDONLY : O_RDWR) ||
	    !(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		report(p, "IOC_BANK's new file", 0, "the access asked for, close-on-exec");
	check(p, "close", close(fd) ? errno : 0, 0);
}

static void fuzz_unknown_ioctl(struct proc *p)
{
	unsigned long cmd;
	int got;

	switch (below(3)) {
	case 0:	/* our magic, a number we do not use */
		cmd = _IOC(below(4), ATOMIC_COUNTER_IOC_MAGIC, 0x90 + below(0x70), below(512));
		break;
	case 1:	/* DISARM, which takes no argument, with a direction or a size */
		cmd = _IOC(1 + below(3), ATOMIC_COUNTER_IOC_MAGIC, 0x8b, below(512));
		break;
	default:
		cmd = (uint32_t)next();
		break;
	}
	/*
	 * The extensible commands are matched on type and number alone (see
	 * "Extending the ABI"): any size and direction reaches their handler.
	 */
	if (_IOC_TYPE(cmd) == ATOMIC_COUNTER_IOC_MAGIC &&
	    _IOC_NR(cmd) >= _IOC_NR(ATOMIC_COUNTER_IOC_INFO) &&
	    _IOC_NR(cmd) <= _IOC_NR(ATOMIC_COUNTER_IOC_BANK))
		return;
	if (cmd == ATOMIC_COUNTER_IOC_DISARM)
		return;
	/*
	 * The VFS answers some commands itself for every file (FIOCLEX,
	 * FIONBIO, FS_IOC_GETFLAGS, FIBMAP, FICLONERANGE...): their types are
	 * 'T', 'X', 'f', 0x94 and 0, and the module never sees them.
	 */
	switch (_IOC_TYPE(cmd)) {
	case 0:
	case 'T':
	case 'X':
	case 'f':
	case 0x94:
		return;
	}
	got = ioctl(p->fd, cmd, (void *)(uintptr_t)next()) < 0 ? errno : 0;
	check(p, "unknown ioctl", got, ENOTTY);
}

/* Outcomes as a set: other processes race on the same few names. */
static void check_set(struct proc *p, const char *what, int got, const int *allowed, int n)
{
	int i;

	p->calls++;
	for (i = 0; i < n; i++)
		if (got == allowed[i])
			return;
	report(p, what, got, "one of the documented outcomes");
}

static void fuzz_name(struct proc *p)
{
	static const char *const odd[] = {
		"", "9x", "a b", ".x", "x/y", "\xe9t\xe9", "fz\xff", "kernel.fz",
		"atomic_counter.fz", "atomic_counter.waiters",
	};
	struct atomic_counter_name n;
	unsigned long cmd;
	int got, valid, writes, out_set = 0;
	int k = below(10);

	memset(&n, 0, sizeof(n));
	if (chance(15))
		strcpy(n.name, odd[below(ARRAY_LEN(odd))]);
	else
		snprintf(n.name, sizeof(n.name), "fz.%d", (int)below(8));
	valid = spec_name_valid(n.name);
	switch (below(5)) {
	case 0:
		cmd = ATOMIC_COUNTER_IOC_NAME_CREATE;
		if (chance(30))
			n.flags = ATOMIC_COUNTER_NAME_EXCL;
		if (chance(30))
			n.flags |= ATOMIC_COUNTER_NAME_STRIPED;
		break;
	case 1:
		cmd = ATOMIC_COUNTER_IOC_NAME_LOOKUP;
		break;
	case 2:
		cmd = ATOMIC_COUNTER_IOC_NAME_DELETE;
		break;
	case 3:
		cmd = ATOMIC_COUNTER_IOC_NAME_NEXT;
		n.index = below(nr + 8);
		valid = 1;
		memset(n.name, 0, sizeof(n.name));
		break;
	default:
		cmd = ATOMIC_COUNTER_IOC_NAME_CREATE;
		break;
	}
	if (k == 0)
		n.reserved = next() | 1;
	/* Output only, each must come in zero (the index is NEXT's input). */
	switch (below(40)) {
	case 0:
		n.generation = next() | 1;
		out_set = 1;
		break;
	case 1:
		n.owner = next() | 1;
		out_set = 1;
		break;
	case 2:
		n.created = next() | 1;
		out_set = 1;
		break;
	case 3:
		if (cmd != ATOMIC_COUNTER_IOC_NAME_NEXT) {
			n.index = next() | 1;
			out_set = 1;
		}
		break;
	}
	got = ioctl(p->fd, cmd, &n) < 0 ? errno : 0;
	writes = cmd == ATOMIC_COUNTER_IOC_NAME_CREATE || cmd == ATOMIC_COUNTER_IOC_NAME_DELETE;
	/* Checked in this order: reserved and output fields, the fd's mode, the name. */
	if (k == 0 || out_set) {
		check(p, "NAME (reserved or output field set)", got, EINVAL);
	} else if (!p->writable && writes) {
		check(p, "NAME write on a read-only fd", got, EBADF);
	} else if (!p->readable && !writes) {
		check(p, "NAME read on a write-only fd", got, EBADF);
	} else if (!valid) {
		check(p, "NAME (invalid name)", got, EINVAL);
	} else if (cmd == ATOMIC_COUNTER_IOC_NAME_CREATE && !strcmp(n.name, "atomic_counter.waiters")) {
		int allowed[] = { 0, EEXIST };

		/* Registered by the module: opened, or EEXIST with EXCL or STRIPED. */
		check_set(p, "NAME_CREATE (kernel's)", got, allowed, 2);
	} else if (cmd == ATOMIC_COUNTER_IOC_NAME_CREATE && spec_name_is_kernel(n.name)) {
		check(p, "NAME_CREATE (unregistered kernel name)", got, EPERM);
	} else if (cmd == ATOMIC_COUNTER_IOC_NAME_CREATE) {
		int allowed[] = { 0, EEXIST, ENOSPC };

		/* EEXIST: taken with EXCL, or taken by the other kind (striped or not). */
		check_set(p, "NAME_CREATE", got, allowed, 3);
	} else if (cmd == ATOMIC_COUNTER_IOC_NAME_DELETE && !strcmp(n.name, "atomic_counter.waiters")) {
		check(p, "NAME_DELETE (kernel's)", got, EPERM);
	} else {
		int allowed[] = { 0, ENOENT };

		check_set(p, cmd == ATOMIC_COUNTER_IOC_NAME_NEXT ? "NAME_NEXT" :
			  cmd == ATOMIC_COUNTER_IOC_NAME_LOOKUP ? "NAME_LOOKUP" : "NAME_DELETE",
			  got, allowed, 2);
		/* What NEXT returns is a name LOOKUP takes: zeroes after the NUL. */
		if (cmd == ATOMIC_COUNTER_IOC_NAME_NEXT && !got && !spec_name_valid(n.name))
			report(p, "NAME_NEXT (name returned)", EINVAL, "a well-formed name");
	}
}

static void drop_map(struct proc *p)
{
	if (p->map) {
		check(p, "munmap", munmap(p->map, p->map_len) ? errno : 0, 0);
		p->map = NULL;
	}
}

static void fuzz_mmap(struct proc *p)
{
	size_t len;
	off_t off;
	int prot = PROT_READ | (chance(60) ? PROT_WRITE : 0);
	int flags = chance(90) ? MAP_SHARED : MAP_PRIVATE;
	int want = 0, got;
	void *m;

	drop_map(p);
	switch (below(6)) {
	case 0:
		len = map_size + page * (1 + below(4));
		break;
	case 1:
		len = 0;
		break;
	default:
		len = page * (1 + below(map_size / page));
		break;
	}
	off = chance(80) ? 0 : (off_t)(page * below(map_size / page + 2));
	if (len == 0)
		want = EINVAL;
	else if (!p->readable)
		want = EACCES;	/* the VFS maps only files open for reading */
	else if (flags == MAP_SHARED && (prot & PROT_WRITE) && !p->writable)
		want = EACCES;
	else if (flags == MAP_PRIVATE)
		want = EINVAL;
	else if ((prot & PROT_WRITE) && off + len > kernel_off)
		want = EACCES;	/* the kernel's counters are never writable */
	else if ((uint64_t)off < map_size && off + len > map_size)
		want = EINVAL;	/* no window has counters and bands */
	else if (off + len > map_size + band_size)
		want = EINVAL;
	m = mmap(NULL, len, prot, flags, p->fd, off);
	got = m == MAP_FAILED ? errno : 0;
	check(p, "mmap", got, want);
	if (m != MAP_FAILED) {
		if (want) {
			munmap(m, len);
			return;
		}
		p->map = m;
		p->map_len = len;
		p->map_prot = prot;
		p->map_writable = p->writable && off + len <= kernel_off;
	}
}

static void fuzz_touch(struct proc *p)
{
	_Atomic int64_t *c;

	if (!p->map)
		return;
	c = (_Atomic int64_t *)p->map + below(p->map_len / 8);
	if (p->map_prot & PROT_WRITE)
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
	else
		(void)atomic_load_explicit(c, memory_order_relaxed);
	p->calls++;
}

static void fuzz_mprotect(struct proc *p)
{
	int prot = PROT_READ | (chance(50) ? PROT_WRITE : 0);
	int want;

	if (!p->map)
		return;
	want = (prot & PROT_WRITE) && !p->map_writable ? EACCES : 0;
	check(p, "mprotect", mprotect(p->map, p->map_len, prot) ? errno : 0, want);
	if (!want)
		p->map_prot = prot;
}

static void reopen(struct proc *p)
{
	if (p->fd >= 0)
		check(p, "close", close(p->fd) ? errno : 0, 0);
	/* Read-write, read-only, and now and then write-only (mode 0620's group). */
	p->writable = chance(75);
	p->readable = !p->writable || chance(90);
	p->fd = open(DEVICE, (!p->writable ? O_RDONLY : p->readable ? O_RDWR : O_WRONLY) |
			     O_CLOEXEC);
	if (p->fd < 0) {
		report(p, "open", errno, "success");
		exit(1);
	}
	p->calls++;
}

static void fuzz_fork(struct proc *p)
{
	long before = p->unexpected;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		report(p, "fork", errno, "success");
		return;
	}
	if (pid == 0) {
		/* The child inherits the fd and the mapping and uses both. */
		int i;

		for (i = 0; i < 20; i++) {
			fuzz_touch(p);
			fuzz_op(p);
		}
		_exit(p->unexpected > before ? 1 : 0);
	}
	p->calls++;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		p->unexpected++;
		fprintf(stderr, "ac-fuzz: proc %d call %ld: forked child failed (status %#x)\n",
			p->id, p->call, status);
	}
}

static int run(int id, uint64_t seed, long calls, double seconds)
{
	struct proc p = { .id = id, .fd = -1 };
	struct timespec t0, t;

	rng = seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(id + 1));
	if (!rng)
		rng = 1;
	reopen(&p);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (p.call = 0; calls ? p.call < calls : 1; p.call++) {
		if (!calls && !(p.call & 255)) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
				break;
		}
		switch (below(100)) {
		case 0 ... 44:
			fuzz_op(&p);
			break;
		case 45 ... 59:
			fuzz_batch(&p);
			break;
		case 60 ... 62:
			fuzz_info(&p);
			break;
		case 63 ... 64:
			fuzz_name(&p);
			break;
		case 65:
			fuzz_bank(&p);
			break;
		case 66 ... 74:
			fuzz_unknown_ioctl(&p);
			break;
		case 75 ... 80:
			fuzz_mmap(&p);
			break;
		case 81 ... 88:
			fuzz_touch(&p);
			break;
		case 89 ... 92:
			fuzz_mprotect(&p);
			break;
		case 93 ... 94:
			drop_map(&p);
			break;
		case 95 ... 97:
			reopen(&p);
			break;
		default:
			fuzz_fork(&p);
			break;
		}
		if (p.unexpected > 10)
			break;
	}
	drop_map(&p);
	close(p.fd);
	printf("# ac-fuzz: proc %d: %ld calls, %ld unexpected\n", id, p.calls, p.unexpected);
	fflush(stdout);
	return p.unexpected ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	long calls = 0;
	double seconds = 0;
	int procs = 8, c, i, status, bad = 0, fd;

	while ((c = getopt(argc, argv, "s:p:n:t:v")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			procs = atoi(optarg);
			break;
		case 'n':
			calls = atol(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: ac-fuzz [-s SEED] [-p PROCS] [-n CALLS | -t SECONDS] [-v]\n");
			return 2;
		}
	}
	if (!calls && !(seconds > 0))
		calls = 10000;
	printf("# ac-fuzz: seed %#" PRIx64 ", %d processes, %s %g\n", seed, procs,
	       calls ? "calls each" : "seconds", calls ? (double)calls : seconds);
	fflush(stdout);

	page = sysconf(_SC_PAGESIZE);
	info.api = ATOMIC_COUNTER_API;
	fd = open(DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, ATOMIC_COUNTER_IOC_INFO, &info)) {
		fprintf(stderr, "ac-fuzz: %s: %s\n", DEVICE, strerror(errno));
		return errno == ENOENT ? 4 : 1;
	}
	close(fd);
	nr = info.map_size / ATOMIC_COUNTER_SIZE;
	map_size = info.map_size;
	band_size = info.features & ATOMIC_COUNTER_FEATURE_BANDS ?
		    info.band_slot_size + info.band_size : 0;
	kernel_off = info.kernel_first * ATOMIC_COUNTER_SIZE;
	unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	readonly = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	edge = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* PROT_NONE, not unmapped: a later mmap() could fill a hole. */
	if (unmapped == MAP_FAILED || readonly == MAP_FAILED || edge == MAP_FAILED ||
	    mprotect(edge + page, page, PROT_NONE))
		return 1;

	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			/* Each process makes its own read-only page writable only to fill it. */
			mprotect(readonly, page, PROT_READ | PROT_WRITE);
			exit(run(i, seed, calls, seconds));
		}
	}
	for (i = 0; i < procs; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	}
	printf("# ac-fuzz: seed %#" PRIx64 ": %s\n", seed, bad ? "UNEXPECTED OUTCOMES" : "all outcomes as documented");
	return bad;
}
