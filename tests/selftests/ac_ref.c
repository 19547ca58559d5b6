// SPDX-License-Identifier: MIT
/*
 * ac-ref: the C library's answers, for the Rust and Go bindings' lane tests
 * (tests/bindings/) to compare theirs with, on the same counters. Opens the
 * bank as ac_open() does (a bank handed down through
 * $ATOMIC_COUNTER_BANK_FD included), then reads one request a line on
 * stdin and answers one line on stdout, "ok VALUE" or "err ERRNO":
 *   op INDEX OPCODE ORDER VALUE EXPECTED   ac_op(), "ok RESULT AFTER" with
 *                                          the value ac_read_index() reads
 *                                          just after it
 *   read INDEX                             ac_read_index()
 *   create NAME                            ac_name_create(): the index
 *   openfd FD                              ac_open_fd() of a descriptor
 *   closed INDEX                           ac_op(ADD) on a closed handle
 * Not a test itself (no _test suffix: run-tests.sh does not run it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <atomic_counter.h>

static void answer(int ret, int64_t v)
{
	if (ret < 0)
		printf("err %d\n", -ret);
	else
		printf("ok %" PRId64 "\n", v);
	fflush(stdout);
}

int main(void)
{
	struct ac_dev dev;
	char line[256], name[64];
	int ret = ac_open(&dev, NULL, 0);

	answer(ret, 0);
	if (ret < 0)
		return 1;
	while (fgets(line, sizeof(line), stdin)) {
		uint64_t index;
		uint32_t op, order;
		int64_t value, expected, result = 0;
		int fd;

		if (sscanf(line, "op %" SCNu64 " %" SCNu32 " %" SCNu32 " %" SCNd64 " %" SCNd64,
			   &index, &op, &order, &value, &expected) == 5) {
			int64_t after = 0;

			ret = ac_op(&dev, index, op, AC_ORDER(order), value, expected, &result);
			if (ret >= 0)
				ret = ac_read_index(&dev, index, &after);
			if (ret < 0)
				answer(ret, 0);
			else
				printf("ok %" PRId64 " %" PRId64 "\n", result, after);
			fflush(stdout);
		} else if (sscanf(line, "read %" SCNu64, &index) == 1) {
			ret = ac_read_index(&dev, index, &result);
			answer(ret, result);
		} else if (sscanf(line, "create %63s", name) == 1) {
			ret = ac_name_create(&dev, name, 0, &index, NULL);
			answer(ret, (int64_t)index);
		} else if (sscanf(line, "openfd %d", &fd) == 1) {
			struct ac_dev other;

			ret = ac_open_fd(&other, fd, 0);
			if (ret >= 0)
				ac_close(&other);
			answer(ret, 0);
		} else if (sscanf(line, "closed %" SCNu64, &index) == 1) {
			struct ac_dev other;

			ret = ac_open(&other, NULL, AC_OPEN_NOMAP);
			if (ret >= 0) {
				ac_close(&other);
				ret = ac_op(&other, index, ATOMIC_COUNTER_OP_ADD, AC_RELAXED, 1, 0, NULL);
			}
			answer(ret, 0);
		} else {
			answer(-EINVAL, 0);
		}
	}
	ac_close(&dev);
	return 0;
}
