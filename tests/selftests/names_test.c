// SPDX-License-Identifier: MIT
/*
 * Named counters from userspace: create (or open), look up, delete, walk,
 * and every error case with its errno.
 */
#include <stdio.h>

#include "ac_test.h"

FIXTURE(names) {
	int fd;
	struct atomic_counter_info info;
};

FIXTURE_SETUP(names)
{
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
	ASSERT_EQ(0, raw_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(names)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* One NAME_* ioctl; 0 or -errno, the struct filled in. */
static int name_op(int fd, unsigned long cmd, const char *name, uint64_t flags,
		   struct atomic_counter_name *n)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, strnlen(name, sizeof(n->name) - 1));
	n->flags = flags;
	return ioctl(fd, cmd, n) < 0 ? -errno : 0;
}

static int create(int fd, const char *name, uint64_t *index)
{
	struct atomic_counter_name n;
	int ret = name_op(fd, ATOMIC_COUNTER_IOC_NAME_CREATE, name, 0, &n);

	if (!ret && index)
		*index = n.index;
	return ret;
}

static int delete(int fd, const char *name)
{
	struct atomic_counter_name n;

	return name_op(fd, ATOMIC_COUNTER_IOC_NAME_DELETE, name, 0, &n);
}

TEST_F(names, create_gives_a_zeroed_counter_of_the_named_region)
{
	struct atomic_counter_name n;

	delete(self->fd, "test.create");
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.create", 0, &n));
	EXPECT_EQ(1, n.created);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_USER, n.owner);
	EXPECT_LE(self->info.named_first, n.index);
	EXPECT_GT(self->info.kernel_first, n.index);
	EXPECT_EQ(0, raw_read(self->fd, n.index));
	EXPECT_EQ(0, delete(self->fd, "test.create"));
}

TEST_F(names, create_of_an_existing_name_opens_it)
{
	struct atomic_counter_name a, b;

	delete(self->fd, "test.open");
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.open", 0, &a));
	ASSERT_EQ(0, raw_set(self->fd, a.index, 7));
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.open", 0, &b));
	EXPECT_EQ(0, b.created);
	EXPECT_EQ(a.index, b.index);
	EXPECT_EQ(7, raw_read(self->fd, b.index));
	EXPECT_EQ(0, delete(self->fd, "test.open"));
}

TEST_F(names, create_excl_of_an_existing_name_eexist)
{
	struct atomic_counter_name n;

	delete(self->fd, "test.excl");
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.excl",
			     ATOMIC_COUNTER_NAME_EXCL, &n));
	EXPECT_EQ(-EEXIST, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.excl",
				   ATOMIC_COUNTER_NAME_EXCL, &n));
	EXPECT_EQ(0, delete(self->fd, "test.excl"));
}

TEST_F(names, lookup_finds_the_same_counter)
{
	struct atomic_counter_name n;
	uint64_t index;

	delete(self->fd, "test.lookup");
	ASSERT_EQ(0, create(self->fd, "test.lookup", &index));
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.lookup", 0, &n));
	EXPECT_EQ(index, n.index);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_USER, n.owner);
	EXPECT_EQ(0, delete(self->fd, "test.lookup"));
}

TEST_F(names, lookup_and_delete_of_an_unknown_name_enoent)
{
	struct atomic_counter_name n;

	EXPECT_EQ(-ENOENT, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.never", 0, &n));
	EXPECT_EQ(-ENOENT, delete(self->fd, "test.never"));
}

TEST_F(names, delete_frees_the_name_and_zeroes_on_reuse)
{
	struct atomic_counter_name n;
	uint64_t index, again;

	delete(self->fd, "test.delete");
	ASSERT_EQ(0, create(self->fd, "test.delete", &index));
	ASSERT_EQ(0, raw_set(self->fd, index, 99));
	ASSERT_EQ(0, delete(self->fd, "test.delete"));
	EXPECT_EQ(-ENOENT, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.delete", 0, &n));
	EXPECT_EQ(0, raw_read(self->fd, index));
	ASSERT_EQ(0, create(self->fd, "test.delete", &again));
	EXPECT_EQ(0, raw_read(self->fd, again));
	EXPECT_EQ(0, delete(self->fd, "test.delete"));
}

TEST_F(names, names_survive_close_and_reopen)
{
	uint64_t index;
	struct atomic_counter_name n;
	int fd2;

	delete(self->fd, "test.survive");
	ASSERT_EQ(0, create(self->fd, "test.survive", &index));
	ASSERT_EQ(0, raw_set(self->fd, index, 5));
	close(self->fd);
	self->fd = -1;
	fd2 = open(AC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, name_op(fd2, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.survive", 0, &n));
	EXPECT_EQ(index, n.index);
	EXPECT_EQ(5, raw_read(fd2, index));
	EXPECT_EQ(0, delete(fd2, "test.survive"));
	close(fd2);
}

TEST_F(names, invalid_names_einval)
{
	static const char *const bad[] = {
		"", "9starts_with_a_digit", ".dot_first", "has space", "slash/name",
		"semi;colon", "quote\"", "tab\tname", "\xc3\xa9t\xc3\xa9",
	};
	struct atomic_counter_name n;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, bad[i], 0, &n))
			TH_LOG("'%s'", bad[i]);
		EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, bad[i], 0, &n));
	}
}

TEST_F(names, name_without_nul_or_with_trailing_bytes_einval)
{
	struct atomic_counter_name n;

	memset(&n, 'a', sizeof(n.name));	/* 48 letters, no NUL */
	n.index = n.flags = n.reserved = 0;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	EXPECT_EQ(EINVAL, errno);
	memset(&n, 0, sizeof(n));
	strcpy(n.name, "ok.name");
	n.name[20] = 'x';			/* garbage after the NUL */
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(names, longest_name_and_every_allowed_character)
{
	char name[ATOMIC_COUNTER_NAME_MAX];
	uint64_t index;

	memset(name, 'z', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name, "_Az09.:-", 8);
	ASSERT_EQ(0, create(self->fd, name, &index));
	EXPECT_EQ(0, delete(self->fd, name));
}

TEST_F(names, unknown_flags_and_reserved_einval)
{
	struct atomic_counter_name n;

	EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.flags", 4, &n));
	EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.flags",
				   ATOMIC_COUNTER_NAME_EXCL, &n));
	memset(&n, 0, sizeof(n));
	strcpy(n.name, "test.flags");
	n.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENOENT, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.flags", 0, &n));
}

TEST_F(names, bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(names, read_only_fd_looks_up_but_cannot_create_or_delete_ebadf)
{
	struct atomic_counter_name n;
	int ro = open(AC_DEVICE, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, ro);
	delete(self->fd, "test.ro");
	ASSERT_EQ(0, create(self->fd, "test.ro", NULL));
	EXPECT_EQ(0, name_op(ro, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.ro", 0, &n));
	EXPECT_EQ(-EBADF, name_op(ro, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.ro2", 0, &n));
	EXPECT_EQ(-EBADF, delete(ro, "test.ro"));
	EXPECT_EQ(0, delete(self->fd, "test.ro"));
	close(ro);
}

TEST_F(names, next_walks_every_name_in_index_order)
{
	uint64_t a, b, from = 0, last = 0;
	struct atomic_counter_name n;
	int seen = 0, count = 0;

	ASSERT_EQ(0, create(self->fd, "test.walk_a", &a));
	ASSERT_EQ(0, create(self->fd, "test.walk_b", &b));
	for (;;) {
		memset(&n, 0, sizeof(n));
		n.index = from;
		if (ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n)) {
			EXPECT_EQ(ENOENT, errno);
			break;
		}
		EXPECT_TRUE(!count || n.index > last);
		seen += n.index == a && !strcmp(n.name, "test.walk_a");
		seen += n.index == b && !strcmp(n.name, "test.walk_b");
		last = n.index;
		from = n.index + 1;
		count++;
	}
	EXPECT_EQ(2, seen);
	EXPECT_EQ(0, delete(self->fd, "test.walk_a"));
	EXPECT_EQ(0, delete(self->fd, "test.walk_b"));
}

TEST_F_TIMEOUT(names, full_table_enospc, 120)
{
	char name[32];
	uint64_t i, made = 0;

	for (i = 0; i < self->info.nr_named + 1; i++) {
		snprintf(name, sizeof(name), "fill.%llu", (unsigned long long)i);
		if (create(self->fd, name, NULL))
			break;
		made++;
	}
	/* Every named counter taken (some may have been before), then ENOSPC. */
	EXPECT_GE(self->info.nr_named, made);
	snprintf(name, sizeof(name), "fill.%llu", (unsigned long long)made);
	EXPECT_EQ(-ENOSPC, create(self->fd, name, NULL));
	for (i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "fill.%llu", (unsigned long long)i);
		EXPECT_EQ(0, delete(self->fd, name));
	}
	EXPECT_EQ(0, create(self->fd, "fill.after", NULL));
	EXPECT_EQ(0, delete(self->fd, "fill.after"));
}

TEST_F(names, user_names_show_in_the_text_view)
{
	char line[256], want[128];
	uint64_t index;
	FILE *f;
	int found = 0;

	f = fopen("/sys/kernel/debug/atomic_counter/counters", "r");
	if (!f)
		SKIP(return, "debugfs not mounted at /sys/kernel/debug");
	fclose(f);
	ASSERT_EQ(0, create(self->fd, "test.view", &index));
	ASSERT_EQ(0, raw_set(self->fd, index, -12));
	snprintf(want, sizeof(want), "test.view %llu user -12\n", (unsigned long long)index);
	f = fopen("/sys/kernel/debug/atomic_counter/counters", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		found += !strcmp(line, want);
	fclose(f);
	EXPECT_EQ(1, found);
	EXPECT_EQ(0, delete(self->fd, "test.view"));
}

TEST_HARNESS_MAIN
