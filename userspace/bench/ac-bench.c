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
 * striped counter on the page (ac_striped_inc: a slot per CPU); and the
 * baselines: getppid() (the syscall floor), an eventfd write (the kernel's
 * own 64-bit counter behind a syscall), a C11 atomic on a memfd page, and a
 * process-shared pthread mutex around a counter on a shared page.
 *
 *   ac-bench [-n N,N,...] [-s SAMPLES] [-d SECONDS] [-j FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic_counter.h"

#define MAXTASKS	16
#define LINE		64
#define BATCH		64
#define BASE		64	/* first bank counter used */

enum path {
	GETPPID, EVENTFD, SHM_ATOMIC, MUTEX,
	IOCTL_RELAXED, IOCTL_FULL, BATCH64, PAGE_RELAXED, PAGE_SEQ_CST, PAGE_STRIPED,
	NR_PATHS
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
};

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
	struct atomic_counter_batch b = { (uintptr_t)ops, BATCH, 0, 0 };
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
			ac_op(&dev, BASE + 8 * slot, ATOMIC_COUNTER_OP_INC, ATOMIC_COUNTER_RELAXED, 0, 0, NULL);
			break;
		case IOCTL_FULL:
			ac_op(&dev, BASE + 8 * slot, ATOMIC_COUNTER_OP_INC, ATOMIC_COUNTER_FULL, 0, 0, NULL);
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

/* ns per call of one single-task loop, for the ioctl path's breakdown. */
static double ns_per_call(int what, long calls)
{
	struct atomic_counter_op op = {
		.index = BASE, .op = ATOMIC_COUNTER_OP_READ, .order = ATOMIC_COUNTER_RELAXED,
	};
	double t0 = now();
	long i;

	if (what == 3) {
		op.op = ATOMIC_COUNTER_OP_INC;
	}
	for (i = 0; i < calls; i++) {
		switch (what) {
		case 0:
			getppid();
			break;
		case 1:
			/* An unknown command: syscall, fd lookup, LSM hook, dispatch. */
			ioctl(dev.fd, _IO(ATOMIC_COUNTER_IOC_MAGIC, 0x9f));
			break;
		default:
			ioctl(dev.fd, ATOMIC_COUNTER_IOC_OP, &op);
			break;
		}
	}
	return (now() - t0) * 1e9 / calls;
}

#define PAIRS 5

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

/* One striped counter per task, named bench.striped.T, zeroed. */
static int open_striped(void)
{
	char name[32];
	uint64_t index;
	int t, ret;

	for (t = 0; t < MAXTASKS; t++) {
		snprintf(name, sizeof(name), "bench.striped.%d", t);
		ac_name_delete(&dev, name);
		ret = ac_name_create(&dev, name, ATOMIC_COUNTER_NAME_STRIPED, &index);
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

int main(int argc, char **argv)
{
	int ns[8] = { 1, 2, 4 }, nn = 3, samples = 5, c, i, own, p;
	double secs = 0.3;
	const char *json_path = NULL;
	static struct result res[NR_PATHS][2][8];
	FILE *json;
	char *tok;
	int memfd, ret;

	while ((c = getopt(argc, argv, "n:s:d:j:")) != -1) {
		switch (c) {
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
			fprintf(stderr, "usage: ac-bench [-n N,N,...] [-s SAMPLES] [-d SECONDS] [-j FILE]\n");
			return 2;
		}
	}
	if (samples < 1 || samples > 64)
		samples = 5;
	for (i = 0; i < nn; i++)
		if (ns[i] < 1 || ns[i] > MAXTASKS)
			return 2;

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

	printf("# ac-bench: %ld CPUs online, %d samples of %.2f s after a %.2f s warm-up\n",
	       sysconf(_SC_NPROCESSORS_ONLN), samples, secs, secs / 2);
	printf("%-18s %-4s %3s %14s %14s %14s %10s\n", "path", "ctr", "N", "min ops/s",
	       "median ops/s", "max ops/s", "ns/op/task");
	for (p = 0; p < NR_PATHS; p++) {
		for (own = 0; own < 2; own++) {
			for (i = 0; i < nn; i++) {
				struct result r = measure(p, ns[i], own, samples, secs);

				res[p][own][i] = r;
				printf("%-18s %-4s %3d %14.0f %14.0f %14.0f %10.1f\n", path_names[p],
				       own ? "own" : "one", ns[i], r.min, r.median, r.max,
				       1e9 * ns[i] / r.median);
				fflush(stdout);
			}
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
	printf("ioctl_relaxed / eventfd_write, N=1: %.3f (target <= 1.0)\n",
	       paired_ratio(EVENTFD, IOCTL_RELAXED, 1, 1, secs));
	printf("ioctl_relaxed / getppid, N=1: %.3f (target <= 1.3)\n",
	       paired_ratio(GETPPID, IOCTL_RELAXED, 1, 1, secs));
	printf("ioctl_full / getppid, N=1: %.3f\n", paired_ratio(GETPPID, IOCTL_FULL, 1, 1, secs));
	printf("batch64 per op / ioctl_relaxed, N=1: %.3f (target <= 0.05)\n",
	       paired_ratio(IOCTL_RELAXED, BATCH64, 1, 1, secs));
	printf("page_relaxed / shm_pthread_mutex throughput, one counter, N=2: %.1fx (target >= 5)\n",
	       paired_ratio(PAGE_RELAXED, MUTEX, 2, 0, secs));

	/*
	 * Striped scaling, throughput against its own N=1 figure, beside the
	 * machine's ceiling: the same ratio for plain counters on lines of
	 * their own, which share nothing at all. Neither can pass the
	 * number of CPUs that really run at once.
	 */
	printf("# CPUs running tasks at once: at most %ld (vCPUs); the host's cores bound them too\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
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

	{
		/* Interleaved and repeated, the fastest of each kept: least disturbed. */
		double best[4] = { 1e18, 1e18, 1e18, 1e18 }, base, enotty, rd, inc;
		int rep, w;

		for (rep = 0; rep < 7; rep++)
			for (w = 0; w < 4; w++) {
				double ns = ns_per_call(w, 50000);

				best[w] = ns < best[w] ? ns : best[w];
			}
		base = best[0];
		enotty = best[1];
		rd = best[2];
		inc = best[3];

		printf("\n# ioctl path, one task, ns per call: getppid %.0f; unknown ioctl %.0f "
		       "(+%.0f: fd lookup, security hook, dispatch); OP read %.0f (+%.0f: copy in 48 B, "
		       "validate, result out); OP inc %.0f (+%.0f: the atomic RMW)\n",
		       base, enotty, enotty - base, rd, rd - enotty, inc, inc - rd);
	}
	printf("\n# memory: module %ld bytes (/proc/modules), bank %llu bytes (%llu counters), "
	       "name table %llu bytes\n", module_size(), (unsigned long long)dev.info.map_size,
	       (unsigned long long)(dev.info.map_size / 8),
	       (unsigned long long)((dev.info.nr_named + dev.info.nr_kernel) * ATOMIC_COUNTER_NAME_MAX));

	json = json_path ? fopen(json_path, "w") : NULL;
	if (json_path && !json)
		return 1;
	if (json) {
		fprintf(json, "{\"cpus\": %ld, \"samples\": %d, \"seconds\": %g, \"module_bytes\": %ld, "
			"\"bank_bytes\": %llu, \"results\": [", sysconf(_SC_NPROCESSORS_ONLN), samples,
			secs, module_size(), (unsigned long long)dev.info.map_size);
		for (p = 0; p < NR_PATHS; p++)
			for (own = 0; own < 2; own++)
				for (i = 0; i < nn; i++)
					fprintf(json, "%s\n {\"path\": \"%s\", \"counter\": \"%s\", \"n\": %d, "
						"\"min\": %.0f, \"median\": %.0f, \"max\": %.0f}",
						p || own || i ? "," : "", path_names[p], own ? "own" : "one",
						ns[i], res[p][own][i].min, res[p][own][i].median,
						res[p][own][i].max);
		fprintf(json, "\n]}\n");
		fclose(json);
	}
	for (i = 0; i < MAXTASKS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "bench.striped.%d", i);
		ac_name_delete(&dev, name);
	}
	ac_close(&dev);
	return 0;
}
