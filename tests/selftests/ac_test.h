/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the atomic_counter selftests: raw ioctls on the device,
 * with no library in between, so the tests pin down the kernel ABI itself.
 */
#ifndef AC_TEST_H
#define AC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/atomic_counter.h>

#include "kselftest_harness.h"

#define AC_DEVICE "/dev/atomic_counter"

/*
 * The library's variable, honoured by the tests too: a descriptor of a
 * private bank that the tests run on instead of the global bank
 * (tests/vm/selftests.sh runs every suite a second time that way).
 */
#define AC_BANK_ENV "ATOMIC_COUNTER_BANK_FD"

/*
 * Read before anything else runs: the library takes (and removes) the
 * variable in a constructor of its own, of the default priority, which
 * runs after this one.
 */
static const char *ac_test_bank_env;

__attribute__((constructor(101))) static void ac_test_read_bank_env(void)
{
	const char *env = getenv(AC_BANK_ENV);

	ac_test_bank_env = env && *env ? strdup(env) : NULL;
}

static inline bool ac_test_private(void)
{
	return ac_test_bank_env;
}

/*
 * A new file of the bank under test, as open(2) of the device would give:
 * O_RDONLY or O_RDWR (and always O_CLOEXEC). On a private bank that is a
 * REOPEN of the inherited descriptor, a file of its own, as a test that
 * arms a file or opens a read-only one needs. -1 and errno on failure.
 */
static inline int ac_test_open(int flags)
{
	struct atomic_counter_bank b = { .flags = ATOMIC_COUNTER_BANK_REOPEN };

	if (!ac_test_private())
		return open(AC_DEVICE, flags | O_CLOEXEC);
	if ((flags & O_ACCMODE) == O_RDONLY)
		b.flags |= ATOMIC_COUNTER_BANK_RDONLY;
	return ioctl(atoi(ac_test_bank_env), ATOMIC_COUNTER_IOC_BANK, &b);
}

/* A suite of the global bank's own (kernel code's counters, rmmod): skip it on a private one. */
#define AC_SKIP_SETUP_IF_PRIVATE(why) do {				\
	if (ac_test_private())						\
		AC_SKIP_SETUP("a private bank: " why);			\
} while (0)

/*
 * The 6.1 harness still runs the test body after a SKIP() in FIXTURE_SETUP;
 * leave the test child with the harness's own skip status instead, as later
 * harnesses do.
 */
#define AC_SKIP_SETUP(fmt, ...) SKIP(_exit(255), fmt, ##__VA_ARGS__)

/* Open the device; on a machine without the module the test is skipped. */
#define AC_OPEN_OR_SKIP(fd, flags) do {					\
	(fd) = ac_test_open(flags);					\
	if ((fd) < 0 && errno == ENOENT)				\
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");	\
	ASSERT_LE(0, (fd)) TH_LOG("open " AC_DEVICE ": %s", strerror(errno)); \
} while (0)

/* One operation; 0 or -errno, and the primitive's result in *result. */
static inline int raw_op(int fd, uint64_t index, uint32_t op, uint32_t order,
			int64_t value, int64_t expected, int64_t *result)
{
	struct atomic_counter_op o = {
		.index = index, .op = op, .order = order,
		.value = value, .expected = expected,
	};

	if (ioctl(fd, ATOMIC_COUNTER_IOC_OP, &o) < 0)
		return -errno;
	if (result)
		*result = o.result;
	return 0;
}

/* One ATOMIC_COUNTER_OP_STRIPED operation; 0 or -errno. */
static inline int raw_striped_op(int fd, uint64_t index, uint32_t op, uint32_t order,
				 int64_t value, int64_t *result)
{
	struct atomic_counter_op o = {
		.index = index, .op = op, .order = order, .value = value,
		.flags = ATOMIC_COUNTER_OP_STRIPED,
	};

	if (ioctl(fd, ATOMIC_COUNTER_IOC_OP, &o) < 0)
		return -errno;
	if (result)
		*result = o.result;
	return 0;
}

static inline int64_t raw_read(int fd, uint64_t index)
{
	int64_t v = INT64_MIN + 12345;

	if (raw_op(fd, index, ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_RELAXED, 0, 0, &v))
		return INT64_MIN + 54321;	/* fails any comparison a test makes */
	return v;
}

static inline int raw_set(int fd, uint64_t index, int64_t value)
{
	return raw_op(fd, index, ATOMIC_COUNTER_OP_SET, ATOMIC_COUNTER_RELAXED, value, 0, NULL);
}

static inline int raw_info(int fd, struct atomic_counter_info *info)
{
	memset(info, 0, sizeof(*info));
	info->api = ATOMIC_COUNTER_API;
	return ioctl(fd, ATOMIC_COUNTER_IOC_INFO, info) < 0 ? -errno : 0;
}

/*
 * Map the regions userspace may write (by number and by name) read-write;
 * *size is set to their length. MAP_FAILED on failure, errno set.
 */
static inline void *raw_map_user_regions(int fd, size_t *size)
{
	struct atomic_counter_info info;

	if (raw_info(fd, &info)) {
		errno = EIO;
		return MAP_FAILED;
	}
	*size = info.kernel_first * ATOMIC_COUNTER_SIZE;
	return mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

/*
 * Load the module whose .ko the environment variable @env names (the VM job
 * exports them): 0, or a negative errno (-ENOENT when @env is unset).
 */
static inline int load_module_from_env(const char *env)
{
	const char *path = getenv(env);
	int ko, ret;

	if (!path)
		return -ENOENT;
	ko = open(path, O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		return -errno;
	ret = syscall(__NR_finit_module, ko, "", 0) ? -errno : 0;
	close(ko);
	return ret;
}

#endif /* AC_TEST_H */
