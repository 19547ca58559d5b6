// SPDX-License-Identifier: MIT
/*
 * The shared page: the mapping is the very memory the ioctls operate on,
 * shared only, bounded, read-only for good on a read-only fd, never
 * executable, alive after close(), and mapped again after its page table
 * entries are zapped (MADV_DONTNEED).
 */
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
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

/* Past the bank are its band slots and bands (ATOMIC_COUNTER_FEATURE_BANDS); past those, nothing. */
TEST_F(map, map_offset_past_the_bank_einval)
{
	void *p = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd,
		       self->info.map_size + self->info.band_slot_size + self->info.band_size);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * self->page, PROT_READ, MAP_SHARED, self->fd,
		 self->info.map_size - self->page);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

/*
 * The bands' fields are 8-byte aligned on every ABI (i386's __s64 alone is
 * 4), so that 8-byte atomic loads of them are plain loads: an under-aligned
 * one may become a cmpxchg8b, a write, and fault on the read-only page.
 * This program is also built as a 32-bit one (_32).
 */
TEST_F(map, bands_read_with_8_byte_atomic_loads_on_every_abi)
{
	const struct atomic_counter_band *b;

	_Static_assert(__alignof__(b->seq) == 8 && __alignof__(b->lo) == 8 &&
		       __alignof__(b->hi) == 8 && sizeof(*b) == 32, "band layout");
	if (!(self->info.features & ATOMIC_COUNTER_FEATURE_BANDS))
		SKIP(return, "module without ATOMIC_COUNTER_FEATURE_BANDS");
	b = mmap(NULL, self->info.band_size, PROT_READ, MAP_SHARED, self->fd,
		 self->info.band_offset);
	ASSERT_NE(MAP_FAILED, b);
	/* Entry 0: the full band, never written. */
	EXPECT_EQ(0, __atomic_load_n(&b[0].reserved, __ATOMIC_RELAXED));
	EXPECT_EQ(INT64_MIN, __atomic_load_n(&b[0].lo, __ATOMIC_ACQUIRE));
	EXPECT_EQ(INT64_MAX, __atomic_load_n(&b[0].hi, __ATOMIC_ACQUIRE));
	EXPECT_EQ(0, __atomic_load_n(&b[0].seq, __ATOMIC_ACQUIRE));
	munmap((void *)b, self->info.band_size);
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

/*
 * In a child, so that a SIGBUS fails the test with its signal logged
 * instead of killing the test itself: zap the page table entries of
 * [@p, @p + @len) with MADV_DONTNEED, as allocators, checkpointers and
 * sanitizers do, then touch the page again: it must read @want at @i, and
 * take @add there (when not 0). 0 when all of that held.
 */
static int zap_then_access(_Atomic int64_t *p, size_t len, size_t i, int64_t want, int64_t add,
			   struct __test_metadata *_metadata)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (madvise((void *)p, len, MADV_DONTNEED))
			_exit(2);
		if (atomic_load(&p[i]) != want)
			_exit(3);
		if (add)
			atomic_fetch_add(&p[i], add);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		TH_LOG("the child died of signal %d (%s) touching the zapped page",
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 2)
		TH_LOG("madvise(MADV_DONTNEED) failed");
	else if (WEXITSTATUS(status) == 3)
		TH_LOG("the zapped page reads another value than the ioctl");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * A kernel built without CONFIG_ADVISE_SYSCALLS (the tinyconfig lanes) has
 * no madvise(2): nothing can zap a mapping there, so there is nothing to
 * test. MADV_NORMAL on the bank changes nothing where madvise exists.
 */
#define SKIP_WITHOUT_MADVISE(p)							\
	do {									\
		if (madvise((void *)(p), self->page, MADV_NORMAL) && errno == ENOSYS) \
			SKIP(return, "no madvise(2) in this kernel (CONFIG_ADVISE_SYSCALLS off): nothing zaps a mapping"); \
	} while (0)

TEST_F(map, window_reads_and_counts_again_after_madv_dontneed)
{
	SKIP_WITHOUT_MADVISE(self->bank);
	ASSERT_EQ(0, raw_set(self->fd, IDX, 0x5eed));
	ASSERT_EQ(0, zap_then_access(self->bank, self->size, IDX, 0x5eed, 4, _metadata));
	EXPECT_EQ(0x5eed + 4, raw_read(self->fd, IDX));
	/* And the zapped page is the bank's again for an update by ioctl. */
	ASSERT_EQ(0, raw_set(self->fd, IDX, -8));
	ASSERT_EQ(0, zap_then_access(self->bank, self->size, IDX, -8, 0, _metadata));
}

TEST_F(map, kernel_window_reads_again_after_madv_dontneed)
{
	struct atomic_counter_name n = { .name = "atomic_counter.waiters" };
	size_t len = self->info.map_size - self->size;
	_Atomic int64_t *k;

	SKIP_WITHOUT_MADVISE(self->bank);
	/* The bank's own kernel counter: nobody waits while the test runs. */
	ASSERT_EQ(0, ioctl(self->fd, ATOMIC_COUNTER_IOC_NAME_LOOKUP, &n));
	k = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, self->size);
	ASSERT_NE(MAP_FAILED, k);
	EXPECT_EQ(0, zap_then_access(k, len, n.index - self->info.kernel_first,
				     raw_read(self->fd, n.index), 0, _metadata));
	munmap((void *)k, len);
}

TEST_F(map, private_bank_window_reads_and_counts_again_after_madv_dontneed)
{
	struct atomic_counter_bank b = { .nr_counters = 1, .nr_named = 1, .nr_striped = 1 };
	_Atomic int64_t *p;
	int dev, fd;

	SKIP_WITHOUT_MADVISE(self->bank);
	dev = open(AC_DEVICE, O_RDWR | O_CLOEXEC);
	/* A bank of its own, whichever bank the suite runs on. */
	ASSERT_LE(0, dev);
	fd = ioctl(dev, ATOMIC_COUNTER_IOC_BANK, &b);
	close(dev);
	ASSERT_LE(0, fd) TH_LOG("IOC_BANK: %s", strerror(errno));
	p = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, raw_set(fd, IDX, 77));
	EXPECT_EQ(0, zap_then_access(p, self->page, IDX, 77, 5, _metadata));
	EXPECT_EQ(82, raw_read(fd, IDX));
	munmap((void *)p, self->page);
	close(fd);
}

TEST_F(map, map_prot_exec_eperm)
{
	void *p = mmap(NULL, self->page, PROT_READ | PROT_EXEC, MAP_SHARED, self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	if (p != MAP_FAILED)
		munmap(p, self->page);
}

TEST_F(map, mprotect_cannot_add_prot_exec_eacces)
{
	EXPECT_EQ(-1, mprotect((void *)self->bank, self->page, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* Still the bank, still writable: the refusal changed nothing. */
	atomic_store(&self->bank[IDX], 6);
	EXPECT_EQ(6, raw_read(self->fd, IDX));
}

/*
 * A process with READ_IMPLIES_EXEC (a 32-bit program without PT_GNU_STACK,
 * setarch -X) has PROT_EXEC added to every readable mapping by the kernel:
 * it asked for none, so it gets its mapping, without execute permission.
 * Checked in a child, whose personality goes with it.
 */
TEST_F(map, read_implies_exec_maps_without_exec)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		char line[256], want[32];
		int found = 0;
		FILE *maps;
		void *p;

		if (personality(READ_IMPLIES_EXEC) < 0)
			_exit(10);
		p = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
		if (p == MAP_FAILED)
			_exit(11);
		/* The counter through the new mapping: it is the bank. */
		atomic_store((_Atomic int64_t *)p + IDX, 9);
		if (raw_read(self->fd, IDX) != 9)
			_exit(12);
		snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
		maps = fopen("/proc/self/maps", "r");
		if (!maps)
			_exit(13);
		while (fgets(line, sizeof(line), maps))
			if (!strncmp(line, want, strlen(want)))
				found = !strncmp(line + strcspn(line, " ") + 1, "rw-s", 4);
		fclose(maps);
		_exit(found ? 0 : 14);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("killed by signal %d", WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
