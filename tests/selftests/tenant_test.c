// SPDX-License-Identifier: MIT
/*
 * Tenants: processes of one effective user ID in different memory cgroups,
 * as containers without a user namespace are, or as the tenants of a
 * helper that creates banks for them. Each private bank is charged to the
 * memory cgroup of the task that creates it, which is what bounds a
 * tenant's banks: one tenant holding many banks cannot make another's
 * first IOC_BANK fail. bank_bytes_per_user, off by default, is an
 * administrator's pool per kuid for the whole machine, shared by those
 * tenants when set (see "Private banks" in the uapi header).
 *
 * Needs root (cgroups, the module parameter), cgroup v2 with the memory
 * controller, and a kernel from 5.11 on (before it bank pages go
 * uncharged); otherwise the tests are skipped, saying which is missing.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "ac_test.h"

#define BUDGET_PARAM	"/sys/module/atomic_counter/parameters/bank_bytes_per_user"
#define MIB		(1024 * 1024ULL)
#define MAX_TENANTS	4
#define MAX_BANKS	4096

/* What a tenant reports once it has made its banks. */
struct tenant_report {
	int err;		/* 0, or the errno of the first refused IOC_BANK */
	int banks;		/* banks created and held */
	uint64_t bytes;		/* their map_size, summed */
};

struct tenant {
	pid_t pid;
	int go;			/* closing it lets the tenant exit */
	int res;		/* its report */
};

FIXTURE(tenant) {
	int dev;
	char root[128];		/* the cgroup v2 mount */
	char top[192];		/* this test's cgroup, memory enabled for its children */
	char a[256], b[256], helper[256];
	struct tenant t[MAX_TENANTS];
	int nr;
	char budget[32];	/* bank_bytes_per_user as found, when a test changed it */
};

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	n = n < 0 ? -errno : n == (ssize_t)strlen(value) ? 0 : -EIO;
	close(fd);
	return n;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* A cgroup's file holding one number (memory.current); UINT64_MAX if unreadable. */
static uint64_t cg_read_u64(const char *cg, const char *file)
{
	char path[320], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (read_file(path, buf, sizeof(buf)))
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

/* The value of @key in a flat keyed file (memory.events); UINT64_MAX if absent. */
static uint64_t cg_read_key(const char *cg, const char *file, const char *key)
{
	char path[320], buf[1024], *p;
	size_t len = strlen(key);

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (read_file(path, buf, sizeof(buf)))
		return UINT64_MAX;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ' ')
			return strtoull(p + len + 1, NULL, 10);
	return UINT64_MAX;
}

static int cg_write(const char *cg, const char *file, const char *value)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_file(path, value);
}

/* Move the calling process into @cg. */
static int cg_enter(const char *cg)
{
	return cg_write(cg, "cgroup.procs", "0");
}

/* Where cgroup v2 is mounted, into @root; 0 or -errno. */
static int cg2_root(char *root, size_t size)
{
	char line[512], dir[128], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %127s %63s", dir, type) == 2 &&
			    !strcmp(type, "cgroup2")) {
				fclose(f);
				snprintf(root, size, "%s", dir);
				return 0;
			}
		fclose(f);
	}
	/* The busybox guest mounts none: mount it where systemd would. */
	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL))
		return -errno;
	snprintf(root, size, "/sys/fs/cgroup");
	return 0;
}

static int bank_create(int dev, uint64_t counters)
{
	struct atomic_counter_bank b = { .nr_counters = counters, .nr_named = 1, .nr_striped = 1 };
	int fd = ioctl(dev, ATOMIC_COUNTER_IOC_BANK, &b);

	return fd < 0 ? -errno : fd;
}

/* The largest bank a request makes: 8 MiB of counters, 5 of band slots and bands, and a few pages more. */
#define BIG	ATOMIC_COUNTER_BANK_MAX
/* The smallest: a page of each region. */
#define SMALL	1

/*
 * In a child that has joined @cg: create up to @nr_big banks of BIG
 * counters; if one is refused and @fill, SMALL ones until one is refused
 * (the creator at its exact limit). Report, and hold them until the parent
 * closes its end of @go.
 */
static void tenant_body(int dev, const char *cg, int nr_big, bool fill, int go, int res)
{
	struct tenant_report r = { 0 };
	struct atomic_counter_info info;
	bool big = true;
	char byte;
	int fd;

	if (cg_enter(cg))
		_exit(2);
	while (big ? r.banks < nr_big : r.banks < MAX_BANKS) {
		fd = bank_create(dev, big ? BIG : SMALL);
		if (fd < 0) {
			r.err = -fd;
			if (!big || !fill)
				break;
			big = false;
			continue;
		}
		if (raw_info(fd, &info))
			_exit(3);
		r.banks++;
		r.bytes += info.map_size;
	}
	if (write(res, &r, sizeof(r)) != sizeof(r))
		_exit(4);
	_exit(read(go, &byte, 1) == 0 ? 0 : 5);
}

/*
 * In a new child: close the parent's ends of the other tenants' pipes, so
 * that each tenant sees its own end of file when the parent closes it.
 */
static void close_others(struct tenant *t, int nr)
{
	while (nr--)
		if (t[nr].pid > 0) {
			close(t[nr].go);
			close(t[nr].res);
		}
}

/* Start a tenant in @cg (see tenant_body()); its report in @r. */
#define TENANT(cg, nr_big, fill, r) do {				\
	struct tenant *_t = &self->t[self->nr];				\
	int _go[2], _res[2];						\
									\
	ASSERT_GT(MAX_TENANTS, self->nr);				\
	ASSERT_EQ(0, pipe2(_go, O_CLOEXEC));				\
	ASSERT_EQ(0, pipe2(_res, O_CLOEXEC));				\
	_t->pid = fork();						\
	ASSERT_LE(0, _t->pid);						\
	if (!_t->pid) {							\
		close(_go[1]);						\
		close(_res[0]);						\
		close_others(self->t, self->nr);			\
		tenant_body(self->dev, (cg), (nr_big), (fill), _go[0], _res[1]); \
	}								\
	self->nr++;							\
	close(_go[0]);							\
	close(_res[1]);							\
	_t->go = _go[1];						\
	_t->res = _res[0];						\
	ASSERT_EQ(sizeof(r), read(_t->res, &(r), sizeof(r)))		\
		TH_LOG("tenant in %s died: %s", (cg), tenant_end(_t));	\
} while (0)

/* Let tenant @t go, and how it ended, as a string for a log. */
static const char *tenant_end(struct tenant *t)
{
	static char why[64];
	int status;

	if (t->pid <= 0)
		return "not started";
	close(t->go);
	close(t->res);
	if (waitpid(t->pid, &status, 0) != t->pid)
		snprintf(why, sizeof(why), "waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, sizeof(why), "exit %d", WEXITSTATUS(status));
	t->pid = 0;
	return why;
}

static int kernel_before(int major, int minor)
{
	struct utsname u;
	int ma, mi;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return -1;
	return ma < major || (ma == major && mi < minor);
}

FIXTURE_SETUP(tenant)
{
	char buf[256];
	int ret;

	self->nr = 0;
	self->budget[0] = '\0';
	self->top[0] = '\0';
	AC_SKIP_SETUP_IF_PRIVATE("the tenants make their banks from the device");
	self->dev = open(AC_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");
	ASSERT_LE(0, self->dev);
	if (geteuid())
		AC_SKIP_SETUP("needs root: cgroups and the module parameter");
	if (kernel_before(5, 11))
		AC_SKIP_SETUP("kernel before 5.11: bank pages are not charged to memory cgroups");
	ret = cg2_root(self->root, sizeof(self->root));
	if (ret == -ENODEV || ret == -ENOENT)
		AC_SKIP_SETUP("kernel without cgroup v2 (CONFIG_CGROUPS): %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("mount cgroup2: %s", strerror(-ret));
	snprintf(buf, sizeof(buf), "%s/cgroup.controllers", self->root);
	ASSERT_EQ(0, read_file(buf, buf, sizeof(buf)));
	if (!strstr(buf, "memory"))
		AC_SKIP_SETUP("no memory controller (CONFIG_MEMCG, or cgroup_disable=memory)");
	ASSERT_EQ(0, cg_write(self->root, "cgroup.subtree_control", "+memory"));
	snprintf(self->top, sizeof(self->top), "%s/ac-tenant-%d", self->root, getpid());
	ASSERT_EQ(0, mkdir(self->top, 0755));
	ASSERT_EQ(0, cg_write(self->top, "cgroup.subtree_control", "+memory"));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/b", self->top);
	snprintf(self->helper, sizeof(self->helper), "%s/helper", self->top);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	ASSERT_EQ(0, mkdir(self->helper, 0755));
}

FIXTURE_TEARDOWN(tenant)
{
	while (self->nr--)
		if (self->t[self->nr].pid > 0) {
			kill(self->t[self->nr].pid, SIGKILL);
			tenant_end(&self->t[self->nr]);
		}
	if (self->budget[0])
		write_file(BUDGET_PARAM, self->budget);
	if (self->top[0]) {
		rmdir(self->a);
		rmdir(self->b);
		rmdir(self->helper);
		rmdir(self->top);
	}
	if (self->dev >= 0)
		close(self->dev);
}

/* Set bank_bytes_per_user, keeping the old value for the teardown. */
#define SET_BUDGET(bytes) do {						\
	char _v[32];							\
									\
	if (!self->budget[0])						\
		ASSERT_EQ(0, read_file(BUDGET_PARAM, self->budget,	\
				       sizeof(self->budget)));		\
	snprintf(_v, sizeof(_v), "%llu", (unsigned long long)(bytes));	\
	ASSERT_EQ(0, write_file(BUDGET_PARAM, _v));			\
} while (0)

/*
 * The bug this suite is for: with a per-kuid pool of 16 MiB on by default,
 * tenant A could not hold 24 MiB of banks, and A at that limit (filled up
 * with small banks) made tenant B's first one fail with EDQUOT.
 */
TEST_F(tenant, one_holding_24_mib_of_banks_leaves_anothers_first_bank_alone)
{
	struct tenant_report ra, rb;

	TENANT(self->a, 3, true, ra);
	EXPECT_EQ(0, ra.err) TH_LOG("A's banks: %s", strerror(ra.err));
	EXPECT_EQ(3, ra.banks);
	EXPECT_LE(24 * MIB, ra.bytes);
	TENANT(self->b, 1, false, rb);
	EXPECT_EQ(0, rb.err) TH_LOG("B's first bank: %s", strerror(rb.err));
	EXPECT_EQ(1, rb.banks);
}

/*
 * memory.current never reads less than what is charged to the cgroup
 * (per-CPU pre-charges only add to it), and each cgroup here is new: so
 * A's reads at least the bytes of the banks A holds, whatever else A's
 * process takes. B's process takes a few pages of its own (stack, pipe,
 * copies on write) and nothing of A's: it reads less than one of A's
 * 8 MiB banks, where a charge to the wrong cgroup would put 24 MiB.
 */
TEST_F(tenant, each_bank_is_charged_to_its_creators_cgroup)
{
	struct tenant_report ra, rb;
	uint64_t a, b;

	TENANT(self->b, 0, false, rb);
	TENANT(self->a, 3, false, ra);
	ASSERT_EQ(3, ra.banks);
	a = cg_read_u64(self->a, "memory.current");
	b = cg_read_u64(self->b, "memory.current");
	EXPECT_LE(ra.bytes, a) TH_LOG("A holds %llu bytes of banks", (unsigned long long)ra.bytes);
	EXPECT_GT(ra.bytes / 3, b) TH_LOG("B: %llu bytes charged", (unsigned long long)b);
	/* The charge goes with the last holder. */
	tenant_end(&self->t[1]);
	EXPECT_GT(ra.bytes / 3, cg_read_u64(self->a, "memory.current"));
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

/*
 * The helper model of the uapi header: a helper in a cgroup of its own
 * forks a child that joins the tenant's cgroup, creates the bank there and
 * passes it back by SCM_RIGHTS. The child is gone; the helper holds the
 * bank (to give to the tenant), and the tenant's cgroup pays for it.
 * Bounds as in each_bank_is_charged_to_its_creators_cgroup.
 */
TEST_F(tenant, a_helper_charges_the_tenant_by_creating_in_its_cgroup)
{
	struct tenant *h = &self->t[self->nr];
	struct tenant_report r;
	int go[2], res[2], sv[2], ret;

	ret = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	if (ret && (errno == ENOSYS || errno == EAFNOSUPPORT))
		SKIP(return, "a kernel without UNIX sockets");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	h->pid = fork();
	ASSERT_LE(0, h->pid);
	if (!h->pid) {
		struct atomic_counter_info info;
		int status, fd;
		char byte;
		pid_t child;

		close(go[1]);
		close(res[0]);
		close_others(self->t, self->nr);
		if (cg_enter(self->helper))
			_exit(2);
		child = fork();
		if (child < 0)
			_exit(3);
		if (!child) {
			fd = cg_enter(self->a) ? -1 : bank_create(self->dev, BIG);
			_exit(fd < 0 || send_fd(sv[0], fd) ? 1 : 0);
		}
		fd = recv_fd(sv[1]);
		if (waitpid(child, &status, 0) != child || status || fd < 0)
			_exit(4);
		/* The bank works for whoever holds it now. */
		if (raw_set(fd, 7, 42) || raw_read(fd, 7) != 42 || raw_info(fd, &info))
			_exit(5);
		r = (struct tenant_report){ .banks = 1, .bytes = info.map_size };
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(6);
		_exit(read(go[0], &byte, 1) == 0 ? 0 : 7);
	}
	self->nr++;
	close(go[0]);
	close(res[1]);
	h->go = go[1];
	h->res = res[0];
	ASSERT_EQ(sizeof(r), read(h->res, &r, sizeof(r))) TH_LOG("helper: %s", tenant_end(h));
	EXPECT_LE(r.bytes, cg_read_u64(self->a, "memory.current"));
	EXPECT_GT(r.bytes, cg_read_u64(self->helper, "memory.current"));
	close(sv[0]);
	close(sv[1]);
}

/*
 * memory.max bounds a tenant's banks: one big bank (13 MiB with its band
 * slots and bands) fits under 20 MiB, a
 * second does not, and its creation fails with ENOMEM; the allocation
 * does not OOM-kill the tenant (the bank would not be freed by that), and
 * the tenant next door still gets its first bank.
 */
TEST_F(tenant, over_its_memory_max_a_tenant_gets_enomem_and_nothing_is_killed)
{
	struct tenant_report ra, rb;

	ASSERT_EQ(0, cg_write(self->a, "memory.max", "20M"));
	TENANT(self->a, 2, false, ra);
	EXPECT_EQ(1, ra.banks);
	EXPECT_EQ(ENOMEM, ra.err) TH_LOG("A's second bank: %s", strerror(ra.err));
	EXPECT_EQ(0, cg_read_key(self->a, "memory.events", "oom_kill"));
	EXPECT_STREQ("exit 0", tenant_end(&self->t[0]));
	TENANT(self->b, 1, false, rb);
	EXPECT_EQ(0, rb.err) TH_LOG("B's first bank: %s", strerror(rb.err));
}

/*
 * Set, bank_bytes_per_user is one pool per kuid for the whole machine, as
 * its description says: A fills it exactly (big banks, then small ones
 * until EDQUOT), and B, same user, other cgroup, is refused its first;
 * when A goes, B gets it.
 */
TEST_F(tenant, a_per_user_limit_is_one_pool_across_cgroups_edquot)
{
	struct tenant_report ra, rb;

	SET_BUDGET(16 * MIB);
	TENANT(self->a, 2, true, ra);
	EXPECT_EQ(EDQUOT, ra.err);
	EXPECT_LE(1, ra.banks);
	EXPECT_GE(16 * MIB, ra.bytes);
	TENANT(self->b, 1, false, rb);
	EXPECT_EQ(EDQUOT, rb.err);
	EXPECT_EQ(0, rb.banks);
	EXPECT_STREQ("exit 0", tenant_end(&self->t[0]));
	EXPECT_STREQ("exit 0", tenant_end(&self->t[1]));
	TENANT(self->b, 1, false, rb);
	EXPECT_EQ(0, rb.err);
	EXPECT_EQ(1, rb.banks);
}

/*
 * Banks are counted with no limit set, so a limit set at run time knows
 * the banks alive: A's 39 MiB, made with none, put the user over 16 MiB.
 */
TEST_F(tenant, a_limit_set_at_run_time_counts_the_banks_already_alive)
{
	struct tenant_report ra, rb;

	SET_BUDGET(0);
	TENANT(self->a, 3, false, ra);
	ASSERT_EQ(3, ra.banks);
	SET_BUDGET(16 * MIB);
	TENANT(self->b, 1, false, rb);
	EXPECT_EQ(EDQUOT, rb.err);
	EXPECT_EQ(0, rb.banks);
}

/* Off from 5.11 on (the memory cgroup bounds banks), 16 MiB before. */
TEST(the_per_user_limit_is_off_by_default)
{
	char buf[32];
	int before = kernel_before(5, 11);

	AC_SKIP_SETUP_IF_PRIVATE("it reads the device's module parameter");
	if (read_file(BUDGET_PARAM, buf, sizeof(buf)))
		SKIP(return, BUDGET_PARAM " absent: module not loaded");
	ASSERT_LE(0, before);
	EXPECT_EQ(before ? 16 * MIB : 0, strtoull(buf, NULL, 10));
}

TEST_HARNESS_MAIN
