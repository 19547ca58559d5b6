#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Read TAP lines (from the selftests, the VM harness and the host checks) on
# stdin, echo them, and close with "N passed, N failed[, N skipped]".
# Exits 1 when anything failed or nothing ran.
set -u
pass=0 fail=0 skip=0
while IFS= read -r line; do
	printf '%s\n' "$line"
	case $line in
	"not ok "*) fail=$((fail + 1)) ;;
	"ok "*"# SKIP"*) skip=$((skip + 1)) ;;
	"ok "*) pass=$((pass + 1)) ;;
	esac
done
summary="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && summary="$summary, $skip skipped"
echo "$summary"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
