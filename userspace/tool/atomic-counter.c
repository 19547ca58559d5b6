// SPDX-License-Identifier: MIT
/*
 * atomic-counter: read and change /dev/atomic_counter's counters from the
 * shell. Every change goes through the module's ioctls, in the ordering
 * chosen with --relaxed or --ordered; list and watch read the mapped bank.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_counter.h"

#define EXIT_OPFAIL	1	/* the device refused, or is missing */
#define EXIT_USAGE	2
#define EXIT_NOSWAP	3	/* cmpxchg found another value */
#define EXIT_TIMEOUT	124	/* wait: the condition did not come true in time (as timeout(1)) */

#define INTERVAL_MIN	0.001	/* watch: seconds; a sleep shorter than this would only spin */
#define INTERVAL_MAX	86400.0

static const char usage[] =
"usage: atomic-counter [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  info                   ABI version, counters, mapping size, features\n"
"  list                   counters that are nonzero or named (--all: every one)\n"
"  get INDEX              print a counter's value\n"
"  set INDEX VALUE        set a counter\n"
"  add INDEX DELTA        add DELTA (may be negative); prints the new value\n"
"  inc INDEX              add one; prints the new value\n"
"  dec INDEX              subtract one; prints the new value\n"
"  xchg INDEX VALUE       set, printing the old value\n"
"  cmpxchg INDEX OLD NEW  set to NEW only if it is OLD; prints the old value\n"
"  reset INDEX            set to zero, printing the old value\n"
"  watch [INDEX...]       refresh values and rates (default: nonzero counters)\n"
"  create NAME            create a named counter (or open it); prints its index\n"
"                         (--striped: a striped counter, see below)\n"
"  lookup NAME            print a named counter's index\n"
"  delete NAME            delete a named counter\n"
"  export                 every named counter, in Prometheus text format\n"
"                         (node_exporter's textfile collector) or --json\n"
"  wait INDEX COND VALUE  block until the counter is eq, ne, ge or le VALUE;\n"
"                         prints the value that satisfied it\n"
"  bank COMMAND [ARGS]    run COMMAND with a new private bank: its descriptor\n"
"                         in $" AC_BANK_FD_ENV ", which atomic-counter and\n"
"                         every program's ac_open() use instead of the device\n"
"                         when $" AC_BANK_PID_ENV " is their PID (COMMAND's;\n"
"                         a script hands it on with VAR=$$ before an exec)\n"
"                         (--counters, --named, --striped-counters: its size)\n"
"\n"
"Options:\n"
"  -d, --device PATH      device node (default $ATOMIC_COUNTER_DEVICE or "
	AC_DEFAULT_DEVICE ")\n"
"  -b, --bank FD          the private bank at descriptor FD, inherited from a\n"
"                         parent (default $" AC_BANK_FD_ENV "; -d overrides it)\n"
"  -r, --relaxed          relaxed ordering\n"
"  -o, --ordered          fully ordered (the default; get is acquire, set release)\n"
"  -j, --json             JSON output\n"
"  -a, --all              list: every counter, zero or not\n"
"  -i, --interval SECS    watch: refresh period (default 1)\n"
"  -n, --count N          watch: stop after N refreshes\n"
"  -t, --timeout SECS     wait: give up after SECS seconds (exit status 124)\n"
"      --output FILE      write the output to FILE, replacing it only when\n"
"                         complete (a temporary file renamed into place)\n"
"  -s, --striped          create: a striped counter\n"
"      --counters N       bank: counters used by number (default 512)\n"
"      --named N          bank: counters allocated by name (default 512)\n"
"      --striped-counters N  bank: striped counters (default 64)\n"
"  -h, --help             this text\n"
"  -V, --version          version\n"
"\n"
"An INDEX may also be a counter's name. Numbers are decimal, or hex after\n"
"0x (never octal: 010 is ten). A striped counter (one slot per CPU, for counters many CPUs\n"
"update) takes get, add, inc and dec: get prints the sum of its slots, and\n"
"add, inc and dec print the sum read right after the update.\n"
"Exit status: 0 success, 1 the operation failed (or output could not be\n"
"written), 2 bad usage, 3 cmpxchg did not swap, 124 wait timed out;\n"
"bank: COMMAND's status, 126 or 127 when it could not be run.\n";

struct opts {
	const char *device;
	int bank_fd;		/* -1: none given */
	uint64_t bank_size[3];	/* bank: counters, named, striped; 0: default */
	int relaxed;
	int json;
	int all;
	double interval;
	long count;
	int striped;
	double timeout;		/* seconds; negative: for ever */
	const char *output;
};

/*
 * Decimal, or hex after "0x", with an optional minus sign; never octal,
 * so that 010 is ten. Return: 0, -EINVAL or -ERANGE.
 */
static int strict_s64(const char *s, int64_t *out)
{
	uint64_t v = 0, limit;
	unsigned int base = 10, d;
	int neg = *s == '-';

	s += neg;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base || v * base + d > limit)
			v = UINT64_MAX;	/* out of range, unless a bad character follows */
		else
			v = v * base + d;
	}
	if (v == UINT64_MAX)
		return -ERANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int parse_s64(const char *what, const char *s, int64_t *out)
{
	int ret = strict_s64(s, out);

	if (ret == -ERANGE)
		fprintf(stderr, "atomic-counter: bad %s '%s': out of range for a 64-bit integer\n",
			what, s);
	else if (ret)
		fprintf(stderr, "atomic-counter: bad %s '%s': not a 64-bit integer\n", what, s);
	return ret ? -1 : 0;
}

/* An index, or a name looked up in the module. Return: 0 or exit status. */
static int parse_index(const struct ac_dev *dev, const char *s, uint64_t *out)
{
	int ret = ac_resolve(dev, s, out);

	switch (ret) {
	case 0:
		return 0;
	case -ERANGE:
		fprintf(stderr, "atomic-counter: INDEX %s out of range: the bank has counters 0..%" PRIu64 "\n",
			s, ac_nr_total(dev) - 1);
		return EXIT_USAGE;
	case -ENOENT:
		fprintf(stderr, "atomic-counter: no counter named '%s' (atomic-counter create %s)\n", s, s);
		return EXIT_OPFAIL;
	case -EINVAL:
		fprintf(stderr, "atomic-counter: bad INDEX '%s': not a counter number or name\n", s);
		return EXIT_USAGE;
	default:
		fprintf(stderr, "atomic-counter: %s: %s\n", s, strerror(-ret));
		return EXIT_OPFAIL;
	}
}

/*
 * -EPROTO: the module loaded is not one this library can use, most often
 * an older one still loaded after an upgrade (DKMS installs the new one for
 * the next load).
 */
static int module_mismatch(const char *path)
{
	char ver[64] = "";
	FILE *f = fopen("/sys/module/atomic_counter/version", "r");

	if (f) {
		if (!fgets(ver, sizeof(ver), f))
			ver[0] = 0;
		ver[strcspn(ver, "\n")] = 0;
		fclose(f);
	}
	fprintf(stderr, "atomic-counter: %s: module %s loaded, library %s needs a module of the same version: reload it (modprobe -r atomic_counter && modprobe atomic_counter)\n",
		path, *ver ? ver : "of unknown version", ac_version());
	return EXIT_OPFAIL;
}

static int open_failed(const char *device, int err)
{
	const char *path = device ? device : secure_getenv("ATOMIC_COUNTER_DEVICE");

	if (!path || !*path)
		path = AC_DEFAULT_DEVICE;
	/* Only the default node's absence means the module is missing. */
	if (err == -ENOENT && !strcmp(path, AC_DEFAULT_DEVICE))
		fprintf(stderr, "atomic-counter: %s: module not loaded: modprobe atomic_counter\n", path);
	else if (err == -EACCES)
		fprintf(stderr, "atomic-counter: %s: permission denied: join the device's group (see atomic_counter(4))\n", path);
	else if (err == -EPROTO)
		return module_mismatch(path);
	else
		fprintf(stderr, "atomic-counter: %s: %s\n", path, strerror(-err));
	return EXIT_OPFAIL;
}

static int op_failed(const char *cmd, int err);

static int bank_failed(int fd, int err)
{
	if (err == -EBADF || err == -ENOTTY)
		fprintf(stderr, "atomic-counter: descriptor %d is not a bank's (atomic-counter bank COMMAND hands one down)\n",
			fd);
	else
		fprintf(stderr, "atomic-counter: bank at descriptor %d: %s\n", fd, strerror(-err));
	return EXIT_OPFAIL;
}

/*
 * bank COMMAND [ARGS]: a new private bank, its descriptor made inheritable
 * and named in the environment, then COMMAND in this process's place, as
 * env(1) runs one. The bank lives while COMMAND or anything it handed the
 * descriptor to holds it.
 */
static int cmd_bank(const struct opts *o, int nops, char **ops)
{
	struct ac_dev dev;
	char num[16], pid[16];
	int ret;

	if (nops < 1) {
		fprintf(stderr, "atomic-counter: bank needs a COMMAND to run with the bank\n");
		return EXIT_USAGE;
	}
	/* ac_bank_create() takes its device from there; so does COMMAND. */
	if (o->device && setenv("ATOMIC_COUNTER_DEVICE", o->device, 1))
		return op_failed("bank", -errno);
	ret = ac_bank_create(&dev, &(struct ac_bank_opts){
		.sz = sizeof(struct ac_bank_opts), .flags = AC_OPEN_NOMAP,
		.nr_counters = o->bank_size[0], .nr_named = o->bank_size[1],
		.nr_striped = o->bank_size[2],
	});
	if (ret == -EDQUOT) {
		fprintf(stderr, "atomic-counter: bank: over this user's budget for private banks (module parameter bank_bytes_per_user)\n");
		return EXIT_OPFAIL;
	}
	if (ret == -EINVAL) {
		fprintf(stderr, "atomic-counter: bank: a size out of range (at most %u counters a region)\n",
			ATOMIC_COUNTER_BANK_MAX);
		return EXIT_USAGE;
	}
	if (ret == -ENOTTY) {
		fprintf(stderr, "atomic-counter: bank: the module has no private banks (older than this tool)\n");
		return EXIT_OPFAIL;
	}
	if (ret)
		return open_failed(o->device, ret);
	snprintf(num, sizeof(num), "%d", dev.fd);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	/* COMMAND runs in this process's place: the PID is its own. */
	if (fcntl(dev.fd, F_SETFD, 0) || setenv(AC_BANK_FD_ENV, num, 1) ||
	    setenv(AC_BANK_PID_ENV, pid, 1)) {
		ret = -errno;
		ac_close(&dev);
		return op_failed("bank", ret);
	}
	fflush(stdout);
	execvp(ops[0], ops);
	ret = errno;
	fprintf(stderr, "atomic-counter: bank: %s: %s\n", ops[0], strerror(ret));
	ac_close(&dev);
	return ret == ENOENT ? 127 : 126;
}

static int op_failed(const char *cmd, int err)
{
	if (err == -EBADF)
		fprintf(stderr, "atomic-counter: %s: device opened read-only\n", cmd);
	else if (err == -EPERM)
		fprintf(stderr, "atomic-counter: %s: a kernel counter: userspace can only read it\n", cmd);
	else
		fprintf(stderr, "atomic-counter: %s: %s\n", cmd, strerror(-err));
	return EXIT_OPFAIL;
}

/*
 * A JSON string (RFC 8259, section 7): quotes, backslashes and control
 * characters escaped. Names are the module's, whose alphabet today needs
 * none of this; the output must stay JSON whatever a later module allows.
 */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/*
 * A Prometheus label value (text exposition format): backslash, double
 * quote and line feed escaped as \\, \" and \n, every other byte as is.
 */
static void prom_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_value(const struct opts *o, const char *key, uint64_t index, int64_t v)
{
	if (o->json)
		printf("{\"index\": %" PRIu64 ", \"%s\": %" PRId64 "}\n", index, key, v);
	else
		printf("%" PRId64 "\n", v);
}

static int cmd_info(const struct opts *o, const struct ac_dev *dev)
{
	const struct atomic_counter_info *i = ac_info(dev);

	if (o->json) {
		printf("{\"api\": %llu, \"version\": \"%s\", \"nr_counters\": %llu, \"map_size\": %llu, "
		       "\"batch_max\": %llu, \"cache_line_bytes\": %llu, \"features\": %llu, \"ops\": %llu, "
		       "\"named_first\": %llu, \"nr_named\": %llu, \"kernel_first\": %llu, \"nr_kernel\": %llu, "
		       "\"waiters_index\": %llu, \"nr_striped\": %llu, \"nr_stripes\": %llu, "
		       "\"nr_kernel_striped\": %llu, \"private\": %s}\n",
		       (unsigned long long)i->api, ac_version(), (unsigned long long)i->nr_counters,
		       (unsigned long long)i->map_size, (unsigned long long)i->batch_max,
		       (unsigned long long)i->cache_line_bytes, (unsigned long long)i->features,
		       (unsigned long long)i->ops, (unsigned long long)i->named_first,
		       (unsigned long long)i->nr_named, (unsigned long long)i->kernel_first,
		       (unsigned long long)i->nr_kernel, (unsigned long long)i->waiters_index,
		       (unsigned long long)i->nr_striped, (unsigned long long)i->nr_stripes,
		       (unsigned long long)i->nr_kernel_striped,
		       i->flags & ATOMIC_COUNTER_INFO_PRIVATE ? "true" : "false");
		return 0;
	}
	printf("api:              %llu\n", (unsigned long long)i->api);
	printf("bank:             %s\n",
	       i->flags & ATOMIC_COUNTER_INFO_PRIVATE ? "private" : "global");
	printf("tool version:     %s\n", ac_version());
	printf("counters:         %llu\n", (unsigned long long)i->nr_counters);
	printf("named counters:   %llu (from index %llu)\n", (unsigned long long)i->nr_named,
	       (unsigned long long)i->named_first);
	printf("kernel counters:  %llu (from index %llu, read-only)\n", (unsigned long long)i->nr_kernel,
	       (unsigned long long)i->kernel_first);
	printf("striped counters: %llu named, %llu for the kernel, %llu slots each\n",
	       (unsigned long long)i->nr_striped, (unsigned long long)i->nr_kernel_striped,
	       (unsigned long long)i->nr_stripes);
	printf("mapping size:     %llu bytes\n", (unsigned long long)i->map_size);
	printf("batch max:        %llu operations\n", (unsigned long long)i->batch_max);
	printf("cache line:       %llu bytes (%llu counters)\n",
	       (unsigned long long)i->cache_line_bytes,
	       (unsigned long long)i->cache_line_bytes / ATOMIC_COUNTER_SIZE);
	printf("features:        %s%s%s%s%s%s\n",
	       i->features & ATOMIC_COUNTER_FEATURE_MMAP ? " mmap" : "",
	       i->features & ATOMIC_COUNTER_FEATURE_BATCH ? " batch" : "",
	       i->features & ATOMIC_COUNTER_FEATURE_NAMES ? " names" : "",
	       i->features & ATOMIC_COUNTER_FEATURE_WAIT ? " wait" : "",
	       i->features & ATOMIC_COUNTER_FEATURE_STRIPED ? " striped" : "",
	       i->features & ATOMIC_COUNTER_FEATURE_BANKS ? " banks" : "");
	return 0;
}

/*
 * list and watch read the mapped bank; without it, one ioctl a counter. A
 * striped counter's value is the sum of its slots.
 */
static int read_counter(const struct ac_dev *dev, uint64_t index, int64_t *v)
{
	ac_counter_t *c = ac_counter(dev, index);
	ac_striped_t s;

	if (!ac_striped(dev, index, &s)) {
		*v = ac_striped_read(&s);
		return 0;
	}
	if (c) {
		*v = ac_read_acquire(c);
		return 0;
	}
	return ac_read_index(dev, index, v);
}

/*
 * The names of the named and kernel regions, indexed from named_first;
 * NULL for a counter without one. Free with free_names().
 */
static char **load_names(const struct ac_dev *dev)
{
	uint64_t first = dev->info.named_first, n = ac_nr_total(dev) - first;
	struct atomic_counter_name e;
	char **names = calloc(n, sizeof(*names));
	uint64_t from = 0;

	if (!names)
		return NULL;
	while (!ac_name_next(dev, from, &e) && e.index - first < n) {
		names[e.index - first] = strdup(e.name);
		from = e.index + 1;
	}
	return names;
}

static void free_names(const struct ac_dev *dev, char **names)
{
	uint64_t i;

	for (i = 0; names && i < ac_nr_total(dev) - dev->info.named_first; i++)
		free(names[i]);
	free(names);
}

static const char *name_of(const struct ac_dev *dev, char **names, uint64_t index)
{
	return index >= dev->info.named_first ? names[index - dev->info.named_first] : NULL;
}

static const char *owner_of(const struct ac_dev *dev, uint64_t index)
{
	return index >= dev->info.kernel_first ? "kernel" : "user";
}

static int cmd_list(const struct opts *o, const struct ac_dev *dev)
{
	char **names = load_names(dev);
	uint64_t i;
	int first = 1, ret;
	const char *name;
	int64_t v;

	if (!names)
		return op_failed("list", -ENOMEM);
	if (o->json)
		printf("[");
	for (i = 0; i < ac_nr_total(dev); i++) {
		if (ac_is_slot(dev, i))
			continue;
		ret = read_counter(dev, i, &v);
		if (ret) {
			free_names(dev, names);
			return op_failed("list", ret);
		}
		name = name_of(dev, names, i);
		if (!v && !name && !o->all)
			continue;
		if (o->json) {
			printf("%s{\"index\": %" PRIu64 ", \"value\": %" PRId64, first ? "" : ", ", i, v);
			if (name) {
				printf(", \"name\": ");
				json_string(stdout, name);
				printf(", \"owner\": \"%s\"", owner_of(dev, i));
			}
			printf("}");
		} else {
			printf("%6" PRIu64 " %20" PRId64 "%s%s\n", i, v, name ? " " : "", name ? name : "");
		}
		first = 0;
	}
	if (o->json)
		printf("]\n");
	free_names(dev, names);
	return 0;
}

/*
 * Prometheus text format: one gauge family, a sample per named counter,
 * labelled by name (and owner), never by index: a name deleted and created
 * again may get another index but is the same series.
 */
static int cmd_export(const struct opts *o, const struct ac_dev *dev)
{
	struct atomic_counter_name e;
	uint64_t from = 0;
	int first = 1, ret;
	int64_t v;

	if (o->json)
		printf("[");
	else
		printf("# HELP atomic_counter Value of a named /dev/atomic_counter counter.\n"
		       "# TYPE atomic_counter gauge\n");
	while (!(ret = ac_name_next(dev, from, &e))) {
		from = e.index + 1;
		ret = read_counter(dev, e.index, &v);
		if (ret)
			return op_failed("export", ret);
		if (o->json) {
			printf("%s{\"name\": ", first ? "" : ", ");
			json_string(stdout, e.name);
			printf(", \"index\": %" PRIu64 ", \"owner\": \"%s\", \"value\": %" PRId64 "}",
			       (uint64_t)e.index, owner_of(dev, e.index), v);
		} else {
			printf("atomic_counter{name=");
			prom_label(stdout, e.name);
			printf(",owner=\"%s\"} %" PRId64 "\n", owner_of(dev, e.index), v);
		}
		first = 0;
	}
	if (o->json)
		printf("]\n");
	return ret == -ENOENT ? 0 : op_failed("export", ret);
}

static int cmd_name(const struct opts *o, const struct ac_dev *dev, const char *cmd,
		    const char *name)
{
	uint64_t index = 0;
	uint32_t owner = 0;
	int ret;

	if (!strcmp(cmd, "create"))
		ret = ac_name_create(dev, name, o->striped ? ATOMIC_COUNTER_NAME_STRIPED : 0, &index,
				     NULL);
	else if (!strcmp(cmd, "lookup"))
		ret = ac_name_lookup(dev, name, &index, &owner, NULL);
	else
		ret = ac_name_delete(dev, name);
	if (ret == -EINVAL) {
		fprintf(stderr, "atomic-counter: bad NAME '%s': 1-%d characters of A-Z a-z 0-9 _ . : -, "
			"starting with a letter or _\n", name, ATOMIC_COUNTER_NAME_MAX - 1);
		return EXIT_USAGE;
	}
	if (ret == -ENOENT) {
		fprintf(stderr, "atomic-counter: no counter named '%s'\n", name);
		return EXIT_OPFAIL;
	}
	if (ret == -ENOSPC) {
		fprintf(stderr, "atomic-counter: create: every named %scounter is taken (module parameter %s)\n",
			o->striped ? "striped " : "", o->striped ? "nr_striped" : "nr_named");
		return EXIT_OPFAIL;
	}
	if (ret == -EEXIST) {
		fprintf(stderr, "atomic-counter: create: '%s' exists and is %sa striped counter\n",
			name, o->striped ? "not " : "");
		return EXIT_OPFAIL;
	}
	if (ret < 0)
		return op_failed(cmd, ret);
	if (o->json) {
		printf("{\"name\": ");
		json_string(stdout, name);
		if (!strcmp(cmd, "delete"))
			printf(", \"deleted\": true}\n");
		else
			printf(", \"index\": %" PRIu64 "}\n", index);
	} else if (strcmp(cmd, "delete")) {
		printf("%" PRIu64 "\n", index);
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_watch(const struct opts *o, const struct ac_dev *dev, int argc, char **argv)
{
	uint64_t nr = ac_nr_total(dev), i, *idx;
	int64_t *prev, *cur, v;
	size_t n = 0, k;
	long round;
	double t, last;
	int tty = isatty(STDOUT_FILENO);

	/* An index per argument (repeats allowed), or per counter to follow. */
	size_t max = argc > 0 ? (size_t)argc : nr;

	idx = calloc(max, sizeof(*idx));
	cur = calloc(max, sizeof(*cur));
	prev = calloc(nr, sizeof(*prev));
	if (!idx || !cur || !prev) {
		free(idx);
		free(cur);
		free(prev);
		return op_failed("watch", -ENOMEM);
	}
	for (k = 0; k < (size_t)argc; k++) {
		int ret = parse_index(dev, argv[k], &idx[n++]);

		if (ret) {
			free(idx);
			free(cur);
			free(prev);
			return ret;
		}
	}
	for (i = 0; i < nr; i++)
		read_counter(dev, i, &prev[i]);
	last = now();
	for (round = 0; !o->count || round < o->count; round++) {
		struct timespec ts = {
			.tv_sec = (time_t)o->interval,
			.tv_nsec = (long)((o->interval - (time_t)o->interval) * 1e9),
		};

		nanosleep(&ts, NULL);
		t = now();
		if (!argc) {	/* follow whatever is nonzero now */
			n = 0;
			for (i = 0; i < nr; i++) {
				if (ac_is_slot(dev, i))
					continue;
				read_counter(dev, i, &v);
				if (v)
					idx[n++] = i;
			}
		}
		/* A screen to redraw, not a stream of JSON objects. */
		if (tty && !o->json)
			printf("\033[H\033[J");
		if (!o->json)
			printf("%6s %20s %14s\n", "index", "value", "per second");
		for (k = 0; k < n; k++) {
			double rate;

			read_counter(dev, idx[k], &v);
			cur[k] = v;
			/* The change as the counter wraps: INT64_MAX to INT64_MIN is +1. */
			rate = (double)(int64_t)((uint64_t)v - (uint64_t)prev[idx[k]]) / (t - last);
			if (o->json)
				printf("{\"index\": %" PRIu64 ", \"value\": %" PRId64 ", \"rate\": %.1f}\n",
				       idx[k], v, rate);
			else
				printf("%6" PRIu64 " %20" PRId64 " %14.1f\n", idx[k], v, rate);
		}
		/* After the loop, so that a repeated index gets the same rate. */
		for (k = 0; k < n; k++)
			prev[idx[k]] = cur[k];
		fflush(stdout);
		last = t;
	}
	free(idx);
	free(cur);
	free(prev);
	return 0;
}

static int need_args(const char *cmd, int argc, int want)
{
	if (argc == want)
		return 0;
	fprintf(stderr, "atomic-counter: %s takes %d argument%s (see --help)\n",
		cmd, want, want == 1 ? "" : "s");
	return -1;
}

static const char *const cond_names[ATOMIC_COUNTER_NR_CONDS] = {
	[ATOMIC_COUNTER_COND_EQ] = "eq",
	[ATOMIC_COUNTER_COND_NE] = "ne",
	[ATOMIC_COUNTER_COND_GE] = "ge",
	[ATOMIC_COUNTER_COND_LE] = "le",
};

/* wait INDEX COND VALUE: the library's ac_wait(), with --timeout. */
static int cmd_wait(const struct opts *o, const struct ac_dev *dev, uint64_t index,
		    int argc, char **argv)
{
	int64_t value, seen = 0, ns = -1;
	uint32_t cond;
	int ret;

	if (need_args("wait", argc, 3))
		return EXIT_USAGE;
	for (cond = 0; cond < ATOMIC_COUNTER_NR_CONDS; cond++)
		if (!strcmp(argv[1], cond_names[cond]))
			break;
	if (cond == ATOMIC_COUNTER_NR_CONDS) {
		fprintf(stderr, "atomic-counter: bad COND '%s': want eq, ne, ge or le\n", argv[1]);
		return EXIT_USAGE;
	}
	if (parse_s64("VALUE", argv[2], &value))
		return EXIT_USAGE;
	/* The module decides GE alone on a sum read slot by slot (see ac_wait(3)). */
	if (ac_is_striped(dev, index) && cond != ATOMIC_COUNTER_COND_GE) {
		fprintf(stderr, "atomic-counter: wait: %s is a striped counter: it is waited on with ge only\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (o->timeout >= 0)
		ns = (int64_t)(o->timeout * 1e9);
	ret = ac_wait(dev, index, cond, value, ns, &seen);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "atomic-counter: wait: timed out\n");
		return EXIT_TIMEOUT;
	}
	if (ret)
		return op_failed("wait", ret);
	print_value(o, "value", index, seen);
	return 0;
}

/* An INDEX that is a number must be a well-formed one; a name is the module's to judge. */
static int check_index_syntax(const char *s)
{
	int64_t v;

	if (*s >= '0' && *s <= '9' && strict_s64(s, &v) == -EINVAL) {
		fprintf(stderr, "atomic-counter: bad INDEX '%s': not a counter number or name\n", s);
		return EXIT_USAGE;
	}
	return 0;	/* too big for 64 bits: out of range, said with the bank's size */
}

/*
 * Every usage error that needs no device, found before opening it, so that
 * a typo is exit status 2 whether or not the module is loaded. What needs
 * the device (an index's range, a name's existence or spelling, whether a
 * counter is striped) is checked after; run_command() parses again what it
 * uses. Return: 0 or EXIT_USAGE.
 */
static int check_usage(const char *cmd, int argc, char **argv)
{
	int64_t v;
	int k, nargs;
	uint32_t cond;

	if (!strcmp(cmd, "info") || !strcmp(cmd, "list") || !strcmp(cmd, "export"))
		return need_args(cmd, argc, 0) ? EXIT_USAGE : 0;
	if (!strcmp(cmd, "create") || !strcmp(cmd, "lookup") || !strcmp(cmd, "delete"))
		return need_args(cmd, argc, 1) ? EXIT_USAGE : 0;
	if (!strcmp(cmd, "bank"))
		return 0;	/* COMMAND's arguments are COMMAND's */
	if (!strcmp(cmd, "watch")) {
		for (k = 0; k < argc; k++)
			if (check_index_syntax(argv[k]))
				return EXIT_USAGE;
		return 0;
	}
	if (argc < 1) {
		fprintf(stderr, "atomic-counter: %s needs an INDEX (see --help)\n", cmd);
		return EXIT_USAGE;
	}
	if (check_index_syntax(argv[0]))
		return EXIT_USAGE;
	if (!strcmp(cmd, "get") || !strcmp(cmd, "inc") || !strcmp(cmd, "dec") ||
	    !strcmp(cmd, "reset"))
		nargs = 1;
	else if (!strcmp(cmd, "cmpxchg") || !strcmp(cmd, "wait"))
		nargs = 3;
	else
		nargs = 2;	/* set, add, xchg */
	if (need_args(cmd, argc, nargs))
		return EXIT_USAGE;
	if (!strcmp(cmd, "cmpxchg"))
		return parse_s64("OLD", argv[1], &v) || parse_s64("NEW", argv[2], &v) ? EXIT_USAGE : 0;
	if (!strcmp(cmd, "wait")) {
		for (cond = 0; cond < ATOMIC_COUNTER_NR_CONDS; cond++)
			if (!strcmp(argv[1], cond_names[cond]))
				break;
		if (cond == ATOMIC_COUNTER_NR_CONDS) {
			fprintf(stderr, "atomic-counter: bad COND '%s': want eq, ne, ge or le\n", argv[1]);
			return EXIT_USAGE;
		}
		return parse_s64("VALUE", argv[2], &v) ? EXIT_USAGE : 0;
	}
	if (nargs == 2)
		return parse_s64("VALUE", argv[1], &v) ? EXIT_USAGE : 0;
	return 0;
}

/* One ioctl, its result printed; the ordering is the user's choice. */
static int run_op(const struct opts *o, const struct ac_dev *dev, const char *cmd,
		  uint64_t index, uint32_t op, ac_order_t order, int64_t value,
		  int64_t expected, const char *key)
{
	int64_t r;
	int ret = ac_op(dev, index, op, order, value, expected, &r);

	if (ret)
		return op_failed(cmd, ret);
	if (key)
		print_value(o, key, index, r);
	return 0;
}

/*
 * A striped counter through the ioctl: the update goes to this CPU's slot
 * and returns nothing, so the value printed is the sum read after it.
 */
static int run_striped(const struct opts *o, const struct ac_dev *dev, const char *cmd,
		       uint64_t index, int argc, char **argv)
{
	ac_order_t order = o->relaxed ? AC_RELAXED : AC_FULL;
	uint32_t op;
	int64_t a = 0, v;
	int ret;

	if (!strcmp(cmd, "add")) {
		if (need_args(cmd, argc, 2) || parse_s64("VALUE", argv[1], &a))
			return EXIT_USAGE;
		op = ATOMIC_COUNTER_OP_ADD;
	} else if (!strcmp(cmd, "inc") || !strcmp(cmd, "dec") || !strcmp(cmd, "get")) {
		if (need_args(cmd, argc, 1))
			return EXIT_USAGE;
		op = !strcmp(cmd, "inc") ? ATOMIC_COUNTER_OP_INC :
		     !strcmp(cmd, "dec") ? ATOMIC_COUNTER_OP_DEC : ATOMIC_COUNTER_OP_READ;
	} else {
		fprintf(stderr, "atomic-counter: %s: %s is a striped counter: it takes get, add, inc and dec\n",
			cmd, argv[0]);
		return EXIT_USAGE;
	}
	if (op != ATOMIC_COUNTER_OP_READ) {
		ret = ac_op_striped(dev, index, op, order, a, NULL);
		if (ret)
			return op_failed(cmd, ret);
	}
	ret = ac_op_striped(dev, index, ATOMIC_COUNTER_OP_READ,
			    o->relaxed ? AC_RELAXED : AC_ACQUIRE, 0, &v);
	if (ret)
		return op_failed(cmd, ret);
	print_value(o, "value", index, v);
	return 0;
}

static int run_command(const struct opts *o, const struct ac_dev *dev, const char *cmd,
		       int argc, char **argv)
{
	ac_order_t full = o->relaxed ? AC_RELAXED : AC_FULL;
	uint64_t index = 0;
	int64_t a = 0, b = 0, old;
	int ret;

	if (!strcmp(cmd, "info"))
		return need_args(cmd, argc, 0) ? EXIT_USAGE : cmd_info(o, dev);
	if (!strcmp(cmd, "list"))
		return need_args(cmd, argc, 0) ? EXIT_USAGE : cmd_list(o, dev);
	if (!strcmp(cmd, "watch"))
		return cmd_watch(o, dev, argc, argv);
	if (!strcmp(cmd, "export"))
		return need_args(cmd, argc, 0) ? EXIT_USAGE : cmd_export(o, dev);
	if (!strcmp(cmd, "create") || !strcmp(cmd, "lookup") || !strcmp(cmd, "delete"))
		return need_args(cmd, argc, 1) ? EXIT_USAGE : cmd_name(o, dev, cmd, argv[0]);

	if (argc < 1) {
		fprintf(stderr, "atomic-counter: %s needs an INDEX (see --help)\n", cmd);
		return EXIT_USAGE;
	}
	ret = parse_index(dev, argv[0], &index);
	if (ret)
		return ret;
	if (!strcmp(cmd, "wait"))
		return cmd_wait(o, dev, index, argc, argv);
	if (ac_is_striped(dev, index))
		return run_striped(o, dev, cmd, index, argc, argv);
	if (!strcmp(cmd, "get"))
		return need_args(cmd, argc, 1) ? EXIT_USAGE :
		       run_op(o, dev, cmd, index, ATOMIC_COUNTER_OP_READ,
			      o->relaxed ? AC_RELAXED : AC_ACQUIRE,
			      0, 0, "value");
	if (!strcmp(cmd, "inc") || !strcmp(cmd, "dec") || !strcmp(cmd, "reset")) {
		if (need_args(cmd, argc, 1))
			return EXIT_USAGE;
		if (!strcmp(cmd, "reset"))
			return run_op(o, dev, cmd, index, ATOMIC_COUNTER_OP_XCHG, full, 0, 0, "old");
		return run_op(o, dev, cmd, index, !strcmp(cmd, "inc") ?
			      ATOMIC_COUNTER_OP_INC_RETURN : ATOMIC_COUNTER_OP_DEC_RETURN,
			      full, 0, 0, "value");
	}
	if (!strcmp(cmd, "set") || !strcmp(cmd, "add") || !strcmp(cmd, "xchg")) {
		if (need_args(cmd, argc, 2) || parse_s64("VALUE", argv[1], &a))
			return EXIT_USAGE;
		if (!strcmp(cmd, "set")) {
			/* Silent as shell commands are, but --json always says what it did. */
			ret = run_op(o, dev, cmd, index, ATOMIC_COUNTER_OP_SET,
				     o->relaxed ? AC_RELAXED : AC_RELEASE, a, 0, NULL);
			if (!ret && o->json)
				print_value(o, "value", index, a);
			return ret;
		}
		if (!strcmp(cmd, "add"))
			return run_op(o, dev, cmd, index, ATOMIC_COUNTER_OP_ADD_RETURN, full,
				      a, 0, "value");
		return run_op(o, dev, cmd, index, ATOMIC_COUNTER_OP_XCHG, full, a, 0, "old");
	}
	if (!strcmp(cmd, "cmpxchg")) {
		if (need_args(cmd, argc, 3) || parse_s64("OLD", argv[1], &a) ||
		    parse_s64("NEW", argv[2], &b))
			return EXIT_USAGE;
		ret = ac_op(dev, index, ATOMIC_COUNTER_OP_CMPXCHG, full, b, a, &old);
		if (ret)
			return op_failed(cmd, ret);
		if (o->json)
			printf("{\"index\": %" PRIu64 ", \"old\": %" PRId64 ", \"swapped\": %s}\n",
			       index, old, old == a ? "true" : "false");
		else
			printf("%" PRId64 "\n", old);
		return old == a ? 0 : EXIT_NOSWAP;
	}
	fprintf(stderr, "atomic-counter: unknown command '%s' (see --help)\n", cmd);
	return EXIT_USAGE;
}

static int is_command(const char *cmd)
{
	static const char *const cmds[] = {
		"info", "list", "get", "set", "add", "inc", "dec", "xchg",
		"cmpxchg", "reset", "watch", "create", "lookup", "delete", "export",
		"wait", "bank",
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i]))
			return 1;
	return 0;
}

static int read_only_command(const char *cmd)
{
	return !strcmp(cmd, "info") || !strcmp(cmd, "list") || !strcmp(cmd, "get") ||
	       !strcmp(cmd, "watch") || !strcmp(cmd, "lookup") || !strcmp(cmd, "export") ||
	       !strcmp(cmd, "wait");
}

/* A number of seconds within [@min, @max]; NaN and infinities are refused. */
static int parse_seconds(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "atomic-counter: bad %s '%s': want seconds from %g to %g\n",
			opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * The option getopt_long() stopped at. For a short one, optopt: in a
 * bundle ("-xr") argv[optind - 1] is not the one at fault. A long one has
 * always been stepped over (its value can only be missing at the end).
 */
static const char *option_name(char **argv, char buf[3])
{
	const char *arg = argv[optind - 1];

	if (optopt && strncmp(arg, "--", 2)) {
		buf[0] = '-';
		buf[1] = (char)optopt;
		buf[2] = '\0';
		return buf;
	}
	return arg;
}

enum { OPT_OUTPUT = 256, OPT_COUNTERS, OPT_NAMED, OPT_STRIPED_COUNTERS };

/* The bank's size options, in the order of their OPT_ values. */
static const char *const size_opts[] = { "--counters", "--named", "--striped-counters" };

/*
 * Options may come before the command and right after it ("list --all");
 * parsing stops at the first operand, so that "add 40 -100" subtracts.
 * Return: -1 to go on, or the exit status.
 */
static int parse_options(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "relaxed", no_argument, NULL, 'r' },
		{ "ordered", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "striped", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "bank", required_argument, NULL, 'b' },
		{ "counters", required_argument, NULL, OPT_COUNTERS },
		{ "named", required_argument, NULL, OPT_NAMED },
		{ "striped-counters", required_argument, NULL, OPT_STRIPED_COUNTERS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char name[3];
	int64_t n;
	int c;

	opterr = 0;	/* our own messages, named after the tool, not argv[0] */
	while ((c = getopt_long(argc, argv, "+:d:b:rojai:n:st:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = optarg;
			break;
		case 'b':
			if (strict_s64(optarg, &n) || n < 0 || n > INT_MAX) {
				fprintf(stderr, "atomic-counter: bad --bank '%s': want a file descriptor number\n", optarg);
				return EXIT_USAGE;
			}
			o->bank_fd = (int)n;
			break;
		case OPT_COUNTERS:
		case OPT_NAMED:
		case OPT_STRIPED_COUNTERS:
			if (strict_s64(optarg, &n) || n <= 0) {
				/* Named by the option, not argv: "--counters=x" and "--counters x" alike. */
				fprintf(stderr, "atomic-counter: bad %s '%s': want a positive number of counters\n",
					size_opts[c - OPT_COUNTERS], optarg);
				return EXIT_USAGE;
			}
			o->bank_size[c - OPT_COUNTERS] = (uint64_t)n;
			break;
		case 'r':
			o->relaxed = 1;
			break;
		case 'o':
			o->relaxed = 0;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'a':
			o->all = 1;
			break;
		case 'i':
			if (parse_seconds("--interval", optarg, INTERVAL_MIN, INTERVAL_MAX,
					  &o->interval))
				return EXIT_USAGE;
			break;
		case 'n':
			if (strict_s64(optarg, &n) || n <= 0 || n > LONG_MAX) {
				fprintf(stderr, "atomic-counter: bad --count '%s': want a positive number\n", optarg);
				return EXIT_USAGE;
			}
			o->count = (long)n;
			break;
		case 's':
			o->striped = 1;
			break;
		case 't':
			/* INT64_MAX nanoseconds is 292 years: any longer is for ever. */
			if (parse_seconds("--timeout", optarg, 0, 9e9, &o->timeout))
				return EXIT_USAGE;
			break;
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("atomic-counter %s\n", ac_version());
			return 0;
		case ':':
			fprintf(stderr, "atomic-counter: option '%s' needs a value (see --help)\n",
				option_name(argv, name));
			return EXIT_USAGE;
		default:
			fprintf(stderr, "atomic-counter: unknown option '%s' (see --help)\n",
				option_name(argv, name));
			return EXIT_USAGE;
		}
	}
	return -1;
}

/*
 * --output FILE: stdout goes to a temporary file beside FILE, renamed over
 * it only when everything was written (finish_output()), so that a reader
 * such as node_exporter's textfile collector never sees half a file.
 * Return: 0 or exit status; *@tmp is set to the temporary file's name.
 */
static int start_output(const char *file, char **tmp)
{
	mode_t mask;
	int fd;

	if (asprintf(tmp, "%s.XXXXXX", file) < 0) {
		*tmp = NULL;
		return op_failed("--output", -ENOMEM);
	}
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "atomic-counter: %s: %s\n", file, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return EXIT_OPFAIL;
	}
	/* mkstemp makes it 0600; the file is for others to read, as a new file would be. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || dup2(fd, STDOUT_FILENO) < 0) {
		fprintf(stderr, "atomic-counter: %s: %s\n", *tmp, strerror(errno));
		close(fd);
		return EXIT_OPFAIL;
	}
	close(fd);
	return 0;
}

/*
 * Every byte written, or a failure (as util-linux's close_stdout): a full
 * disk or /dev/full must not exit 0. Then --output's file is renamed into
 * place on success, removed otherwise. Return: the exit status.
 */
static int finish_output(int ret, const char *file, char *tmp)
{
	int err = 0;

	if (fflush(stdout) || ferror(stdout))
		err = errno ? errno : EIO;
	else if (tmp && fsync(STDOUT_FILENO))
		err = errno;
	if (fclose(stdout) && !err)
		err = errno;
	/* A reader that went away (| head) is no failure of ours. */
	if (err && err != EPIPE) {
		fprintf(stderr, "atomic-counter: write error: %s\n", strerror(err));
		if (!ret)
			ret = EXIT_OPFAIL;
	}
	if (tmp) {
		if (!ret && rename(tmp, file)) {
			fprintf(stderr, "atomic-counter: %s: %s\n", file, strerror(errno));
			ret = EXIT_OPFAIL;
		}
		if (ret)
			unlink(tmp);
		free(tmp);
	}
	return ret;
}

static int run(int argc, char **argv, struct opts *o, char **tmp)
{
	struct ac_dev dev;
	const char *cmd;
	char **ops;
	int nops, ret;

	ret = parse_options(argc, argv, o);
	if (ret >= 0)
		return ret;
	if (optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (!is_command(cmd)) {
		fprintf(stderr, "atomic-counter: unknown command '%s' (see --help)\n", cmd);
		return EXIT_USAGE;
	}
	/* Again, for the options that follow the command. */
	argc -= optind;
	argv += optind;
	optind = 1;
	ret = parse_options(argc, argv, o);
	if (ret >= 0)
		return ret;
	ops = argv + optind;
	nops = argc - optind;
	/*
	 * And once more after wait's three operands, for "wait 42 ge -5
	 * --timeout 1": VALUE may be negative, so only there. getopt skips
	 * its argv[0], here VALUE.
	 */
	if (!strcmp(cmd, "wait") && nops > 3) {
		optind = 1;
		ret = parse_options(nops - 2, ops + 2, o);
		if (ret >= 0)
			return ret;
		if (optind != nops - 2) {	/* an operand after those options */
			need_args(cmd, nops, 3);
			return EXIT_USAGE;
		}
		nops = 3;
	}
	/* A watch without an end is stopped by a signal: its file would never be renamed. */
	if (o->output && !strcmp(cmd, "watch") && !o->count) {
		fprintf(stderr, "atomic-counter: --output needs watch --count N\n");
		return EXIT_USAGE;
	}
	ret = check_usage(cmd, nops, ops);
	if (ret)
		return ret;
	if (!strcmp(cmd, "bank"))
		return cmd_bank(o, nops, ops);
	if (o->bank_fd >= 0 && !o->device) {
		ret = ac_reopen(&dev, o->bank_fd,
				read_only_command(cmd) ? AC_OPEN_READONLY : AC_OPEN_NOMAP);
		if (ret)
			return bank_failed(o->bank_fd, ret);
	} else {
		ret = ac_open(&dev, o->device,
			      read_only_command(cmd) ? AC_OPEN_READONLY : AC_OPEN_NOMAP);
		if (ret)
			return open_failed(o->device, ret);
	}
	if (o->output) {
		ret = start_output(o->output, tmp);
		if (ret) {
			ac_close(&dev);
			return ret;
		}
	}
	ret = run_command(o, &dev, cmd, nops, ops);
	ac_close(&dev);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { .interval = 1.0, .timeout = -1, .bank_fd = -1 };
	char *tmp = NULL;
	int ret = run(argc, argv, &o, &tmp);

	return finish_output(ret, o.output, tmp);
}
