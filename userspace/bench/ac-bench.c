// SPDX-License-Identifier: MIT
/*
 * ac-bench: every way to count, against its real alternatives, in one run.
 *
 * In the style of will-it-scale: for each path and N = 1, 2, 4 processes,
 * N tasks are forked and started together; each counts its iterations in a
 * slot of its own (one cache line each) in shared memory; after a warm-up
 * that is discarded, the parent samples the slots several times and reports
 * the total operations per second, min/median/max over the samples. Each
 * path runs with every task on one counter ("one") and with each task on
 * its own counter, on its own cache line ("own").
 *
 * Paths: the module's ioctl (relaxed, fully ordered), its batch ioctl (64
 * ops a call, counted per op), its mapped page (relaxed, seq_cst), a
 * striped counter on the page (ac_striped_inc: a slot per CPU), an
 * update on the page followed by ac_wake(); and the baselines: getppid()
 * (the syscall floor), an eventfd write (the kernel's own 64-bit counter
 * behind a syscall), a C11 atomic on a memfd page, and a process-shared
 * pthread mutex around a counter on a shared page.
 *
 * With the test module ac_bench_floor loaded (tests/kmod), the ioctl and
 * batch paths are set beside their floor: the same checks and atomics run
 * by a kernel loop, with no system call and no user copy; and the
 * in-kernel API's update, atomic_counter_inc(), beside the bare
 * atomic64_inc() it wraps.
 *
 * Relaxed against fully ordered: add, fetch_add, xchg and cmpxchg, each in
 * both orders, on the page and through the ioctl, one task, back to back.
 * On x86-64 the two cost the same (every read-modify-write is a locked
 * instruction); on arm64 the orders are different instructions.
 *
 * -H (make bench-host) runs only the paths that need no module, on this
 * machine's own CPUs: the "bank" is then a memfd page, used through the
 * library's inline functions exactly as the mapped bank is.
 *
 *   ac-bench [-H] [-n N,N,...] [-s SAMPLES] [-d SECONDS] [-j FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic_counter.h"
#include "ac_bench_floor.h"

#define MAXTASKS	16
#define LINE		64
#define BATCH		64
#define BASE		64	/* first bank counter used */

enum path {
	GETPPID, EVENTFD, SHM_ATOMIC, MUTEX,
	IOCTL_RELAXED, IOCTL_FULL, BATCH64, PAGE_RELAXED, PAGE_SEQ_CST, PAGE_STRIPED,
	PAGE_WAKE, NR_PATHS
};

static const char *const path_names[NR_PATHS] = {
	[GETPPID] = "getppid",
	[EVENTFD] = "eventfd_write",
	[SHM_ATOMIC] = "shm_c11_atomic",
	[MUTEX] = "shm_pthread_mutex",
	[IOCTL_RELAXED] = "ioctl_relaxed",
	[IOCTL_FULL] = "ioctl_full",
	[BATCH64] = "batch64_per_op",
	[PAGE_RELAXED] = "page_relaxed",
	[PAGE_SEQ_CST] = "page_seq_cst",
	[PAGE_STRIPED] = "page_striped",
	[PAGE_WAKE] = "page_relaxed_wake",
};

/* The paths that go through the module's ioctls: not run by -H. */
static int needs_module(enum path p)
{
	return p == IOCTL_RELAXED || p == IOCTL_FULL || p == BATCH64;
}

/* Shared with the tasks: iteration counts, and what they operate on. */
struct shared {
	_Alignas(LINE) _Atomic uint64_t iters[MAXTASKS][LINE / 8];
	_Atomic int go;
	struct {
		_Alignas(LINE) pthread_mutex_t lock;
		int64_t value;
	} mutex[MAXTASKS];
};

static struct shared *sh;
static pthread_mutexattr_t mutex_attr;
static _Atomic int64_t *shm;		/* a memfd page: the C11 baseline */
static struct ac_dev dev;
static int efd[MAXTASKS];
static ac_striped_t striped[MAXTASKS];	/* named striped counters */
static int host;			/* -H: no module, a memfd bank */

struct result {
	double min, median, max;	/* operations per second, all tasks */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One task: its counter is slot 0 for "one", slot t (a line apart) for "own". */
static void task(enum path path, int t, int own)
{
	int slot = own ? t : 0;
	_Atomic uint64_t *iters = &sh->iters[t][0];
	ac_counter_t *v = ac_counter(&dev, BASE + 8 * slot);
	_Atomic int64_t *s = &shm[8 * slot];
	struct atomic_counter_op ops[BATCH];
	struct atomic_counter_batch b = { .ops = (uintptr_t)ops, .count = BATCH };
	uint64_t n = 0, one = 1;
	int i;

	for (i = 0; i < BATCH; i++)
		ops[i] = (struct atomic_counter_op){
			.index = BASE + 8 * slot, .op = ATOMIC_COUNTER_OP_INC,
			.order = ATOMIC_COUNTER_RELAXED,
		};
	while (!atomic_load(&sh->go))
		;
	for (;;) {
		switch (path) {
		case GETPPID:
			getppid();
			break;
		case EVENTFD:
			if (write(efd[slot], &one, sizeof(one)) != sizeof(one))
				_exit(1);
			break;
		case SHM_ATOMIC:
			atomic_fetch_add_explicit(s, 1, memory_order_relaxed);
			break;
		case MUTEX:
			pthread_mutex_lock(&sh->mutex[slot].lock);
			sh->mutex[slot].value++;
			pthread_mutex_unlock(&sh->mutex[slot].lock);
			break;
		case IOCTL_RELAXED:
			ac_op(&dev, BASE + 8 * slot, ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL);
			break;
		case IOCTL_FULL:
			ac_op(&dev, BASE + 8 * slot, ATOMIC_COUNTER_OP_INC, AC_FULL, 0, 0, NULL);
			break;
		case BATCH64:
			ioctl(dev.fd, ATOMIC_COUNTER_IOC_BATCH, &b);
			n += BATCH - 1;
			break;
		case PAGE_RELAXED:
			ac_inc(v);
			break;
		case PAGE_SEQ_CST:
			ac_inc_full(v);
			break;
		case PAGE_STRIPED:
			ac_striped_inc(&striped[slot]);
			break;
		case PAGE_WAKE:
			ac_inc(v);
			ac_wake(&dev, BASE + 8 * slot);
			break;
		default:
			_exit(1);
		}
		atomic_store_explicit(iters, ++n, memory_order_relaxed);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t total_iters(int ntasks)
{
	uint64_t sum = 0;
	int t;

	for (t = 0; t < ntasks; t++)
		sum += atomic_load_explicit(&sh->iters[t][0], memory_order_relaxed);
	return sum;
}

static struct result measure(enum path path, int ntasks, int own, int samples, double secs)
{
	double rates[64], t0, t1;
	pid_t pids[MAXTASKS];
	struct result r;
	uint64_t c0, c1;
	int t, s;

	memset(sh->iters, 0, sizeof(sh->iters));
	atomic_store(&sh->go, 0);
	/* A task killed inside the lock leaves it held: start from fresh ones. */
	for (t = 0; t < MAXTASKS; t++)
		pthread_mutex_init(&sh->mutex[t].lock, &mutex_attr);
	for (t = 0; t < ntasks; t++) {
		pids[t] = fork();
		if (pids[t] == 0)
			task(path, t, own);
	}
	atomic_store(&sh->go, 1);
	usleep((useconds_t)(secs * 1e6 / 2));	/* warm-up, discarded */
	for (s = 0; s < samples; s++) {
		c0 = total_iters(ntasks);
		t0 = now();
		usleep((useconds_t)(secs * 1e6));
		c1 = total_iters(ntasks);
		t1 = now();
		rates[s] = (double)(c1 - c0) / (t1 - t0);
	}
	for (t = 0; t < ntasks; t++) {
		kill(pids[t], SIGKILL);
		waitpid(pids[t], NULL, 0);
	}
	qsort(rates, samples, sizeof(rates[0]), cmp_double);
	r.min = rates[0];
	r.median = rates[samples / 2];
	r.max = rates[samples - 1];
	return r;
}

/* The single-task loops, for the breakdowns and the cost of a waiter. */
enum call {
	CALL_GETPPID,
	CALL_ENOTTY,		/* an unknown command: syscall, fd lookup, LSM hook, dispatch */
	CALL_OP_READ,
	CALL_OP_INC,
	CALL_OP_INC_FULL,
	CALL_BATCH64,		/* counted per entry */
	CALL_PAGE_WAKE,		/* ac_inc() on the page, then ac_wake() */
	NR_CALLS
};

/* ns per call (per entry for CALL_BATCH64) of @calls calls on counter BASE. */
static double ns_per_call(enum call what, long calls)
{
	struct atomic_counter_op op = {
		.index = BASE, .op = ATOMIC_COUNTER_OP_READ, .order = ATOMIC_COUNTER_RELAXED,
	};
	struct atomic_counter_op ops[BATCH];
	struct atomic_counter_batch b = { .ops = (uintptr_t)ops, .count = BATCH };
	ac_counter_t *v = ac_counter(&dev, BASE);
	double t0;
	long i;

	if (what == CALL_OP_INC || what == CALL_OP_INC_FULL)
		op.op = ATOMIC_COUNTER_OP_INC;
	if (what == CALL_OP_INC_FULL)
		op.order = ATOMIC_COUNTER_FULL;
	for (i = 0; i < BATCH; i++)
		ops[i] = (struct atomic_counter_op){
			.index = BASE, .op = ATOMIC_COUNTER_OP_INC, .order = ATOMIC_COUNTER_RELAXED,
		};
	if (what == CALL_BATCH64)
		calls = calls / BATCH + 1;
	t0 = now();
	for (i = 0; i < calls; i++) {
		switch (what) {
		case CALL_GETPPID:
			getppid();
			break;
		case CALL_ENOTTY:
			ioctl(dev.fd, _IO(ATOMIC_COUNTER_IOC_MAGIC, 0x9f));
			break;
		case CALL_BATCH64:
			ioctl(dev.fd, ATOMIC_COUNTER_IOC_BATCH, &b);
			break;
		case CALL_PAGE_WAKE:
			ac_inc(v);
			ac_wake(&dev, BASE);
			break;
		default:
			ioctl(dev.fd, ATOMIC_COUNTER_IOC_OP, &op);
			break;
		}
	}
	return (now() - t0) * 1e9 / calls / (what == CALL_BATCH64 ? BATCH : 1);
}

/* The fastest of @reps runs of each of @n calls, interleaved: least disturbed. */
static void best_ns(const enum call *what, double *best, int n, int reps, long calls)
{
	int rep, w;

	for (w = 0; w < n; w++)
		best[w] = 1e18;
	for (rep = 0; rep < reps; rep++)
		for (w = 0; w < n; w++) {
			double ns = ns_per_call(what[w], calls);

			best[w] = ns < best[w] ? ns : best[w];
		}
}

/*
 * The floor, from tests/kmod/ac_bench_floor.ko: each phase of a batch of
 * @count increments of counter BASE in @order, run by the kernel, median
 * of AC_FLOOR_MAX_REPS runs. Returns 0, or -1 without the module.
 */
static int floor_fd = -1;

static int floor_phases(uint32_t count, uint32_t order, struct ac_floor_run *run)
{
	static struct atomic_counter_op ops[ATOMIC_COUNTER_BATCH_MAX];
	uint32_t i;

	if (floor_fd < 0)
		return -1;
	for (i = 0; i < count; i++)
		ops[i] = (struct atomic_counter_op){
			.index = BASE, .op = ATOMIC_COUNTER_OP_INC, .order = order,
		};
	*run = (struct ac_floor_run){
		.ops = (uintptr_t)ops, .count = count, .reps = AC_FLOOR_MAX_REPS,
	};
	return ioctl(floor_fd, AC_FLOOR_IOC_RUN, run) ? -1 : 0;
}

/* The floors, ns per op: what the kernel must do whatever the path. */
struct floors {
	double entry;		/* a batch entry: check + apply, and 1/64 of the waiter look */
	double op;		/* a single relaxed op: check + apply + the waiter look */
	double op_full;		/* the same, fully ordered */
	struct ac_floor_run batch;	/* the phases of a batch of 64, for the breakdown */
};

static int measure_floors(struct floors *f)
{
	struct ac_floor_run full;

	if (floor_phases(BATCH, ATOMIC_COUNTER_RELAXED, &f->batch) ||
	    floor_phases(BATCH, ATOMIC_COUNTER_FULL, &full))
		return -1;
	f->op = (double)(f->batch.ns[AC_FLOOR_CHECK] + f->batch.ns[AC_FLOOR_APPLY]) / BATCH +
		f->batch.ns[AC_FLOOR_BARRIER];
	f->op_full = (double)(full.ns[AC_FLOOR_CHECK] + full.ns[AC_FLOOR_APPLY]) / BATCH +
		full.ns[AC_FLOOR_BARRIER];
	f->entry = (double)(f->batch.ns[AC_FLOOR_CHECK] + f->batch.ns[AC_FLOOR_APPLY] +
			    f->batch.ns[AC_FLOOR_BARRIER]) / BATCH;
	return 0;
}

static double path_floor(const struct floors *f, enum path p)
{
	switch (p) {
	case IOCTL_RELAXED:
		return f->op;
	case IOCTL_FULL:
		return f->op_full;
	case BATCH64:
		return f->entry;
	default:
		return 0;
	}
}

#define PAIRS 5

/* Where start_waiters() puts its waiters. */
enum waiters_on {
	ON_SAME,	/* counter BASE */
	ON_OTHER,	/* each on a counter of its own, from BASE + 256 */
	ON_BUCKET,	/* each on another counter of BASE's wait queue (kmod/wait.c's hash) */
};

/* The @k-th counter after BASE that hashes to BASE's wait queue (6 bits). */
static uint64_t bucket_mate(int k)
{
	uint64_t j;

	for (j = BASE + 1;; j++)
		if ((j * 0x61C8864680B583EBull) >> 58 == (BASE * 0x61C8864680B583EBull) >> 58 &&
		    k-- == 0)
			return j;
}

/*
 * Waiters that never wake (EQ -1 on a counter that only goes up), @n of
 * them, where @on says; returns once all wait.
 */
static int start_waiters(pid_t *pids, int n, enum waiters_on on)
{
	int k;

	for (k = 0; k < n; k++) {
		uint64_t index = on == ON_SAME ? BASE : on == ON_OTHER ? BASE + 256 + (uint64_t)k :
				 bucket_mate(k);

		pids[k] = fork();
		if (pids[k] == 0) {
			struct atomic_counter_wait w = {
				.index = index, .cond = ATOMIC_COUNTER_COND_EQ,
				.value = -1, .timeout_ns = -1,
			};

			ioctl(dev.fd, ATOMIC_COUNTER_IOC_WAIT, &w);
			_exit(0);
		}
		if (pids[k] < 0)
			return -1;
	}
	while (ac_read(ac_counter(&dev, dev.info.waiters_index)) < n)
		usleep(1000);
	return 0;
}

static void stop_waiters(pid_t *pids, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		kill(pids[k], SIGKILL);
		waitpid(pids[k], NULL, 0);
	}
}

/* An update's cost with waiters and without: medians over PAIRS. */
struct waiter_cost {
	double none, with, ratio;	/* ns, ns, with / none */
};

/*
 * Update @what (an OP inc, or an inc on the page and ac_wake()) with @n
 * waiters that it does not satisfy, against the same update with nobody
 * waiting, measured just before: the median of PAIRS of each, and of
 * PAIRS such ratios.
 */
static struct waiter_cost waiter_cost(enum call what, int n, enum waiters_on other)
{
	double none[PAIRS], with[PAIRS], r[PAIRS];
	struct waiter_cost c = { -1, -1, -1 };
	pid_t pids[256];
	int k;

	for (k = 0; k < PAIRS; k++) {
		best_ns(&what, &none[k], 1, 5, 20000);
		if (start_waiters(pids, n, other))
			return c;
		best_ns(&what, &with[k], 1, 5, 20000);
		stop_waiters(pids, n);
		r[k] = with[k] / none[k];
	}
	qsort(none, PAIRS, sizeof(none[0]), cmp_double);
	qsort(with, PAIRS, sizeof(with[0]), cmp_double);
	qsort(r, PAIRS, sizeof(r[0]), cmp_double);
	c.none = none[PAIRS / 2];
	c.with = with[PAIRS / 2];
	c.ratio = r[PAIRS / 2];
	return c;
}

/*
 * Bank isolation: ioctl inc on the global bank, with a private bank
 * holding @n files armed never-true (EQ -1 on counters nothing writes),
 * against the same inc with that bank closed: the median of PAIRS ratios.
 * Each private bank has its own wait queues and bands, so the ratio says
 * whether one tenant's armed files reach another bank's updates.
 */
static double other_bank_cost(int n)
{
	struct ac_bank_opts o = { .sz = sizeof(o), .flags = AC_OPEN_NOMAP,
				  .nr_counters = 4096 };
	struct rlimit rl = { n + 256, n + 256 };
	enum call what = CALL_OP_INC;
	double none, with, r[PAIRS];
	struct ac_dev bank, *armed;
	int k, i;

	armed = calloc(n, sizeof(*armed));
	if (!armed || setrlimit(RLIMIT_NOFILE, &rl))
		goto fail;
	for (k = 0; k < PAIRS; k++) {
		best_ns(&what, &none, 1, 5, 20000);
		if (ac_bank_create(&bank, &o))
			goto fail;
		for (i = 0; i < n; i++)
			if (ac_reopen(&armed[i], bank.fd, AC_OPEN_NOMAP) ||
			    ac_arm(&armed[i], 1 + i % 4000, ATOMIC_COUNTER_COND_EQ, -1))
				goto fail;
		best_ns(&what, &with, 1, 5, 20000);
		for (i = 0; i < n; i++)
			ac_close(&armed[i]);
		ac_close(&bank);
		r[k] = with / none;
	}
	free(armed);
	qsort(r, PAIRS, sizeof(r[0]), cmp_double);
	return r[PAIRS / 2];
fail:
	fprintf(stderr, "ac-bench: %d armed files on a private bank: %s\n", n, strerror(errno));
	exit(1);
}

/* Shared with the waiter wake_latency() times. */
struct wake_round {
	_Atomic int64_t t_update, t_woken;	/* ns, CLOCK_MONOTONIC */
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Wake latency: an ioctl inc that satisfies one waiter of counter BASE
 * (GE the next value), with @others unsatisfied waiters on the same
 * counter, from the moment before the inc to the moment the woken
 * process runs again; the median over @rounds. The waker starts a round
 * only once the waiter count shows the waiter back in the queue.
 */
static double wake_latency(int others, int rounds)
{
	struct wake_round *w = mmap(NULL, sizeof(*w) * rounds, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ac_counter_t *waiters = ac_counter(&dev, dev.info.waiters_index);
	ac_counter_t *v = ac_counter(&dev, BASE);
	int64_t base = ac_read(v), lat[512];
	pid_t pids[256], pid;
	int r;

	if (w == MAP_FAILED || rounds > 512 || start_waiters(pids, others, ON_SAME))
		return -1;
	pid = fork();
	if (pid == 0) {
		for (r = 0; r < rounds; r++) {
			struct atomic_counter_wait wt = {
				.index = BASE, .cond = ATOMIC_COUNTER_COND_GE,
				.value = base + r + 1, .timeout_ns = -1,
			};

			ioctl(dev.fd, ATOMIC_COUNTER_IOC_WAIT, &wt);
			atomic_store(&w[r].t_woken, mono_ns());
		}
		_exit(0);
	}
	for (r = 0; r < rounds; r++) {
		while (ac_read(waiters) < others + 1)
			sched_yield();
		atomic_store(&w[r].t_update, mono_ns());
		ac_op(&dev, BASE, ATOMIC_COUNTER_OP_INC, AC_RELAXED, 0, 0, NULL);
		while (!atomic_load(&w[r].t_woken))
			sched_yield();
		lat[r] = atomic_load(&w[r].t_woken) - atomic_load(&w[r].t_update);
	}
	waitpid(pid, NULL, 0);
	stop_waiters(pids, others);
	munmap(w, sizeof(*w) * rounds);
	qsort(lat, rounds, sizeof(lat[0]), cmp_i64);
	return (double)lat[rounds / 2];
}

/*
 * Median over PAIRS of (ops/s of @a with @na tasks) / (ops/s of @b with
 * @nb tasks), measured back to back.
 */
static double paired_ratio_n(enum path a, int na, enum path b, int nb, int own, double secs)
{
	double r[PAIRS];
	int k;

	for (k = 0; k < PAIRS; k++) {
		double ra = measure(a, na, own, 3, secs).median;
		double rb = measure(b, nb, own, 3, secs).median;

		r[k] = ra / rb;
	}
	qsort(r, PAIRS, sizeof(r[0]), cmp_double);
	return r[PAIRS / 2];
}

static double paired_ratio(enum path a, enum path b, int ntasks, int own, double secs)
{
	return paired_ratio_n(a, ntasks, b, ntasks, own, secs);
}

/*
 * The page path on a private bank against the global bank's, back to back
 * (the tasks take the bank from dev at fork): the same instruction on
 * another bank's page, so time per op should not differ. Median over
 * PAIRS of (global ops/s) / (private ops/s).
 */
static double private_page_ratio(int ntasks, double secs)
{
	struct ac_dev global = dev, bank;
	double r[PAIRS];
	int k;

	if (ac_bank_create(&bank, NULL))
		return -1;
	for (k = 0; k < PAIRS; k++) {
		double rg, rb;

		dev = global;
		rg = measure(PAGE_RELAXED, ntasks, 0, 3, secs).median;
		dev = bank;
		rb = measure(PAGE_RELAXED, ntasks, 0, 3, secs).median;
		r[k] = rg / rb;
	}
	dev = global;
	ac_close(&bank);
	qsort(r, PAIRS, sizeof(r[0]), cmp_double);
	return r[PAIRS / 2];
}

/* One striped counter per task, named bench.striped.T, zeroed. */
static int open_striped(void)
{
	char name[32];
	uint64_t index;
	int t, ret;

	for (t = 0; t < MAXTASKS; t++) {
		snprintf(name, sizeof(name), "bench.striped.%d", t);
		ac_name_delete(&dev, name);
		ret = ac_name_create(&dev, name, ATOMIC_COUNTER_NAME_STRIPED, &index, NULL);
		if (ret < 0 || (ret = ac_striped(&dev, index, &striped[t])))
			return ret;
	}
	return 0;
}

static long module_size(void)
{
	char name[64];
	long size = -1, sz;
	FILE *f = fopen("/proc/modules", "r");

	while (f && fscanf(f, "%63s %ld%*[^\n]", name, &sz) == 2)
		if (!strcmp(name, "atomic_counter"))
			size = sz;
	if (f)
		fclose(f);
	return size;
}

/*
 * -H: a bank of the module's default layout in a memfd: 512 numbered
 * counters, then a striped region of 64 counters for each CPU the machine
 * has. The waiter count is a counter nothing writes: nobody ever waits,
 * so ac_wake() costs what it costs a caller with no waiter.
 */
static int open_host_bank(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	/* map_size is whole pages, of the machine's size (64 KiB on some arm64). */
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t nr = 512, nr_striped = 64, size;
	int fd, t;

	if (cpus < 1)
		cpus = 1;
	size = (nr + nr_striped * (uint64_t)cpus) * ATOMIC_COUNTER_SIZE;
	size = (size + page - 1) / page * page;
	fd = memfd_create("ac-bench-bank", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size))
		return -errno;
	dev.bank = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (dev.bank == MAP_FAILED)
		return -errno;
	dev.fd = -1;
	dev.writable = true;
	dev.info.map_size = size;
	dev.info.nr_counters = nr;
	dev.info.waiters_index = 1;
	dev.info.nr_striped = nr_striped;
	dev.info.nr_stripes = (uint64_t)cpus;
	for (t = 0; t < MAXTASKS; t++)
		striped[t] = (ac_striped_t){
			.slots = &dev.bank[nr + (uint64_t)t], .stride = nr_striped,
			.nr_stripes = (uint32_t)cpus,
		};
	return 0;
}

/*
 * Relaxed against fully ordered, one task on counter BASE: the operations
 * whose orderings differ in kind (a void update, a fetch, a swap, a
 * compare-and-swap), each on the page and through the ioctl.
 */
enum ord_op { ORD_ADD, ORD_FETCH_ADD, ORD_XCHG, ORD_CMPXCHG, NR_ORD_OPS };

static const struct {
	const char *name;
	enum atomic_counter_opcode op;
} ord_ops[NR_ORD_OPS] = {
	[ORD_ADD] = { "add", ATOMIC_COUNTER_OP_ADD },
	[ORD_FETCH_ADD] = { "fetch_add", ATOMIC_COUNTER_OP_FETCH_ADD },
	[ORD_XCHG] = { "xchg", ATOMIC_COUNTER_OP_XCHG },
	[ORD_CMPXCHG] = { "cmpxchg", ATOMIC_COUNTER_OP_CMPXCHG },
};

enum ord_via { VIA_PAGE, VIA_IOCTL, NR_VIAS };

static const char *const via_names[NR_VIAS] = { "page", "ioctl" };

/* Every result goes here, so that no loop's work is unused. */
static volatile int64_t sink;

/*
 * @calls of @o on the page, each order its own loop: the library's inline
 * functions must see a constant order, or GCC makes every one seq_cst.
 * The compare-and-swap always succeeds: one task, and @x follows the
 * counter.
 */
static void page_loop(enum ord_op o, int full, long calls)
{
	ac_counter_t *v = ac_counter(&dev, BASE);
	int64_t x = ac_read(v), acc = 0;
	long i;

	switch (o * 2 + full) {
	case ORD_ADD * 2:
		for (i = 0; i < calls; i++)
			ac_add(1, v);
		break;
	case ORD_ADD * 2 + 1:
		for (i = 0; i < calls; i++)
			ac_add_full(1, v);
		break;
	case ORD_FETCH_ADD * 2:
		for (i = 0; i < calls; i++)
			acc += ac_fetch_add_relaxed(1, v);
		break;
	case ORD_FETCH_ADD * 2 + 1:
		for (i = 0; i < calls; i++)
			acc += ac_fetch_add(1, v);
		break;
	case ORD_XCHG * 2:
		for (i = 0; i < calls; i++)
			acc += ac_xchg_explicit(v, i, AC_RELAXED);
		break;
	case ORD_XCHG * 2 + 1:
		for (i = 0; i < calls; i++)
			acc += ac_xchg_explicit(v, i, AC_FULL);
		break;
	case ORD_CMPXCHG * 2:
		for (i = 0; i < calls; i++)
			if (ac_try_cmpxchg_explicit(v, &x, x + 1, AC_RELAXED))
				x++;
		break;
	case ORD_CMPXCHG * 2 + 1:
		for (i = 0; i < calls; i++)
			if (ac_try_cmpxchg_explicit(v, &x, x + 1, AC_FULL))
				x++;
		break;
	}
	sink = acc + x;
}

/* The same through ATOMIC_COUNTER_IOC_OP. */
static void ioctl_loop(enum ord_op o, int full, long calls)
{
	ac_order_t order = full ? AC_FULL : AC_RELAXED;
	int64_t x, found = 0;
	long i;

	if (o == ORD_CMPXCHG) {
		x = ac_read(ac_counter(&dev, BASE));
		for (i = 0; i < calls; i++)
			x = ac_op_cmpxchg(&dev, BASE, x, x + 1, order, &found) == 1 ? x + 1 : found;
		sink = x;
		return;
	}
	for (i = 0; i < calls; i++)
		ac_op(&dev, BASE, ord_ops[o].op, order, o == ORD_XCHG ? i : 1, 0, &found);
	sink = found;
}

static double ord_ns(enum ord_via via, enum ord_op o, int full, long calls)
{
	double t0 = now();

	if (via == VIA_PAGE)
		page_loop(o, full, calls);
	else
		ioctl_loop(o, full, calls);
	return (now() - t0) * 1e9 / calls;
}

#define ORD_PAIRS	7
#define ORD_SLICE	0.05	/* seconds, about, of each timed loop */

struct ord_result {
	double relaxed_ns, full_ns;	/* medians over the pairs */
	double ratio;			/* median of the pairs' full / relaxed */
};

/*
 * ORD_PAIRS back-to-back pairs of relaxed then fully ordered loops of as
 * many calls as take about ORD_SLICE relaxed: medians of each side and of
 * the pairs' ratios, so that the host's drifting load cancels out.
 */
static struct ord_result ord_measure(enum ord_via via, enum ord_op o)
{
	double rel[ORD_PAIRS], full[ORD_PAIRS], r[ORD_PAIRS], ns;
	struct ord_result res;
	long calls = 256;
	int k;

	/* Warms the path up, and sizes the loops. */
	while ((ns = ord_ns(via, o, 0, calls)) * calls < ORD_SLICE * 1e9 / 4 && calls < (1L << 30))
		calls *= 2;
	calls = (long)(ORD_SLICE * 1e9 / ns) + 1;
	for (k = 0; k < ORD_PAIRS; k++) {
		rel[k] = ord_ns(via, o, 0, calls);
		full[k] = ord_ns(via, o, 1, calls);
		r[k] = full[k] / rel[k];
	}
	qsort(rel, ORD_PAIRS, sizeof(rel[0]), cmp_double);
	qsort(full, ORD_PAIRS, sizeof(full[0]), cmp_double);
	qsort(r, ORD_PAIRS, sizeof(r[0]), cmp_double);
	res.relaxed_ns = rel[ORD_PAIRS / 2];
	res.full_ns = full[ORD_PAIRS / 2];
	res.ratio = r[ORD_PAIRS / 2];
	return res;
}

/*
 * The in-kernel API's update against the bare atomic, from the floor
 * module: ns per iteration of each loop (enum ac_floor_kapi_loop).
 */
#define KAPI_COUNT	16384
#define KAPI_REPS	101

static const char *const kapi_names[AC_FLOOR_KAPI_NR] = {
	[AC_FLOOR_KAPI_EMPTY] = "empty_loop",
	[AC_FLOOR_KAPI_ATOMIC64_INC] = "atomic64_inc",
	[AC_FLOOR_KAPI_INC] = "atomic_counter_inc",
	[AC_FLOOR_KAPI_INC_FULL] = "atomic_counter_inc_full",
};

static int measure_kapi(double *ns)
{
	struct ac_floor_kapi k = { .count = KAPI_COUNT, .reps = KAPI_REPS };
	int l;

	if (floor_fd < 0 || ioctl(floor_fd, AC_FLOOR_IOC_KAPI, &k))
		return -1;
	for (l = 0; l < AC_FLOOR_KAPI_NR; l++)
		ns[l] = (double)k.ns[l] / KAPI_COUNT;
	return 0;
}

static const char *const phase_names[AC_FLOOR_NR_PHASES] = {
	[AC_FLOOR_CLOCK] = "clock",
	[AC_FLOOR_ALLOC] = "kmalloc",
	[AC_FLOOR_COPY_IN] = "copy_from_user",
	[AC_FLOOR_COPY_IN_FIELDS] = "get_user_fields",
	[AC_FLOOR_CHECK] = "check",
	[AC_FLOOR_APPLY] = "apply",
	[AC_FLOOR_ATOMIC] = "atomic_alone",
	[AC_FLOOR_BARRIER] = "waiter_look",
	[AC_FLOOR_COPY_OUT] = "results_one_window",
	[AC_FLOOR_PUT_USER] = "results_put_user",
	[AC_FLOOR_FREE] = "kfree",
};

/* Where a batch entry's time goes: the floor module's phases, per entry. */
static void print_batch_breakdown(const struct floors *fl, double enotty, double entry,
				  double single)
{
	const __u64 *ph = fl->batch.ns;
	double fixed = enotty / BATCH;
	double sum = fixed + (double)(ph[AC_FLOOR_ALLOC] + ph[AC_FLOOR_COPY_IN] +
				      ph[AC_FLOOR_CHECK] + ph[AC_FLOOR_APPLY] +
				      ph[AC_FLOOR_BARRIER] + ph[AC_FLOOR_COPY_OUT] +
				      ph[AC_FLOOR_FREE]) / BATCH;
	int k;

	printf("\n# a batch of 64 in the kernel, each phase timed by ac_bench_floor.ko "
	       "(median of %d runs, less a clock read of %llu ns), ns per entry:\n#  ",
	       AC_FLOOR_MAX_REPS, (unsigned long long)ph[AC_FLOOR_CLOCK]);
	for (k = AC_FLOOR_ALLOC; k < AC_FLOOR_NR_PHASES; k++)
		printf(" %s %.1f", phase_names[k], (double)ph[k] / BATCH);
	printf("\n# a batch entry, measured %.0f ns: the syscall and dispatch, shared by 64 "
	       "(unknown ioctl / 64) %.1f + kmalloc, copy_from_user, check, apply, waiter look, "
	       "results in one window, kfree %.1f = %.1f (rest %.1f)\n", entry, fixed, sum - fixed,
	       sum, entry - sum);
	printf("batch64 per op / ioctl_relaxed, N=1, one task: %.3f (target <= 0.05); "
	       "its floor (check + apply) / ioctl_relaxed: %.3f; "
	       "the floor with the syscall's share / ioctl_relaxed: %.3f\n", entry / single,
	       fl->entry / single, (fl->entry + fixed) / single);
}

int main(int argc, char **argv)
{
	int ns[8] = { 1, 2, 4 }, nn = 3, samples = 5, c, i, own, p;
	double secs = 0.3;
	const char *json_path = NULL;
	static struct result res[NR_PATHS][2][8];
	struct floors fl;
	int have_floor = 0, have_kapi = 0;
	static struct ord_result ord[NR_VIAS][NR_ORD_OPS];
	double kapi[AC_FLOOR_KAPI_NR];
	struct utsname uts;
	FILE *json;
	char *tok;
	int memfd, ret;

	while ((c = getopt(argc, argv, "Hn:s:d:j:")) != -1) {
		switch (c) {
		case 'H':
			host = 1;
			break;
		case 'n':
			nn = 0;
			for (tok = strtok(optarg, ","); tok && nn < 8; tok = strtok(NULL, ","))
				ns[nn++] = atoi(tok);
			break;
		case 's':
			samples = atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'j':
			json_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: ac-bench [-H] [-n N,N,...] [-s SAMPLES] [-d SECONDS] [-j FILE]\n");
			return 2;
		}
	}
	if (samples < 1 || samples > 64)
		samples = 5;
	for (i = 0; i < nn; i++)
		if (ns[i] < 1 || ns[i] > MAXTASKS)
			return 2;

	if (host) {
		ret = open_host_bank();
		if (ret) {
			fprintf(stderr, "ac-bench: memfd bank: %s\n", strerror(-ret));
			return 1;
		}
	} else {
		ret = ac_open(&dev, NULL, 0);
		if (ret) {
			fprintf(stderr, "ac-bench: %s: %s\n", AC_DEFAULT_DEVICE, strerror(-ret));
			return 1;
		}
		ret = open_striped();
		if (ret) {
			fprintf(stderr, "ac-bench: striped counters: %s\n", strerror(-ret));
			return 1;
		}
		floor_fd = open("/dev/ac_bench_floor", O_RDWR | O_CLOEXEC);
		have_floor = !measure_floors(&fl);
		have_kapi = !measure_kapi(kapi);
	}
	if (uname(&uts))
		strcpy(uts.machine, "?");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memfd = memfd_create("ac-bench", 0);
	if (sh == MAP_FAILED || memfd < 0 || ftruncate(memfd, 4096 * 4))
		return 1;
	shm = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (shm == MAP_FAILED)
		return 1;
	pthread_mutexattr_init(&mutex_attr);
	pthread_mutexattr_setpshared(&mutex_attr, PTHREAD_PROCESS_SHARED);
	for (i = 0; i < MAXTASKS; i++)
		efd[i] = eventfd(0, EFD_CLOEXEC);

	printf("# ac-bench%s: %ld CPUs online, %d samples of %.2f s after a %.2f s warm-up\n",
	       host ? " -H (natively, no module: a memfd bank)" : "",
	       sysconf(_SC_NPROCESSORS_ONLN), samples, secs, secs / 2);
	if (have_floor)
		printf("# floor (ac_bench_floor.ko, the kernel doing the same checks and atomics "
		       "with no syscall and no user copy), ns per op: relaxed op %.1f, full op %.1f, "
		       "batch entry %.1f\n", fl.op, fl.op_full, fl.entry);
	else if (!host)
		printf("# no /dev/ac_bench_floor (tests/kmod/ac_bench_floor.ko): no floor\n");
	printf("%-18s %-4s %3s %14s %14s %14s %10s %9s %8s\n", "path", "ctr", "N", "min ops/s",
	       "median ops/s", "max ops/s", "ns/op/task", "- floor", "/ floor");
	for (p = 0; p < NR_PATHS; p++) {
		if (host && needs_module(p))
			continue;
		for (own = 0; own < 2; own++) {
			for (i = 0; i < nn; i++) {
				struct result r = measure(p, ns[i], own, samples, secs);
				double per = 1e9 * ns[i] / r.median;
				double f = have_floor ? path_floor(&fl, p) : 0;

				res[p][own][i] = r;
				printf("%-18s %-4s %3d %14.0f %14.0f %14.0f %10.1f", path_names[p],
				       own ? "own" : "one", ns[i], r.min, r.median, r.max, per);
				if (f > 0)
					printf(" %9.1f %8.1f", per - f, per / f);
				printf("\n");
				fflush(stdout);
			}
		}
	}

	/* Relaxed against fully ordered, one task. */
	printf("\n# relaxed against fully ordered, one task on one counter, %s: ops/s (medians "
	       "of %d back-to-back pairs of %.2f s loops) and time per op full / relaxed "
	       "(median of the pairs' ratios)\n", uts.machine, ORD_PAIRS, ORD_SLICE);
	printf("# x86-64: every read-modify-write is a locked instruction, a full barrier whatever "
	       "the order asked, so the two should come out about equal. arm64: they are different "
	       "instructions (relaxed ldadd, swp, cas, or ldxr/stxr without LSE; fully ordered the -al "
	       "forms, or ldxr/stlxr and dmb ish in the kernel, ldaxr/stlxr in libgcc), so they differ by what the CPU charges for the ordering "
	       "(under QEMU's TCG, what the emulator charges). Through the ioctl every update is "
	       "followed by the wake-up check's full barrier anyway: fully ordered adds only the "
	       "one before it.\n");
	printf("%-6s %-10s %16s %16s %14s\n", "via", "op", "relaxed ops/s", "full ops/s",
	       "full/relaxed");
	for (i = 0; i < NR_VIAS; i++) {
		if (host && i == VIA_IOCTL)
			continue;
		for (p = 0; p < NR_ORD_OPS; p++) {
			struct ord_result *o = &ord[i][p];

			*o = ord_measure(i, p);
			printf("%-6s %-10s %16.0f %16.0f %14.3f\n", via_names[i], ord_ops[p].name,
			       1e9 / o->relaxed_ns, 1e9 / o->full_ns, o->ratio);
			fflush(stdout);
		}
	}

	/*
	 * The targets, as ratios. The host's load drifts over a run, so each
	 * ratio is taken from back-to-back measurements of its two paths,
	 * repeated, and the median of those ratios is reported.
	 */
	printf("\n# ratios: median of %d back-to-back pairs (time per op unless said)\n", PAIRS);
	for (own = 0; own < 2; own++)
		for (i = 0; i < nn; i++)
			printf("page_relaxed / shm_c11_atomic, %s, N=%d: %.3f (target <= 1.05)\n",
			       own ? "own" : "one", ns[i],
			       paired_ratio(SHM_ATOMIC, PAGE_RELAXED, ns[i], own, secs));
	if (!host) {
		printf("ioctl_relaxed / eventfd_write, N=1: %.3f (target <= 1.0)\n",
		       paired_ratio(EVENTFD, IOCTL_RELAXED, 1, 1, secs));
		printf("ioctl_relaxed / getppid, N=1: %.3f (target <= 1.3)\n",
		       paired_ratio(GETPPID, IOCTL_RELAXED, 1, 1, secs));
		printf("ioctl_full / getppid, N=1: %.3f\n",
		       paired_ratio(GETPPID, IOCTL_FULL, 1, 1, secs));
		printf("batch64 per op / ioctl_relaxed, N=1: %.3f (target <= 0.05)\n",
		       paired_ratio(IOCTL_RELAXED, BATCH64, 1, 1, secs));
	}
	printf("page_relaxed_wake / page_relaxed, N=1, no waiter: %.3f\n",
	       paired_ratio(PAGE_RELAXED, PAGE_WAKE, 1, 1, secs));
	for (i = 0; i < nn; i++)
		printf("page_relaxed private bank / global bank, one counter, N=%d: %.3f (target <= 1.05)\n",
		       ns[i], private_page_ratio(ns[i], secs));
	printf("page_relaxed / shm_pthread_mutex throughput, one counter, N=2: %.1fx (target >= 5)\n",
	       paired_ratio(PAGE_RELAXED, MUTEX, 2, 0, secs));

	/*
	 * Striped scaling, throughput against its own N=1 figure, beside the
	 * machine's ceiling: the same ratio for plain counters on lines of
	 * their own, which share nothing at all. Neither can pass the
	 * number of CPUs that really run at once.
	 */
	printf("# CPUs running tasks at once: at most %ld%s\n", sysconf(_SC_NPROCESSORS_ONLN),
	       host ? "" : " (vCPUs); the host's cores bound them too");
	for (i = 0; i < nn; i++) {
		if (ns[i] == 1)
			continue;
		printf("page_striped throughput N=%d / N=1, one counter: %.2fx (target >= %.1f); "
		       "ceiling, page_relaxed own counters N=%d / N=1: %.2fx\n", ns[i],
		       paired_ratio_n(PAGE_STRIPED, ns[i], PAGE_STRIPED, 1, 0, secs), 0.9 * ns[i],
		       ns[i], paired_ratio_n(PAGE_RELAXED, ns[i], PAGE_RELAXED, 1, 1, secs));
	}
	printf("page_striped / page_relaxed throughput, one counter, N=2: %.1fx (target >= 3)\n",
	       paired_ratio(PAGE_STRIPED, PAGE_RELAXED, 2, 0, secs));

	if (!host) {
		static const struct {
			enum call what;
			const char *name;
		} upd[] = {
			{ CALL_OP_INC, "ioctl inc" },
			{ CALL_PAGE_WAKE, "page inc + ac_wake" },
		};
		static const int nwait[] = { 16, 64, 256 };
		const struct atomic_counter_info *info = ac_info(&dev);
		struct waiter_cost other, same;
		int j;

		printf("\n# the cost of a waiter: an update with waiters it does not satisfy, "
		       "against the same update with none just before (ns per update, one task, "
		       "medians of %d pairs; targets: ioctl <= 1.10, page + ac_wake <= 1.15)\n",
		       PAIRS);
		for (i = 0; i < 2; i++) {
			other = waiter_cost(upd[i].what, 1, ON_OTHER);
			same = waiter_cost(upd[i].what, 1, ON_SAME);
			printf("%s: no waiter %.0f ns; 1 waiter on another counter %.0f ns (%.2f); "
			       "1 waiter on the same counter %.0f ns (%.2f)\n", upd[i].name,
			       (other.none + same.none) / 2, other.with, other.ratio, same.with,
			       same.ratio);
		}
		for (i = 0; i < 2; i++)
			for (j = 0; j < 3; j++)
				printf("%s, %d waiters on the same counter: %.2f\n", upd[i].name,
				       nwait[j], waiter_cost(upd[i].what, nwait[j], ON_SAME).ratio);
		printf("ioctl inc, 64 waiters on other counters: %.2f\n",
		       waiter_cost(CALL_OP_INC, 64, ON_OTHER).ratio);
		printf("ioctl inc, 64 waiters on counters of its wait queue (target <= 1.05): %.2f\n",
		       waiter_cost(CALL_OP_INC, 64, ON_BUCKET).ratio);
		printf("batch of 64, 64 waiters on its counter, per entry (target <= 1.10): %.2f\n",
		       waiter_cost(CALL_BATCH64, 64, ON_SAME).ratio);
		printf("ioctl inc, another bank holding 10000 armed files (target <= 1.10): %.2f\n",
		       other_bank_cost(10000));
		{
			double alone = wake_latency(0, 200), among = wake_latency(255, 200);

			printf("wake latency: 1 satisfied alone %.0f ns, among 256 %.0f ns "
			       "(target <= 1.2): %.2f\n", alone, among, among / alone);
		}
		if (info && (info->features & ATOMIC_COUNTER_FEATURE_BANDS))
			printf("band memory: %llu bytes of band slots and %llu of bands for %llu "
			       "bytes of counters, allocated and charged with the bank\n",
			       (unsigned long long)info->band_slot_size,
			       (unsigned long long)info->band_size,
			       (unsigned long long)info->map_size);
	}

	if (!host) {
		/* Interleaved and repeated, the fastest of each kept: least disturbed. */
		static const enum call w[] = {
			CALL_GETPPID, CALL_ENOTTY, CALL_OP_READ, CALL_OP_INC, CALL_OP_INC_FULL,
			CALL_BATCH64,
		};
		double best[6];

		best_ns(w, best, 6, 7, 50000);
		printf("\n# ioctl path, one task, ns per call: getppid %.0f; unknown ioctl %.0f "
		       "(+%.0f: fd lookup, security hook, dispatch); OP read %.0f (+%.0f: copy in 48 B, "
		       "validate, result out); OP inc %.0f (+%.0f: the atomic RMW)\n",
		       best[0], best[1], best[1] - best[0], best[2], best[2] - best[1], best[3],
		       best[3] - best[2]);
		if (have_floor) {
			printf("# against the floor, one task, fastest of 7, ns per op: "
			       "path, - floor, / floor\n");
			printf("ioctl_relaxed %.0f: %.0f, %.1f\n", best[3], best[3] - fl.op,
			       best[3] / fl.op);
			printf("ioctl_full %.0f: %.0f, %.1f\n", best[4], best[4] - fl.op_full,
			       best[4] / fl.op_full);
			printf("batch64_per_op %.1f: %.1f, %.1f\n", best[5], best[5] - fl.entry,
			       best[5] / fl.entry);
			print_batch_breakdown(&fl, best[1], best[5], best[3]);
		}
	}
	if (have_kapi) {
		printf("\n# the in-kernel API's update (ac_bench_floor.ko, on its kernel counter "
		       "kernel.ac_bench_floor), one task, ns per update, loop included (median of %d "
		       "interleaved runs of %d; the empty loop %.2f):\n", KAPI_REPS, KAPI_COUNT,
		       kapi[AC_FLOOR_KAPI_EMPTY]);
		printf("atomic_counter_inc %.2f ns, atomic64_inc %.2f ns: atomic_counter_inc / "
		       "atomic64_inc %.3f; atomic_counter_inc_full %.2f ns (/ atomic64_inc %.3f)\n",
		       kapi[AC_FLOOR_KAPI_INC], kapi[AC_FLOOR_KAPI_ATOMIC64_INC],
		       kapi[AC_FLOOR_KAPI_INC] / kapi[AC_FLOOR_KAPI_ATOMIC64_INC],
		       kapi[AC_FLOOR_KAPI_INC_FULL],
		       kapi[AC_FLOOR_KAPI_INC_FULL] / kapi[AC_FLOOR_KAPI_ATOMIC64_INC]);
	} else if (!host) {
		printf("\n# no in-kernel API figures: /dev/ac_bench_floor missing or too old\n");
	}
	if (!host)
		printf("\n# memory: module %ld bytes (/proc/modules), bank %llu bytes (%llu counters), "
		       "name table %llu bytes\n", module_size(), (unsigned long long)dev.info.map_size,
		       (unsigned long long)(dev.info.map_size / 8),
		       (unsigned long long)((dev.info.nr_named + dev.info.nr_kernel) *
					    ATOMIC_COUNTER_NAME_MAX));

	json = json_path ? fopen(json_path, "w") : NULL;
	if (json_path && !json)
		return 1;
	if (json) {
		int first = 1;

		fprintf(json, "{\"host\": %d, \"machine\": \"%s\", \"cpus\": %ld, \"samples\": %d, "
			"\"seconds\": %g, \"module_bytes\": %ld, \"bank_bytes\": %llu,", host,
			uts.machine, sysconf(_SC_NPROCESSORS_ONLN), samples, secs,
			host ? 0 : module_size(), (unsigned long long)dev.info.map_size);
		if (have_kapi) {
			fprintf(json, "\n \"kapi_ns\": {");
			for (i = 0; i < AC_FLOOR_KAPI_NR; i++)
				fprintf(json, "%s\"%s\": %.3f", i ? ", " : "", kapi_names[i], kapi[i]);
			fprintf(json, "}, \"kapi_inc_over_atomic64_inc\": %.3f, "
				"\"kapi_inc_full_over_atomic64_inc\": %.3f,",
				kapi[AC_FLOOR_KAPI_INC] / kapi[AC_FLOOR_KAPI_ATOMIC64_INC],
				kapi[AC_FLOOR_KAPI_INC_FULL] / kapi[AC_FLOOR_KAPI_ATOMIC64_INC]);
		}
		/* "via", not "path": scripts/bench.sh plots every "path". */
		fprintf(json, "\n \"orderings\": [");
		first = 1;
		for (i = 0; i < NR_VIAS; i++) {
			if (host && i == VIA_IOCTL)
				continue;
			for (p = 0; p < NR_ORD_OPS; p++) {
				fprintf(json, "%s\n  {\"via\": \"%s\", \"op\": \"%s\", "
					"\"relaxed_ops_s\": %.0f, \"full_ops_s\": %.0f, "
					"\"full_over_relaxed\": %.3f}", first ? "" : ",", via_names[i],
					ord_ops[p].name, 1e9 / ord[i][p].relaxed_ns,
					1e9 / ord[i][p].full_ns, ord[i][p].ratio);
				first = 0;
			}
		}
		fprintf(json, "],");
		first = 1;
		if (have_floor) {
			fprintf(json, "\n \"floor_op_ns\": %.1f, \"floor_op_full_ns\": %.1f, "
				"\"floor_entry_ns\": %.1f, \"batch64_phases_ns\": {", fl.op,
				fl.op_full, fl.entry);
			for (i = 0; i < AC_FLOOR_NR_PHASES; i++)
				fprintf(json, "%s\"%s\": %llu", i ? ", " : "", phase_names[i],
					(unsigned long long)fl.batch.ns[i]);
			fprintf(json, "},");
		}
		fprintf(json, " \"results\": [");
		for (p = 0; p < NR_PATHS; p++) {
			if (host && needs_module(p))
				continue;
			for (own = 0; own < 2; own++)
				for (i = 0; i < nn; i++) {
					fprintf(json, "%s\n {\"path\": \"%s\", \"counter\": \"%s\", \"n\": %d, "
						"\"min\": %.0f, \"median\": %.0f, \"max\": %.0f}",
						first ? "" : ",", path_names[p], own ? "own" : "one",
						ns[i], res[p][own][i].min, res[p][own][i].median,
						res[p][own][i].max);
					first = 0;
				}
		}
		fprintf(json, "\n]}\n");
		fclose(json);
	}
	if (!host) {
		for (i = 0; i < MAXTASKS; i++) {
			char name[32];

			snprintf(name, sizeof(name), "bench.striped.%d", i);
			ac_name_delete(&dev, name);
		}
		ac_close(&dev);
	}
	return 0;
}
