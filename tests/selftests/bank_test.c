// SPDX-License-Identifier: MIT
/*
 * Private banks: only the holders of a bank's descriptors reach it; they
 * share it across fork() and SCM_RIGHTS; it lives while any of them (or a
 * mapping) does, and its memory is counted against its creator's budget,
 * bank_bytes_per_user, which refuses with EDQUOT when set (the tests here
 * set it; tenant_test.c has the memory cgroup's side).
 *
 * Every other suite runs on a private bank too (tests/vm/selftests.sh):
 * this one pins down what only a private bank does.
 */
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "ac_test.h"

#define IDX		7
#define BUDGET_PARAM	"/sys/module/atomic_counter/parameters/bank_bytes_per_user"
#define MAX_BANKS	4096

FIXTURE(bank) {
	int dev;		/* the device: the global bank */
	int fd;			/* a private bank */
	struct atomic_counter_info info;
	char budget[32];	/* bank_bytes_per_user as found, when a test changed it */
};

static int bank_create(int dev, uint64_t counters, uint64_t named, uint64_t striped)
{
	struct atomic_counter_bank b = {
		.nr_counters = counters, .nr_named = named, .nr_striped = striped,
	};
	int fd = ioctl(dev, ATOMIC_COUNTER_IOC_BANK, &b);

	return fd < 0 ? -errno : fd;
}

static int bank_reopen(int fd, uint64_t flags)
{
	struct atomic_counter_bank b = { .flags = ATOMIC_COUNTER_BANK_REOPEN | flags };
	int ret = ioctl(fd, ATOMIC_COUNTER_IOC_BANK, &b);

	return ret < 0 ? -errno : ret;
}

static int name_op(int fd, unsigned long cmd, const char *name, struct atomic_counter_name *n)
{
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);
	return ioctl(fd, cmd, n) < 0 ? -errno : 0;
}

FIXTURE_SETUP(bank)
{
	self->budget[0] = '\0';
	/* New banks come from the device, whichever bank the other suites use. */
	self->dev = open(AC_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");
	ASSERT_LE(0, self->dev);
	self->fd = bank_create(self->dev, 1, 1, 1);
	ASSERT_LE(0, self->fd) TH_LOG("IOC_BANK: %s", strerror(-self->fd));
	ASSERT_EQ(0, raw_info(self->fd, &self->info));
}

static int write_param(const char *value)
{
	int fd = open(BUDGET_PARAM, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -EIO;
}

FIXTURE_TEARDOWN(bank)
{
	if (self->budget[0])
		write_param(self->budget);
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * Set the budget to @bytes, keeping the old one for the teardown; the test
 * is skipped where the parameter cannot be written (not root).
 */
#define SET_BUDGET(bytes) do {						\
	int _fd = open(BUDGET_PARAM, O_RDONLY | O_CLOEXEC);		\
	ssize_t _n;							\
	char _v[32];							\
									\
	ASSERT_LE(0, _fd);						\
	_n = read(_fd, self->budget, sizeof(self->budget) - 1);	\
	close(_fd);							\
	ASSERT_LT(0, _n);						\
	self->budget[_n] = '\0';					\
	snprintf(_v, sizeof(_v), "%llu", (unsigned long long)(bytes)); \
	if (write_param(_v)) {						\
		self->budget[0] = '\0';					\
		SKIP(return, "cannot write " BUDGET_PARAM);		\
	}								\
} while (0)

/*
 * A budget that holds about a dozen of the fixture's banks at any page
 * size: the smallest bank is a page of each region and a name table sized
 * by its named region, a page of counters (512 names with 4 KiB pages,
 * 8192 with 64 KiB: about 80 KiB or 800 KiB in all). 256 pages: 1 MiB, or
 * 16 MiB with 64 KiB pages.
 */
#define SMALL_BUDGET	(256ULL * (unsigned long long)sysconf(_SC_PAGESIZE))

/* Banks of the fixture's size until the budget refuses one: how many fit. */
static int fill(int dev, int *fds)
{
	int n = 0, fd;

	while (n < MAX_BANKS && (fd = bank_create(dev, 1, 1, 1)) >= 0)
		fds[n++] = fd;
	return fd == -EDQUOT ? n : -1;
}

static void close_all(int *fds, int n)
{
	while (n--)
		close(fds[n]);
}

TEST_F(bank, info_says_private_and_describes_its_own_layout)
{
	struct atomic_counter_info global;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t per_page = page / ATOMIC_COUNTER_SIZE;
	uint64_t striped = (self->info.nr_striped * self->info.nr_stripes + per_page - 1) /
			   per_page * per_page;

	EXPECT_EQ(ATOMIC_COUNTER_INFO_PRIVATE, self->info.flags);
	EXPECT_EQ(ATOMIC_COUNTER_FEATURES, self->info.features);
	EXPECT_NE(0, self->info.features & ATOMIC_COUNTER_FEATURE_BANKS);
	/* Each size rounded up: to a page, and striped counters to a cache line. */
	EXPECT_EQ(per_page, self->info.nr_counters);
	EXPECT_EQ(per_page, self->info.nr_named);
	EXPECT_EQ(self->info.cache_line_bytes / ATOMIC_COUNTER_SIZE, self->info.nr_striped);
	/* The kernel regions: a page for the bank's waiter count, and no striped one. */
	EXPECT_EQ(per_page, self->info.nr_kernel);
	EXPECT_EQ(0, self->info.nr_kernel_striped);
	EXPECT_EQ(self->info.nr_counters, self->info.named_first);
	EXPECT_EQ(self->info.named_first + self->info.nr_named + striped, self->info.kernel_first);
	EXPECT_EQ((self->info.kernel_first + self->info.nr_kernel) * ATOMIC_COUNTER_SIZE,
		  self->info.map_size);
	EXPECT_EQ(self->info.kernel_first, self->info.waiters_index);
	ASSERT_EQ(0, raw_info(self->dev, &global));
	EXPECT_EQ(0, global.flags);
}

TEST_F(bank, info_flags_in_must_be_zero_einval)
{
	struct atomic_counter_info info = { .api = ATOMIC_COUNTER_API, .flags = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(bank, a_new_bank_is_all_zero)
{
	const int64_t *map = mmap(NULL, self->info.map_size, PROT_READ, MAP_SHARED, self->fd, 0);
	uint64_t i, nonzero = 0;

	ASSERT_NE(MAP_FAILED, map);
	for (i = 0; i < self->info.map_size / ATOMIC_COUNTER_SIZE; i++)
		nonzero += map[i] != 0;
	EXPECT_EQ(0, nonzero);
	munmap((void *)map, self->info.map_size);
}

TEST_F(bank, its_counters_are_not_the_global_banks)
{
	int64_t global = raw_read(self->dev, IDX);

	ASSERT_EQ(0, raw_set(self->fd, IDX, 1111));
	EXPECT_EQ(global, raw_read(self->dev, IDX));
	ASSERT_EQ(0, raw_set(self->dev, IDX, global + 1));
	EXPECT_EQ(1111, raw_read(self->fd, IDX));
	raw_set(self->dev, IDX, global);
}

TEST_F(bank, two_banks_share_nothing)
{
	int other = bank_create(self->dev, 1, 1, 1);
	struct atomic_counter_name n;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, raw_set(self->fd, IDX, 5));
	EXPECT_EQ(0, raw_read(other, IDX));
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.bank.mine", &n));
	EXPECT_EQ(-ENOENT, name_op(other, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.bank.mine", &n));
	close(other);
}

TEST_F(bank, its_names_are_its_own)
{
	struct atomic_counter_name n, g;

	name_op(self->dev, ATOMIC_COUNTER_IOC_NAME_DELETE, "test.bank.global", &g);
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.bank.private", &n));
	EXPECT_EQ(1, n.created);
	EXPECT_EQ(self->info.named_first, n.index);
	EXPECT_EQ(-ENOENT, name_op(self->dev, ATOMIC_COUNTER_IOC_NAME_LOOKUP,
				   "test.bank.private", &g));
	ASSERT_EQ(0, name_op(self->dev, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.bank.global", &g));
	EXPECT_EQ(-ENOENT, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP,
				   "test.bank.global", &n));
	/* The same name in both: two counters. */
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.bank.global", &n));
	EXPECT_EQ(1, n.created);
	EXPECT_EQ(0, name_op(self->dev, ATOMIC_COUNTER_IOC_NAME_DELETE, "test.bank.global", &g));
}

TEST_F(bank, its_names_are_not_in_the_text_view)
{
	struct atomic_counter_name n;
	char line[256];
	int found = 0;
	FILE *f;

	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.bank.hidden", &n));
	f = fopen("/sys/kernel/debug/atomic_counter/counters", "r");
	if (!f)
		SKIP(return, "debugfs not mounted at /sys/kernel/debug");
	while (fgets(line, sizeof(line), f))
		found += !strncmp(line, "test.bank.hidden ", 17);
	fclose(f);
	EXPECT_EQ(0, found);
}

TEST_F(bank, a_new_bank_has_one_name_its_waiter_count)
{
	struct atomic_counter_name n = { .index = 0 };

	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	EXPECT_STREQ("atomic_counter.waiters", n.name);
	EXPECT_EQ(self->info.waiters_index, n.index);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_KERNEL, n.owner);
	/* On from the next index, the outputs zeroed (see NEXT in the uapi header). */
	n = (struct atomic_counter_name){ .index = n.index + 1 };
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	EXPECT_EQ(ENOENT, errno);
	/* No kernel code registers here: its names are refused as everywhere. */
	EXPECT_EQ(-EPERM, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "kernel.forks", &n));
}

TEST_F(bank, its_descriptor_is_cloexec_and_read_write)
{
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD));
	EXPECT_EQ(O_RDWR, fcntl(self->fd, F_GETFL) & O_ACCMODE);
}

/*
 * Whether this kernel exports anon_inode_create_getfile() (6.8 on), which
 * gives each private bank an inode of its own (see "Private banks").
 */
static bool bank_has_own_inode(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 8);
}

/*
 * -ENXIO where the inode's owner and mode let the caller in (root; the
 * creator, owner of a bank's own inode), else -EACCES.
 */
TEST_F(bank, it_cannot_be_opened_by_path)
{
	int want = geteuid() == 0 || bank_has_own_inode() ? ENXIO : EACCES;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->fd);
	EXPECT_EQ(-1, open(path, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(want, errno);
	EXPECT_EQ(-1, open(path, O_RDONLY | O_CLOEXEC));
	EXPECT_EQ(want, errno);
}

/* st_ino tells banks apart, and a REOPEN shares its bank's inode. */
TEST_F(bank, each_bank_has_an_inode_of_its_own_shared_by_its_files)
{
	struct stat a, b, r, g;
	int other, fd;

	if (!bank_has_own_inode())
		SKIP(return, "kernel before 6.8: no anon_inode_create_getfile(), banks share one inode");
	other = bank_create(self->dev, 1, 1, 1);
	ASSERT_LE(0, other);
	fd = bank_reopen(self->fd, ATOMIC_COUNTER_BANK_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(self->fd, &a));
	ASSERT_EQ(0, fstat(other, &b));
	ASSERT_EQ(0, fstat(fd, &r));
	ASSERT_EQ(0, fstat(self->dev, &g));
	EXPECT_NE(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
	EXPECT_EQ(a.st_ino, r.st_ino);
	EXPECT_EQ(a.st_dev, r.st_dev);
	EXPECT_NE(a.st_ino, g.st_ino);
	close(fd);
	close(other);
}

TEST_F(bank, reopen_gives_another_file_of_the_same_bank)
{
	int fd = bank_reopen(self->fd, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, raw_set(fd, IDX, 77));
	EXPECT_EQ(77, raw_read(self->fd, IDX));
	close(fd);
}

TEST_F(bank, a_read_only_reopen_reads_and_cannot_write)
{
	int ro = bank_reopen(self->fd, ATOMIC_COUNTER_BANK_RDONLY);
	struct atomic_counter_name n;
	void *map;

	ASSERT_LE(0, ro);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, raw_set(self->fd, IDX, 12));
	EXPECT_EQ(12, raw_read(ro, IDX));
	EXPECT_EQ(-EBADF, raw_set(ro, IDX, 13));
	EXPECT_EQ(-EBADF, name_op(ro, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.bank.ro", &n));
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EACCES, errno);
	/* Never more than the file it came from. */
	EXPECT_EQ(-EBADF, bank_reopen(ro, 0));
	close(ro);
	EXPECT_EQ(12, raw_read(self->fd, IDX));
}

TEST_F(bank, the_device_can_be_reopened_too)
{
	int fd = bank_reopen(self->dev, ATOMIC_COUNTER_BANK_RDONLY);
	struct atomic_counter_info info;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_info(fd, &info));
	EXPECT_EQ(0, info.flags);
	close(fd);
}

TEST_F(bank, a_read_only_device_cannot_create_a_bank_ebadf)
{
	int ro = open(AC_DEVICE, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, bank_create(ro, 1, 1, 1));
	close(ro);
}

TEST_F(bank, a_write_only_file_cannot_reopen_ebadf)
{
	int wo = open(AC_DEVICE, O_WRONLY | O_CLOEXEC);

	ASSERT_LE(0, wo);
	/* Every new file can read and map: more than a write-only one may. */
	EXPECT_EQ(-EBADF, bank_reopen(wo, 0));
	EXPECT_EQ(-EBADF, bank_reopen(wo, ATOMIC_COUNTER_BANK_RDONLY));
	close(wo);
}

TEST_F(bank, creating_a_read_only_bank_einval)
{
	struct atomic_counter_bank b = {
		.nr_counters = 1, .nr_named = 1, .nr_striped = 1,
		.flags = ATOMIC_COUNTER_BANK_RDONLY,
	};

	EXPECT_EQ(-1, ioctl(self->dev, ATOMIC_COUNTER_IOC_BANK, &b));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(bank, a_banks_file_cannot_create_a_bank_eperm)
{
	EXPECT_EQ(-EPERM, bank_create(self->fd, 1, 1, 1));
}

TEST_F(bank, bad_requests_einval_efault)
{
	struct atomic_counter_bank b = { .nr_counters = 1, .nr_named = 1, .nr_striped = 1 };

	b.flags = 1ULL << 2;
	EXPECT_EQ(-1, ioctl(self->dev, ATOMIC_COUNTER_IOC_BANK, &b));
	EXPECT_EQ(EINVAL, errno);
	b.flags = 0;
	b.reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(self->dev, ATOMIC_COUNTER_IOC_BANK, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, bank_create(self->dev, 0, 1, 1));
	EXPECT_EQ(-EINVAL, bank_create(self->dev, 1, 0, 1));
	EXPECT_EQ(-EINVAL, bank_create(self->dev, 1, 1, 0));
	EXPECT_EQ(-EINVAL, bank_create(self->dev, ATOMIC_COUNTER_BANK_MAX + 1, 1, 1));
	EXPECT_EQ(-EINVAL, bank_create(self->dev, 1, ATOMIC_COUNTER_BANK_MAX + 1, 1));
	EXPECT_EQ(-EINVAL, bank_create(self->dev, 1, 1, ATOMIC_COUNTER_BANK_MAX + 1));
	EXPECT_EQ(-EINVAL, bank_create(self->dev, 1, 1, UINT64_MAX));
	/* REOPEN takes no sizes. */
	b = (struct atomic_counter_bank){ .flags = ATOMIC_COUNTER_BANK_REOPEN, .nr_named = 1 };
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BANK, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->dev, ATOMIC_COUNTER_IOC_BANK, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(bank, shared_with_a_child_across_fork)
{
	_Atomic int64_t *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	int status, i;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, map);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < 1000; i++)
			atomic_fetch_add(&map[IDX], 1);
		_exit(raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_ADD, ATOMIC_COUNTER_RELAXED,
			     1000, 0, NULL) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(2000, raw_read(self->fd, IDX));
	munmap(map, 4096);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'b';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A process that had no descriptor of the bank gets one, and counts in it. */
TEST_F(bank, shared_with_an_unrelated_process_by_scm_rights)
{
	int sv[2], status, ret;
	pid_t pid;

	ret = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	/* The debug lanes' kernels have no networking at all: ENOSYS. */
	if (ret && (errno == ENOSYS || errno == EAFNOSUPPORT))
		SKIP(return, "a kernel without UNIX sockets");
	ASSERT_EQ(0, ret);
	close(self->fd);	/* the child must not inherit it: made after fork() */
	self->fd = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = recv_fd(sv[1]);

		if (fd < 0)
			_exit(2);
		_exit(raw_op(fd, IDX, ATOMIC_COUNTER_OP_ADD, ATOMIC_COUNTER_RELAXED, 41, 0, NULL) ?
		      3 : 0);
	}
	self->fd = bank_create(self->dev, 1, 1, 1);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, raw_set(self->fd, IDX, 1));
	ASSERT_EQ(0, send_fd(sv[0], self->fd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(42, raw_read(self->fd, IDX));
	close(sv[0]);
	close(sv[1]);
}

/*
 * The creator makes a bank, sets a counter, forks the holder and exits;
 * the holder, told only once the creator is reaped, finds the bank alive.
 */
TEST_F(bank, it_outlives_its_creator_while_another_holder_remains)
{
	int go[2], res[2], status;
	pid_t creator;
	char ok = 1;

	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	creator = fork();
	ASSERT_LE(0, creator);
	if (!creator) {
		int mine = bank_create(self->dev, 1, 1, 1);
		char byte;

		if (mine < 0 || raw_set(mine, IDX, 42))
			_exit(2);
		if (fork() == 0) {
			close(go[1]);
			if (read(go[0], &byte, 1) != 0)	/* EOF: the creator is gone */
				_exit(1);
			byte = raw_read(mine, IDX) != 42 ||
			       raw_op(mine, IDX, ATOMIC_COUNTER_OP_INC, ATOMIC_COUNTER_RELAXED,
				      0, 0, NULL) || raw_read(mine, IDX) != 43;
			_exit(write(res[1], &byte, 1) == 1 ? 0 : 1);
		}
		_exit(0);
	}
	close(res[1]);
	ASSERT_EQ(creator, waitpid(creator, &status, 0));
	EXPECT_EQ(0, status);
	close(go[1]);
	ASSERT_EQ(1, read(res[0], &ok, 1));
	EXPECT_EQ(0, ok);
	close(go[0]);
	close(res[0]);
}

/* A waiter on a bank's counter sees that counter, never the global one at its index. */
TEST_F(bank, a_wait_is_on_the_banks_counter)
{
	const _Atomic int64_t *map = mmap(NULL, self->info.map_size, PROT_READ, MAP_SHARED,
				       self->fd, 0);
	int64_t global = raw_read(self->dev, IDX);
	struct atomic_counter_info ginfo;
	int64_t gwaiters;
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, raw_info(self->dev, &ginfo));
	gwaiters = raw_read(self->dev, ginfo.waiters_index);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct atomic_counter_wait w = {
			.index = IDX, .cond = ATOMIC_COUNTER_COND_GE, .value = 1, .timeout_ns = -1,
		};

		if (ioctl(self->fd, ATOMIC_COUNTER_IOC_WAIT, &w))
			_exit(2);
		_exit(w.result == 7 ? 0 : 3);
	}
	/* The bank's own waiter count says when the child waits; the global's does not move. */
	while (!atomic_load(&map[self->info.waiters_index]))
		sched_yield();
	EXPECT_EQ(gwaiters, raw_read(self->dev, ginfo.waiters_index));
	ASSERT_EQ(0, raw_set(self->dev, IDX, global + 100));
	ASSERT_EQ(0, raw_set(self->fd, IDX, 7));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, atomic_load(&map[self->info.waiters_index]));
	raw_set(self->dev, IDX, global);
	munmap((void *)map, self->info.map_size);
}

/* ARM belongs to a file: two files of one bank, two conditions. */
TEST_F(bank, each_reopened_file_arms_its_own_condition)
{
	struct atomic_counter_wait w = { .index = IDX, .cond = ATOMIC_COUNTER_COND_EQ };
	int other = bank_reopen(self->fd, ATOMIC_COUNTER_BANK_RDONLY);
	struct pollfd p[2];

	ASSERT_LE(0, other);
	w.value = 1;
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_ARM, &w));
	w.value = 2;
	ASSERT_EQ(0, ioctl(other, ATOMIC_COUNTER_IOC_ARM, &w));
	ASSERT_EQ(0, raw_set(self->fd, IDX, 2));
	p[0] = (struct pollfd){ .fd = self->fd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = other, .events = POLLIN };
	EXPECT_EQ(1, poll(p, 2, 0));
	EXPECT_EQ(0, p[0].revents);
	EXPECT_EQ(POLLIN, p[1].revents);
	close(other);
}

TEST_F(bank, the_budget_refuses_edquot_and_closing_gives_it_back)
{
	static int fds[MAX_BANKS];
	int n, again;

	SET_BUDGET(SMALL_BUDGET);
	n = fill(self->dev, fds);
	ASSERT_LT(0, n);
	close_all(fds, n);
	again = fill(self->dev, fds);
	EXPECT_EQ(n, again);
	if (again > 0)
		close_all(fds, again);
	/*
	 * More than the whole budget in one bank: 8 MiB of counters and as
	 * many names (56 bytes each), whatever the page size.
	 */
	EXPECT_EQ(-EDQUOT, bank_create(self->dev, ATOMIC_COUNTER_BANK_MAX,
				       ATOMIC_COUNTER_BANK_MAX, 1));
}

/* A child holds one bank: its charge stays until the child goes. */
TEST_F(bank, the_charge_lasts_until_the_last_holder_goes)
{
	static int fds[MAX_BANKS];
	int n, m, go[2], status;
	char byte = 'x';
	pid_t pid;

	SET_BUDGET(SMALL_BUDGET);
	n = fill(self->dev, fds);
	ASSERT_LT(1, n);
	close_all(fds + 1, n - 1);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(go[1]);
		_exit(read(go[0], &byte, 1) == 0 ? 0 : 1);	/* holds fds[0] until told */
	}
	close(go[0]);
	close(fds[0]);
	m = fill(self->dev, fds);
	EXPECT_EQ(n - 1, m);
	if (m > 0)
		close_all(fds, m);
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	m = fill(self->dev, fds);
	EXPECT_EQ(n, m);
	if (m > 0)
		close_all(fds, m);
}

/* A mapping holds its file, and so the bank, after close(). */
TEST_F(bank, a_mapping_keeps_the_bank_after_close)
{
	static int fds[MAX_BANKS];
	_Atomic int64_t *map;
	int n, m;

	SET_BUDGET(SMALL_BUDGET);
	n = fill(self->dev, fds);
	ASSERT_LT(1, n);
	close_all(fds + 1, n - 1);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	ASSERT_NE(MAP_FAILED, map);
	close(fds[0]);
	atomic_store(&map[IDX], 9);
	EXPECT_EQ(9, atomic_load(&map[IDX]));
	m = fill(self->dev, fds);
	EXPECT_EQ(n - 1, m);
	if (m > 0)
		close_all(fds, m);
	ASSERT_EQ(0, munmap(map, 4096));
	m = fill(self->dev, fds);
	EXPECT_EQ(n, m);
	if (m > 0)
		close_all(fds, m);
}

/* The budget is per user: another user's banks are not counted in it. */
TEST_F(bank, each_user_has_a_budget_of_its_own)
{
	static int fds[MAX_BANKS];
	int n, status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root, to become another user");
	SET_BUDGET(SMALL_BUDGET);
	n = fill(self->dev, fds);
	ASSERT_LT(0, n);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		fd = bank_create(self->dev, 1, 1, 1);
		_exit(fd >= 0 ? 0 : fd == -EDQUOT ? 3 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(-EDQUOT, bank_create(self->dev, 1, 1, 1));
	close_all(fds, n);
}

TEST_HARNESS_MAIN
