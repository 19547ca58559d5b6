#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A lane proves nothing unless it can fail: for LANE, load the planted bug
# each of its checkers exists for and require the run to fail with that
# report in the kept log. On the cloud lane, also require a hung guest to
# fail at the time limit instead of stalling the run.
#
# usage: harness-test.sh LANE   (after lane_setup; reads LANE_* from env)
set -u
lane=${1:?usage: harness-test.sh LANE}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lanes.sh
. "$here/lanes.sh"
work=$(mktemp -d /tmp/acharness.XXXXXX)
trap 'rm -rf "$work"' EXIT
export VM_LOGDIR=$work/logs VM_KERNEL=$LANE_KERNEL VM_MACHINE=$LANE_MACHINE VM_APPEND=$LANE_APPEND

cp "$here/planted/planted.c" "$here/planted/Kbuild" "$work/"
if ! make -s -C "$LANE_KDIR" M="$work" modules >"$work/build.log" 2>&1; then
	echo "not ok $lane.harness.planted_module_builds"
	sed 's/^/#   /' "$work/build.log"
	exit 0
fi
echo 'true' >"$work/true.sh"
for bug in $LANE_BUGS; do
	report=$(planted_report "$bug")
	"$here/run-vm.sh" -n "$bug" -c 2 -t 120 -p "bug=$bug" -m "$work/planted.ko" \
		"$work/true.sh" >"$work/$bug.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'kernel log has reports' "$work/$bug.out" &&
	   grep -q "$report" "$VM_LOGDIR/$bug.log"; then
		echo "ok $lane.harness.planted_${bug}_is_caught"
	else
		echo "not ok $lane.harness.planted_${bug}_is_caught # want '$report'"
		sed 's/^/#   /' "$work/$bug.out" | tail -n 20
	fi
done

[ "$lane" = cloud ] || exit 0
echo 'echo hanging; sleep 1000' >"$work/hang.sh"
start=$(date +%s)
"$here/run-vm.sh" -n hang -t 15 "$work/hang.sh" >"$work/hang.out" 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ $rc -ne 0 ] && [ $took -lt 25 ] && grep -q 'did not finish within 15s' "$work/hang.out" &&
   [ -s "$VM_LOGDIR/hang.log" ]; then
	echo "ok $lane.harness.hung_guest_fails_at_the_time_limit # ${took}s"
else
	echo "not ok $lane.harness.hung_guest_fails_at_the_time_limit # status $rc after ${took}s"
	sed 's/^/#   /' "$work/hang.out"
fi
