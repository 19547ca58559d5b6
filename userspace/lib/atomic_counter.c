// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libatomic_counter: the parts that make system calls. The fast path is
 * inline in <atomic_counter.h>.
 */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "atomic_counter.h"

#ifndef AC_VERSION
#error "AC_VERSION must come from the VERSION file"
#endif

static const char *const op_names[ATOMIC_COUNTER_NR_OPS] = {
	[ATOMIC_COUNTER_OP_READ] = "read",
	[ATOMIC_COUNTER_OP_SET] = "set",
	[ATOMIC_COUNTER_OP_ADD] = "add",
	[ATOMIC_COUNTER_OP_SUB] = "sub",
	[ATOMIC_COUNTER_OP_INC] = "inc",
	[ATOMIC_COUNTER_OP_DEC] = "dec",
	[ATOMIC_COUNTER_OP_AND] = "and",
	[ATOMIC_COUNTER_OP_OR] = "or",
	[ATOMIC_COUNTER_OP_XOR] = "xor",
	[ATOMIC_COUNTER_OP_ANDNOT] = "andnot",
	[ATOMIC_COUNTER_OP_ADD_RETURN] = "add_return",
	[ATOMIC_COUNTER_OP_SUB_RETURN] = "sub_return",
	[ATOMIC_COUNTER_OP_INC_RETURN] = "inc_return",
	[ATOMIC_COUNTER_OP_DEC_RETURN] = "dec_return",
	[ATOMIC_COUNTER_OP_FETCH_ADD] = "fetch_add",
	[ATOMIC_COUNTER_OP_FETCH_SUB] = "fetch_sub",
	[ATOMIC_COUNTER_OP_FETCH_INC] = "fetch_inc",
	[ATOMIC_COUNTER_OP_FETCH_DEC] = "fetch_dec",
	[ATOMIC_COUNTER_OP_FETCH_AND] = "fetch_and",
	[ATOMIC_COUNTER_OP_FETCH_OR] = "fetch_or",
	[ATOMIC_COUNTER_OP_FETCH_XOR] = "fetch_xor",
	[ATOMIC_COUNTER_OP_FETCH_ANDNOT] = "fetch_andnot",
	[ATOMIC_COUNTER_OP_XCHG] = "xchg",
	[ATOMIC_COUNTER_OP_CMPXCHG] = "cmpxchg",
	[ATOMIC_COUNTER_OP_FETCH_MAX] = "fetch_max",
	[ATOMIC_COUNTER_OP_FETCH_MIN] = "fetch_min",
	[ATOMIC_COUNTER_OP_ADD_UNLESS] = "add_unless",
	[ATOMIC_COUNTER_OP_FETCH_ADD_UNLESS] = "fetch_add_unless",
	[ATOMIC_COUNTER_OP_INC_NOT_ZERO] = "inc_not_zero",
	[ATOMIC_COUNTER_OP_INC_UNLESS_NEGATIVE] = "inc_unless_negative",
	[ATOMIC_COUNTER_OP_DEC_UNLESS_POSITIVE] = "dec_unless_positive",
	[ATOMIC_COUNTER_OP_DEC_IF_POSITIVE] = "dec_if_positive",
	[ATOMIC_COUNTER_OP_SUB_AND_TEST] = "sub_and_test",
	[ATOMIC_COUNTER_OP_DEC_AND_TEST] = "dec_and_test",
	[ATOMIC_COUNTER_OP_INC_AND_TEST] = "inc_and_test",
	[ATOMIC_COUNTER_OP_ADD_NEGATIVE] = "add_negative",
};

static const char *const order_names[ATOMIC_COUNTER_NR_ORDERS] = {
	[ATOMIC_COUNTER_FULL] = "full",
	[ATOMIC_COUNTER_RELAXED] = "relaxed",
	[ATOMIC_COUNTER_ACQUIRE] = "acquire",
	[ATOMIC_COUNTER_RELEASE] = "release",
};

const char *ac_version(void)
{
	return AC_VERSION;
}

const char *ac_op_name(uint32_t op)
{
	return op < ATOMIC_COUNTER_NR_OPS ? op_names[op] : NULL;
}

int ac_op_from_name(const char *name)
{
	int op;

	for (op = 0; op < ATOMIC_COUNTER_NR_OPS; op++)
		if (!strcmp(name, op_names[op]))
			return op;
	return -EINVAL;
}

const char *ac_order_name(uint32_t order)
{
	return order < ATOMIC_COUNTER_NR_ORDERS ? order_names[order] : NULL;
}

static int parse_u64(const char *s, uint64_t *out);

/*
 * One contiguous view of the bank: the userspace regions with @prot, the
 * kernel's region read-only (the module refuses to map it writable).
 * Reserve the whole range first so that the two maps sit side by side.
 */
static int map_bank(struct ac_dev *dev, int prot)
{
	size_t size = dev->info.map_size;
	size_t user = dev->info.kernel_first * ATOMIC_COUNTER_SIZE;
	char *base;

	base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	if ((user && mmap(base, user, prot, MAP_SHARED | MAP_FIXED, dev->fd, 0) == MAP_FAILED) ||
	    (size > user && mmap(base + user, size - user, PROT_READ, MAP_SHARED | MAP_FIXED,
				 dev->fd, (off_t)user) == MAP_FAILED)) {
		int ret = -errno;

		munmap(base, size);
		return ret;
	}
	dev->bank = (ac_counter_t *)base;
	return 0;
}

/*
 * The handshake and the map, on dev->fd, which is closed on failure.
 * @features: what the caller needs; the module refuses what it lacks.
 */
static int setup(struct ac_dev *dev, int flags, uint64_t features)
{
	int prot = PROT_READ | ((flags & AC_OPEN_READONLY) ? 0 : PROT_WRITE);
	int ret;

	dev->writable = !(flags & AC_OPEN_READONLY);
	dev->info.api = ATOMIC_COUNTER_API;
	dev->info.features = features;
	if (ioctl(dev->fd, ATOMIC_COUNTER_IOC_INFO, &dev->info) < 0) {
		/*
		 * A module that does not speak our API answers EINVAL; so does
		 * one without a feature we need, which is no ABI mismatch.
		 */
		ret = errno == EINVAL && !features ? -EPROTO : -errno;
		goto fail;
	}
	if (!(flags & AC_OPEN_NOMAP)) {
		ret = map_bank(dev, prot);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	close(dev->fd);
	dev->fd = -1;
	return ret;
}

/*
 * An options struct of @sz bytes, of which this library knows @known:
 * at least that many, and zero past them.
 */
static bool opts_size_ok(const void *opts, size_t sz, size_t known)
{
	const unsigned char *p = opts;
	size_t i;

	if (sz < known)
		return false;
	for (i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}

/* A new file of the bank @fd reaches, read-only or not. Return: it, or -errno. */
static int reopen_fd(int fd, int flags)
{
	struct atomic_counter_bank b = { .flags = ATOMIC_COUNTER_BANK_REOPEN };
	int ret;

	if (flags & AC_OPEN_READONLY)
		b.flags |= ATOMIC_COUNTER_BANK_RDONLY;
	ret = ioctl(fd, ATOMIC_COUNTER_IOC_BANK, &b);
	return ret < 0 ? -errno : ret;
}

/* $ATOMIC_COUNTER_BANK_FD: -1 when unset or empty, -EBADF when not a descriptor number. */
static int bank_fd_from_env(void)
{
	const char *s = secure_getenv(AC_BANK_FD_ENV);
	uint64_t v;

	if (!s || !*s)
		return -1;
	if (parse_u64(s, &v) || v > INT32_MAX)
		return -EBADF;
	return (int)v;
}

static int open_reopen(struct ac_dev *dev, int fd, int flags, uint64_t features)
{
	if (flags & ~AC_OPEN_FLAGS)
		return -EINVAL;
	dev->fd = reopen_fd(fd, flags);
	if (dev->fd < 0) {
		int ret = dev->fd;

		dev->fd = -1;
		return ret;
	}
	return setup(dev, flags, features);
}

int ac_reopen(struct ac_dev *dev, int fd, int flags)
{
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	return open_reopen(dev, fd, flags, 0);
}

int ac_open_opts(struct ac_dev *dev, const char *path, const struct ac_open_opts *opts)
{
	int flags = opts ? opts->flags : 0;
	int oflags = (flags & AC_OPEN_READONLY) ? O_RDONLY : O_RDWR;
	int bank_fd;

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	if (opts && !opts_size_ok(opts, opts->sz, sizeof(*opts)))
		return -EINVAL;
	if (flags & ~AC_OPEN_FLAGS)
		return -EINVAL;
	/* A bank handed down by a parent comes before the device. */
	bank_fd = path ? -1 : bank_fd_from_env();
	if (bank_fd != -1)
		return bank_fd < 0 ? bank_fd : open_reopen(dev, bank_fd, flags,
							   opts ? opts->features : 0);
	if (!path)
		path = secure_getenv("ATOMIC_COUNTER_DEVICE");
	if (!path || !*path)
		path = AC_DEFAULT_DEVICE;

	dev->fd = open(path, oflags | O_CLOEXEC);
	if (dev->fd < 0)
		return -errno;
	return setup(dev, flags, opts ? opts->features : 0);
}

int ac_open(struct ac_dev *dev, const char *path, int flags)
{
	struct ac_open_opts opts = { .sz = sizeof(opts), .flags = flags };

	return ac_open_opts(dev, path, &opts);
}

int ac_open_fd(struct ac_dev *dev, int fd, int flags)
{
	int fl;

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	if (flags & ~AC_OPEN_FLAGS)
		return -EINVAL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if ((fl & O_ACCMODE) == O_RDONLY)
		flags |= AC_OPEN_READONLY;
	dev->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dev->fd < 0)
		return -errno;
	return setup(dev, flags, 0);
}

int ac_bank_create(struct ac_dev *dev, const struct ac_bank_opts *opts)
{
	static const struct ac_bank_opts defaults = { .sz = sizeof(defaults) };
	const char *path = secure_getenv("ATOMIC_COUNTER_DEVICE");
	struct atomic_counter_bank b = {};
	int devfd, flags;

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	if (!opts)
		opts = &defaults;
	if (!opts_size_ok(opts, opts->sz, sizeof(*opts)) || (opts->flags & ~AC_OPEN_NOMAP))
		return -EINVAL;
	flags = opts->flags;
	b.nr_counters = opts->nr_counters ? opts->nr_counters : AC_BANK_DEFAULT_COUNTERS;
	b.nr_named = opts->nr_named ? opts->nr_named : AC_BANK_DEFAULT_NAMED;
	b.nr_striped = opts->nr_striped ? opts->nr_striped : AC_BANK_DEFAULT_STRIPED;
	if (!path || !*path)
		path = AC_DEFAULT_DEVICE;
	devfd = open(path, O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		return -errno;
	dev->fd = ioctl(devfd, ATOMIC_COUNTER_IOC_BANK, &b);
	if (dev->fd < 0) {
		int ret = -errno;

		close(devfd);
		dev->fd = -1;
		return ret;
	}
	close(devfd);
	return setup(dev, flags, 0);
}

void ac_close(struct ac_dev *dev)
{
	if (dev->bank)
		munmap((void *)dev->bank, dev->info.map_size);
	if (dev->fd >= 0)
		close(dev->fd);
	dev->bank = NULL;
	dev->fd = -1;
}

int ac_op(const struct ac_dev *dev, uint64_t index, uint32_t op, ac_order_t order,
	  int64_t value, int64_t expected, int64_t *result)
{
	struct atomic_counter_op o = {
		.index = index, .op = op, .order = order.order,
		.value = value, .expected = expected,
	};

	if (ioctl(dev->fd, ATOMIC_COUNTER_IOC_OP, &o) < 0)
		return -errno;
	if (result)
		*result = o.result;
	return 0;
}

int ac_batch(const struct ac_dev *dev, struct atomic_counter_op *ops, uint32_t count)
{
	struct atomic_counter_batch b = {
		.ops = (uintptr_t)ops, .count = count,
	};
	uint32_t i;

	/* Output only, and refused unless zero: a reused array holds old results. */
	if (ops && count <= ATOMIC_COUNTER_BATCH_MAX)
		for (i = 0; i < count; i++)
			ops[i].result = 0;
	return ioctl(dev->fd, ATOMIC_COUNTER_IOC_BATCH, &b) < 0 ? -errno : 0;
}

int ac_op_striped(const struct ac_dev *dev, uint64_t index, uint32_t op, ac_order_t order,
		  int64_t value, int64_t *result)
{
	struct atomic_counter_op o = {
		.index = index, .op = op, .order = order.order, .value = value,
		.flags = ATOMIC_COUNTER_OP_STRIPED,
	};

	if (ioctl(dev->fd, ATOMIC_COUNTER_IOC_OP, &o) < 0)
		return -errno;
	if (result)
		*result = o.result;
	return 0;
}

#ifdef AC_SHARED
/*
 * GCC 10+ has the symver attribute (which survives LTO); clang has not, and
 * would drop it with a warning, hiding the old versions behind local: *.
 */
#if defined(__has_attribute) && __has_attribute(symver)
#define AC_SYMVER(fn, ver)	__attribute__((symver(ver)))
#else
#define AC_SYMVER(fn, ver)	__asm__(".symver " #fn ", " ver);
#endif

/*
 * Programs linked against 0.2.0 and before pass the ordering as a plain
 * uint32_t: they keep these definitions (ac_op@ATOMIC_COUNTER_0,
 * ac_op_striped@ATOMIC_COUNTER_0.2); programs built now get the typed ones.
 */
AC_SYMVER(ac_op_untyped, "ac_op@ATOMIC_COUNTER_0")
int ac_op_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op, uint32_t order,
		  int64_t value, int64_t expected, int64_t *result);
int ac_op_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op, uint32_t order,
		  int64_t value, int64_t expected, int64_t *result)
{
	return ac_op(dev, index, op, AC_ORDER(order), value, expected, result);
}

AC_SYMVER(ac_op_striped_untyped, "ac_op_striped@ATOMIC_COUNTER_0.2")
int ac_op_striped_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op,
			  uint32_t order, int64_t value, int64_t *result);
int ac_op_striped_untyped(const struct ac_dev *dev, uint64_t index, uint32_t op,
			  uint32_t order, int64_t value, int64_t *result)
{
	return ac_op_striped(dev, index, op, AC_ORDER(order), value, result);
}
#endif

int ac_read_index(const struct ac_dev *dev, uint64_t index, int64_t *value)
{
	if (ac_is_striped(dev, index))
		return ac_op_striped(dev, index, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, value);
	return ac_op(dev, index, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, 0, value);
}

int ac_striped(const struct ac_dev *dev, uint64_t index, ac_striped_t *s)
{
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

static int name_ioctl(const struct ac_dev *dev, unsigned long cmd, const char *name,
		      struct atomic_counter_name *n)
{
	memset(n, 0, sizeof(*n));
	if (strlen(name) >= sizeof(n->name))
		return -EINVAL;
	strcpy(n->name, name);
	return ioctl(dev->fd, cmd, n) < 0 ? -errno : 0;
}

int ac_name_create(const struct ac_dev *dev, const char *name, uint64_t flags, uint64_t *index)
{
	struct atomic_counter_name n;
	int ret;

	memset(&n, 0, sizeof(n));
	if (strlen(name) >= sizeof(n.name))
		return -EINVAL;
	strcpy(n.name, name);
	n.flags = flags;
	ret = ioctl(dev->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n) < 0 ? -errno : 0;
	if (ret)
		return ret;
	if (index)
		*index = n.index;
	return n.created ? 1 : 0;
}

int ac_name_lookup(const struct ac_dev *dev, const char *name, uint64_t *index, uint32_t *owner)
{
	struct atomic_counter_name n;
	int ret = name_ioctl(dev, ATOMIC_COUNTER_IOC_NAME_LOOKUP, name, &n);

	if (ret)
		return ret;
	if (index)
		*index = n.index;
	if (owner)
		*owner = n.owner;
	return 0;
}

int ac_name_delete(const struct ac_dev *dev, const char *name)
{
	struct atomic_counter_name n;

	return name_ioctl(dev, ATOMIC_COUNTER_IOC_NAME_DELETE, name, &n);
}

int ac_name_next(const struct ac_dev *dev, uint64_t from, struct atomic_counter_name *out)
{
	memset(out, 0, sizeof(*out));
	out->index = from;
	return ioctl(dev->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, out) < 0 ? -errno : 0;
}

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
static int parse_u64(const char *s, uint64_t *out)
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

	if (*s >= '0' && *s <= '9') {
		ret = parse_u64(s, &v);
		if (ret)
			return ret;
		if (v >= ac_nr_total(dev))
			return -ERANGE;
		*index = v;
		return 0;
	}
	return ac_name_lookup(dev, s, index, NULL);
}

static int wait_ioctl(const struct ac_dev *dev, unsigned long cmd, uint64_t index, uint32_t cond,
		      int64_t value, int64_t timeout_ns, int64_t *seen)
{
	struct atomic_counter_wait w = {
		.index = index, .cond = cond, .value = value, .timeout_ns = timeout_ns,
		/* Like plain counters: a striped one is waited on by its value. */
		.flags = ac_is_striped(dev, index) ? ATOMIC_COUNTER_WAIT_STRIPED : 0,
	};

	if (ioctl(dev->fd, cmd, &w) < 0)
		return -errno;
	if (seen)
		*seen = w.result;
	return 0;
}

int ac_wait(const struct ac_dev *dev, uint64_t index, uint32_t cond, int64_t value,
	    int64_t timeout_ns, int64_t *seen)
{
	return wait_ioctl(dev, ATOMIC_COUNTER_IOC_WAIT, index, cond, value, timeout_ns, seen);
}

int ac_arm(const struct ac_dev *dev, uint64_t index, uint32_t cond, int64_t value)
{
	return wait_ioctl(dev, ATOMIC_COUNTER_IOC_ARM, index, cond, value, 0, NULL);
}

int ac_wake(const struct ac_dev *dev, uint64_t index)
{
	struct atomic_counter_wake w = { .index = index };

	/*
	 * Like a futex: the fence orders the caller's update (whatever its
	 * ordering) before the look at the waiter count, which the kernel
	 * raises before a waiter first reads the counter; so a zero count
	 * means no waiter can miss the update.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	if (dev->bank &&
	    !atomic_load_explicit(&dev->bank[dev->info.waiters_index], memory_order_relaxed))
		return 0;
	return ioctl(dev->fd, ATOMIC_COUNTER_IOC_WAKE, &w) < 0 ? -errno : 0;
}
