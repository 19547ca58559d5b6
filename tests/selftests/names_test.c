// SPDX-License-Identifier: MIT
/*
 * Named counters from userspace: create (or open), look up, delete, walk,
 * and every error case with its errno; and a name hash that names chosen
 * in advance cannot pile into one chain.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

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
	fd2 = ac_test_open(O_RDWR);
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
	int ro = ac_test_open(O_RDONLY);

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

	if (ac_test_private())
		SKIP(return, "a private bank: the text view lists the global bank's names only");
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

TEST_F(names, next_returns_zeroes_after_the_nul_and_lookup_takes_its_buffer_outputs_cleared)
{
	char longest[ATOMIC_COUNTER_NAME_MAX], want[ATOMIC_COUNTER_NAME_MAX] = "short";
	struct atomic_counter_name n;
	uint64_t index, again;

	memset(longest, 'x', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	delete(self->fd, longest);
	delete(self->fd, "short");
	ASSERT_EQ(0, create(self->fd, longest, &index));
	ASSERT_EQ(0, delete(self->fd, longest));
	/* Names go to the lowest free counter: the one just freed. */
	ASSERT_EQ(0, create(self->fd, "short", &again));
	ASSERT_EQ(index, again);
	memset(&n, 0, sizeof(n));
	n.index = index;
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	ASSERT_EQ(index, n.index);
	EXPECT_EQ(0, memcmp(want, n.name, sizeof(want)));
	/* As returned, its outputs are set: LOOKUP takes them zeroed. */
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n));
	EXPECT_EQ(EINVAL, errno);
	n.index = 0;
	n.flags = 0;
	n.owner = 0;
	n.generation = 0;
	EXPECT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(index, n.index);
	EXPECT_EQ(0, delete(self->fd, "short"));
}

TEST_F(names, bytes_above_0x7f_einval_anywhere_in_a_name)
{
	struct atomic_counter_name n;
	char name[4];
	int c;

	for (c = 0x80; c <= 0xff; c++) {
		snprintf(name, sizeof(name), "%c", c);
		EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, name, 0, &n))
			TH_LOG("first byte %#x", c);
		delete(self->fd, name);	/* what the old module let us take */
		snprintf(name, sizeof(name), "a%c", c);
		EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, name, 0, &n))
			TH_LOG("second byte %#x", c);
		delete(self->fd, name);
		EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, name, 0, &n));
	}
	EXPECT_EQ(-EINVAL, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "\xe9t\xe9", 0, &n));
	delete(self->fd, "\xe9t\xe9");
}

TEST_F(names, create_of_an_unregistered_kernel_name_eperm)
{
	static const char *const reserved[] = {
		"kernel.names_test", "kernel.", "atomic_counter.names_test",
	};
	struct atomic_counter_name n;
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		EXPECT_EQ(-EPERM, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, reserved[i], 0, &n))
			TH_LOG("'%s'", reserved[i]);
		EXPECT_EQ(-EPERM, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, reserved[i],
					  ATOMIC_COUNTER_NAME_EXCL | ATOMIC_COUNTER_NAME_STRIPED, &n));
		EXPECT_EQ(-ENOENT, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, reserved[i], 0, &n));
		delete(self->fd, reserved[i]);	/* what the old module let us take */
	}
	/* Only the prefix with its dot is reserved. */
	EXPECT_EQ(0, create(self->fd, "kernel_names_test", NULL));
	EXPECT_EQ(0, delete(self->fd, "kernel_names_test"));
}

TEST_F(names, create_of_a_registered_kernel_name_opens_it)
{
	struct atomic_counter_name n;

	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "atomic_counter.waiters", 0, &n));
	EXPECT_EQ(0, n.created);
	EXPECT_EQ(self->info.waiters_index, n.index);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_KERNEL, n.owner);
	EXPECT_EQ(-EEXIST, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "atomic_counter.waiters",
				   ATOMIC_COUNTER_NAME_EXCL, &n));
}

static int load_sample(void)
{
	return load_module_from_env("AC_TEST_SAMPLE");
}

TEST_F(names, a_process_cannot_take_a_kernel_name_before_its_module_loads)
{
	struct atomic_counter_name n;
	int loaded;

	if (!getenv("AC_TEST_SAMPLE"))
		SKIP(return, "loads the sample: set AC_TEST_SAMPLE=path/to/atomic_counter_forks.ko");
	if (ac_test_private())
		SKIP(return, "a private bank: kernel code registers in the global bank only");
	if (!name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "kernel.forks", 0, &n))
		SKIP(return, "the sample is loaded already");
	EXPECT_EQ(-EPERM, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "kernel.forks", 0, &n));
	loaded = load_sample();
	EXPECT_EQ(0, loaded);
	if (loaded) {
		delete(self->fd, "kernel.forks");	/* the old module's squatter */
		return;
	}
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "kernel.forks", 0, &n));
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_KERNEL, n.owner);
	EXPECT_LE(self->info.kernel_first, n.index);
	EXPECT_EQ(0, syscall(__NR_delete_module, "atomic_counter_forks", O_NONBLOCK));
}

TEST_F(names, generation_tells_a_reused_counter_from_the_same_life)
{
	struct atomic_counter_name c, l, nx, again;

	delete(self->fd, "test.gen");
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.gen", 0, &c));
	EXPECT_NE(0, c.generation);
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.gen", 0, &l));
	EXPECT_EQ(c.generation, l.generation);
	memset(&nx, 0, sizeof(nx));
	nx.index = c.index;
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &nx));
	EXPECT_EQ(c.index, nx.index);
	EXPECT_EQ(c.generation, nx.generation);
	/* Opening an existing name is the same life. */
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.gen", 0, &again));
	EXPECT_EQ(c.generation, again.generation);

	ASSERT_EQ(0, delete(self->fd, "test.gen"));
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, "test.gen", 0, &again));
	ASSERT_EQ(c.index, again.index);	/* the lowest free counter again */
	EXPECT_EQ(c.generation + 1, again.generation);
	ASSERT_EQ(0, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.gen", 0, &l));
	EXPECT_EQ(again.generation, l.generation);
	EXPECT_EQ(0, delete(self->fd, "test.gen"));
}

/* Output only: zero on input, so that a later API can make it an input. */
TEST_F(names, generation_nonzero_on_input_einval)
{
	const unsigned long cmds[] = {
		ATOMIC_COUNTER_IOC_NAME_CREATE, ATOMIC_COUNTER_IOC_NAME_LOOKUP,
		ATOMIC_COUNTER_IOC_NAME_DELETE,
	};
	struct atomic_counter_name n;
	size_t c;

	delete(self->fd, "test.gen_in");
	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		memset(&n, 0, sizeof(n));
		strcpy(n.name, "test.gen_in");
		n.generation = 0xdeadbeef;
		EXPECT_EQ(-1, ioctl(self->fd, cmds[c], &n));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(0, n.index);
	}
	/* Refused before the table: CREATE made nothing. */
	EXPECT_EQ(-ENOENT, name_op(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, "test.gen_in", 0, &n));
}

TEST_F(names, next_from_a_row_of_striped_slots_goes_on_to_the_kernel_region)
{
	uint64_t striped_first = self->info.named_first + self->info.nr_named;
	struct atomic_counter_name n;

	/* Past the user's striped counters (their CPU 0 row) but below the kernel's region. */
	memset(&n, 0, sizeof(n));
	n.index = striped_first + self->info.nr_striped;
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	EXPECT_EQ(self->info.waiters_index, n.index);
	EXPECT_STREQ("atomic_counter.waiters", n.name);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_KERNEL, n.owner);

	memset(&n, 0, sizeof(n));
	n.index = self->info.map_size / ATOMIC_COUNTER_SIZE;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	EXPECT_EQ(ENOENT, errno);
	n.index = UINT64_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	EXPECT_EQ(ENOENT, errno);
}

#define VIEW "/sys/kernel/debug/atomic_counter/counters"

/* One line of the text view, read a byte at a time so that the module makes no more than asked. */
static int view_line(int fd, char *line, size_t size)
{
	size_t len = 0;

	while (len + 1 < size && read(fd, &line[len], 1) == 1)
		if (line[len++] == '\n')
			break;
	line[len] = '\0';
	return len;
}

/*
 * Read up to the end of @prefix at the start of a line, and no further:
 * the module has then shown that line and looked ahead to the next name.
 */
static int view_read_past(int fd, const char *prefix)
{
	size_t len = strlen(prefix), at = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (c == '\n')
			at = 0;
		else if (at < len && c == prefix[at])
			at++;
		else
			at = len + 1;
		if (at == len)
			return 0;
	}
	return -1;
}

/* Lines of the rest of the view that start with @prefix. */
static int view_count_rest(int fd, const char *prefix)
{
	char line[256];
	int found = 0;

	while (view_line(fd, line, sizeof(line)))
		found += !strncmp(line, prefix, strlen(prefix));
	return found;
}

TEST_F(names, text_view_reads_the_table_as_it_goes_not_a_copy_made_at_open)
{
	int view;

	if (ac_test_private())
		SKIP(return, "a private bank: the text view lists the global bank's names only");
	view = open(VIEW, O_RDONLY | O_CLOEXEC);
	if (view < 0)
		SKIP(return, "debugfs not mounted at /sys/kernel/debug");
	delete(self->fd, "test.stream_a");
	delete(self->fd, "test.stream_b");
	delete(self->fd, "test.stream_c");
	/* The lowest free counters: test.stream_c is the name after test.stream_a. */
	ASSERT_EQ(0, create(self->fd, "test.stream_a", NULL));
	ASSERT_EQ(0, create(self->fd, "test.stream_c", NULL));
	ASSERT_EQ(0, view_read_past(view, "test.stream_a "));
	/* Above test.stream_c, where the view stands. */
	ASSERT_EQ(0, create(self->fd, "test.stream_b", NULL));
	EXPECT_EQ(1, view_count_rest(view, "test.stream_b "));
	close(view);
	EXPECT_EQ(0, delete(self->fd, "test.stream_a"));
	EXPECT_EQ(0, delete(self->fd, "test.stream_b"));
	EXPECT_EQ(0, delete(self->fd, "test.stream_c"));
}

TEST_F(names, text_view_skips_no_name_when_one_already_read_is_deleted)
{
	int view;

	if (ac_test_private())
		SKIP(return, "a private bank: the text view lists the global bank's names only");
	view = open(VIEW, O_RDONLY | O_CLOEXEC);
	if (view < 0)
		SKIP(return, "debugfs not mounted at /sys/kernel/debug");
	delete(self->fd, "test.skip_a");
	delete(self->fd, "test.skip_b");
	delete(self->fd, "test.skip_c");
	ASSERT_EQ(0, create(self->fd, "test.skip_a", NULL));
	ASSERT_EQ(0, create(self->fd, "test.skip_b", NULL));
	ASSERT_EQ(0, create(self->fd, "test.skip_c", NULL));
	ASSERT_EQ(0, view_read_past(view, "test.skip_a "));
	ASSERT_EQ(0, delete(self->fd, "test.skip_a"));
	/* test.skip_b and test.skip_c, each once */
	EXPECT_EQ(2, view_count_rest(view, "test.skip_"));
	close(view);
	EXPECT_EQ(0, delete(self->fd, "test.skip_b"));
	EXPECT_EQ(0, delete(self->fd, "test.skip_c"));
}

/*
 * Bob Jenkins' lookup3 hash (hashlittle(), public domain), which the
 * kernel's jhash() is on a little-endian CPU and the module hashed names
 * with under a fixed seed: written here from the algorithm, so that the test
 * can find names that collide as an attacker would.
 */
static uint32_t rot32(uint32_t x, int k)
{
	return x << k | x >> (32 - k);
}

#define LOOKUP3_MIX(a, b, c) do {					\
	a -= c; a ^= rot32(c, 4); c += b;				\
	b -= a; b ^= rot32(a, 6); a += c;				\
	c -= b; c ^= rot32(b, 8); b += a;				\
	a -= c; a ^= rot32(c, 16); c += b;				\
	b -= a; b ^= rot32(a, 19); a += c;				\
	c -= b; c ^= rot32(b, 4); b += a;				\
} while (0)

#define LOOKUP3_FINAL(a, b, c) do {					\
	c ^= b; c -= rot32(b, 14);					\
	a ^= c; a -= rot32(c, 11);					\
	b ^= a; b -= rot32(a, 25);					\
	c ^= b; c -= rot32(b, 16);					\
	a ^= c; a -= rot32(c, 4);					\
	b ^= a; b -= rot32(a, 14);					\
	c ^= b; c -= rot32(b, 24);					\
} while (0)

/* Bytes @k[0..3] as a little-endian word. */
static uint32_t le32_at(const uint8_t *k)
{
	return k[0] | (uint32_t)k[1] << 8 | (uint32_t)k[2] << 16 | (uint32_t)k[3] << 24;
}

static uint32_t lookup3(const void *key, size_t length, uint32_t seed)
{
	const uint8_t *k = key;
	uint32_t a, b, c;
	uint8_t tail[12] = {};

	a = b = c = 0xdeadbeef + (uint32_t)length + seed;
	for (; length > 12; length -= 12, k += 12) {
		a += le32_at(k);
		b += le32_at(k + 4);
		c += le32_at(k + 8);
		LOOKUP3_MIX(a, b, c);
	}
	if (!length)
		return c;
	/* The last 1..12 bytes, zero-padded. */
	memcpy(tail, k, length);
	a += le32_at(tail);
	b += le32_at(tail + 4);
	c += le32_at(tail + 8);
	LOOKUP3_FINAL(a, b, c);
	return c;
}

#define NAME_HASH	"/sys/kernel/debug/atomic_counter/name_hash"
#define COLLIDING	64
/*
 * With the hash seeded at random, the names of a table behave as thrown
 * into its B buckets at random, and a table never holds more names than
 * buckets (B is its entries rounded up to a power of two). The chance that
 * any bucket then holds 16 or more is at most B * C(n, 16) / B^16 <=
 * B / 16!, below 2e-7 for the largest table the module allows (B = 2^22)
 * and 1e-10 for the default one (2048): a false failure is never seen. Under
 * the old fixed seed all COLLIDING names share one chain.
 */
#define LONGEST_CHAIN_MAX	15

struct hash_shape {
	unsigned long long buckets, names, longest_chain;
};

static int read_hash_shape(struct hash_shape *h)
{
	FILE *f = fopen(NAME_HASH, "r");
	int got;

	if (!f)
		return -errno;
	got = fscanf(f, "buckets %llu names %llu longest_chain %llu",
		     &h->buckets, &h->names, &h->longest_chain);
	fclose(f);
	return got == 3 ? 0 : -EIO;
}

/* @nr names, zero-padded as the module hashes them, that share bucket 0 under seed 0. */
static void names_colliding_under_seed_0(char (*names)[ATOMIC_COUNTER_NAME_MAX], int nr,
					 uint32_t bucket_mask)
{
	char name[ATOMIC_COUNTER_NAME_MAX];
	uint32_t i;
	int found = 0;

	for (i = 0; found < nr; i++) {
		memset(name, 0, sizeof(name));
		snprintf(name, sizeof(name), "test.hash.%" PRIx32, i);
		if (!(lookup3(name, sizeof(name), 0) & bucket_mask))
			memcpy(names[found++], name, sizeof(name));
	}
}

TEST(lookup3_gives_the_published_values)
{
	/* From the self-test of Bob Jenkins' lookup3.c. */
	EXPECT_EQ(0xdeadbeef, lookup3("", 0, 0));
	EXPECT_EQ(0x17770551, lookup3("Four score and seven years ago", 30, 0));
	EXPECT_EQ(0xcd628161, lookup3("Four score and seven years ago", 30, 1));
}

TEST_F(names, names_chosen_to_collide_under_a_fixed_seed_spread_over_the_buckets)
{
	char colliding[COLLIDING][ATOMIC_COUNTER_NAME_MAX];
	struct hash_shape before, after;
	int i, made, ret = 0, shape;

	if (ac_test_private())
		SKIP(return, "a private bank: " NAME_HASH " shows the global bank's table");
	if (read_hash_shape(&before))
		SKIP(return, "no " NAME_HASH " (debugfs not mounted at /sys/kernel/debug)");
	ASSERT_EQ(0, before.buckets & (before.buckets - 1));
	ASSERT_LE(COLLIDING, self->info.nr_named);
	names_colliding_under_seed_0(colliding, COLLIDING, before.buckets - 1);
	for (i = 0; i < COLLIDING; i++)
		delete(self->fd, colliding[i]);
	ASSERT_EQ(0, read_hash_shape(&before));
	for (made = 0; made < COLLIDING && !ret; made++)
		ret = create(self->fd, colliding[made], NULL);
	shape = read_hash_shape(&after);
	for (i = 0; i < made; i++)
		delete(self->fd, colliding[i]);
	ASSERT_EQ(0, ret) TH_LOG("create %s: %s", colliding[made - 1], strerror(-ret));
	ASSERT_EQ(0, shape);
	EXPECT_EQ(before.names + COLLIDING, after.names);
	EXPECT_GE(LONGEST_CHAIN_MAX, after.longest_chain)
		TH_LOG("%d names chosen to collide under seed 0, %llu buckets: a chain of %llu",
		       COLLIDING, after.buckets, after.longest_chain);
}

TEST_HARNESS_MAIN
