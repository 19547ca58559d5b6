#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The VM harness must be able to fail: a module that warns at load, and a
# guest that hangs, each have to make run-vm.sh fail (the log kept), and the
# hang has to end at the time limit instead of stalling the run.
set -u
make=${1:-make}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/acharness.XXXXXX)
trap 'rm -rf "$work"' EXIT
vm_kdir=$($make -s --no-print-directory -C "$here/../.." print-VM_KDIR)
export VM_LOGDIR=$work/logs

cp "$here/planted/planted_warn.c" "$here/planted/Kbuild" "$work/"
if ! $make -s -C "$vm_kdir" M="$work" modules >"$work/build.log" 2>&1; then
	echo "not ok harness.planted_module_builds"
	sed 's/^/#   /' "$work/build.log"
	exit 0
fi
echo 'true' >"$work/true.sh"
"$here/run-vm.sh" -n warn -m "$work/planted_warn.ko" "$work/true.sh" >"$work/warn.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'kernel log has reports' "$work/warn.out" &&
   grep -q 'WARNING:' "$VM_LOGDIR/warn.log"; then
	echo "ok harness.kernel_warning_fails_the_run_and_keeps_the_log"
else
	echo "not ok harness.kernel_warning_fails_the_run_and_keeps_the_log"
	sed 's/^/#   /' "$work/warn.out"
fi

echo 'echo hanging; sleep 1000' >"$work/hang.sh"
start=$(date +%s)
"$here/run-vm.sh" -n hang -t 15 "$work/hang.sh" >"$work/hang.out" 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ $rc -ne 0 ] && [ $took -lt 25 ] && grep -q 'did not finish within 15s' "$work/hang.out" &&
   [ -s "$VM_LOGDIR/hang.log" ]; then
	echo "ok harness.hung_guest_fails_at_the_time_limit # ${took}s"
else
	echo "not ok harness.hung_guest_fails_at_the_time_limit # rc $rc after ${took}s"
	sed 's/^/#   /' "$work/hang.out"
fi
