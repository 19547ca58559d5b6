// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libatomic_counter: opening a bank (the device, a descriptor, a private
 * bank, the one a parent handed down), the handshake and the checks of
 * what the module says, the map, and closing.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

const char *ac_version(void)
{
	return AC_VERSION;
}

/* Whether [first, first + n) lies within @total indices, without overflow. */
static bool region_ok(uint64_t first, uint64_t n, uint64_t total)
{
	return first <= total && n <= total - first;
}

/*
 * A module the library was not built for must fail at open, not at the
 * first use: a 0.1 module speaks API 1 but leaves kernel_first and
 * waiters_index 0, so the whole bank would be mapped read-only (the first
 * ac_inc() a SIGSEGV) and ac_wake() would read counter 0 as the waiter
 * count. Everything the library and the inline functions rely on is
 * checked here, every sum without overflow.
 */
int ac__check_info(const struct atomic_counter_info *i, uint64_t page_size)
{
	uint64_t total = i->map_size / ATOMIC_COUNTER_SIZE;
	uint64_t per_page = page_size / ATOMIC_COUNTER_SIZE;
	uint64_t slots, striped_first;

	if (i->api != ATOMIC_COUNTER_API ||
	    (i->features & AC_REQUIRED_FEATURES) != AC_REQUIRED_FEATURES)
		return -EPROTO;
	/* A page-sized, page-aligned map, as mmap() needs. */
	if (!i->map_size || !per_page || i->map_size % page_size)
		return -EPROTO;
	/* The regions in their order, the writable ones first (map_bank()). */
	if (!i->nr_counters || i->nr_counters > i->named_first ||
	    i->named_first % per_page || !region_ok(i->named_first, i->nr_named, total))
		return -EPROTO;
	if (!i->nr_stripes || !i->nr_striped || i->nr_striped > total ||
	    i->nr_stripes > total / i->nr_striped)
		return -EPROTO;
	slots = i->nr_striped * i->nr_stripes;
	striped_first = i->named_first + i->nr_named;
	if (!region_ok(striped_first, slots, total) || i->kernel_first < striped_first + slots ||
	    !i->kernel_first || i->kernel_first % per_page ||
	    !region_ok(i->kernel_first, i->nr_kernel, total) ||
	    !region_ok(i->kernel_first + i->nr_kernel, i->nr_kernel_striped * i->nr_stripes, total))
		return -EPROTO;
	/* The kernel's striped region: as large as userspace's, or none (a private bank). */
	if (i->nr_kernel_striped && i->nr_kernel_striped != i->nr_striped)
		return -EPROTO;
	/* The waiter count is one of the kernel's counters, read-only. */
	if (i->waiters_index < i->kernel_first ||
	    i->waiters_index >= i->kernel_first + i->nr_kernel)
		return -EPROTO;
	if (!i->batch_max)
		return -EPROTO;
	return 0;
}

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
 * The bands, read-only, for ac_wake(). Without them (an older module, or
 * a map that failed) ac_wake() keeps the waiter-count rule: nothing fails.
 */
static void map_bands(const struct ac_dev *dev, struct ac_state *st)
{
	const struct atomic_counter_info *i = &st->info;
	void *p;

	/* One window: the slots, and the table where they end. */
	if (!(i->features & ATOMIC_COUNTER_FEATURE_BANDS) || !i->band_size ||
	    i->band_slot_size / sizeof(uint32_t) < ac__nr_band_slots(i) ||
	    i->band_offset != i->band_slot_offset + i->band_slot_size)
		return;
	p = mmap(NULL, i->band_slot_size + i->band_size, PROT_READ, MAP_SHARED, dev->fd,
		 (off_t)i->band_slot_offset);
	if (p != MAP_FAILED)
		st->band_slots = p;
}

/* The frozen view, from the module's reply. */
static void fill_view(struct ac_dev_info *v, const struct atomic_counter_info *i)
{
	v->api = i->api;
	v->features = i->features;
	v->nr_counters = i->nr_counters;
	v->map_size = i->map_size;
	v->ops = i->ops;
	v->batch_max = i->batch_max;
	v->cache_line_bytes = i->cache_line_bytes;
	v->named_first = i->named_first;
	v->nr_named = i->nr_named;
	v->kernel_first = i->kernel_first;
	v->nr_kernel = i->nr_kernel;
	v->waiters_index = i->waiters_index;
	v->nr_striped = i->nr_striped;
	v->nr_stripes = i->nr_stripes;
	v->flags = i->flags;
}

/*
 * The handshake, the checks and the map, on dev->fd, which is closed on
 * failure, leaving a handle that is not open.
 * @features: what the caller needs; the module refuses what it lacks.
 */
static int setup(struct ac_dev *dev, int flags, uint64_t features)
{
	int prot = PROT_READ | ((flags & AC_OPEN_READONLY) ? 0 : PROT_WRITE);
	struct ac_state *st;
	int ret;

	st = calloc(1, sizeof(*st));
	if (!st) {
		ret = -ENOMEM;
		goto fail;
	}
	/* Every byte zero but the inputs: the module refuses others. */
	st->info.api = ATOMIC_COUNTER_API;
	st->info.features = features;
	if (ioctl(dev->fd, ATOMIC_COUNTER_IOC_INFO, &st->info) < 0) {
		/*
		 * A module that does not speak our API answers EINVAL; so does
		 * one without a feature we need, which is no ABI mismatch.
		 */
		ret = errno == EINVAL && !features ? -EPROTO : -errno;
		goto fail;
	}
	ret = ac__check_info(&st->info, (uint64_t)sysconf(_SC_PAGESIZE));
	if (ret)
		goto fail;
	fill_view(&dev->info, &st->info);
	dev->writable = !(flags & AC_OPEN_READONLY);
	if (!(flags & AC_OPEN_NOMAP)) {
		ret = map_bank(dev, prot);
		if (ret)
			goto fail;
		map_bands(dev, st);
	}
	dev->info.priv.word = 0;
	dev->info.priv.state = st;
	return 0;
fail:
	free(st);
	close(dev->fd);
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	return ret;
}

/*
 * An options struct of @sz bytes into @out, @known bytes, as the kernel's
 * copy_struct_from_user() does: a shorter one (an older program's) reads
 * as zero past its end, a longer one (a newer program's) only when what
 * this library does not know of it is zero.
 * Return: 0, -EINVAL when @sz cannot even hold itself, -E2BIG.
 */
static int copy_opts(void *out, size_t known, const void *opts, size_t sz)
{
	const unsigned char *p = opts;
	size_t i;

	memset(out, 0, known);
	if (sz < sizeof(size_t))
		return -EINVAL;
	for (i = known; i < sz; i++)
		if (p[i])
			return -E2BIG;
	memcpy(out, opts, sz < known ? sz : known);
	return 0;
}

/* A new file of the bank @fd reaches, read-only or not. Return: it, or -errno. */
static int reopen_fd(int fd, int flags)
{
	struct atomic_counter_bank b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.flags = ATOMIC_COUNTER_BANK_REOPEN;
	if (flags & AC_OPEN_READONLY)
		b.flags |= ATOMIC_COUNTER_BANK_RDONLY;
	ret = ioctl(fd, ATOMIC_COUNTER_IOC_BANK, &b);
	return ret < 0 ? -errno : ret;
}

/*
 * The bank a parent handed down: -1 none, else its descriptor number, or
 * -EBADF for a variable that is not a descriptor number. Read once, when
 * the library is loaded (before main(), so before any fork()), then
 * removed from the environment.
 */
static int env_bank_fd = -1;

/*
 * Guarded as systemd guards LISTEN_FDS: $ATOMIC_COUNTER_BANK_FD counts
 * only in the process $ATOMIC_COUNTER_BANK_PID names. Left by an ancestor,
 * it names whatever a process between here and there put at that number.
 * Both go from the environment, so that what this process runs does not
 * inherit them (it may hand the bank on by setting both anew).
 */
__attribute__((constructor)) static void claim_bank_env(void)
{
	const char *fd = secure_getenv(AC_BANK_FD_ENV);
	const char *pid = secure_getenv(AC_BANK_PID_ENV);
	uint64_t v, p;

	if (fd && *fd && pid && !ac__parse_u64(pid, &p) && p == (uint64_t)getpid())
		env_bank_fd = ac__parse_u64(fd, &v) || v > INT32_MAX ? -EBADF : (int)v;
	/*
	 * The parent cleared close-on-exec for this process alone, as a
	 * systemd-activated one's are: what it executes gets the bank only if
	 * handed on anew (sd_listen_fds() sets FD_CLOEXEC the same way).
	 */
	if (env_bank_fd >= 0) {
		int fl = fcntl(env_bank_fd, F_GETFD);

		if (fl >= 0)
			fcntl(env_bank_fd, F_SETFD, fl | FD_CLOEXEC);
	}
	unsetenv(AC_BANK_FD_ENV);
	unsetenv(AC_BANK_PID_ENV);
}

/*
 * Whether @fd is a file of this module: the device's node, or a private
 * bank's anonymous file, before any ioctl goes to it.
 */
static bool is_module_file(int fd)
{
	char path[64], target[128];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		return false;
	if (S_ISCHR(st.st_mode)) {
		snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", major(st.st_rdev),
			 minor(st.st_rdev));
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return false;
		target[n] = 0;
		return strlen(target) >= 15 && !strcmp(target + strlen(target) - 15,
						     "/atomic_counter");
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return !strcmp(target, "anon_inode:[atomic_counter]");
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

static void init_handle(struct ac_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
}

int ac_reopen(struct ac_dev *dev, int fd, int flags)
{
	init_handle(dev);
	return open_reopen(dev, fd, flags, 0);
}

int ac_open_opts(struct ac_dev *dev, const char *path, const struct ac_open_opts *uopts)
{
	struct ac_open_opts opts;
	int oflags, ret;

	init_handle(dev);
	memset(&opts, 0, sizeof(opts));
	if (uopts) {
		ret = copy_opts(&opts, sizeof(opts), uopts, uopts->sz);
		if (ret)
			return ret;
	}
	if (opts.flags & ~AC_OPEN_FLAGS)
		return -EINVAL;
	/* A bank handed down by a parent comes before the device. */
	if (!path && env_bank_fd != -1) {
		if (env_bank_fd < 0 || !is_module_file(env_bank_fd))
			return -EBADF;
		ret = open_reopen(dev, env_bank_fd, opts.flags, opts.features);
		return ret == -ENOTTY ? -EBADF : ret;
	}
	if (!path)
		path = secure_getenv("ATOMIC_COUNTER_DEVICE");
	if (!path || !*path)
		path = AC_DEFAULT_DEVICE;

	oflags = (opts.flags & AC_OPEN_READONLY) ? O_RDONLY : O_RDWR;
	dev->fd = open(path, oflags | O_CLOEXEC);
	if (dev->fd < 0) {
		ret = -errno;
		dev->fd = -1;
		return ret;
	}
	return setup(dev, opts.flags, opts.features);
}

int ac_open(struct ac_dev *dev, const char *path, int flags)
{
	struct ac_open_opts opts = { .sz = sizeof(opts), .flags = flags };

	return ac_open_opts(dev, path, &opts);
}

int ac_open_fd(struct ac_dev *dev, int fd, int flags)
{
	int fl;

	init_handle(dev);
	if (flags & ~AC_OPEN_FLAGS)
		return -EINVAL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if ((fl & O_ACCMODE) == O_RDONLY)
		flags |= AC_OPEN_READONLY;
	dev->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dev->fd < 0) {
		dev->fd = -1;
		return -errno;
	}
	return setup(dev, flags, 0);
}

int ac_bank_create(struct ac_dev *dev, const struct ac_bank_opts *uopts)
{
	const char *path = secure_getenv("ATOMIC_COUNTER_DEVICE");
	struct atomic_counter_bank b;
	struct ac_bank_opts opts;
	int devfd, ret;

	init_handle(dev);
	memset(&opts, 0, sizeof(opts));
	if (uopts) {
		ret = copy_opts(&opts, sizeof(opts), uopts, uopts->sz);
		if (ret)
			return ret;
	}
	if (opts.flags & ~AC_OPEN_NOMAP)
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	b.nr_counters = opts.nr_counters ? opts.nr_counters : AC_BANK_DEFAULT_COUNTERS;
	b.nr_named = opts.nr_named ? opts.nr_named : AC_BANK_DEFAULT_NAMED;
	b.nr_striped = opts.nr_striped ? opts.nr_striped : AC_BANK_DEFAULT_STRIPED;
	if (!path || !*path)
		path = AC_DEFAULT_DEVICE;
	devfd = open(path, O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		return -errno;
	dev->fd = ioctl(devfd, ATOMIC_COUNTER_IOC_BANK, &b);
	if (dev->fd < 0) {
		ret = -errno;
		close(devfd);
		dev->fd = -1;
		return ret;
	}
	close(devfd);
	return setup(dev, opts.flags, 0);
}

const struct atomic_counter_info *ac_info(const struct ac_dev *dev)
{
	return ac__fd(dev) < 0 ? NULL : &dev->info.priv.state->info;
}

void ac_close(struct ac_dev *dev)
{
	/* A handle the library did not open owns nothing, not even fd 0. */
	if (ac__fd(dev) >= 0) {
		if (dev->bank)
			munmap((void *)dev->bank, dev->info.map_size);
		if (dev->info.priv.state->band_slots)
			munmap((void *)dev->info.priv.state->band_slots,
			       dev->info.priv.state->info.band_slot_size +
			       dev->info.priv.state->info.band_size);
		close(dev->fd);
		free(dev->info.priv.state);
	}
	dev->info.priv.word = 0;
	dev->bank = NULL;
	dev->fd = -1;
}
