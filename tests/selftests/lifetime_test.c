// SPDX-License-Identifier: MIT
/*
 * Lifetime: counters live as long as the module, whatever happens to the
 * files; the module cannot go while a file or a mapping is alive, and a
 * reload starts from zero.
 *
 * Tests that unload the module run only when AC_TEST_MODULE names its .ko
 * (the VM harness sets it; on a real box they would take the module away
 * from its users), and they load it back with AC_TEST_MODULE_PARAMS.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "ac_test.h"

#define IDX 24

static int unload(void)
{
	return syscall(__NR_delete_module, "atomic_counter", O_NONBLOCK) ? -errno : 0;
}

static int load(void)
{
	const char *params = getenv("AC_TEST_MODULE_PARAMS");
	int fd = open(getenv("AC_TEST_MODULE"), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params ? params : "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

TEST(counters_persist_across_close_and_reopen)
{
	int fd;

	AC_OPEN_OR_SKIP(fd, O_RDWR);
	ASSERT_EQ(0, raw_set(fd, IDX, 1234));
	close(fd);
	fd = ac_test_open(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1234, raw_read(fd, IDX));
	raw_set(fd, IDX, 0);
	close(fd);
}

FIXTURE(unload) {
	int fd;
};

FIXTURE_SETUP(unload)
{
	AC_SKIP_SETUP_IF_PRIVATE("its descriptor holds the module");
	if (!getenv("AC_TEST_MODULE"))
		AC_SKIP_SETUP("unloads the module: set AC_TEST_MODULE=path/to/atomic_counter.ko");
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
}

FIXTURE_TEARDOWN(unload)
{
	if (self->fd >= 0)
		close(self->fd);
	/* Whatever a test did, leave the module loaded for the next one. */
	if (access(AC_DEVICE, F_OK))
		load();
}

TEST_F(unload, rmmod_refused_while_a_file_is_open)
{
	EXPECT_EQ(-EWOULDBLOCK, unload());
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, unload());
	EXPECT_EQ(-1, access(AC_DEVICE, F_OK));
	ASSERT_EQ(0, load());
}

TEST_F(unload, rmmod_refused_while_mapped_after_close)
{
	_Atomic int64_t *bank = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, bank);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-EWOULDBLOCK, unload());
	/* Still the live bank: an update here is seen through a new file. */
	bank[IDX] = 5;
	self->fd = ac_test_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(5, raw_read(self->fd, IDX));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-EWOULDBLOCK, unload());
	ASSERT_EQ(0, munmap((void *)bank, 4096));
	ASSERT_EQ(0, unload());
	ASSERT_EQ(0, load());
}

TEST_F(unload, reload_starts_from_zero)
{
	ASSERT_EQ(0, raw_set(self->fd, IDX, 77));
	ASSERT_EQ(0, raw_set(self->fd, 0, -1));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, unload());
	ASSERT_EQ(0, load());
	self->fd = ac_test_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, raw_read(self->fd, IDX));
	EXPECT_EQ(0, raw_read(self->fd, 0));
}

TEST_HARNESS_MAIN
