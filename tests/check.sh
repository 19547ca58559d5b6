#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make check: the host-side checks, each one TAP line, then every selftest
# in a QEMU guest running Debian's kernel; closes with "N passed, N failed".
# Called by the Makefile with its make command as $1; VM_KERNEL, VM_CPUS and
# the other knobs come from the environment the Makefile exports.
set -u
make=${1:-make}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=$top/build
logs=$build/check
rm -rf "$logs"
mkdir -p "$logs"
n=0

# step NAME COMMAND...: run a host check quietly, keep its output on failure.
step() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$logs/$name.log" 2>&1; then
		echo "ok $n host.$name"
	else
		echo "not ok $n host.$name"
		sed 's/^/#   /' "$logs/$name.log" | tail -n 40
		echo "#   (full output: $logs/$name.log)"
	fi
}

# Fails on any compiler or sparse diagnostic, not only on errors.
no_diagnostics() {
	local out
	out=$("$@" 2>&1)
	local rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 0 ] || return 1
	! printf '%s\n' "$out" | grep -E 'warning:|error:|: note:'
}

ksrc=$(scripts/kernel-files.sh) || exit 1
vm_kdir=$($make -s --no-print-directory print-VM_KDIR)
vmmod=$($make -s --no-print-directory print-VMMOD)

{
	step build-module no_diagnostics $make -s vm-module
	step build-userspace no_diagnostics $make -s userspace
	step build-selftests no_diagnostics $make -s selftests
	# shellcheck disable=SC2046
	step checkpatch "$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet -f \
		$(ls kmod/*.[ch] tests/vm/planted/*.c | grep -v '\.mod\.c$') \
		uapi/linux/atomic_counter.h
	step man-pages no_diagnostics sh -c 'for m in man/*.[0-9]; do groff -man -ww -z "$m" || exit 1; done'
	step sparse no_diagnostics $make -s -C "$vm_kdir" M="$vmmod" C=2 modules
	tests/vm/harness-test.sh "$make"
	# A bank of more than one page, so that windows at an offset are tested.
	tests/vm/run-vm.sh -c "${CHECK_CPUS:-4}" -n selftests -p nr_counters=1000 \
		-m "$vmmod/kmod/atomic_counter.ko" -f tests/run-tests.sh \
		-f "$build/static/atomic-counter" \
		$(for t in "$build"/tests/*; do printf -- '-f %s ' "$t"; done) \
		tests/vm/selftests.sh
} 2>&1 | tests/summarize.sh | tee "$logs/all.log"
exit "${PIPESTATUS[1]}"
