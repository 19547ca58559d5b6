// SPDX-License-Identifier: MIT
/*
 * The device, the handshake, and the rules every untrusted request meets:
 * each invalid input class gets its exact errno and changes no counter.
 */
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "ac_test.h"

#define SENTINEL	0x5a5a0123456789a5LL
#define IDX		7

FIXTURE(dev) {
	int fd;
	struct atomic_counter_info info;
};

FIXTURE_SETUP(dev)
{
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
	ASSERT_EQ(0, raw_info(self->fd, &self->info));
	ASSERT_EQ(0, raw_set(self->fd, IDX, SENTINEL));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Asserts the counter the invalid requests aimed at is untouched. */
#define ASSERT_UNCHANGED() ASSERT_EQ(SENTINEL, raw_read(self->fd, IDX))

TEST_F(dev, info_describes_the_bank)
{
	long page = sysconf(_SC_PAGESIZE);

	uint64_t per_page = page / ATOMIC_COUNTER_SIZE;

	EXPECT_EQ(ATOMIC_COUNTER_API, self->info.api);
	EXPECT_EQ(ATOMIC_COUNTER_FEATURES, self->info.features);
	EXPECT_LE(512, self->info.nr_counters);
	/*
	 * Five regions, back to back, each a whole number of pages: by number,
	 * by name, striped by name, the kernel's, the kernel's striped (none
	 * in a private bank).
	 */
	uint64_t striped = (self->info.nr_striped * self->info.nr_stripes + per_page - 1) /
			   per_page * per_page;
	uint64_t kstriped = (self->info.nr_kernel_striped * self->info.nr_stripes + per_page - 1) /
			    per_page * per_page;

	EXPECT_EQ(ac_test_private() ? 0 : self->info.nr_striped, self->info.nr_kernel_striped);
	EXPECT_EQ(self->info.nr_counters, self->info.named_first);
	EXPECT_EQ(self->info.named_first + self->info.nr_named + striped, self->info.kernel_first);
	EXPECT_EQ((self->info.kernel_first + self->info.nr_kernel + kstriped) * ATOMIC_COUNTER_SIZE,
		  self->info.map_size);
	EXPECT_EQ(0, self->info.nr_counters % per_page);
	EXPECT_EQ(0, self->info.nr_named % per_page);
	EXPECT_EQ(0, self->info.nr_kernel % per_page);
	EXPECT_LE(512, self->info.nr_named);
	/* A private bank's kernel region is one page, for its waiter count. */
	if (ac_test_private()) {
		EXPECT_EQ(per_page, self->info.nr_kernel);
	} else {
		EXPECT_LE(512, self->info.nr_kernel);
	}
	EXPECT_EQ((1ULL << ATOMIC_COUNTER_NR_OPS) - 1, self->info.ops);
	EXPECT_EQ(ATOMIC_COUNTER_BATCH_MAX, self->info.batch_max);
	EXPECT_EQ(64, self->info.cache_line_bytes);
}

TEST_F(dev, info_accepts_known_features)
{
	struct atomic_counter_info info = {
		.api = ATOMIC_COUNTER_API,
		.features = ATOMIC_COUNTER_FEATURE_MMAP | ATOMIC_COUNTER_FEATURE_BATCH,
	};

	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info));
	EXPECT_EQ(ATOMIC_COUNTER_FEATURES, info.features);
}

TEST_F(dev, info_rejects_other_api_einval)
{
	struct atomic_counter_info info = { .api = ATOMIC_COUNTER_API + 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.api = 0;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, info.nr_counters);
}

TEST_F(dev, info_rejects_unknown_feature_einval)
{
	struct atomic_counter_info info = {
		.api = ATOMIC_COUNTER_API, .features = 1ULL << 63,
	};

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, info_api_1_refused_einval)
{
	struct atomic_counter_info info = { .api = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, info.api);
	EXPECT_EQ(0, info.map_size);
}

/* Every field after api and features is output, and must be zero on input. */
TEST_F(dev, info_out_only_fields_nonzero_einval)
{
	size_t first = offsetof(struct atomic_counter_info, nr_counters), off;
	struct atomic_counter_info info, sent;

	for (off = first; off < sizeof(info); off += sizeof(__u64)) {
		memset(&info, 0, sizeof(info));
		info.api = ATOMIC_COUNTER_API;
		*(__u64 *)((char *)&info + off) = 1;
		sent = info;
		EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info)) TH_LOG("offset %zu", off);
		EXPECT_EQ(EINVAL, errno);
		/* Refused: nothing written back. */
		EXPECT_EQ(0, memcmp(&sent, &info, sizeof(info)));
	}
}

TEST_F(dev, info_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_command_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(ATOMIC_COUNTER_IOC_MAGIC, 0x9f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO('T', 1)));
	EXPECT_EQ(ENOTTY, errno);
	/* Another type with one of this header's numbers. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('T', 0x81, struct atomic_counter_op), &(uint64_t){0}));
	EXPECT_EQ(ENOTTY, errno);
	ASSERT_UNCHANGED();
}

TEST_F(dev, op_bad_pointer_efault)
{
	struct atomic_counter_op *unmapped;

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, NULL));
	EXPECT_EQ(EFAULT, errno);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, unmapped));
	EXPECT_EQ(EFAULT, errno);
	munmap(unmapped, 4096);
	ASSERT_UNCHANGED();
}

TEST_F(dev, op_result_to_read_only_memory_efault)
{
	struct atomic_counter_op *op;

	op = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, op);
	*op = (struct atomic_counter_op){
		.index = IDX, .op = ATOMIC_COUNTER_OP_READ, .order = ATOMIC_COUNTER_RELAXED,
	};
	ASSERT_EQ(0, mprotect(op, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, op));
	EXPECT_EQ(EFAULT, errno);
	munmap(op, 4096);
	ASSERT_UNCHANGED();
}

TEST_F(dev, op_unknown_opcode_einval)
{
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, ATOMIC_COUNTER_NR_OPS, 0, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, UINT32_MAX, 0, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, 0x80000002u, 0, 1, 0, NULL));
	ASSERT_UNCHANGED();
}

TEST_F(dev, op_unknown_order_einval)
{
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_FETCH_ADD,
				 ATOMIC_COUNTER_NR_ORDERS, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_FETCH_ADD,
				 UINT32_MAX, 1, 0, NULL));
	ASSERT_UNCHANGED();
}

/* The striped forms through the plain ABI: the same in 32- and 64-bit processes. */
TEST_F(dev, striped_ops_add_to_one_slot_and_read_the_sum)
{
	struct atomic_counter_name n = { .name = "dev.striped" };
	int64_t v = -1, sum = 0;
	uint64_t cpu;

	ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_DELETE, &n);
	n.flags = ATOMIC_COUNTER_NAME_STRIPED;
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	EXPECT_EQ(ATOMIC_COUNTER_NAME_STRIPED, n.flags);
	EXPECT_EQ(0, raw_striped_op(self->fd, n.index, ATOMIC_COUNTER_OP_ADD,
				    ATOMIC_COUNTER_RELAXED, 40, NULL));
	EXPECT_EQ(0, raw_striped_op(self->fd, n.index, ATOMIC_COUNTER_OP_INC,
				    ATOMIC_COUNTER_FULL, 0, NULL));
	EXPECT_EQ(0, raw_striped_op(self->fd, n.index, ATOMIC_COUNTER_OP_SUB,
				    ATOMIC_COUNTER_FULL, -1, NULL));
	EXPECT_EQ(0, raw_striped_op(self->fd, n.index, ATOMIC_COUNTER_OP_READ,
				    ATOMIC_COUNTER_ACQUIRE, 0, &v));
	EXPECT_EQ(42, v);
	for (cpu = 0; cpu < self->info.nr_stripes; cpu++)
		sum += raw_read(self->fd, n.index + cpu * self->info.nr_striped);
	EXPECT_EQ(42, sum);
	EXPECT_EQ(-EINVAL, raw_striped_op(self->fd, n.index, ATOMIC_COUNTER_OP_XCHG,
					  ATOMIC_COUNTER_FULL, 0, NULL));
	/* What CREATE gave back is output: DELETE takes the name alone. */
	n = (struct atomic_counter_name){ .name = "dev.striped" };
	EXPECT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_DELETE, &n));
}

TEST_F(dev, op_flags_einval)
{
	struct atomic_counter_op op = {
		.index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN, .flags = 2,
	};

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	/* The one flag, on a counter that is not striped. */
	op.op = ATOMIC_COUNTER_OP_INC;
	op.order = ATOMIC_COUNTER_RELAXED;
	op.flags = ATOMIC_COUNTER_OP_STRIPED;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	op.flags = 1u << 31;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_UNCHANGED();
}

TEST_F(dev, op_reserved_einval)
{
	struct atomic_counter_op op = {
		.index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN, .reserved = 1,
	};

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_UNCHANGED();
}

TEST_F(dev, op_unused_operand_einval)
{
	/* inc takes no operand, add no expected value: a set one is a bug. */
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_INC_RETURN, 0, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_ADD_RETURN, 0, 1, 1, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_READ,
				 ATOMIC_COUNTER_RELAXED, 1, 0, NULL));
	ASSERT_UNCHANGED();
}

TEST_F(dev, op_index_out_of_range_einval)
{
	uint64_t nr = self->info.map_size / ATOMIC_COUNTER_SIZE;

	EXPECT_EQ(-EINVAL, raw_op(self->fd, nr, ATOMIC_COUNTER_OP_INC_RETURN, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, UINT64_MAX, ATOMIC_COUNTER_OP_INC_RETURN, 0, 0, 0, NULL));
	/* An index that a 32-bit truncation would bring into range. */
	EXPECT_EQ(-EINVAL, raw_op(self->fd, (1ULL << 32) | IDX,
				 ATOMIC_COUNTER_OP_INC_RETURN, 0, 0, 0, NULL));
	ASSERT_UNCHANGED();
	EXPECT_EQ(0, raw_read(self->fd, nr - 1));
	nr = self->info.nr_counters;
	EXPECT_EQ(0, raw_op(self->fd, nr - 1, ATOMIC_COUNTER_OP_SET,
			   ATOMIC_COUNTER_RELAXED, 42, 0, NULL));
	EXPECT_EQ(42, raw_read(self->fd, nr - 1));
	EXPECT_EQ(0, raw_set(self->fd, nr - 1, 0));
}

TEST_F(dev, kernel_counters_read_but_refuse_writes_eperm)
{
	uint64_t k = self->info.kernel_first, last = k + self->info.nr_kernel - 1;
	int64_t v = -1;
	uint32_t op;

	EXPECT_EQ(0, raw_op(self->fd, last, ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_ACQUIRE, 0, 0, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(-EPERM, raw_set(self->fd, k, 1));
	EXPECT_EQ(-EPERM, raw_op(self->fd, last, ATOMIC_COUNTER_OP_INC, ATOMIC_COUNTER_RELAXED, 0, 0, NULL));
	for (op = ATOMIC_COUNTER_OP_SET; op < ATOMIC_COUNTER_NR_OPS; op++)
		EXPECT_NE(0, raw_op(self->fd, k, op, ATOMIC_COUNTER_FULL, 0, 0, NULL));
	EXPECT_EQ(0, raw_read(self->fd, k));
	/* The named region, just below, is userspace's to write. */
	EXPECT_EQ(0, raw_set(self->fd, k - 1, 5));
	EXPECT_EQ(5, raw_read(self->fd, k - 1));
	EXPECT_EQ(0, raw_set(self->fd, k - 1, 0));
}

TEST_F(dev, read_only_fd_reads)
{
	int ro = ac_test_open(O_RDONLY);
	int64_t v = 0;

	ASSERT_LE(0, ro);
	EXPECT_EQ(0, raw_op(ro, IDX, ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_ACQUIRE, 0, 0, &v));
	EXPECT_EQ(SENTINEL, v);
	close(ro);
}

TEST_F(dev, read_only_fd_refuses_writes_ebadf)
{
	int ro = ac_test_open(O_RDONLY);
	uint32_t op;

	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, raw_op(ro, IDX, ATOMIC_COUNTER_OP_SET, ATOMIC_COUNTER_RELAXED, 1, 0, NULL));
	EXPECT_EQ(-EBADF, raw_op(ro, IDX, ATOMIC_COUNTER_OP_INC, ATOMIC_COUNTER_RELAXED, 0, 0, NULL));
	EXPECT_EQ(-EBADF, raw_op(ro, IDX, ATOMIC_COUNTER_OP_CMPXCHG, 0, 1, SENTINEL, NULL));
	/* A conditional op that would not write is still a write request. */
	EXPECT_EQ(-EBADF, raw_op(ro, IDX, ATOMIC_COUNTER_OP_FETCH_MAX, 0, 0, 0, NULL));
	for (op = ATOMIC_COUNTER_OP_SET; op < ATOMIC_COUNTER_NR_OPS; op++)
		EXPECT_NE(0, raw_op(ro, IDX, op, ATOMIC_COUNTER_FULL, 0, 0, NULL));
	close(ro);
	ASSERT_UNCHANGED();
}

TEST_F(dev, seek_espipe)
{
	EXPECT_EQ(-1, lseek(self->fd, 8, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

/* Batches */

static int batch(int fd, struct atomic_counter_op *ops, uint32_t count)
{
	struct atomic_counter_batch b = {
		.ops = (uintptr_t)ops, .count = count,
	};

	return ioctl(fd, ATOMIC_COUNTER_IOC_BATCH, &b) < 0 ? -errno : 0;
}

TEST_F(dev, batch_applies_in_order_with_results)
{
	struct atomic_counter_op ops[4] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_SET, .order = ATOMIC_COUNTER_RELAXED, .value = 10 },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_ADD_RETURN, .value = 5 },
		{ .index = IDX + 1, .op = ATOMIC_COUNTER_OP_XCHG, .value = 3 },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_FETCH_SUB, .order = ATOMIC_COUNTER_ACQUIRE, .value = 1 },
	};

	ASSERT_EQ(0, raw_set(self->fd, IDX + 1, 100));
	ASSERT_EQ(0, batch(self->fd, ops, 4));
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(15, ops[1].result);
	EXPECT_EQ(100, ops[2].result);
	EXPECT_EQ(15, ops[3].result);
	EXPECT_EQ(14, raw_read(self->fd, IDX));
	EXPECT_EQ(3, raw_read(self->fd, IDX + 1));
}

TEST_F(dev, batch_of_max_ops)
{
	struct atomic_counter_op ops[ATOMIC_COUNTER_BATCH_MAX];
	int i;

	for (i = 0; i < ATOMIC_COUNTER_BATCH_MAX; i++)
		ops[i] = (struct atomic_counter_op){
			.index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN,
			.order = ATOMIC_COUNTER_RELAXED,
		};
	ASSERT_EQ(0, batch(self->fd, ops, ATOMIC_COUNTER_BATCH_MAX));
	for (i = 0; i < ATOMIC_COUNTER_BATCH_MAX; i++)
		EXPECT_EQ(SENTINEL + 1 + i, ops[i].result);
	EXPECT_EQ(SENTINEL + ATOMIC_COUNTER_BATCH_MAX, raw_read(self->fd, IDX));
}

TEST_F(dev, batch_with_one_invalid_op_applies_none_einval)
{
	struct atomic_counter_op ops[3] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = IDX + 1, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = self->info.map_size / ATOMIC_COUNTER_SIZE,
		  .op = ATOMIC_COUNTER_OP_INC_RETURN },
	};

	ASSERT_EQ(0, raw_set(self->fd, IDX + 1, 77));
	EXPECT_EQ(-EINVAL, batch(self->fd, ops, 3));
	ASSERT_UNCHANGED();
	EXPECT_EQ(77, raw_read(self->fd, IDX + 1));
	EXPECT_EQ(0, ops[0].result);

	ops[2] = (struct atomic_counter_op){ .index = IDX, .op = ATOMIC_COUNTER_OP_ADD,
					     .order = ATOMIC_COUNTER_ACQUIRE, .value = 1 };
	EXPECT_EQ(-EINVAL, batch(self->fd, ops, 3));
	ASSERT_UNCHANGED();
}

TEST_F(dev, batch_count_zero_or_over_max_einval)
{
	struct atomic_counter_op ops[1] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
	};

	EXPECT_EQ(-EINVAL, batch(self->fd, ops, 0));
	EXPECT_EQ(-EINVAL, batch(self->fd, ops, ATOMIC_COUNTER_BATCH_MAX + 1));
	EXPECT_EQ(-EINVAL, batch(self->fd, ops, UINT32_MAX));
	ASSERT_UNCHANGED();
}

TEST_F(dev, batch_flags_and_reserved_einval)
{
	struct atomic_counter_op op = { .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	struct atomic_counter_batch b = { .ops = (uintptr_t)&op, .count = 1, .flags = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	b.flags = 0;
	b.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_UNCHANGED();
}

TEST_F(dev, batch_bad_pointers_efault)
{
	struct atomic_counter_op *ops;
	size_t page = sysconf(_SC_PAGESIZE);

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-EFAULT, batch(self->fd, NULL, 1));

	/* An array running off the end of mapped memory applies nothing. */
	ops = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ops);
	ASSERT_EQ(0, munmap((char *)ops + page, page));
	ops = (struct atomic_counter_op *)((char *)ops + page) - 1;
	*ops = (struct atomic_counter_op){ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	EXPECT_EQ(-EFAULT, batch(self->fd, ops, 2));
	munmap((char *)(ops + 1) - page, page);
	ASSERT_UNCHANGED();
}

TEST_F(dev, batch_with_a_kernel_counter_write_applies_none_eperm)
{
	struct atomic_counter_op ops[2] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = self->info.kernel_first, .op = ATOMIC_COUNTER_OP_INC_RETURN },
	};

	EXPECT_EQ(-EPERM, batch(self->fd, ops, 2));
	ASSERT_UNCHANGED();
	EXPECT_EQ(0, raw_read(self->fd, self->info.kernel_first));
}

TEST_F(dev, batch_read_only_fd_with_a_write_ebadf)
{
	int ro = ac_test_open(O_RDONLY);
	struct atomic_counter_op ops[2] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_READ, .order = ATOMIC_COUNTER_RELAXED },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
	};

	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, batch(ro, ops, 2));
	EXPECT_EQ(0, batch(ro, ops, 1));
	EXPECT_EQ(SENTINEL, ops[0].result);
	close(ro);
	ASSERT_UNCHANGED();
}

/* A batch call, and what the module wrote in @failed (zero on input). */
static int batch_failed(int fd, struct atomic_counter_op *ops, uint32_t count, uint32_t *failed)
{
	struct atomic_counter_batch b = {
		.ops = (uintptr_t)ops, .count = count,
	};
	int ret = ioctl(fd, ATOMIC_COUNTER_IOC_BATCH, &b) < 0 ? -errno : 0;

	*failed = b.failed;
	return ret;
}

TEST_F(dev, batch_rejected_names_the_first_failing_entry)
{
	struct atomic_counter_op ops[4] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_ADD, .order = ATOMIC_COUNTER_ACQUIRE, .value = 1 },
		{ .index = self->info.kernel_first, .op = ATOMIC_COUNTER_OP_INC_RETURN },
	};
	uint32_t failed;

	EXPECT_EQ(-EINVAL, batch_failed(self->fd, ops, 4, &failed));
	EXPECT_EQ(2, failed);
	ASSERT_UNCHANGED();
	/* Fixed, the next one is named. */
	ops[2].order = ATOMIC_COUNTER_RELAXED;
	EXPECT_EQ(-EPERM, batch_failed(self->fd, ops, 4, &failed));
	EXPECT_EQ(3, failed);
	ASSERT_UNCHANGED();
	ops[0].index = self->info.map_size / ATOMIC_COUNTER_SIZE;
	EXPECT_EQ(-EINVAL, batch_failed(self->fd, ops, 4, &failed));
	EXPECT_EQ(0, failed);
	ASSERT_UNCHANGED();
	EXPECT_EQ(0, ops[1].result);
}

TEST_F(dev, batch_rejected_for_no_entry_says_no_entry)
{
	struct atomic_counter_op op = { .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	struct atomic_counter_batch b = { .ops = (uintptr_t)&op, .count = 1, .flags = 1 };
	uint32_t failed;

	EXPECT_EQ(-EINVAL, batch_failed(self->fd, &op, 0, &failed));
	EXPECT_EQ(ATOMIC_COUNTER_BATCH_NO_ENTRY, failed);
	EXPECT_EQ(-EFAULT, batch_failed(self->fd, NULL, 1, &failed));
	EXPECT_EQ(ATOMIC_COUNTER_BATCH_NO_ENTRY, failed);
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(ATOMIC_COUNTER_BATCH_NO_ENTRY, b.failed);
	ASSERT_UNCHANGED();
}

TEST_F(dev, batch_failed_nonzero_on_input_einval)
{
	struct atomic_counter_op op = { .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	struct atomic_counter_batch b = { .ops = (uintptr_t)&op, .count = 1, .failed = 7 };

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(ATOMIC_COUNTER_BATCH_NO_ENTRY, b.failed);
	EXPECT_EQ(0, op.result);
	ASSERT_UNCHANGED();
	/* Set back to zero, the same header works. */
	b.failed = 0;
	EXPECT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, b.failed);
	EXPECT_EQ(SENTINEL + 1, op.result);
}

TEST_F(dev, batch_rejected_with_a_read_only_header_efault_and_applies_none)
{
	size_t page = sysconf(_SC_PAGESIZE);
	struct atomic_counter_op ops[2] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = IDX, .op = ATOMIC_COUNTER_NR_OPS },
	};
	struct atomic_counter_batch *b;

	b = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	*b = (struct atomic_counter_batch){ .ops = (uintptr_t)ops, .count = 2 };
	ASSERT_EQ(0, mprotect(b, page, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, b));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_UNCHANGED();
	/* A batch that succeeds does not write its header. */
	ops[1].op = ATOMIC_COUNTER_OP_INC_RETURN;
	EXPECT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, b));
	EXPECT_EQ(SENTINEL + 2, raw_read(self->fd, IDX));
	munmap(b, page);
}

/* Sizes: see "Extending the ABI" in the uapi header. */

/*
 * @cmd with its size set to @size: what a program built against an older
 * (smaller struct) or newer (larger struct) header passes. Returns what
 * ioctl() returns, or -errno.
 */
static int ioctl_sized(int fd, unsigned long cmd, size_t size, void *arg)
{
	unsigned long c = (cmd & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
			  ((unsigned long)size << _IOC_SIZESHIFT);
	int ret = ioctl(fd, c, arg);

	return ret < 0 ? -errno : ret;
}

/* Room for any struct and a tail a newer program could add. */
#define BIG	256
#define TAIL	16

TEST_F(dev, info_larger_struct_zero_tail_accepted_nonzero_tail_e2big)
{
	uint64_t buf[BIG / 8] = { 0 };
	struct atomic_counter_info *info = (void *)buf;
	unsigned char *tail = (unsigned char *)buf + sizeof(*info);

	info->api = ATOMIC_COUNTER_API;
	EXPECT_EQ(0, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_INFO, sizeof(*info) + TAIL, buf));
	EXPECT_EQ(self->info.map_size, info->map_size);
	/* Nothing written past what the module knows. */
	EXPECT_EQ(0, buf[sizeof(*info) / 8] | buf[sizeof(*info) / 8 + 1]);
	memset(buf, 0, sizeof(buf));
	info->api = ATOMIC_COUNTER_API;
	tail[TAIL - 1] = 1;
	EXPECT_EQ(-E2BIG, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_INFO, sizeof(*info) + TAIL, buf));
	EXPECT_EQ(0, info->map_size);
}

TEST_F(dev, info_below_ver0_einval)
{
	struct atomic_counter_info info = { .api = ATOMIC_COUNTER_API };

	EXPECT_EQ(-EINVAL, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_INFO,
				       ATOMIC_COUNTER_INFO_SIZE_VER0 - 8, &info));
	EXPECT_EQ(0, info.map_size);
	EXPECT_EQ(-EINVAL, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_INFO, 0, &info));
}

TEST_F(dev, op_sizes_larger_zero_tail_accepted_nonzero_tail_e2big_below_ver0_einval)
{
	uint64_t buf[BIG / 8] = { 0 };
	struct atomic_counter_op *op = (void *)buf;

	*op = (struct atomic_counter_op){ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	EXPECT_EQ(-EINVAL, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_OP,
				       ATOMIC_COUNTER_OP_SIZE_VER0 - 8, buf));
	ASSERT_UNCHANGED();
	buf[sizeof(*op) / 8 + 1] = 1;
	EXPECT_EQ(-E2BIG, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_OP, sizeof(*op) + TAIL, buf));
	ASSERT_UNCHANGED();
	buf[sizeof(*op) / 8 + 1] = 0;
	EXPECT_EQ(0, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_OP, sizeof(*op) + TAIL, buf));
	EXPECT_EQ(SENTINEL + 1, op->result);
	EXPECT_EQ(0, buf[sizeof(*op) / 8] | buf[sizeof(*op) / 8 + 1]);
}

TEST_F(dev, op_result_nonzero_on_input_einval)
{
	struct atomic_counter_op op = {
		.index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN, .result = 1,
	};

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, op.result);
	ASSERT_UNCHANGED();
}

TEST_F(dev, batch_sizes_larger_zero_tail_accepted_nonzero_tail_e2big_below_ver0_einval)
{
	struct atomic_counter_op op = { .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	uint64_t buf[BIG / 8] = { 0 };
	struct atomic_counter_batch *b = (void *)buf;

	*b = (struct atomic_counter_batch){ .ops = (uintptr_t)&op, .count = 1 };
	EXPECT_EQ(-EINVAL, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_BATCH,
				       ATOMIC_COUNTER_BATCH_SIZE_VER0 - 8, buf));
	ASSERT_UNCHANGED();
	buf[sizeof(*b) / 8] = 1;
	EXPECT_EQ(-E2BIG, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_BATCH, sizeof(*b) + TAIL, buf));
	ASSERT_UNCHANGED();
	EXPECT_EQ(0, b->failed);
	buf[sizeof(*b) / 8] = 0;
	EXPECT_EQ(0, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_BATCH, sizeof(*b) + TAIL, buf));
	EXPECT_EQ(SENTINEL + 1, op.result);
}

TEST_F(dev, batch_old_iow_command_still_works)
{
	const unsigned long old = _IOW(ATOMIC_COUNTER_IOC_MAGIC, 0x82, struct atomic_counter_batch);
	struct atomic_counter_op ops[2] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = IDX, .op = ATOMIC_COUNTER_NR_OPS },
	};
	struct atomic_counter_batch b = { .ops = (uintptr_t)ops, .count = 2 };

	ASSERT_NE(old, ATOMIC_COUNTER_IOC_BATCH);
	EXPECT_EQ(-1, ioctl(self->fd, old, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, b.failed);
	ASSERT_UNCHANGED();
	b.failed = 0;
	ops[1].op = ATOMIC_COUNTER_OP_INC_RETURN;
	EXPECT_EQ(0, ioctl(self->fd, old, &b));
	EXPECT_EQ(SENTINEL + 1, ops[0].result);
	EXPECT_EQ(SENTINEL + 2, ops[1].result);
}

TEST_F(dev, batch_entry_result_nonzero_einval_names_the_entry)
{
	struct atomic_counter_op ops[2] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN, .result = 5 },
	};
	uint32_t failed;

	EXPECT_EQ(-EINVAL, batch_failed(self->fd, ops, 2, &failed));
	EXPECT_EQ(1, failed);
	EXPECT_EQ(5, ops[1].result);
	ASSERT_UNCHANGED();
}

static int name_ioctl(int fd, unsigned long cmd, size_t size, struct atomic_counter_name *n)
{
	return ioctl_sized(fd, cmd, size, n);
}

TEST_F(dev, name_sizes_larger_zero_tail_accepted_nonzero_tail_e2big_below_ver0_einval)
{
	const unsigned long cmds[] = {
		ATOMIC_COUNTER_IOC_NAME_CREATE, ATOMIC_COUNTER_IOC_NAME_LOOKUP,
		ATOMIC_COUNTER_IOC_NAME_NEXT, ATOMIC_COUNTER_IOC_NAME_DELETE,
	};
	uint64_t buf[BIG / 8];
	struct atomic_counter_name *n = (void *)buf;
	uint64_t index = 0;
	size_t c;

	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		memset(buf, 0, sizeof(buf));
		strcpy(n->name, "dev.sized");
		if (cmds[c] == ATOMIC_COUNTER_IOC_NAME_NEXT) {
			memset(n->name, 0, sizeof(n->name));
			n->index = index;
		}
		EXPECT_EQ(-EINVAL, name_ioctl(self->fd, cmds[c], ATOMIC_COUNTER_NAME_SIZE_VER0 - 8, n));
		buf[sizeof(*n) / 8] = 1;
		EXPECT_EQ(-E2BIG, name_ioctl(self->fd, cmds[c], sizeof(*n) + TAIL, n)) TH_LOG("%zu", c);
		buf[sizeof(*n) / 8] = 0;
		EXPECT_EQ(0, name_ioctl(self->fd, cmds[c], sizeof(*n) + TAIL, n)) TH_LOG("%zu", c);
		EXPECT_EQ(0, buf[sizeof(*n) / 8] | buf[sizeof(*n) / 8 + 1]);
		if (cmds[c] == ATOMIC_COUNTER_IOC_NAME_CREATE)
			index = n->index;
		else if (cmds[c] != ATOMIC_COUNTER_IOC_NAME_DELETE)
			EXPECT_EQ(index, n->index);
	}
	EXPECT_STREQ("dev.sized", n->name);
}

/* Each output field of each NAME command, set on input. */
TEST_F(dev, name_out_only_fields_nonzero_einval)
{
	const unsigned long cmds[] = {
		ATOMIC_COUNTER_IOC_NAME_CREATE, ATOMIC_COUNTER_IOC_NAME_LOOKUP,
		ATOMIC_COUNTER_IOC_NAME_DELETE, ATOMIC_COUNTER_IOC_NAME_NEXT,
	};
	struct atomic_counter_name n;
	size_t c;
	int field;

	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		for (field = 0; field < 4; field++) {
			n = (struct atomic_counter_name){ .name = "atomic_counter.waiters" };
			if (cmds[c] == ATOMIC_COUNTER_IOC_NAME_NEXT)
				memset(n.name, 0, sizeof(n.name));
			switch (field) {
			case 0:
				/* NEXT's index is its input. */
				if (cmds[c] == ATOMIC_COUNTER_IOC_NAME_NEXT)
					continue;
				n.index = self->info.waiters_index;
				break;
			case 1:
				n.owner = ATOMIC_COUNTER_OWNER_KERNEL;
				break;
			case 2:
				n.created = 1;
				break;
			default:
				n.generation = 1;
				break;
			}
			EXPECT_EQ(-1, ioctl(self->fd, cmds[c], &n)) TH_LOG("cmd %zu field %d", c, field);
			EXPECT_EQ(EINVAL, errno);
		}
	}
	/* A NEXT buffer passed to LOOKUP with its outputs cleared works. */
	n = (struct atomic_counter_name){ .index = self->info.waiters_index };
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n));
	EXPECT_EQ(EINVAL, errno);
	n.index = 0;
	n.flags = 0;
	n.owner = 0;
	n.generation = 0;
	EXPECT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n));
	EXPECT_EQ(self->info.waiters_index, n.index);
}

TEST_F(dev, wait_sizes_larger_zero_tail_accepted_nonzero_tail_e2big_below_ver0_einval)
{
	uint64_t buf[BIG / 8] = { 0 };
	struct atomic_counter_wait *w = (void *)buf;

	*w = (struct atomic_counter_wait){
		.index = IDX, .cond = ATOMIC_COUNTER_COND_EQ, .value = SENTINEL,
	};
	EXPECT_EQ(-EINVAL, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_WAIT,
				       ATOMIC_COUNTER_WAIT_SIZE_VER0 - 8, buf));
	buf[sizeof(*w) / 8] = 1;
	EXPECT_EQ(-E2BIG, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_WAIT, sizeof(*w) + TAIL, buf));
	EXPECT_EQ(0, w->result);
	buf[sizeof(*w) / 8] = 0;
	EXPECT_EQ(0, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_WAIT, sizeof(*w) + TAIL, buf));
	EXPECT_EQ(SENTINEL, w->result);
}

TEST_F(dev, arm_sizes_larger_zero_tail_accepted_nonzero_tail_e2big_below_ver0_einval)
{
	uint64_t buf[BIG / 8] = { 0 };
	struct atomic_counter_wait *w = (void *)buf;
	struct pollfd p;
	int fd = ac_test_open(O_RDWR);

	ASSERT_LE(0, fd);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	*w = (struct atomic_counter_wait){
		.index = IDX, .cond = ATOMIC_COUNTER_COND_EQ, .value = SENTINEL,
	};
	EXPECT_EQ(-EINVAL, ioctl_sized(fd, ATOMIC_COUNTER_IOC_ARM,
				       ATOMIC_COUNTER_WAIT_SIZE_VER0 - 8, buf));
	buf[sizeof(*w) / 8 + 1] = 1;
	EXPECT_EQ(-E2BIG, ioctl_sized(fd, ATOMIC_COUNTER_IOC_ARM, sizeof(*w) + TAIL, buf));
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLERR, p.revents);
	buf[sizeof(*w) / 8 + 1] = 0;
	EXPECT_EQ(0, ioctl_sized(fd, ATOMIC_COUNTER_IOC_ARM, sizeof(*w) + TAIL, buf));
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN, p.revents);
	close(fd);
}

TEST_F(dev, wait_and_arm_result_nonzero_on_input_einval)
{
	struct atomic_counter_wait w = {
		.index = IDX, .cond = ATOMIC_COUNTER_COND_EQ, .value = SENTINEL, .result = 1,
	};
	struct pollfd p;
	int fd = ac_test_open(O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, w.result);
	EXPECT_EQ(-1, ioctl(fd, ATOMIC_COUNTER_IOC_ARM, &w));
	EXPECT_EQ(EINVAL, errno);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLERR, p.revents);
	close(fd);
}

TEST_F(dev, bank_sizes_larger_zero_tail_accepted_nonzero_tail_e2big_below_ver0_einval)
{
	uint64_t buf[BIG / 8] = { 0 };
	struct atomic_counter_bank *b = (void *)buf;
	int fd;

	b->flags = ATOMIC_COUNTER_BANK_REOPEN | ATOMIC_COUNTER_BANK_RDONLY;
	EXPECT_EQ(-EINVAL, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_BANK,
				       ATOMIC_COUNTER_BANK_SIZE_VER0 - 8, buf));
	buf[sizeof(*b) / 8] = 1;
	EXPECT_EQ(-E2BIG, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_BANK, sizeof(*b) + TAIL, buf));
	buf[sizeof(*b) / 8] = 0;
	fd = ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_BANK, sizeof(*b) + TAIL, buf);
	ASSERT_LE(0, fd);
	EXPECT_EQ(SENTINEL, raw_read(fd, IDX));
	close(fd);
}

/* API 1's WAKE took a bare __u64: the struct's first 8 bytes. */
TEST_F(dev, wake_with_8_bytes_and_with_the_struct)
{
	const unsigned long old = _IOW(ATOMIC_COUNTER_IOC_MAGIC, 0x88, __u64);
	uint64_t nr = self->info.map_size / ATOMIC_COUNTER_SIZE;
	struct atomic_counter_wake wk = { .index = IDX };
	uint64_t buf[BIG / 8] = { IDX };
	uint64_t index = IDX;

	EXPECT_EQ(0, ioctl(self->fd, old, &index));
	EXPECT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_WAKE, &wk));
	/* Each read the index: out of range, both refuse it. */
	index = nr;
	EXPECT_EQ(-1, ioctl(self->fd, old, &index));
	EXPECT_EQ(EINVAL, errno);
	wk.index = nr;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_WAKE, &wk));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_WAKE, 4, buf));
	EXPECT_EQ(0, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_WAKE, sizeof(wk) + TAIL, buf));
	buf[3] = 1;
	EXPECT_EQ(-E2BIG, ioctl_sized(self->fd, ATOMIC_COUNTER_IOC_WAKE, sizeof(wk) + TAIL, buf));
	ASSERT_UNCHANGED();
}

TEST_F(dev, wake_flags_nonzero_einval)
{
	struct atomic_counter_wake wk = { .index = IDX, .flags = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_WAKE, &wk));
	EXPECT_EQ(EINVAL, errno);
	wk.flags = 1ULL << 63;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_WAKE, &wk));
	EXPECT_EQ(EINVAL, errno);
}

/* DISARM */

static int arm_eq(int fd, uint64_t index, int64_t value)
{
	struct atomic_counter_wait w = {
		.index = index, .cond = ATOMIC_COUNTER_COND_EQ, .value = value,
	};

	return ioctl(fd, ATOMIC_COUNTER_IOC_ARM, &w) < 0 ? -errno : 0;
}

static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

TEST_F(dev, disarm_drops_the_condition_and_its_waiter_count)
{
	int fd = ac_test_open(O_RDWR);
	int64_t waiters = raw_read(self->fd, self->info.waiters_index);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arm_eq(fd, IDX, SENTINEL));
	EXPECT_EQ(POLLIN, poll_now(fd));
	EXPECT_EQ(waiters + 1, raw_read(self->fd, self->info.waiters_index));
	EXPECT_EQ(0, ioctl(fd, ATOMIC_COUNTER_IOC_DISARM));
	EXPECT_EQ(POLLERR, poll_now(fd));
	EXPECT_EQ(waiters, raw_read(self->fd, self->info.waiters_index));
	/* Armed again, as a new file would be. */
	ASSERT_EQ(0, arm_eq(fd, IDX, SENTINEL));
	EXPECT_EQ(POLLIN, poll_now(fd));
	close(fd);
	EXPECT_EQ(waiters, raw_read(self->fd, self->info.waiters_index));
}

TEST_F(dev, disarm_of_a_file_not_armed_returns_0)
{
	int fd = ac_test_open(O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, ATOMIC_COUNTER_IOC_DISARM));
	EXPECT_EQ(POLLERR, poll_now(fd));
	EXPECT_EQ(0, ioctl(fd, ATOMIC_COUNTER_IOC_DISARM));
	close(fd);
}

TEST_F(dev, disarm_through_a_read_only_file)
{
	int ro = ac_test_open(O_RDONLY);

	ASSERT_LE(0, ro);
	ASSERT_EQ(0, arm_eq(ro, IDX, SENTINEL));
	EXPECT_EQ(0, ioctl(ro, ATOMIC_COUNTER_IOC_DISARM));
	EXPECT_EQ(POLLERR, poll_now(ro));
	close(ro);
}

TEST_F(dev, disarm_with_an_argument_size_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(ATOMIC_COUNTER_IOC_MAGIC, 0x8b, __u64), &(__u64){0}));
	EXPECT_EQ(ENOTTY, errno);
}

/* Item 7: a private bank lays out only what it can use. */
TEST_F(dev, private_bank_has_no_kernel_striped_region_and_a_smaller_map)
{
	uint64_t per_page = sysconf(_SC_PAGESIZE) / ATOMIC_COUNTER_SIZE;
	struct atomic_counter_info g, p;
	struct atomic_counter_bank b;
	uint64_t kstriped;
	int dev, fd;

	dev = open(AC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, raw_info(dev, &g));
	b = (struct atomic_counter_bank){
		.nr_counters = g.nr_counters, .nr_named = g.nr_named, .nr_striped = g.nr_striped,
	};
	fd = ioctl(dev, ATOMIC_COUNTER_IOC_BANK, &b);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, raw_info(fd, &p));
	EXPECT_EQ(g.nr_striped, g.nr_kernel_striped);
	EXPECT_EQ(0, p.nr_kernel_striped);
	EXPECT_EQ(g.kernel_first, p.kernel_first);
	EXPECT_EQ(per_page, p.nr_kernel);
	kstriped = (g.nr_kernel_striped * g.nr_stripes + per_page - 1) / per_page * per_page;
	EXPECT_EQ((p.kernel_first + per_page) * ATOMIC_COUNTER_SIZE, p.map_size);
	EXPECT_EQ(g.map_size - (g.nr_kernel - per_page + kstriped) * ATOMIC_COUNTER_SIZE,
		  p.map_size);
	/* Where the global bank's kernel striped counters are, nothing. */
	EXPECT_EQ(-EINVAL, raw_striped_op(fd, p.kernel_first + p.nr_kernel,
					  ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_RELAXED, 0, NULL));
	close(fd);
	close(dev);
}

/*
 * Write-only files (item 6), on the global bank: O_WRONLY of the device
 * (the guest runs as root, so the node's mode does not stop the open).
 */
FIXTURE(wronly) {
	int rw, wo;
	struct atomic_counter_info info;
};

FIXTURE_SETUP(wronly)
{
	self->rw = open(AC_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->rw < 0 && errno == ENOENT)
		AC_SKIP_SETUP(AC_DEVICE " absent: module not loaded");
	ASSERT_LE(0, self->rw);
	self->wo = open(AC_DEVICE, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, self->wo) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, raw_info(self->rw, &self->info));
	ASSERT_EQ(0, raw_set(self->rw, IDX, SENTINEL));
}

FIXTURE_TEARDOWN(wronly)
{
	if (self->wo >= 0)
		close(self->wo);
	if (self->rw >= 0)
		close(self->rw);
}

#define WO_UNCHANGED() ASSERT_EQ(SENTINEL, raw_read(self->rw, IDX))

TEST_F(wronly, info_allowed)
{
	struct atomic_counter_info info;

	EXPECT_EQ(0, raw_info(self->wo, &info));
	EXPECT_EQ(self->info.map_size, info.map_size);
}

TEST_F(wronly, void_ops_allowed)
{
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_SET, ATOMIC_COUNTER_RELAXED, 12, 0, NULL));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_ADD, ATOMIC_COUNTER_FULL, 5, 0, NULL));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_SUB, ATOMIC_COUNTER_RELAXED, 2, 0, NULL));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_INC, ATOMIC_COUNTER_RELAXED, 0, 0, NULL));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_DEC, ATOMIC_COUNTER_FULL, 0, 0, NULL));
	EXPECT_EQ(15, raw_read(self->rw, IDX));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_OR, ATOMIC_COUNTER_RELAXED, 0x30, 0, NULL));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_AND, ATOMIC_COUNTER_RELAXED, 0x3c, 0, NULL));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_XOR, ATOMIC_COUNTER_RELAXED, 0x1, 0, NULL));
	EXPECT_EQ(0, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_ANDNOT, ATOMIC_COUNTER_RELAXED, 0x20, 0, NULL));
	EXPECT_EQ(0x1d, raw_read(self->rw, IDX));
}

TEST_F(wronly, read_and_every_op_that_returns_a_value_ebadf)
{
	uint32_t op;

	EXPECT_EQ(-EBADF, raw_op(self->wo, IDX, ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_RELAXED,
				 0, 0, NULL));
	for (op = ATOMIC_COUNTER_OP_ADD_RETURN; op < ATOMIC_COUNTER_NR_OPS; op++)
		EXPECT_EQ(-EBADF, raw_op(self->wo, IDX, op, ATOMIC_COUNTER_FULL, 0, 0, NULL))
			TH_LOG("op %u", op);
	WO_UNCHANGED();
}

TEST_F(wronly, striped_add_allowed_striped_read_ebadf)
{
	struct atomic_counter_name n = { .name = "dev.wronly_striped",
					 .flags = ATOMIC_COUNTER_NAME_STRIPED };
	int64_t v = 0;

	ASSERT_EQ(0, ioctl(self->rw, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	EXPECT_EQ(0, raw_striped_op(self->wo, n.index, ATOMIC_COUNTER_OP_ADD,
				    ATOMIC_COUNTER_RELAXED, 3, NULL));
	EXPECT_EQ(-EBADF, raw_striped_op(self->wo, n.index, ATOMIC_COUNTER_OP_READ,
					 ATOMIC_COUNTER_RELAXED, 0, NULL));
	EXPECT_EQ(0, raw_striped_op(self->rw, n.index, ATOMIC_COUNTER_OP_READ,
				    ATOMIC_COUNTER_RELAXED, 0, &v));
	EXPECT_EQ(3, v);
	n = (struct atomic_counter_name){ .name = "dev.wronly_striped" };
	EXPECT_EQ(0, ioctl(self->rw, ATOMIC_COUNTER_IOC_NAME_DELETE, &n));
}

TEST_F(wronly, batch_entry_that_returns_a_value_ebadf_names_it)
{
	struct atomic_counter_op ops[2] = {
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_INC, .order = ATOMIC_COUNTER_RELAXED },
		{ .index = IDX, .op = ATOMIC_COUNTER_OP_READ, .order = ATOMIC_COUNTER_RELAXED },
	};
	uint32_t failed;

	EXPECT_EQ(-EBADF, batch_failed(self->wo, ops, 2, &failed));
	EXPECT_EQ(1, failed);
	WO_UNCHANGED();
	ops[1] = (struct atomic_counter_op){ .index = IDX, .op = ATOMIC_COUNTER_OP_ADD,
					     .order = ATOMIC_COUNTER_RELAXED, .value = 2 };
	EXPECT_EQ(0, batch_failed(self->wo, ops, 2, &failed));
	EXPECT_EQ(SENTINEL + 3, raw_read(self->rw, IDX));
}

TEST_F(wronly, name_create_and_delete_allowed_lookup_and_next_ebadf)
{
	struct atomic_counter_name n = { .name = "dev.wronly" };
	uint64_t index;

	ASSERT_EQ(0, ioctl(self->wo, ATOMIC_COUNTER_IOC_NAME_CREATE, &n));
	index = n.index;
	EXPECT_EQ(0, raw_op(self->wo, index, ATOMIC_COUNTER_OP_ADD, ATOMIC_COUNTER_RELAXED, 4, 0, NULL));
	EXPECT_EQ(4, raw_read(self->rw, index));
	n = (struct atomic_counter_name){ .name = "dev.wronly" };
	EXPECT_EQ(-1, ioctl(self->wo, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n));
	EXPECT_EQ(EBADF, errno);
	n = (struct atomic_counter_name){ .index = 0 };
	EXPECT_EQ(-1, ioctl(self->wo, ATOMIC_COUNTER_IOC_NAME_NEXT, &n));
	EXPECT_EQ(EBADF, errno);
	n = (struct atomic_counter_name){ .name = "dev.wronly" };
	EXPECT_EQ(0, ioctl(self->wo, ATOMIC_COUNTER_IOC_NAME_DELETE, &n));
	EXPECT_EQ(-1, ioctl(self->rw, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(wronly, wait_arm_and_disarm_ebadf)
{
	struct atomic_counter_wait w = {
		.index = IDX, .cond = ATOMIC_COUNTER_COND_EQ, .value = SENTINEL,
	};

	EXPECT_EQ(-1, ioctl(self->wo, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, w.result);
	EXPECT_EQ(-1, ioctl(self->wo, ATOMIC_COUNTER_IOC_ARM, &w));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(self->wo, ATOMIC_COUNTER_IOC_DISARM));
	EXPECT_EQ(EBADF, errno);
	/* A malformed request is -EINVAL first, as for any file. */
	w.cond = ATOMIC_COUNTER_NR_CONDS;
	EXPECT_EQ(-1, ioctl(self->wo, ATOMIC_COUNTER_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(wronly, wake_allowed)
{
	struct atomic_counter_wake wk = { .index = IDX };

	EXPECT_EQ(0, ioctl(self->wo, ATOMIC_COUNTER_IOC_WAKE, &wk));
}

TEST_F(wronly, mmap_eacces)
{
	void *map = mmap(NULL, self->info.kernel_first * ATOMIC_COUNTER_SIZE, PROT_WRITE,
			 MAP_SHARED, self->wo, 0);

	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EACCES, errno);
}

TEST_HARNESS_MAIN
