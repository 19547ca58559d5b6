// SPDX-License-Identifier: MIT
/*
 * An old binary on the new library: this program is compiled against
 * 0.4.0's own headers (tests/abi/v0.4/, copies of that release's) and
 * linked against a stub built from 0.4.0's version script, so it carries
 * exactly what a program built then carries: 0.4's struct ac_dev layout in
 * its inline functions and 0.4's symbol versions in its references
 * (ac_batch, ac_name_create and ac_name_lookup at ATOMIC_COUNTER_0, their
 * 0.4 forms). It runs with the library as built now, under its SONAME
 * (tests/selftests/Makefile, abi_v0_4_test.sh). Every check is on what
 * 0.4's documentation promised, read through 0.4's structures.
 *
 * TAP on stdout; exit 4 (kselftest's SKIP) without the device.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atomic_counter.h>

/* Built against anything but 0.4.0's headers, it would prove nothing. */
#if AC_VERSION_NUMBER != AC_VERSION_CODE(0, 4, 0) || ATOMIC_COUNTER_API != 1
#error "abi_v0_4.c must be compiled against tests/abi/v0.4/ only"
#endif

/* A counter used by number that no other selftest uses. */
#define IDX 56
#define INCS 5

static int n;
static int failed;

static void result(int ok, const char *name, const char *why)
{
	n++;
	if (ok) {
		printf("ok %d abi_v0_4.%s\n", n, name);
	} else {
		printf("not ok %d abi_v0_4.%s\n#   %s\n", n, name, why);
		failed = 1;
	}
	fflush(stdout);
}

/* CHECK(cond): on failure, say which condition (the first false one). */
#define CHECK(c) do { if (!(c)) { why = #c; goto out; } } while (0)
/* CHECK_EQ(want, expr): the same, with the value found. */
static char whybuf[512];
#define CHECK_EQ(w, e) do {							\
	int64_t w_ = (int64_t)(w), g_ = (int64_t)(e);				\
	if (w_ != g_) {								\
		snprintf(whybuf, sizeof(whybuf), "%s: want %" PRId64 ", got %" PRId64, \
			 #e, w_, g_);						\
		why = whybuf;							\
		goto out;							\
	}									\
} while (0)

static struct ac_dev dev;
static uint64_t named = UINT64_MAX;

static void info_is_sane(void)
{
	const struct atomic_counter_info *i = &dev.info;
	uint64_t total = i->map_size / ATOMIC_COUNTER_SIZE;
	long page = sysconf(_SC_PAGESIZE);
	const char *why = NULL;

	/* The regions of 0.4's "Regions", in order, inside the mapping. */
	CHECK(page > 0 && i->map_size > 0 && i->map_size % (uint64_t)page == 0);
	CHECK(i->nr_counters > IDX && i->nr_counters <= i->named_first);
	CHECK(i->nr_named > 0 && i->named_first + i->nr_named <= i->kernel_first);
	CHECK(i->nr_kernel > 0 && i->kernel_first + i->nr_kernel <= total);
	CHECK(i->waiters_index >= i->kernel_first &&
	      i->waiters_index < i->kernel_first + i->nr_kernel);
	CHECK(i->batch_max >= 4 && i->nr_stripes > 0);
	CHECK(i->cache_line_bytes >= ATOMIC_COUNTER_SIZE &&
	      (i->cache_line_bytes & (i->cache_line_bytes - 1)) == 0);
	/* READ, SET, ADD, ADD_RETURN and FETCH_SUB, which this program uses. */
	CHECK((i->ops & 1) && (i->ops & 2) && (i->ops & 4) && (i->ops & (1 << 10)) &&
	      (i->ops & (1 << 15)));
	/*
	 * A bank handed down is the one opened: the library honoured it in
	 * this process (its PID guard; it removes the variables before main(),
	 * so abi_v0_4_test.sh says whether there was one).
	 */
	CHECK_EQ(!!getenv("AC_ABI_BANK_HANDED_DOWN"), !!(i->flags & ATOMIC_COUNTER_INFO_PRIVATE));
out:
	result(!why, "info_describes_the_bank", why);
}

/* The module agrees with the mapping on where it ends and where the kernel's region is. */
static void info_matches_the_module(void)
{
	uint64_t total = ac_nr_total(&dev);
	int64_t v = -1;
	const char *why = NULL;

	CHECK(ac_counter(&dev, total - 1) != NULL && ac_counter(&dev, total) == NULL);
	CHECK_EQ(0, ac_op(&dev, total - 1, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, 0, &v));
	CHECK_EQ(ac_read(ac_counter(&dev, total - 1)), v);
	v = -1;
	CHECK_EQ(-EINVAL, ac_op(&dev, total, ATOMIC_COUNTER_OP_READ, AC_RELAXED, 0, 0, &v));
	CHECK_EQ(-1, v);
	CHECK_EQ(-EPERM, ac_op(&dev, dev.info.kernel_first, ATOMIC_COUNTER_OP_SET, AC_RELAXED, 1, 0, NULL));
out:
	result(!why, "info_matches_the_module", why);
}

static void page_and_ioctl_agree(void)
{
	ac_counter_t *c = ac_counter(&dev, IDX);
	int64_t v = -1;
	int k;
	const char *why = NULL;

	CHECK(c != NULL);
	CHECK_EQ(0, ac_op(&dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELAXED, 1000, 0, NULL));
	CHECK_EQ(1000, ac_read(c));
	for (k = 0; k < INCS; k++)
		ac_inc(c);
	CHECK_EQ(0, ac_op(&dev, IDX, ATOMIC_COUNTER_OP_READ, AC_ACQUIRE, 0, 0, &v));
	CHECK_EQ(1000 + INCS, v);
	v = -1;
	CHECK_EQ(0, ac_read_index(&dev, IDX, &v));
	CHECK_EQ(1000 + INCS, v);
out:
	ac_op(&dev, IDX, ATOMIC_COUNTER_OP_SET, AC_RELAXED, 0, 0, NULL);
	result(!why, "ac_inc_on_the_page_is_what_the_ioctl_reads", why);
}

static void name_create_and_lookup(void)
{
	char name[64];
	uint64_t index = UINT64_MAX, found = UINT64_MAX;
	uint32_t owner = 0;
	const char *why = NULL;

	/* Unique to the process: a rerun on a live machine starts afresh. */
	snprintf(name, sizeof(name), "abi_v0_4.%ld", (long)getpid());
	CHECK_EQ(1, ac_name_create(&dev, name, 0, &index));
	named = index;
	CHECK(index >= dev.info.named_first && index < dev.info.named_first + dev.info.nr_named);
	CHECK_EQ(0, ac_read(ac_counter(&dev, index)));
	CHECK_EQ(0, ac_name_lookup(&dev, name, &found, &owner));
	CHECK_EQ(index, found);
	CHECK_EQ(ATOMIC_COUNTER_OWNER_USER, owner);
	found = UINT64_MAX;
	CHECK_EQ(0, ac_name_create(&dev, name, 0, &found));
	CHECK_EQ(index, found);
	found = UINT64_MAX;
	CHECK_EQ(-EEXIST, ac_name_create(&dev, name, ATOMIC_COUNTER_NAME_EXCL, &found));
	found = UINT64_MAX;
	CHECK_EQ(-ENOENT, ac_name_lookup(&dev, "abi_v0_4.no_such_name", &found, NULL));
out:
	result(!why, "name_create_and_lookup_agree", why);
}

static void batch(void)
{
	struct atomic_counter_op ops[4];
	uint64_t i = named;
	const char *why = NULL;

	memset(ops, 0, sizeof(ops));
	ops[0] = (struct atomic_counter_op){ .index = i, .op = ATOMIC_COUNTER_OP_SET,
					   .order = ATOMIC_COUNTER_RELAXED, .value = 40 };
	ops[1] = (struct atomic_counter_op){ .index = i, .op = ATOMIC_COUNTER_OP_ADD_RETURN, .value = 2 };
	ops[2] = (struct atomic_counter_op){ .index = i, .op = ATOMIC_COUNTER_OP_FETCH_SUB, .value = 2 };
	ops[3] = (struct atomic_counter_op){ .index = i, .op = ATOMIC_COUNTER_OP_READ,
					   .order = ATOMIC_COUNTER_ACQUIRE };
	CHECK(i != UINT64_MAX);
	CHECK_EQ(0, ac_batch(&dev, ops, 4));
	CHECK_EQ(42, ops[1].result);
	CHECK_EQ(42, ops[2].result);
	CHECK_EQ(40, ops[3].result);
	CHECK_EQ(40, ac_read(ac_counter(&dev, i)));
out:
	result(!why, "batch_results_exact", why);
}

/* 0.4's promise: every entry checked before any is applied. */
static void batch_rejected(void)
{
	struct atomic_counter_op ops[2];
	uint64_t i = named;
	const char *why = NULL;

	memset(ops, 0, sizeof(ops));
	ops[0] = (struct atomic_counter_op){ .index = i, .op = ATOMIC_COUNTER_OP_ADD, .value = 5 };
	/* No opcode, in 0.4 or since; the ADD before it is valid. */
	ops[1] = (struct atomic_counter_op){ .index = i, .op = 0xffff };
	CHECK(i != UINT64_MAX);
	CHECK_EQ(-EINVAL, ac_batch(&dev, ops, 2));
	CHECK_EQ(40, ac_read(ac_counter(&dev, i)));
out:
	result(!why, "batch_rejected_changes_nothing", why);
}

static void wait_met(void)
{
	int64_t seen = -1;
	const char *why = NULL;

	CHECK(named != UINT64_MAX);
	CHECK_EQ(0, ac_wait(&dev, named, ATOMIC_COUNTER_COND_EQ, 40, 0, &seen));
	CHECK_EQ(40, seen);
	CHECK_EQ(-ETIMEDOUT, ac_wait(&dev, named, ATOMIC_COUNTER_COND_NE, 40, 0, NULL));
out:
	result(!why, "wait_timeout_0_on_a_met_condition", why);
}

static void name_delete(void)
{
	char name[64];
	uint64_t found = UINT64_MAX;
	const char *why = NULL;

	snprintf(name, sizeof(name), "abi_v0_4.%ld", (long)getpid());
	CHECK(named != UINT64_MAX);
	CHECK_EQ(0, ac_name_delete(&dev, name));
	CHECK_EQ(-ENOENT, ac_name_lookup(&dev, name, &found, NULL));
out:
	result(!why, "name_delete_then_lookup_enoent", why);
}

int main(void)
{
	const char *why = NULL;
	int ret;

	printf("TAP version 13\n");
	ret = ac_open(&dev, NULL, 0);
	if (ret == -ENOENT) {
		printf("1..0 # SKIP %s absent: module not loaded\n", AC_DEFAULT_DEVICE);
		return 4;
	}
	printf("1..10\n");
	CHECK_EQ(0, ret);
	/* Read where 0.4's struct ac_dev has them. */
	CHECK(dev.fd >= 0 && dev.bank != NULL && dev.writable);
	CHECK((void *)ac_counter(&dev, 0) == (void *)dev.bank);
out:
	result(!why, "open_fills_the_0_4_struct", why);
	if (why)
		return 1;
	info_is_sane();
	info_matches_the_module();
	page_and_ioctl_agree();
	name_create_and_lookup();
	batch();
	batch_rejected();
	wait_met();
	name_delete();
	ac_close(&dev);
	/* As 0.4's ac_close() did: a program may test them afterwards. */
	result(dev.fd == -1 && dev.bank == NULL, "close_clears_the_handle", "fd or bank left set");
	return failed;
}
