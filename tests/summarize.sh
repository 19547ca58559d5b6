#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Read TAP lines (from the selftests, the VM harness and the host checks) on
# stdin, echo them, and close with "N passed, N failed[, N skipped]".
# Before that, for each kernel lane ("# lane NAME: ..." lines), how many
# guests it booted and how many of those the kernel reported something in
# during its own boot (run-vm.sh's "# vm: RUN: boot N: ..." lines; the
# harness's simulated reports are not counted): a kernel bug that recurs
# shows here even though it fails nothing.
# The failed lines are repeated just above the totals, so that the tail of
# a long run (all that a CI log may keep) says what failed.
# Exits 1 when anything failed or nothing ran.
set -u
pass=0 fail=0 skip=0
failed=()
lane=
lanes=()
declare -A boots=() reported=()
boot_re='^# vm: [^ ]+: boot [0-9]+: '
while IFS= read -r line; do
	printf '%s\n' "$line"
	case $line in
	"not ok "*)
		fail=$((fail + 1))
		failed+=("$line")
		;;
	"ok "*"# SKIP"*) skip=$((skip + 1)) ;;
	"ok "*) pass=$((pass + 1)) ;;
	"# lane "*": "*)
		lane=${line#"# lane "}
		lane=${lane%%:*}
		if [ -z "${boots[$lane]+set}" ]; then
			lanes+=("$lane")
			boots[$lane]=0 reported[$lane]=0
		fi
		;;
	"# vm: "*)
		if [ -n "$lane" ] && [[ $line =~ $boot_re ]]; then
			boots[$lane]=$((boots[$lane] + 1))
			if [[ $line =~ ${boot_re}boot-time\ kernel\ report ]]; then
				reported[$lane]=$((reported[$lane] + 1))
			fi
		fi
		;;
	esac
done
for lane in "${lanes[@]}"; do
	echo "# lane $lane: ${boots[$lane]} boots, ${reported[$lane]} with a boot-time kernel report"
done
if [ "$fail" -gt 0 ]; then
	echo "# failed:"
	printf '#   %s\n' "${failed[@]}"
fi
summary="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && summary="$summary, $skip skipped"
echo "$summary"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
