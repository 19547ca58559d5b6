#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run every selftest binary in DIR (in the guest, or on a real box with the
# module loaded) and print their TAP output. A binary that dies without
# reporting its own failure gets a "not ok" line here, so a crash is never
# mistaken for a pass.
dir=${1:?usage: run-tests.sh DIR}
out=${TMPDIR:-/tmp}/ac-test.$$
status=0
for t in "$dir"/*_test "$dir"/*_test_32 "$dir"/*_test.sh; do
	[ -x "$t" ] || continue
	# A private bank handed down (atomic-counter bank run-tests.sh) is the
	# library's only in the process $ATOMIC_COUNTER_BANK_PID names: each
	# test's, through a shell that execs it.
	if [ -n "${ATOMIC_COUNTER_BANK_FD:-}" ]; then
		sh -c 'export ATOMIC_COUNTER_BANK_PID=$$; exec "$0"' "$t" >"$out" 2>&1
	else
		"$t" >"$out" 2>&1
	fi
	rc=$?
	cat "$out"
	case $rc in
	0 | 4) ;;
	*)
		status=1
		grep -q '^not ok' "$out" || echo "not ok $(basename "$t") # exited with status $rc"
		;;
	esac
done
rm -f "$out"
exit $status
