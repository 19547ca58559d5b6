// SPDX-License-Identifier: MIT
/*
 * The device, the handshake, and the rules every untrusted request meets:
 * each invalid input class gets its exact errno and changes no counter.
 */
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
	 * by name, striped by name, the kernel's, the kernel's striped.
	 */
	uint64_t striped = (self->info.nr_striped * self->info.nr_stripes + per_page - 1) /
			   per_page * per_page;

	EXPECT_EQ(self->info.nr_counters, self->info.named_first);
	EXPECT_EQ(self->info.named_first + self->info.nr_named + striped, self->info.kernel_first);
	EXPECT_EQ((self->info.kernel_first + self->info.nr_kernel + striped) * ATOMIC_COUNTER_SIZE,
		  self->info.map_size);
	EXPECT_EQ(0, self->info.nr_counters % per_page);
	EXPECT_EQ(0, self->info.nr_named % per_page);
	EXPECT_EQ(0, self->info.nr_kernel % per_page);
	EXPECT_LE(512, self->info.nr_named);
	EXPECT_LE(512, self->info.nr_kernel);
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

TEST_F(dev, info_rejects_reserved_einval)
{
	struct atomic_counter_info info = { .api = ATOMIC_COUNTER_API };

	info.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ATOMIC_COUNTER_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
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
	/* The right number with the wrong size is another command. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(ATOMIC_COUNTER_IOC_MAGIC, 0x81, uint64_t),
			    &(uint64_t){0}));
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
	/* The flags CREATE gave back are output: DELETE takes none. */
	n.flags = 0;
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

/* A batch call with @failed preset, to see what the module wrote there. */
static int batch_failed(int fd, struct atomic_counter_op *ops, uint32_t count, uint32_t *failed)
{
	struct atomic_counter_batch b = {
		.ops = (uintptr_t)ops, .count = count, .failed = 0x5a5a5a5a,
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

TEST_F(dev, batch_failed_is_ignored_on_input_and_untouched_on_success)
{
	struct atomic_counter_op op = { .index = IDX, .op = ATOMIC_COUNTER_OP_INC_RETURN };
	struct atomic_counter_batch b = { .ops = (uintptr_t)&op, .count = 1, .failed = 7 };

	EXPECT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_BATCH, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(7, b.failed);
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

TEST_HARNESS_MAIN
