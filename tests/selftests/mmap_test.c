// SPDX-License-Identifier: MIT
/*
 * The shared page: the mapping is the very memory the ioctls operate on,
 * shared only, bounded, read-only for good on a read-only fd, and alive
 * after close().
 */
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "ac_test.h"

#define IDX 16

FIXTURE(map) {
	int fd;
	struct atomic_counter_info info;
	_Atomic int64_t *bank;
	size_t size;	/* the userspace regions, mapped writable */
	long page;
};

FIXTURE_SETUP(map)
{
	AC_OPEN_OR_SKIP(self->fd, O_RDWR);
	ASSERT_EQ(0, raw_info(self->fd, &self->info));
	self->page = sysconf(_SC_PAGESIZE);
	self->size = self->info.kernel_first * ATOMIC_COUNTER_SIZE;
	self->bank = mmap(NULL, self->size, PROT_READ | PROT_WRITE,
			  MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->bank);
	ASSERT_EQ(0, raw_set(self->fd, IDX, 0));
}

FIXTURE_TEARDOWN(map)
{
	if (self->bank && self->bank != MAP_FAILED)
		munmap((void *)self->bank, self->size);
	if (self->fd >= 0)
		close(self->fd);
}

static const memory_order orders[] = {
	memory_order_relaxed, memory_order_acquire, memory_order_release, memory_order_seq_cst,
};

TEST_F(map, page_update_is_seen_by_ioctl_in_every_ordering)
{
	int64_t want = 0;
	size_t i;

	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		atomic_fetch_add_explicit(&self->bank[IDX], 5, orders[i]);
		want += 5;
		EXPECT_EQ(want, raw_read(self->fd, IDX));
		EXPECT_EQ(0, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_READ, ATOMIC_COUNTER_ACQUIRE,
				   0, 0, &(int64_t){0}));
	}
}

TEST_F(map, ioctl_update_is_seen_on_the_page_in_every_ordering)
{
	uint32_t order;
	int64_t want = 0;

	for (order = 0; order < ATOMIC_COUNTER_NR_ORDERS; order++) {
		ASSERT_EQ(0, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_ADD_RETURN, order, 7, 0, NULL));
		want += 7;
		EXPECT_EQ(want, atomic_load_explicit(&self->bank[IDX], memory_order_acquire));
		EXPECT_EQ(want, atomic_load_explicit(&self->bank[IDX], memory_order_relaxed));
	}
	ASSERT_EQ(0, raw_op(self->fd, IDX, ATOMIC_COUNTER_OP_SET, ATOMIC_COUNTER_RELEASE, -3, 0, NULL));
	EXPECT_EQ(-3, atomic_load(&self->bank[IDX]));
}

TEST_F(map, every_counter_is_at_its_index)
{
	uint64_t last = self->info.nr_counters - 1;

	ASSERT_EQ(0, raw_set(self->fd, last, 0x1234));
	EXPECT_EQ(0x1234, atomic_load(&self->bank[last]));
	atomic_store(&self->bank[last], 0);
	EXPECT_EQ(0, raw_read(self->fd, last));
}

TEST_F(map, map_private_einval)
{
	void *p = mmap(NULL, self->page, PROT_READ, MAP_PRIVATE, self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(map, map_larger_than_the_bank_einval)
{
	void *p = mmap(NULL, self->info.map_size + self->page, PROT_READ, MAP_SHARED, self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(map, map_offset_past_the_bank_einval)
{
	void *p = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd, self->info.map_size);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * self->page, PROT_READ, MAP_SHARED, self->fd,
		 self->info.map_size - self->page);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(map, map_window_at_an_offset)
{
	_Atomic int64_t *w;
	uint64_t per_page = self->page / ATOMIC_COUNTER_SIZE;

	if (self->info.map_size < 2 * (uint64_t)self->page)
		SKIP(return, "the bank is one page (load with nr_counters > %llu)",
		     (unsigned long long)per_page);
	w = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, self->page);
	ASSERT_NE(MAP_FAILED, w);
	atomic_store(&w[1], 99);
	EXPECT_EQ(99, raw_read(self->fd, per_page + 1));
	EXPECT_EQ(0, raw_set(self->fd, per_page + 1, 0));
	munmap((void *)w, self->page);
}

TEST_F(map, prot_write_on_read_only_fd_eacces)
{
	int ro = ac_test_open(O_RDONLY);
	void *p;

	ASSERT_LE(0, ro);
	p = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	close(ro);
}

TEST_F(map, mprotect_cannot_upgrade_a_read_only_mapping_eacces)
{
	int ro = ac_test_open(O_RDONLY);
	_Atomic int64_t *p;

	ASSERT_LE(0, ro);
	p = mmap(NULL, self->page, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, raw_set(self->fd, IDX, 11));
	EXPECT_EQ(11, atomic_load(&p[IDX]));
	EXPECT_EQ(-1, mprotect((void *)p, self->page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap((void *)p, self->page);
	close(ro);
}

TEST_F(map, mapping_cannot_grow)
{
	void *p = mremap((void *)self->bank, self->size, self->size + self->page, MREMAP_MAYMOVE);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(map, mapping_is_left_out_of_core_dumps)
{
	char line[256], want[64];
	int in_vma = 0, found = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	ASSERT_NE(NULL, f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)self->bank);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want)))
			in_vma = 1;
		else if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			EXPECT_NE(NULL, strstr(line, " dd")) TH_LOG("%s", line);
			EXPECT_NE(NULL, strstr(line, " de")) TH_LOG("%s", line);
			found = 1;
			break;
		}
	}
	fclose(f);
	EXPECT_TRUE(found);
}

TEST_F(map, kernel_counters_map_read_only_eacces)
{
	off_t koff = self->size;
	_Atomic int64_t *k;
	void *p;

	/* Writable: refused, alone or as part of a larger window. */
	p = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, koff);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, self->info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	/* Read-only: fine, and it cannot be upgraded. */
	k = mmap(NULL, self->info.map_size - koff, PROT_READ, MAP_SHARED, self->fd, koff);
	ASSERT_NE(MAP_FAILED, k);
	EXPECT_EQ(0, atomic_load(&k[0]));
	EXPECT_EQ(-1, mprotect((void *)k, self->page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap((void *)k, self->info.map_size - koff);
}

TEST_F(map, mapping_outlives_close)
{
	close(self->fd);
	self->fd = ac_test_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	atomic_fetch_add(&self->bank[IDX], 3);
	EXPECT_EQ(3, raw_read(self->fd, IDX));
}

TEST_F(map, mapping_is_shared_with_a_forked_child)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->fd);
		atomic_fetch_add(&self->bank[IDX], 40);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	atomic_fetch_add(&self->bank[IDX], 2);
	EXPECT_EQ(42, raw_read(self->fd, IDX));
}

TEST_HARNESS_MAIN
