// SPDX-License-Identifier: MIT
/*
 * Striped counters: one slot per possible CPU, each CPU's on its own cache
 * line; updates go to the slot of the CPU they run on, through the page
 * (libatomic_counter's ac_striped_*) or the ioctl (ATOMIC_COUNTER_OP_STRIPED),
 * and a read sums the slots; waiters wait on the sum. Many processes,
 * moving between CPUs, never lose an update: the totals are exact.
 */
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "atomic_counter.h"
#include "ac_test.h"
#include "ac_spec.h"

#define NAME	"test.striped"
#define VIEW	"/sys/kernel/debug/atomic_counter/counters"

/* CPUs listed in a sysfs cpu list such as "0-3,6". */
static int cpu_list_count(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, a, b;
	char sep;

	if (!f)
		return -1;
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-' && fscanf(f, "%d%c", &b, &sep) < 1)
			break;
		n += b - a + 1;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n;
}

/* Run on @cpu only. */
static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The CPUs this process may run on, in *cpus; their number. */
static int allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int cpu, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	return n;
}

static int create(struct ac_dev *dev, const char *name, uint64_t flags,
		  struct atomic_counter_name *n)
{
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);
	n->flags = flags;
	return ioctl(dev->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, n) ? -errno : 0;
}

FIXTURE(striped) {
	struct ac_dev dev;
	uint64_t index;
	ac_striped_t s;
	cpu_set_t affinity;
};

FIXTURE_SETUP(striped)
{
	struct atomic_counter_name n;
	int ret = ac_open(&self->dev, NULL, 0);

	if (ret == -ENOENT)
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(self->affinity), &self->affinity));
	/* A fresh counter: deleting zeroes it. */
	ac_name_delete(&self->dev, NAME);
	ASSERT_EQ(0, create(&self->dev, NAME, ATOMIC_COUNTER_NAME_STRIPED, &n));
	self->index = n.index;
	ASSERT_EQ(0, ac_striped(&self->dev, self->index, &self->s));
}

FIXTURE_TEARDOWN(striped)
{
	if (self->dev.fd >= 0) {
		sched_setaffinity(0, sizeof(self->affinity), &self->affinity);
		ac_name_delete(&self->dev, NAME);
		ac_close(&self->dev);
	}
}

/* Slot @cpu of the fixture's counter, on the page. */
static int64_t slot(FIXTURE_DATA(striped) *self, uint32_t cpu)
{
	return ac_read(&self->s.slots[(uint64_t)cpu * self->s.stride]);
}

static void set_slot(FIXTURE_DATA(striped) *self, uint32_t cpu, int64_t v)
{
	ac_set(&self->s.slots[(uint64_t)cpu * self->s.stride], v);
}

static int64_t ioctl_sum(FIXTURE_DATA(striped) *self)
{
	int64_t v = INT64_MIN + 1;

	if (raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_READ,
			   ATOMIC_COUNTER_RELAXED, 0, &v))
		return INT64_MIN + 2;
	return v;
}

/* Every slot zero: nothing changed, or the counter was reset. */
#define ASSERT_ALL_SLOTS_ZERO() do {					\
	uint32_t _c;							\
	for (_c = 0; _c < self->s.nr_stripes; _c++)			\
		ASSERT_EQ(0, slot(self, _c)) TH_LOG("slot %u", _c);	\
} while (0)

TEST_F(striped, info_gives_a_slot_per_possible_cpu_and_whole_lines)
{
	const struct atomic_counter_info *i = ac_info(&self->dev);

	EXPECT_TRUE(i->features & ATOMIC_COUNTER_FEATURE_STRIPED);
	EXPECT_EQ(cpu_list_count("/sys/devices/system/cpu/possible"), i->nr_stripes);
	EXPECT_LE(64, i->nr_striped);
	EXPECT_EQ(0, i->nr_striped % (i->cache_line_bytes / ATOMIC_COUNTER_SIZE));
}

TEST_F(striped, create_gives_a_zeroed_counter_of_the_first_row)
{
	uint64_t first = self->dev.info.named_first + self->dev.info.nr_named;
	struct atomic_counter_name n;

	EXPECT_LE(first, self->index);
	EXPECT_GT(first + self->dev.info.nr_striped, self->index);
	ASSERT_ALL_SLOTS_ZERO();
	ASSERT_EQ(0, create(&self->dev, NAME, ATOMIC_COUNTER_NAME_STRIPED, &n));
	EXPECT_EQ(0, n.created);
	EXPECT_EQ(self->index, n.index);
	EXPECT_EQ(ATOMIC_COUNTER_NAME_STRIPED, n.flags);
	EXPECT_EQ(ATOMIC_COUNTER_OWNER_USER, n.owner);
}

TEST_F(striped, lookup_and_next_say_it_is_striped)
{
	struct atomic_counter_name n;

	memset(&n, 0, sizeof(n));
	strcpy(n.name, NAME);
	ASSERT_EQ(0, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n));
	EXPECT_EQ(self->index, n.index);
	EXPECT_EQ(ATOMIC_COUNTER_NAME_STRIPED, n.flags);
	ASSERT_EQ(0, ac_name_next(&self->dev, self->index, &n));
	EXPECT_STREQ(NAME, n.name);
	EXPECT_EQ(ATOMIC_COUNTER_NAME_STRIPED, n.flags);
	/* And a plain name says nothing of the kind. */
	ASSERT_EQ(0, create(&self->dev, "test.plain", 0, &n));
	EXPECT_EQ(0, n.flags);
	ASSERT_EQ(0, ac_name_next(&self->dev, n.index, &n));
	EXPECT_EQ(0, n.flags);
	EXPECT_EQ(0, ac_name_delete(&self->dev, "test.plain"));
}

TEST_F(striped, create_of_a_name_of_the_other_kind_eexist)
{
	struct atomic_counter_name n;

	EXPECT_EQ(-EEXIST, create(&self->dev, NAME, 0, &n));
	ASSERT_EQ(0, create(&self->dev, "test.plain", 0, &n));
	EXPECT_EQ(-EEXIST, create(&self->dev, "test.plain", ATOMIC_COUNTER_NAME_STRIPED, &n));
	EXPECT_EQ(0, ac_name_delete(&self->dev, "test.plain"));
	EXPECT_EQ(-EEXIST, create(&self->dev, NAME,
				  ATOMIC_COUNTER_NAME_STRIPED | ATOMIC_COUNTER_NAME_EXCL, &n));
}

TEST_F(striped, read_sums_every_slot_on_every_path)
{
	int64_t want = 0, v = 0;
	uint32_t c;

	for (c = 0; c < self->s.nr_stripes; c++) {
		set_slot(self, c, (c + 1) * 1000 + c);
		want += (c + 1) * 1000 + c;
	}
	EXPECT_EQ(want, ioctl_sum(self));
	ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_READ,
				    ATOMIC_COUNTER_ACQUIRE, 0, &v));
	EXPECT_EQ(want, v);
	EXPECT_EQ(want, ac_striped_read(&self->s));
	ASSERT_EQ(0, ac_read_index(&self->dev, self->index, &v));
	EXPECT_EQ(want, v);
	/* Without the flag the index is one word: CPU 0's slot. */
	EXPECT_EQ(1000, raw_read(self->dev.fd, self->index));
}

TEST_F(striped, sum_wraps_like_one_counter)
{
	if (self->s.nr_stripes < 2)
		SKIP(return, "one possible CPU: one slot");
	set_slot(self, 0, INT64_MAX);
	set_slot(self, 1, 1);
	EXPECT_EQ(INT64_MIN, ioctl_sum(self));
	EXPECT_EQ(INT64_MIN, ac_striped_read(&self->s));
}

/*
 * After each of @cpus added 100 + its number - 3 + 1 to its slot: those
 * slots hold exactly that, every other slot zero.
 */
static void expect_each_cpu_added_100_plus_its_number(struct __test_metadata *_metadata,
						      FIXTURE_DATA(striped) *self,
						      const int *cpus, int n)
{
	uint32_t c;
	int k;

	for (c = 0; c < self->s.nr_stripes; c++) {
		int64_t want = 0;

		for (k = 0; k < n; k++)
			if ((uint32_t)cpus[k] == c)
				want = 100 + c - 3 + 1;
		EXPECT_EQ(want, slot(self, c)) TH_LOG("slot %u", c);
	}
}

TEST_F(striped, ioctl_updates_go_to_the_slot_of_the_cpu_they_run_on)
{
	int cpus[64], n = allowed_cpus(cpus, 64), k;

	ASSERT_LT(0, n);
	for (k = 0; k < n; k++) {
		ASSERT_EQ(0, pin(cpus[k]));
		ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_ADD,
					    ATOMIC_COUNTER_RELAXED, 100 + cpus[k], NULL));
		ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_SUB,
					    ATOMIC_COUNTER_FULL, 3, NULL));
		ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_INC,
					    ATOMIC_COUNTER_FULL, 0, NULL));
		ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_INC,
					    ATOMIC_COUNTER_RELAXED, 0, NULL));
		ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_DEC,
					    ATOMIC_COUNTER_RELAXED, 0, NULL));
	}
	expect_each_cpu_added_100_plus_its_number(_metadata, self, cpus, n);
}

TEST_F(striped, page_updates_go_to_the_slot_of_the_cpu_they_run_on)
{
	int cpus[64], n = allowed_cpus(cpus, 64), k;

	ASSERT_LT(0, n);
	for (k = 0; k < n; k++) {
		ASSERT_EQ(0, pin(cpus[k]));
		EXPECT_EQ(cpus[k], (int)ac_cpu());
		EXPECT_EQ(cpus[k], (int)ac_cpu_slow());
		ac_striped_add(100 + cpus[k], &self->s);
		ac_striped_sub(3, &self->s);
		ac_striped_inc(&self->s);
		ac_striped_inc(&self->s);
		ac_striped_dec(&self->s);
	}
	expect_each_cpu_added_100_plus_its_number(_metadata, self, cpus, n);
}

TEST_F(striped, other_operations_and_orderings_einval)
{
	uint32_t op, order;

	for (op = 0; op < ATOMIC_COUNTER_NR_OPS; op++)
		for (order = 0; order < ATOMIC_COUNTER_NR_ORDERS; order++) {
			struct atomic_counter_op o = { .index = self->index, .op = op, .order = order,
						       .flags = ATOMIC_COUNTER_OP_STRIPED };
			int want = spec_op_errno(&o, ac_info(&self->dev), true);
			int got = raw_striped_op(self->dev.fd, self->index, op, order, 0, NULL);

			EXPECT_EQ(-want, got) TH_LOG("%s, order %u", spec[op].name, order);
			if (spec[op].striped_orders & (1u << order))
				continue;
			EXPECT_EQ(EINVAL, want) TH_LOG("%s, order %u", spec[op].name, order);
		}
	/* Only READ, ADD, SUB, INC and DEC pass, and the updates are undone. */
	EXPECT_EQ(0, ioctl_sum(self));
}

TEST_F(striped, the_flag_on_anything_but_a_striped_counter_einval)
{
	const struct atomic_counter_info *i = ac_info(&self->dev);
	uint64_t first = i->named_first + i->nr_named;
	uint64_t bad[] = {
		0, i->named_first, first + i->nr_striped, self->index + i->nr_striped,
		i->kernel_first, i->map_size / ATOMIC_COUNTER_SIZE,
	};
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		if (bad[k] == self->index + i->nr_striped && i->nr_stripes < 2)
			continue;	/* no second row */
		EXPECT_EQ(-EINVAL, raw_striped_op(self->dev.fd, bad[k], ATOMIC_COUNTER_OP_INC,
						  ATOMIC_COUNTER_RELAXED, 0, NULL))
			TH_LOG("index %llu", (unsigned long long)bad[k]);
		EXPECT_EQ(-EINVAL, raw_striped_op(self->dev.fd, bad[k], ATOMIC_COUNTER_OP_READ,
						  ATOMIC_COUNTER_RELAXED, 0, NULL));
	}
	EXPECT_EQ(0, raw_read(self->dev.fd, 0));
	ASSERT_ALL_SLOTS_ZERO();
	EXPECT_EQ(-EINVAL, ac_striped(&self->dev, 0, &self->s));
}

TEST_F(striped, read_only_fd_reads_the_sum_but_cannot_update_ebadf)
{
	int fd = ac_test_open(O_RDONLY);
	int64_t v = -1;

	ASSERT_LE(0, fd);
	set_slot(self, 0, 5);
	EXPECT_EQ(0, raw_striped_op(fd, self->index, ATOMIC_COUNTER_OP_READ,
				    ATOMIC_COUNTER_RELAXED, 0, &v));
	EXPECT_EQ(5, v);
	EXPECT_EQ(-EBADF, raw_striped_op(fd, self->index, ATOMIC_COUNTER_OP_INC,
					 ATOMIC_COUNTER_RELAXED, 0, NULL));
	EXPECT_EQ(5, ioctl_sum(self));
	close(fd);
}

TEST_F(striped, a_batch_takes_striped_operations)
{
	struct atomic_counter_op ops[4] = {
		{ .index = self->index, .op = ATOMIC_COUNTER_OP_ADD, .order = ATOMIC_COUNTER_RELAXED,
		  .value = 40, .flags = ATOMIC_COUNTER_OP_STRIPED },
		{ .index = self->index, .op = ATOMIC_COUNTER_OP_INC,
		  .flags = ATOMIC_COUNTER_OP_STRIPED },
		{ .index = self->index, .op = ATOMIC_COUNTER_OP_INC, .order = ATOMIC_COUNTER_RELAXED,
		  .flags = ATOMIC_COUNTER_OP_STRIPED },
		{ .index = self->index, .op = ATOMIC_COUNTER_OP_READ, .order = ATOMIC_COUNTER_RELAXED,
		  .flags = ATOMIC_COUNTER_OP_STRIPED },
	};

	ASSERT_EQ(0, ac_batch(&self->dev, ops, 4, NULL));
	EXPECT_EQ(42, ops[3].result);
	/* One striped request the module refuses: none applied. */
	ops[1].op = ATOMIC_COUNTER_OP_XCHG;
	EXPECT_EQ(-EINVAL, ac_batch(&self->dev, ops, 4, NULL));
	EXPECT_EQ(42, ioctl_sum(self));
}

TEST_F(striped, delete_zeroes_every_slot)
{
	struct atomic_counter_name n;
	uint32_t c;

	for (c = 0; c < self->s.nr_stripes; c++)
		set_slot(self, c, 7);
	ASSERT_EQ(0, ac_name_delete(&self->dev, NAME));
	ASSERT_ALL_SLOTS_ZERO();
	ASSERT_EQ(0, create(&self->dev, NAME, ATOMIC_COUNTER_NAME_STRIPED, &n));
	EXPECT_EQ(1, n.created);
	EXPECT_EQ(0, ioctl_sum(self));
}

TEST_F_TIMEOUT(striped, full_striped_region_enospc, 120)
{
	uint64_t made = 0, i;
	struct atomic_counter_name n;
	char name[32];
	int ret = 0;

	for (i = 0; i < self->dev.info.nr_striped + 1; i++) {
		snprintf(name, sizeof(name), "test.full.%llu", (unsigned long long)i);
		ret = create(&self->dev, name, ATOMIC_COUNTER_NAME_STRIPED, &n);
		if (ret)
			break;
		made++;
	}
	EXPECT_EQ(-ENOSPC, ret);
	/* The fixture's counter and any other test's hold the rest. */
	EXPECT_GT(self->dev.info.nr_striped, made);
	for (i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "test.full.%llu", (unsigned long long)i);
		EXPECT_EQ(0, ac_name_delete(&self->dev, name));
	}
	/* Plain names were never short. */
	EXPECT_EQ(0, create(&self->dev, "test.plain", 0, &n));
	EXPECT_EQ(0, ac_name_delete(&self->dev, "test.plain"));
}

TEST_F(striped, text_view_shows_the_sum)
{
	char line[256], want[128];
	long long v = -1;
	FILE *f;
	uint32_t c;

	if (ac_test_private())
		SKIP(return, "a private bank: the text view lists the global bank's names only");
	for (c = 0; c < self->s.nr_stripes; c++)
		set_slot(self, c, 10 + c);
	f = fopen(VIEW, "r");
	if (!f)
		SKIP(return, "no text view (debugfs not mounted)");
	snprintf(want, sizeof(want), NAME " %llu user,striped %%lld",
		 (unsigned long long)self->index);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, want, &v) == 1)
			break;
	fclose(f);
	EXPECT_EQ(10 * self->s.nr_stripes + self->s.nr_stripes * (self->s.nr_stripes - 1) / 2, v);
}

/* Block until at least @n processes wait (the count on the page says so). */
static void until_waiters(struct ac_dev *dev, int64_t n)
{
	while (ac_read(ac_counter(dev, dev->info.waiters_index)) < n)
		usleep(1000);
}

/* A child waiting for the sum to reach @value; it exits 0 when it saw exactly that. */
static pid_t waiter(struct ac_dev *dev, uint64_t index, int64_t value)
{
	pid_t pid = fork();
	int64_t seen = -1;

	if (pid == 0)
		_exit(ac_wait(dev, index, ATOMIC_COUNTER_COND_GE, value, 10000000000LL, &seen) ||
		      seen != value);
	return pid;
}

/*
 * A waiter for the sum to reach 10 per CPU, while this process adds 10 on
 * each CPU in turn, on the page (then wakes) or through the ioctl: it
 * wakes, having seen exactly the final sum.
 */
static void wait_while_each_cpu_adds_10(struct __test_metadata *_metadata,
					FIXTURE_DATA(striped) *self, bool on_page)
{
	int cpus[64], n = allowed_cpus(cpus, 64), k, status;
	pid_t pid = waiter(&self->dev, self->index, 10 * n);

	ASSERT_LE(0, pid);
	until_waiters(&self->dev, 1);
	for (k = 0; k < n; k++) {
		ASSERT_EQ(0, pin(cpus[k]));
		if (on_page) {
			ac_striped_add(10, &self->s);
			ASSERT_EQ(0, ac_wake(&self->dev, self->index));
		} else {
			ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_ADD,
						    ATOMIC_COUNTER_RELAXED, 10, NULL));
		}
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(striped, a_wait_on_the_sum_is_woken_by_ioctl_updates_on_any_cpu)
{
	wait_while_each_cpu_adds_10(_metadata, self, false);
}

TEST_F(striped, a_wait_on_the_sum_is_woken_by_page_updates_and_wake)
{
	wait_while_each_cpu_adds_10(_metadata, self, true);
}

TEST_F(striped, poll_on_a_file_armed_with_the_sum)
{
	struct pollfd p = { .fd = self->dev.fd, .events = POLLIN };

	if (self->s.nr_stripes < 2)
		SKIP(return, "one possible CPU: the sum is slot 0");
	ASSERT_EQ(0, ac_arm(&self->dev, self->index, ATOMIC_COUNTER_COND_GE, 5));
	EXPECT_EQ(0, poll(&p, 1, 0));
	/* Not on slot 0 alone: 2 there and 3 on the last CPU's slot. */
	set_slot(self, 0, 2);
	EXPECT_EQ(0, poll(&p, 1, 0));
	set_slot(self, self->s.nr_stripes - 1, 3);
	ASSERT_EQ(0, ac_wake(&self->dev, self->index));
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(POLLIN, p.revents & (POLLIN | POLLERR));
}

TEST_F(striped, the_wait_flag_on_anything_but_a_striped_counter_einval)
{
	struct atomic_counter_wait w = {
		.index = 0, .cond = ATOMIC_COUNTER_COND_GE, .flags = ATOMIC_COUNTER_WAIT_STRIPED,
	};

	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_ARM, &w));
	EXPECT_EQ(EINVAL, errno);
	w.index = self->index + self->dev.info.nr_striped;	/* CPU 1's slot */
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.index = self->index;
	w.flags = 4;	/* no such flag */
	EXPECT_EQ(-1, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	/* And with it, on the counter: the sum, 0, at once. */
	w.flags = ATOMIC_COUNTER_WAIT_STRIPED;
	EXPECT_EQ(0, ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(0, w.result);
}

/*
 * Pinned to @cpu, @n times: wait for the turn, add @delta to this CPU's
 * slot on the page, pass the turn on. Exits 0, or 1 when it cannot pin.
 */
static void pass_the_turn(const ac_striped_t *s, int cpu, atomic_int *turn, int mine,
			  int64_t delta, int n, atomic_int *done)
{
	int k;

	if (pin(cpu))
		_exit(1);
	for (k = 0; k < n; k++) {
		while (atomic_load(turn) != mine)
			sched_yield();
		ac_striped_add(delta, s);
		atomic_store(turn, !mine);
	}
	atomic_fetch_add(done, 1);
	_exit(0);
}

#define PAIRS		2
#define HANDOFFS	4000

/*
 * EQ, NE and LE on a sum read slot by slot are refused, WAIT and ARM alike.
 * Pairs of CPUs each add 1 and take it back, in turn, on top of a 1 held
 * throughout (work in flight: the counter is always 1 or more); a reader
 * may see the adding CPU's slot before its add and the other's after the
 * take-back, a sum below any value the counter held. So a waiter for "LE
 * 0" (all work drained) gets EINVAL at once, never a success while work is
 * in flight; EQ and NE too. A refused ARM leaves the file as it was.
 */
TEST_F_TIMEOUT(striped, eq_ne_le_on_the_sum_einval_while_pinned_pairs_add_and_take_back, 300)
{
	static const struct {
		uint32_t cond;
		int64_t value;
	} c[] = {
		{ ATOMIC_COUNTER_COND_LE, 0 },
		{ ATOMIC_COUNTER_COND_EQ, 0 },
		{ ATOMIC_COUNTER_COND_NE, 1 },
		{ ATOMIC_COUNTER_COND_LE, 0 },	/* and once timed */
	};
	int cpus[64], n = allowed_cpus(cpus, 64), pairs = n / 2 < PAIRS ? n / 2 : PAIRS;
	atomic_int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	long calls = 0, einval = 0, drained = 0;
	struct pollfd pfd = { .events = POLLIN };
	pid_t pids[2 * PAIRS];
	struct ac_dev armed;
	int i, k, status;

	if (pairs < 1)
		SKIP(return, "one CPU: no pair of CPUs");
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_EQ(0, ac_open(&armed, NULL, AC_OPEN_NOMAP));
	ASSERT_EQ(0, ac_arm(&armed, self->index, ATOMIC_COUNTER_COND_GE, 1));
	set_slot(self, 0, 1);
	for (i = 0; i < 2 * pairs; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			pass_the_turn(&self->s, cpus[i], &shared[i / 2], i % 2, i % 2 ? -1 : 1,
				      HANDOFFS, &shared[PAIRS]);
	}
	do {
		for (k = 0; k < 4; k++) {
			struct atomic_counter_wait w = {
				.index = self->index, .cond = c[k].cond,
				.flags = ATOMIC_COUNTER_WAIT_STRIPED, .value = c[k].value,
				.timeout_ns = k == 3 ? 10000000 : 0,
			};
			int ret = ioctl(self->dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w) ? errno : 0;

			calls++;
			einval += ret == EINVAL && w.result == 0;
			/* What the refusal prevents: "drained" with work in flight. */
			drained += ret == 0 && c[k].cond != ATOMIC_COUNTER_COND_NE;
			w.timeout_ns = 0;
			calls++;
			einval += ioctl(armed.fd, ATOMIC_COUNTER_IOC_ARM, &w) && errno == EINVAL;
		}
	} while (atomic_load(&shared[PAIRS]) < 2 * pairs);
	for (i = 0; i < 2 * pairs; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("process %d", i);
	}
	EXPECT_EQ(calls, einval);
	EXPECT_EQ(0, drained);
	TH_LOG("%ld calls", calls);
	EXPECT_EQ(1, ac_striped_read(&self->s));
	/* Still armed with GE 1, which holds. */
	pfd.fd = armed.fd;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	ac_close(&armed);
	munmap(shared, 4096);
}

/*
 * GE is decided: with every update an addition, each slot only grows, and
 * a sum read slot by slot lies between the counter's values at the start
 * and at the end of the read. N-1 increments spread over the CPUs (on the
 * page then WAKE, and through the ioctl) leave a waiter for N waiting: a
 * timed wait for N ends ETIMEDOUT; the Nth increment wakes the waiter,
 * which saw exactly N.
 */
TEST_F(striped, a_ge_wait_on_an_increment_only_sum_waits_for_the_nth_increment)
{
	int cpus[64], n = allowed_cpus(cpus, 64), k, total = 3 * n + 1, status;
	pid_t pid;

	ASSERT_LE(1, n);
	pid = waiter(&self->dev, self->index, total);
	ASSERT_LE(0, pid);
	until_waiters(&self->dev, 1);
	for (k = 0; k < total - 1; k++) {
		ASSERT_EQ(0, pin(cpus[k % n]));
		if (k % 2) {
			ac_striped_inc(&self->s);
			ASSERT_EQ(0, ac_wake(&self->dev, self->index));
		} else {
			ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_INC,
						    ATOMIC_COUNTER_RELAXED, 0, NULL));
		}
	}
	EXPECT_EQ(-ETIMEDOUT, ac_wait(&self->dev, self->index, ATOMIC_COUNTER_COND_GE, total,
				      20000000, NULL));
	EXPECT_EQ(total - 1, ac_striped_read(&self->s));
	ASSERT_EQ(0, pin(cpus[(total - 1) % n]));
	ASSERT_EQ(0, raw_striped_op(self->dev.fd, self->index, ATOMIC_COUNTER_OP_INC,
				    ATOMIC_COUNTER_RELAXED, 0, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * Slots only grow while everyone adds, so each sum read is at least the
 * one before: a reader never sees the counter go back.
 */
TEST_F_TIMEOUT(striped, sum_never_goes_back_while_others_add, 120)
{
	const int procs = 4, per_proc = 100000;
	int64_t last = 0, v;
	pid_t pids[4];
	int i, status, backwards = 0, reads = 0;

	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int k;

			for (k = 0; k < per_proc; k++)
				ac_striped_inc(&self->s);
			_exit(0);
		}
	}
	do {
		v = reads % 2 ? ac_striped_read(&self->s) : ioctl_sum(self);
		if (v < last)
			backwards++;
		last = v;
		reads++;
	} while (v < procs * per_proc);
	for (i = 0; i < procs; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	EXPECT_EQ(0, backwards);
	EXPECT_EQ(procs * per_proc, ioctl_sum(self));
	TH_LOG("%d reads", reads);
}

/*
 * The stress: P processes, M updates each, on one striped counter, the
 * final sum exact. MIGRATE moves every process to another CPU every 997
 * updates, so slots get updates from processes that left their CPU.
 */
enum path { PAGE, IOCTL, BATCHED, MIXED };
enum kind { INC, MIX };

FIXTURE(striped_stress) {
	struct ac_dev dev;
	uint64_t index;
	ac_striped_t s;
};

FIXTURE_VARIANT(striped_stress) {
	enum path path;
	enum kind kind;
	int nproc;
	int per_proc;
	bool migrate;
};

FIXTURE_VARIANT_ADD(striped_stress, page_inc_2) { PAGE, INC, 2, 200000, false };
FIXTURE_VARIANT_ADD(striped_stress, page_inc_4) { PAGE, INC, 4, 200000, false };
FIXTURE_VARIANT_ADD(striped_stress, page_inc_8) { PAGE, INC, 8, 100000, false };
FIXTURE_VARIANT_ADD(striped_stress, page_inc_24) { PAGE, INC, 24, 50000, false };
FIXTURE_VARIANT_ADD(striped_stress, page_inc_migrating_8) { PAGE, INC, 8, 100000, true };
FIXTURE_VARIANT_ADD(striped_stress, page_mix_migrating_16) { PAGE, MIX, 16, 50000, true };
FIXTURE_VARIANT_ADD(striped_stress, ioctl_inc_4) { IOCTL, INC, 4, 20000, false };
FIXTURE_VARIANT_ADD(striped_stress, ioctl_mix_migrating_8) { IOCTL, MIX, 8, 5000, true };
FIXTURE_VARIANT_ADD(striped_stress, batch_inc_16) { BATCHED, INC, 16, 16000, false };
FIXTURE_VARIANT_ADD(striped_stress, mixed_inc_migrating_10) { MIXED, INC, 10, 20000, true };
FIXTURE_VARIANT_ADD(striped_stress, mixed_mix_24) { MIXED, MIX, 24, 10000, false };

FIXTURE_SETUP(striped_stress)
{
	struct atomic_counter_name n;
	int ret = ac_open(&self->dev, NULL, 0);

	if (ret == -ENOENT)
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");
	ASSERT_EQ(0, ret);
	ac_name_delete(&self->dev, "test.striped_stress");
	ASSERT_EQ(0, create(&self->dev, "test.striped_stress", ATOMIC_COUNTER_NAME_STRIPED, &n));
	self->index = n.index;
	ASSERT_EQ(0, ac_striped(&self->dev, self->index, &self->s));
}

FIXTURE_TEARDOWN(striped_stress)
{
	if (self->dev.fd >= 0) {
		ac_name_delete(&self->dev, "test.striped_stress");
		ac_close(&self->dev);
	}
}

/* One unit of work: +1 (INC) or add 3, sub 1, inc, dec (MIX: +2). */
static void unit_page(const ac_striped_t *s, enum kind kind)
{
	if (kind == INC) {
		ac_striped_inc(s);
		return;
	}
	ac_striped_add(3, s);
	ac_striped_sub(1, s);
	ac_striped_inc(s);
	ac_striped_dec(s);
}

static int unit_ioctl(const struct ac_dev *dev, uint64_t index, enum kind kind)
{
	if (kind == INC)
		return ac_op_striped(dev, index, ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, NULL);
	return ac_op_striped(dev, index, ATOMIC_COUNTER_OP_ADD, AC_FULL, 3, NULL) ||
	       ac_op_striped(dev, index, ATOMIC_COUNTER_OP_SUB, AC_RELAXED, 1, NULL) ||
	       ac_op_striped(dev, index, ATOMIC_COUNTER_OP_INC, AC_FULL, 0, NULL) ||
	       ac_op_striped(dev, index, ATOMIC_COUNTER_OP_DEC, AC_RELAXED, 0, NULL);
}

/* BATCHED: 64 increments a call; MIX is not batched (the variants say INC). */
static int batch_incs(const struct ac_dev *dev, uint64_t index, int count)
{
	struct atomic_counter_op ops[64];
	int k;

	for (k = 0; k < count; k++)
		ops[k] = (struct atomic_counter_op){
			.index = index, .op = ATOMIC_COUNTER_OP_INC,
			.order = ATOMIC_COUNTER_RELAXED, .flags = ATOMIC_COUNTER_OP_STRIPED,
		};
	return ac_batch(dev, ops, count, NULL);
}

static int worker(FIXTURE_DATA(striped_stress) *self,
		  const FIXTURE_VARIANT(striped_stress) *variant, int p)
{
	int cpus[64], ncpus = allowed_cpus(cpus, 64);
	bool page = variant->path == PAGE || (variant->path == MIXED && p % 2 == 0);
	int i;

	for (i = 0; i < variant->per_proc; i++) {
		if (variant->migrate && i % 997 == 0 && ncpus > 1 && pin(cpus[(p + i / 997) % ncpus]))
			return 1;
		if (variant->path == BATCHED) {
			if (batch_incs(&self->dev, self->index, 64))
				return 1;
			i += 63;
		} else if (page) {
			unit_page(&self->s, variant->kind);
		} else if (unit_ioctl(&self->dev, self->index, variant->kind)) {
			return 1;
		}
	}
	return 0;
}

TEST_F_TIMEOUT(striped_stress, the_sum_is_exact, 300)
{
	int64_t per_unit = variant->kind == INC ? 1 : 2;
	pid_t pids[32];
	int p, status, failed = 0;

	ASSERT_GE(32, variant->nproc);
	for (p = 0; p < variant->nproc; p++) {
		pids[p] = fork();
		ASSERT_LE(0, pids[p]);
		if (pids[p] == 0)
			_exit(worker(self, variant, p));
	}
	for (p = 0; p < variant->nproc; p++) {
		ASSERT_EQ(pids[p], waitpid(pids[p], &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	EXPECT_EQ(0, failed);
	EXPECT_EQ((int64_t)variant->nproc * variant->per_proc * per_unit,
		  ac_striped_read(&self->s));
}

TEST_HARNESS_MAIN
