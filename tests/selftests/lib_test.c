// SPDX-License-Identifier: MIT
/*
 * libatomic_counter: opening, errors as negative errno values, the ioctl
 * wrappers, and every inline fast-path function against the kernel's view
 * of the same counter.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_counter.h"
#include "ac_test.h"

#define IDX 32

/* The library's check of an INFO reply (userspace/lib/internal.h). */
int ac__check_info(const struct atomic_counter_info *i, uint64_t page_size);

FIXTURE(lib) {
	struct ac_dev dev;
	ac_counter_t *v;
};

FIXTURE_SETUP(lib)
{
	int ret = ac_open(&self->dev, NULL, 0);

	if (ret == -ENOENT)
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");
	ASSERT_EQ(0, ret);
	self->v = ac_counter(&self->dev, IDX);
	ASSERT_NE(NULL, self->v);
	ac_set(self->v, 0);
}

FIXTURE_TEARDOWN(lib)
{
	if (self->dev.fd >= 0) {
		ac_set(self->v, 0);
		ac_close(&self->dev);
	}
}

/* The kernel's view of the counter, through the ioctl. */
static int64_t kread(struct ac_dev *dev)
{
	int64_t v = INT64_MIN;

	ac_read_index(dev, IDX, &v);
	return v;
}

TEST(open_missing_device_enoent)
{
	struct ac_dev dev;

	EXPECT_EQ(-ENOENT, ac_open(&dev, "/dev/no_such_atomic_counter", 0));
	EXPECT_EQ(-1, dev.fd);
}

TEST(open_honours_atomic_counter_device_env)
{
	struct ac_dev dev;

	/*
	 * A bank handed down comes first (the library took it when it was
	 * loaded): not this test's subject.
	 */
	if (ac_test_private())
		SKIP(return, "a private bank was handed down");
	setenv("ATOMIC_COUNTER_DEVICE", "/dev/no_such_atomic_counter", 1);
	EXPECT_EQ(-ENOENT, ac_open(&dev, NULL, 0));
	unsetenv("ATOMIC_COUNTER_DEVICE");
}

TEST(open_something_else_enotty)
{
	struct ac_dev dev;

	EXPECT_EQ(-ENOTTY, ac_open(&dev, "/dev/null", 0));
}

TEST_F(lib, open_fills_info_and_maps)
{
	EXPECT_EQ(ATOMIC_COUNTER_API, self->dev.info.api);
	EXPECT_NE(NULL, self->dev.bank);
	EXPECT_TRUE(self->dev.writable);
	EXPECT_EQ(NULL, ac_counter(&self->dev, ac_nr_total(&self->dev)));
	EXPECT_EQ(&self->dev.bank[ac_nr_total(&self->dev) - 1],
		  ac_counter(&self->dev, ac_nr_total(&self->dev) - 1));
	/* The kernel's counters are in the same view, read-only. */
	EXPECT_EQ(0, ac_read(ac_counter(&self->dev, self->dev.info.kernel_first)));
}

TEST_F(lib, nomap_has_no_fast_path)
{
	struct ac_dev d;

	ASSERT_EQ(0, ac_open(&d, NULL, AC_OPEN_NOMAP));
	EXPECT_EQ(NULL, d.bank);
	EXPECT_EQ(NULL, ac_counter(&d, 0));
	ac_close(&d);
}

TEST_F(lib, readonly_reads_and_refuses_writes_ebadf)
{
	struct ac_dev ro;
	int64_t v = 0;

	ac_set(self->v, 9);
	ASSERT_EQ(0, ac_open(&ro, NULL, AC_OPEN_READONLY));
	EXPECT_FALSE(ro.writable);
	EXPECT_EQ(9, ac_read(ac_counter(&ro, IDX)));
	EXPECT_EQ(0, ac_read_index(&ro, IDX, &v));
	EXPECT_EQ(9, v);
	EXPECT_EQ(-EBADF, ac_op(&ro, IDX, ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL));
	ac_close(&ro);
	EXPECT_EQ(-1, ro.fd);
}

TEST_F(lib, op_errors_are_negative_errno)
{
	EXPECT_EQ(-EINVAL, ac_op(&self->dev, ac_nr_total(&self->dev),
				 ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, ac_op(&self->dev, IDX, ATOMIC_COUNTER_NR_OPS, AC_FULL, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_INC,
				 AC_ORDER(ATOMIC_COUNTER_NR_ORDERS), 0, 0, NULL));
	EXPECT_EQ(-EINVAL, ac_batch(&self->dev, NULL, 0, NULL));
}

TEST_F(lib, op_and_batch)
{
	struct atomic_counter_op ops[2] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_FETCH_ADD, .value = 10 },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_CMPXCHG, .expected = 10, .value = 4 },
	};
	int64_t r;

	ASSERT_EQ(0, ac_batch(&self->dev, ops, 2, NULL));
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(10, ops[1].result);
	ASSERT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_INC_RETURN, AC_ACQUIRE, 0, 0, &r));
	EXPECT_EQ(5, r);
	EXPECT_EQ(5, ac_read(self->v));
}

/*
 * AC_RELAXED and the others mean the same ordering everywhere: ac_op()
 * once took the C11 memory_order values, where relaxed is 0, which the
 * module reads as fully ordered.
 */
TEST_F(lib, op_orderings_mean_what_they_say)
{
	int64_t r = 0;

	/* set takes relaxed and release, read relaxed and acquire, no full. */
	EXPECT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELAXED, 7, 0, NULL));
	EXPECT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, 0, &r));
	EXPECT_EQ(7, r);
	EXPECT_EQ(-EINVAL, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_READ, AC_RELEASE, 0, 0, &r));
	/* add_unless is fully ordered only. */
	EXPECT_EQ(0, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD_UNLESS, AC_FULL, 1, 0, &r));
	EXPECT_EQ(1, r);
	EXPECT_EQ(-EINVAL, ac_op(&self->dev, IDX, ATOMIC_COUNTER_OP_ADD_UNLESS, AC_RELAXED,
				 1, 0, &r));
	EXPECT_EQ(8, ac_read(self->v));
}

TEST(open_unknown_flag_einval)
{
	struct ac_dev dev;

	EXPECT_EQ(-EINVAL, ac_open(&dev, NULL, 1 << 5));
	EXPECT_EQ(-1, dev.fd);
	EXPECT_EQ(-EINVAL, ac_open_fd(&dev, 0, 1 << 5));
	EXPECT_EQ(-1, dev.fd);
}

TEST_F(lib, open_opts_require_features)
{
	struct ac_open_opts opts = {
		.sz = sizeof(opts), .flags = AC_OPEN_NOMAP,
		.features = ATOMIC_COUNTER_FEATURE_WAIT | ATOMIC_COUNTER_FEATURE_STRIPED,
	};
	struct {
		struct ac_open_opts o;
		uint64_t later;		/* a field of a later version */
	} big = { .o = opts };
	struct ac_dev d;

	ASSERT_EQ(0, ac_open_opts(&d, NULL, &opts));
	EXPECT_EQ(NULL, d.bank);
	ac_close(&d);
	/* A feature this module does not have: refused at open, not at first use. */
	opts.features = 1ULL << 40;
	EXPECT_EQ(-EINVAL, ac_open_opts(&d, NULL, &opts));
	EXPECT_EQ(-1, d.fd);
	/* Only sz itself: an older program's options, every other field zero. */
	opts.features = 1ULL << 40;
	opts.sz = sizeof(size_t);
	ASSERT_EQ(0, ac_open_opts(&d, NULL, &opts));
	EXPECT_NE(NULL, d.bank);
	ac_close(&d);
	big.o.sz = sizeof(big);
	ASSERT_EQ(0, ac_open_opts(&d, NULL, &big.o));
	ac_close(&d);
	big.later = 1;
	EXPECT_EQ(-E2BIG, ac_open_opts(&d, NULL, &big.o));
	ASSERT_EQ(0, ac_open_opts(&d, NULL, NULL));
	EXPECT_NE(NULL, d.bank);
	ac_close(&d);
}

TEST_F(lib, open_fd_works_on_its_own_duplicate)
{
	int64_t v = 0;
	struct ac_dev d;
	int fd = ac_test_open(O_RDONLY);

	ASSERT_LE(0, fd);
	ac_set(self->v, 5);
	ASSERT_EQ(0, ac_open_fd(&d, fd, 0));
	EXPECT_NE(fd, d.fd);
	close(fd);
	/* An O_RDONLY descriptor gives a read-only device. */
	EXPECT_FALSE(d.writable);
	EXPECT_EQ(5, ac_read(ac_counter(&d, IDX)));
	EXPECT_EQ(0, ac_read_index(&d, IDX, &v));
	EXPECT_EQ(5, v);
	EXPECT_EQ(-EBADF, ac_op(&d, IDX, ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL));
	ac_close(&d);
	EXPECT_EQ(-EBADF, ac_open_fd(&d, -1, 0));
	EXPECT_EQ(-1, d.fd);
}

/* Indices are decimal or 0x hex, never octal, with exact errors. */
TEST_F(lib, resolve_is_base_10_or_0x)
{
	uint64_t i = 0;

	EXPECT_EQ(0, ac_resolve(&self->dev, "010", &i));
	EXPECT_EQ(10, i);
	EXPECT_EQ(0, ac_resolve(&self->dev, "08", &i));
	EXPECT_EQ(8, i);
	EXPECT_EQ(0, ac_resolve(&self->dev, "0X1f", &i));
	EXPECT_EQ(31, i);
	EXPECT_EQ(-EINVAL, ac_resolve(&self->dev, "0x", &i));
	EXPECT_EQ(-EINVAL, ac_resolve(&self->dev, "1 ", &i));
	EXPECT_EQ(-EINVAL, ac_resolve(&self->dev, "0x1g", &i));
	/* Too big for 64 bits is out of range, as the header says, not -EINVAL. */
	EXPECT_EQ(-ERANGE, ac_resolve(&self->dev, "18446744073709551616", &i));
	EXPECT_EQ(-ERANGE, ac_resolve(&self->dev, "0x10000000000000000", &i));
	EXPECT_EQ(-EINVAL, ac_resolve(&self->dev, "18446744073709551616x", &i));
	EXPECT_EQ(31, i);
}

/* Status of a child that runs @fn on a zeroed ac_striped_t. */
static int zeroed_striped_child(void (*fn)(const ac_striped_t *))
{
	ac_striped_t s = { 0 };
	int status = -1;
	pid_t pid = fork();

	if (!pid) {
		fn(&s);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	return status;
}

/*
 * The signal of the header's __builtin_trap(): ud2 on x86 raises SIGILL,
 * brk on arm64 SIGTRAP.
 */
#ifdef __aarch64__
#define AC_TRAP_SIGNAL SIGTRAP
#else
#define AC_TRAP_SIGNAL SIGILL
#endif

static void striped_inc_fn(const ac_striped_t *s) { ac_striped_inc(s); }
static void striped_read_fn(const ac_striped_t *s) { (void)ac_striped_read(s); }

/*
 * A zeroed ac_striped_t once divided by zero in ac_striped_slot(), then
 * dropped its updates without a word; now it traps, as a NULL counter
 * pointer faults.
 */
TEST(zeroed_striped_traps_on_update_and_read)
{
	int status = zeroed_striped_child(striped_inc_fn);

	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(AC_TRAP_SIGNAL, WTERMSIG(status));
	status = zeroed_striped_child(striped_read_fn);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(AC_TRAP_SIGNAL, WTERMSIG(status));
}

TEST(version_macros_match_the_library)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", AC_VERSION_MAJOR, AC_VERSION_MINOR,
		 AC_VERSION_PATCH);
	EXPECT_STREQ(ac_version(), want);
	EXPECT_STREQ(ac_version(), AC_VERSION_STRING);
	EXPECT_EQ((AC_VERSION_MAJOR << 16) | (AC_VERSION_MINOR << 8) | AC_VERSION_PATCH,
		  AC_VERSION_NUMBER);
	EXPECT_TRUE(AC_VERSION_NUMBER >= AC_VERSION_CODE(0, 2, 0));
}

TEST_F(lib, names_create_lookup_resolve_delete)
{
	uint64_t idx = 0, again = 0, found = 0;
	uint32_t owner = 0;
	struct atomic_counter_name e;

	ac_name_delete(&self->dev, "lib.test");
	ASSERT_EQ(1, ac_name_create(&self->dev, "lib.test", 0, &idx, NULL));
	EXPECT_EQ(0, ac_name_create(&self->dev, "lib.test", 0, &again, NULL));
	EXPECT_EQ(idx, again);
	EXPECT_EQ(-EEXIST, ac_name_create(&self->dev, "lib.test", ATOMIC_COUNTER_NAME_EXCL, NULL, NULL));
	EXPECT_EQ(0, ac_name_lookup(&self->dev, "lib.test", &found, &owner, NULL));
	EXPECT_EQ(idx, found);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_USER, owner);
	EXPECT_EQ(0, ac_resolve(&self->dev, "lib.test", &found));
	EXPECT_EQ(idx, found);
	EXPECT_EQ(0, ac_resolve(&self->dev, "0x10", &found));
	EXPECT_EQ(16, found);
	EXPECT_EQ(-ERANGE, ac_resolve(&self->dev, "99999999", &found));
	EXPECT_EQ(16, found);
	EXPECT_EQ(-EINVAL, ac_resolve(&self->dev, "12ab", &found));
	EXPECT_EQ(-ENOENT, ac_resolve(&self->dev, "lib.nothing", &found));
	ac_inc(ac_counter(&self->dev, idx));
	EXPECT_EQ(0, ac_name_next(&self->dev, idx, &e));
	EXPECT_EQ(idx, e.index);
	EXPECT_STREQ("lib.test", e.name);
	EXPECT_EQ(0, ac_name_delete(&self->dev, "lib.test"));
	EXPECT_EQ(-ENOENT, ac_name_delete(&self->dev, "lib.test"));
	EXPECT_EQ(-EINVAL, ac_name_create(&self->dev, "this-name-is-far-too-long-for-the-forty-eight-bytes", 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, ac_name_lookup(&self->dev, "9lives", NULL, NULL, NULL));
}

TEST(op_and_order_names_round_trip)
{
	uint32_t op;

	for (op = 0; op < ATOMIC_COUNTER_NR_OPS; op++) {
		ASSERT_NE(NULL, ac_op_name(op));
		EXPECT_EQ((int)op, ac_op_from_name(ac_op_name(op)));
	}
	EXPECT_STREQ("fetch_add", ac_op_name(ATOMIC_COUNTER_OP_FETCH_ADD));
	EXPECT_EQ(NULL, ac_op_name(ATOMIC_COUNTER_NR_OPS));
	EXPECT_EQ(-EINVAL, ac_op_from_name("fetch_frobnicate"));
	EXPECT_STREQ("full", ac_order_name(ATOMIC_COUNTER_FULL));
	EXPECT_STREQ("release", ac_order_name(ATOMIC_COUNTER_RELEASE));
	EXPECT_EQ(NULL, ac_order_name(ATOMIC_COUNTER_NR_ORDERS));
}

TEST(version_is_the_project_version)
{
	EXPECT_STREQ(AC_VERSION, ac_version());
}

/* Each fast-path function: its return value, and the kernel's view after. */
#define CHECK_OP(init, call, want_ret, want_after) do {		\
	ac_set(self->v, (init));					\
	EXPECT_EQ((int64_t)(want_ret), (int64_t)(call)) TH_LOG(#call);	\
	EXPECT_EQ((int64_t)(want_after), kread(&self->dev)) TH_LOG(#call); \
} while (0)

TEST_F(lib, fast_path_fetch_and_return_in_every_ordering)
{
	ac_counter_t *v = self->v;

	CHECK_OP(10, ac_fetch_add(5, v), 10, 15);
	CHECK_OP(10, ac_fetch_add_relaxed(5, v), 10, 15);
	CHECK_OP(10, ac_fetch_add_acquire(5, v), 10, 15);
	CHECK_OP(10, ac_fetch_add_release(5, v), 10, 15);
	CHECK_OP(10, ac_fetch_sub(5, v), 10, 5);
	CHECK_OP(10, ac_fetch_sub_relaxed(5, v), 10, 5);
	CHECK_OP(10, ac_fetch_sub_acquire(5, v), 10, 5);
	CHECK_OP(10, ac_fetch_sub_release(5, v), 10, 5);
	CHECK_OP(10, ac_fetch_inc(v), 10, 11);
	CHECK_OP(10, ac_fetch_inc_relaxed(v), 10, 11);
	CHECK_OP(10, ac_fetch_inc_acquire(v), 10, 11);
	CHECK_OP(10, ac_fetch_inc_release(v), 10, 11);
	CHECK_OP(10, ac_fetch_dec(v), 10, 9);
	CHECK_OP(10, ac_fetch_dec_relaxed(v), 10, 9);
	CHECK_OP(10, ac_fetch_dec_acquire(v), 10, 9);
	CHECK_OP(10, ac_fetch_dec_release(v), 10, 9);
	CHECK_OP(10, ac_add_return(5, v), 15, 15);
	CHECK_OP(10, ac_add_return_relaxed(5, v), 15, 15);
	CHECK_OP(10, ac_add_return_acquire(5, v), 15, 15);
	CHECK_OP(10, ac_add_return_release(5, v), 15, 15);
	CHECK_OP(10, ac_sub_return(5, v), 5, 5);
	CHECK_OP(10, ac_sub_return_relaxed(5, v), 5, 5);
	CHECK_OP(10, ac_sub_return_acquire(5, v), 5, 5);
	CHECK_OP(10, ac_sub_return_release(5, v), 5, 5);
	CHECK_OP(10, ac_inc_return(v), 11, 11);
	CHECK_OP(10, ac_inc_return_relaxed(v), 11, 11);
	CHECK_OP(10, ac_inc_return_acquire(v), 11, 11);
	CHECK_OP(10, ac_inc_return_release(v), 11, 11);
	CHECK_OP(10, ac_dec_return(v), 9, 9);
	CHECK_OP(10, ac_dec_return_relaxed(v), 9, 9);
	CHECK_OP(10, ac_dec_return_acquire(v), 9, 9);
	CHECK_OP(10, ac_dec_return_release(v), 9, 9);
	CHECK_OP(INT64_MAX, ac_add_return(1, v), INT64_MIN, INT64_MIN);
	CHECK_OP(INT64_MIN, ac_sub_return_relaxed(1, v), INT64_MAX, INT64_MAX);
}

TEST_F(lib, fast_path_bitwise_in_every_ordering)
{
	ac_counter_t *v = self->v;

	CHECK_OP(0xc, ac_fetch_and(0xa, v), 0xc, 0x8);
	CHECK_OP(0xc, ac_fetch_and_relaxed(0xa, v), 0xc, 0x8);
	CHECK_OP(0xc, ac_fetch_and_acquire(0xa, v), 0xc, 0x8);
	CHECK_OP(0xc, ac_fetch_and_release(0xa, v), 0xc, 0x8);
	CHECK_OP(0xc, ac_fetch_or(0xa, v), 0xc, 0xe);
	CHECK_OP(0xc, ac_fetch_or_relaxed(0xa, v), 0xc, 0xe);
	CHECK_OP(0xc, ac_fetch_or_acquire(0xa, v), 0xc, 0xe);
	CHECK_OP(0xc, ac_fetch_or_release(0xa, v), 0xc, 0xe);
	CHECK_OP(0xc, ac_fetch_xor(0xa, v), 0xc, 0x6);
	CHECK_OP(0xc, ac_fetch_xor_relaxed(0xa, v), 0xc, 0x6);
	CHECK_OP(0xc, ac_fetch_xor_acquire(0xa, v), 0xc, 0x6);
	CHECK_OP(0xc, ac_fetch_xor_release(0xa, v), 0xc, 0x6);
	CHECK_OP(0xc, ac_fetch_andnot(0xa, v), 0xc, 0x4);
	CHECK_OP(0xc, ac_fetch_andnot_relaxed(0xa, v), 0xc, 0x4);
	CHECK_OP(0xc, ac_fetch_andnot_acquire(0xa, v), 0xc, 0x4);
	CHECK_OP(0xc, ac_fetch_andnot_release(0xa, v), 0xc, 0x4);
}

TEST_F(lib, fast_path_xchg_cmpxchg_max_min)
{
	ac_counter_t *v = self->v;

	CHECK_OP(1, ac_xchg(v, 2), 1, 2);
	CHECK_OP(1, ac_xchg_relaxed(v, 2), 1, 2);
	CHECK_OP(1, ac_xchg_acquire(v, 2), 1, 2);
	CHECK_OP(1, ac_xchg_release(v, 2), 1, 2);
	CHECK_OP(1, ac_cmpxchg(v, 1, 2), 1, 2);
	CHECK_OP(1, ac_cmpxchg_relaxed(v, 1, 2), 1, 2);
	CHECK_OP(1, ac_cmpxchg_acquire(v, 1, 2), 1, 2);
	CHECK_OP(1, ac_cmpxchg_release(v, 1, 2), 1, 2);
	CHECK_OP(1, ac_cmpxchg(v, 3, 2), 1, 1);		/* fails: unchanged */
	CHECK_OP(1, ac_cmpxchg_release(v, 3, 2), 1, 1);
	CHECK_OP(5, ac_fetch_max(7, v), 5, 7);
	CHECK_OP(5, ac_fetch_max_relaxed(3, v), 5, 5);
	CHECK_OP(5, ac_fetch_max_acquire(7, v), 5, 7);
	CHECK_OP(5, ac_fetch_max_release(7, v), 5, 7);
	CHECK_OP(-5, ac_fetch_max_relaxed(-7, v), -5, -5);
	CHECK_OP(5, ac_fetch_min(3, v), 5, 3);
	CHECK_OP(5, ac_fetch_min_relaxed(7, v), 5, 5);
	CHECK_OP(5, ac_fetch_min_acquire(3, v), 5, 3);
	CHECK_OP(5, ac_fetch_min_release(3, v), 5, 3);
	CHECK_OP(-5, ac_fetch_min(-7, v), -5, -7);
	CHECK_OP(1, ac_fetch_add_explicit(2, v, AC_ACQUIRE), 1, 3);
	CHECK_OP(1, ac_xchg_explicit(v, 2, AC_RELEASE), 1, 2);
}

/* try_cmpxchg: whether it swapped, and the value found when it did not. */
TEST_F(lib, fast_path_try_cmpxchg_in_every_ordering)
{
	ac_counter_t *v = self->v;
	int64_t old;

	old = 1;
	CHECK_OP(1, ac_try_cmpxchg(v, &old, 2), true, 2);
	EXPECT_EQ(1, old);
	old = 1;
	CHECK_OP(1, ac_try_cmpxchg_relaxed(v, &old, 2), true, 2);
	old = 1;
	CHECK_OP(1, ac_try_cmpxchg_acquire(v, &old, 2), true, 2);
	old = 1;
	CHECK_OP(1, ac_try_cmpxchg_release(v, &old, 2), true, 2);
	old = 3;
	CHECK_OP(1, ac_try_cmpxchg(v, &old, 2), false, 1);
	EXPECT_EQ(1, old);
	old = 3;
	CHECK_OP(7, ac_try_cmpxchg_release(v, &old, 2), false, 7);
	EXPECT_EQ(7, old);
}

/* The kernel's conditional and testing forms, against the kernel's view. */
TEST_F(lib, fast_path_conditionals_and_tests)
{
	ac_counter_t *v = self->v;

	CHECK_OP(5, ac_fetch_add_unless(v, 2, 5), 5, 5);
	CHECK_OP(4, ac_fetch_add_unless(v, 2, 5), 4, 6);
	CHECK_OP(5, ac_add_unless(v, 2, 5), false, 5);
	CHECK_OP(4, ac_add_unless(v, 2, 5), true, 6);
	CHECK_OP(INT64_MAX, ac_add_unless(v, 1, 0), true, INT64_MIN);
	CHECK_OP(0, ac_inc_not_zero(v), false, 0);
	CHECK_OP(3, ac_inc_not_zero(v), true, 4);
	CHECK_OP(-1, ac_inc_not_zero(v), true, 0);
	CHECK_OP(1, ac_dec_and_test(v), true, 0);
	CHECK_OP(2, ac_dec_and_test(v), false, 1);
	CHECK_OP(-1, ac_inc_and_test(v), true, 0);
	CHECK_OP(0, ac_inc_and_test(v), false, 1);
	CHECK_OP(5, ac_sub_and_test(5, v), true, 0);
	CHECK_OP(5, ac_sub_and_test(4, v), false, 1);
	CHECK_OP(1, ac_add_negative(-2, v), true, -1);
	CHECK_OP(1, ac_add_negative(-1, v), false, 0);
}

TEST_F(lib, fast_path_void_bitwise)
{
	ac_counter_t *v = self->v;

	ac_set(v, 0xc);
	ac_and(0xa, v);
	EXPECT_EQ(0x8, kread(&self->dev));
	ac_or(0x3, v);
	EXPECT_EQ(0xb, kread(&self->dev));
	ac_xor(0x6, v);
	EXPECT_EQ(0xd, kread(&self->dev));
	ac_andnot(0x4, v);
	EXPECT_EQ(0x9, kread(&self->dev));
	ac_and_full(0x1, v);
	EXPECT_EQ(0x1, kread(&self->dev));
	ac_or_full(0x6, v);
	EXPECT_EQ(0x7, kread(&self->dev));
	ac_xor_full(0x5, v);
	EXPECT_EQ(0x2, kread(&self->dev));
	ac_andnot_full(0x2, v);
	EXPECT_EQ(0, kread(&self->dev));
}

TEST_F(lib, fast_path_void_read_set)
{
	ac_counter_t *v = self->v;

	ac_set(v, 10);
	ac_add(5, v);
	ac_add_full(5, v);
	ac_sub(3, v);
	ac_sub_full(3, v);
	ac_inc(v);
	ac_inc_full(v);
	ac_dec(v);
	EXPECT_EQ(15, kread(&self->dev));
	ac_dec_full(v);
	EXPECT_EQ(14, ac_read(v));
	EXPECT_EQ(14, ac_read_acquire(v));
	ac_set_release(v, -8);
	EXPECT_EQ(-8, kread(&self->dev));
}

TEST_F(lib, relaxed_and_consistent_counters)
{
	ac_relaxed_counter r = { self->v };
	ac_consistent_counter c = { ac_counter(&self->dev, IDX + 1) };

	ac_set(c.v, 0);
	EXPECT_EQ(0, ac_relaxed_counter_inc(r));
	EXPECT_EQ(1, ac_relaxed_counter_add(r, 10));
	EXPECT_EQ(11, ac_relaxed_counter_get(r));
	EXPECT_EQ(11, ac_relaxed_counter_reset(r));
	EXPECT_EQ(0, ac_relaxed_counter_get(r));
	EXPECT_EQ(0, ac_consistent_counter_inc(c));
	EXPECT_EQ(1, ac_consistent_counter_add(c, 4));
	EXPECT_EQ(5, ac_consistent_counter_get(c));
	EXPECT_EQ(5, ac_consistent_counter_reset(c));
	EXPECT_EQ(0, ac_consistent_counter_get(c));
	EXPECT_EQ(0, kread(&self->dev));
}

/* An options struct from an older header: its missing tail reads as zero. */
TEST_F(lib, open_opts_shorter_sz_reads_missing_fields_as_zero)
{
	struct ac_open_opts o = { .sz = offsetof(struct ac_open_opts, features),
				  .flags = AC_OPEN_NOMAP, .features = ~0ull };
	struct ac_dev d;

	ASSERT_EQ(0, ac_open_opts(&d, NULL, &o));
	EXPECT_EQ(NULL, d.bank);
	ac_close(&d);
}

/* From a newer header: accepted when what this library does not know is zero. */
TEST_F(lib, open_opts_longer_sz_zero_tail_accepted_nonzero_e2big)
{
	struct { struct ac_open_opts o; uint64_t more; } big = {
		.o = { .sz = sizeof(big), .flags = AC_OPEN_NOMAP } };
	struct ac_dev d;

	ASSERT_EQ(0, ac_open_opts(&d, NULL, &big.o));
	ac_close(&d);
	big.more = 1;
	EXPECT_EQ(-E2BIG, ac_open_opts(&d, NULL, &big.o));
	EXPECT_EQ(-1, d.fd);
}

TEST(open_opts_sz_below_its_own_size_einval)
{
	struct ac_open_opts o = { .sz = sizeof(size_t) - 1 };
	struct ac_dev d;

	EXPECT_EQ(-EINVAL, ac_open_opts(&d, NULL, &o));
}

TEST(bank_opts_longer_sz_nonzero_tail_e2big)
{
	struct { struct ac_bank_opts o; uint64_t more; } big = {
		.o = { .sz = sizeof(big) }, .more = 1 };
	struct ac_dev d;

	EXPECT_EQ(-E2BIG, ac_bank_create(&d, &big.o));
	EXPECT_EQ(-1, d.fd);
}

TEST_F(lib, bank_opts_shorter_sz_takes_defaults)
{
	struct ac_bank_opts o = { .sz = offsetof(struct ac_bank_opts, nr_counters),
				  .flags = AC_OPEN_NOMAP };
	struct ac_dev d;
	uint64_t per_page = (uint64_t)getpagesize() / ATOMIC_COUNTER_SIZE;
	int ret = ac_bank_create(&d, &o);

	if (ret == -EPERM)	/* a new bank through a private bank's file */
		SKIP(return, "banks come from the device");
	ASSERT_EQ(0, ret);
	/* The default, rounded up to a whole page of counters as every region. */
	EXPECT_EQ((AC_BANK_DEFAULT_COUNTERS + per_page - 1) / per_page * per_page,
		  d.info.nr_counters);
	ac_close(&d);
}

TEST_F(lib, check_info_accepts_the_modules_reply)
{
	EXPECT_EQ(0, ac__check_info(ac_info(&self->dev), (uint64_t)getpagesize()));
}

/* What a 0.1 module said: API 1, no kernel region, no waiter count. */
TEST_F(lib, check_info_refuses_a_0_1_module_eproto)
{
	struct atomic_counter_info i = *ac_info(&self->dev);

	i.features = ATOMIC_COUNTER_FEATURE_MMAP | ATOMIC_COUNTER_FEATURE_BATCH;
	i.kernel_first = 0;
	i.nr_kernel = 0;
	i.waiters_index = 0;
	EXPECT_EQ(-EPROTO, ac__check_info(&i, (uint64_t)getpagesize()));
}

TEST_F(lib, check_info_refuses_each_bad_field_eproto)
{
	const struct atomic_counter_info *good = ac_info(&self->dev);
	uint64_t page = (uint64_t)getpagesize();
	struct atomic_counter_info i;

#define BAD(stmt) do { i = *good; stmt; EXPECT_EQ(-EPROTO, ac__check_info(&i, page)) TH_LOG(#stmt); } while (0)
	BAD(i.api++);
	BAD(i.features &= ~ATOMIC_COUNTER_FEATURE_WAIT);
	BAD(i.features &= ~ATOMIC_COUNTER_FEATURE_STRIPED);
	BAD(i.map_size += 8);
	BAD(i.map_size = 0);
	BAD(i.kernel_first = 0);
	BAD(i.kernel_first += 1);
	BAD(i.named_first += 1);
	BAD(i.nr_kernel = i.map_size);
	BAD(i.waiters_index = 0);
	BAD(i.waiters_index = i.kernel_first + i.nr_kernel);
	BAD(i.nr_stripes = 0);
	BAD(i.nr_stripes = UINT64_MAX);
	BAD(i.nr_striped = UINT64_MAX / 2);
	BAD(i.batch_max = 0);
#undef BAD
	i = *good;
	EXPECT_EQ(0, ac__check_info(&i, page));
}

/* The view the inline functions read is the module's reply, field by field. */
TEST_F(lib, info_view_matches_the_modules_reply)
{
	const struct atomic_counter_info *i = ac_info(&self->dev);

	ASSERT_NE(NULL, i);
	EXPECT_EQ(i->map_size, self->dev.info.map_size);
	EXPECT_EQ(i->kernel_first, self->dev.info.kernel_first);
	EXPECT_EQ(i->waiters_index, self->dev.info.waiters_index);
	EXPECT_EQ(i->nr_stripes, self->dev.info.nr_stripes);
	EXPECT_EQ(i->flags, self->dev.info.flags);
}

TEST(zeroed_handle_is_refused_and_close_leaves_fd_0)
{
	struct ac_dev z;
	int64_t v = 5;
	int fd0 = fcntl(0, F_GETFD) < 0 ? open("/dev/null", O_RDONLY) : 0;

	ASSERT_EQ(0, fd0);
	memset(&z, 0, sizeof(z));
	EXPECT_EQ(NULL, ac_info(&z));
	EXPECT_EQ(-EBADF, ac_op(&z, 0, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, 0, &v));
	EXPECT_EQ(5, v);
	EXPECT_EQ(-EBADF, ac_wake(&z, 0));
	ac_close(&z);
	EXPECT_LE(0, fcntl(0, F_GETFD));
	EXPECT_EQ(-1, z.fd);
	ac_close(&z);
}

TEST_F(lib, close_twice_is_safe)
{
	struct ac_dev d;

	ASSERT_EQ(0, ac_open(&d, NULL, AC_OPEN_NOMAP));
	ac_close(&d);
	ac_close(&d);
	EXPECT_EQ(-1, d.fd);
	EXPECT_EQ(NULL, ac_info(&d));
}

TEST_F(lib, op_cmpxchg_takes_old_then_new)
{
	int64_t found = 0;

	ac_set(self->v, 5);
	EXPECT_EQ(1, ac_op_cmpxchg(&self->dev, IDX, 5, 7, AC_FULL, &found));
	EXPECT_EQ(5, found);
	EXPECT_EQ(7, ac_read(self->v));
	EXPECT_EQ(0, ac_op_cmpxchg(&self->dev, IDX, 5, 9, AC_RELAXED, &found));
	EXPECT_EQ(7, found);
	EXPECT_EQ(7, ac_read(self->v));
	EXPECT_EQ(-EINVAL, ac_op_cmpxchg(&self->dev, ac_nr_total(&self->dev), 7, 1, AC_FULL, NULL));
	EXPECT_EQ(7, ac_read(self->v));
}

TEST_F(lib, batch_reports_the_failed_entry)
{
	struct atomic_counter_op ops[3] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_ADD, .value = 1 },
		{ .index = IDX, .op = ATOMIC_COUNTER_NR_OPS },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_ADD, .value = 1 },
	};
	uint32_t failed = 77;

	EXPECT_EQ(-EINVAL, ac_batch(&self->dev, ops, 3, &failed));
	EXPECT_EQ(1, failed);
	EXPECT_EQ(0, ac_read(self->v));
	ops[1].op = ATOMIC_COUNTER_OP_READ;
	ops[1].order = ATOMIC_COUNTER_RELAXED;
	failed = 77;
	EXPECT_EQ(0, ac_batch(&self->dev, ops, 3, &failed));
	EXPECT_EQ(77, failed);
	EXPECT_EQ(2, ac_read(self->v));
}

TEST_F(lib, name_create_and_lookup_give_the_generation)
{
	uint32_t gen = 0, again = 0;
	uint64_t idx, found;

	ac_name_delete(&self->dev, "lib.gen");
	ASSERT_EQ(1, ac_name_create(&self->dev, "lib.gen", 0, &idx, &gen));
	EXPECT_NE(0, gen);
	ASSERT_EQ(0, ac_name_lookup(&self->dev, "lib.gen", &found, NULL, &again));
	EXPECT_EQ(idx, found);
	EXPECT_EQ(gen, again);
	EXPECT_EQ(0, ac_name_delete(&self->dev, "lib.gen"));
}

TEST_F(lib, wake_on_a_readonly_handle_ebadf_with_nobody_waiting)
{
	struct ac_dev ro;

	ASSERT_EQ(0, ac_open(&ro, NULL, AC_OPEN_READONLY));
	ASSERT_EQ(0, ac_read(ac_counter(&ro, ro.info.waiters_index)));
	EXPECT_EQ(-EBADF, ac_wake(&ro, IDX));
	ac_close(&ro);
}

TEST_F(lib, striped_error_zeroes_the_handle_and_using_it_traps)
{
	ac_striped_t s;
	int status;
	pid_t pid;

	memset(&s, 0x5a, sizeof(s));
	EXPECT_EQ(-EINVAL, ac_striped(&self->dev, IDX, &s));
	EXPECT_EQ(NULL, s.slots);
	EXPECT_EQ(0, s.nr_stripes);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		ac_striped_inc(&s);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(AC_TRAP_SIGNAL, WTERMSIG(status));
}

TEST_HARNESS_MAIN
