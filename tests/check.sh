#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make check: the host-side checks, each one TAP line, then on every kernel
# lane (LANES, default "cloud rt kasan kcsan"): the module built against
# it, proof that the lane's checkers catch a planted bug, and every selftest
# and a bounded fuzz run in a QEMU guest. Closes with "N passed, N failed".
# Called by the Makefile with its make command as $1.
set -u
make=${1:-make}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=$top/build
logs=$build/check
rm -rf "$logs"
mkdir -p "$logs"
# shellcheck source=tests/vm/lanes.sh
. tests/vm/lanes.sh

# step NAME COMMAND...: run a host check quietly, keep its output on failure.
step() {
	local name=$1
	shift
	if "$@" >"$logs/$name.log" 2>&1; then
		echo "ok host.$name"
	else
		echo "not ok host.$name"
		sed 's/^/#   /' "$logs/$name.log" | tail -n 40
		echo "#   (full output: $logs/$name.log)"
	fi
}

# Fails on any compiler or sparse diagnostic, not only on errors.
no_diagnostics() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 0 ] || return 1
	! printf '%s\n' "$out" | grep -E 'warning:|error:|: note:'
}

checkpatch_all() {
	local ksrc
	ksrc=$(scripts/kernel-files.sh) || return 1
	# shellcheck disable=SC2046
	"$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet -f \
		$(ls kmod/*.[ch] kmod/include/*.h samples/*.c tests/vm/planted/*.c | grep -v -e '\.mod\.c$' -e 'compat\.h$') \
		uapi/linux/atomic_counter.h || return 1
	# An out-of-tree module must test kernel versions; compat.h is the one
	# place that does, so only there are version checks allowed.
	"$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kmod/compat.h
}

# The relaxed store-buffering witness on this machine's own CPUs: proof
# that the litmus tests can see a reordering where the hardware makes one
# (QEMU's TCG rarely does). Needs no module.
litmus_witness() {
	local out
	out=$("$build/tests/litmus_test" 2>&1)
	printf '%s\n' "$out"
	printf '%s\n' "$out" | grep -Eq '^ok [0-9]+ litmus\.anon_relaxed\.store_buffering$'
}

# Every kernel-doc comment well formed and complete: the uapi header, the
# in-kernel API and the module.
kernel_doc() {
	local ksrc
	ksrc=$(scripts/kernel-files.sh) || return 1
	no_diagnostics "$ksrc/scripts/kernel-doc" -none uapi/linux/atomic_counter.h \
		kmod/include/atomic_counter_kernel.h \
		$(ls kmod/*.[ch] samples/*.c | grep -v '\.mod\.c$')
}

man_pages() {
	local m
	for m in man/*.[0-9]; do
		groff -man -ww -z "$m" || return 1
	done
}

lane() {
	local lane=$1 vmmod=$build/vm-$1
	local tests
	echo "# lane $lane: preparing its kernel"
	if ! lane_setup "$lane" >"$logs/$lane-kernel.log" 2>&1; then
		echo "not ok $lane.kernel"
		sed 's/^/#   /' "$logs/$lane-kernel.log"
		return
	fi
	echo "# lane $lane: $LANE_DESC"
	export LANE_KERNEL LANE_KDIR LANE_MACHINE LANE_APPEND LANE_BUGS
	step "$lane.build-module" no_diagnostics $make -s vm-module VM_KDIR="$LANE_KDIR" VM_KVER="$lane"
	[ "$lane" = cloud ] && step sparse no_diagnostics $make -s -C "$LANE_KDIR" M="$vmmod" C=2 modules
	tests/vm/harness-test.sh "$lane"
	tests=$(for t in "$build"/tests/* "$build"/static/*; do printf -- '-f %s ' "$t"; done)
	# A bank of more than one page, so that windows at an offset are tested.
	# shellcheck disable=SC2086
	VM_KERNEL=$LANE_KERNEL VM_MACHINE=$LANE_MACHINE VM_APPEND=$LANE_APPEND \
		tests/vm/run-vm.sh -c "${CHECK_CPUS:-4}" -t 600 -n "$lane-selftests" \
		-p nr_counters=1000 -m "$vmmod/kmod/atomic_counter.ko" \
		-f "$vmmod/samples/atomic_counter_forks.ko" \
		-f tests/run-tests.sh $tests tests/vm/selftests.sh
	[ "$lane" = cloud ] && tests/install-test.sh "$make" "$(basename "$(dirname "$LANE_KDIR")")" \
		"$LANE_KDIR" "$LANE_KERNEL" "$vmmod/kmod/atomic_counter.ko"
}

{
	step build-userspace no_diagnostics $make -s userspace
	step build-selftests no_diagnostics $make -s selftests
	step checkpatch checkpatch_all
	step kernel-doc kernel_doc
	step man-pages man_pages
	step litmus-sb-reordering-is-observable litmus_witness
	for l in ${LANES:-cloud rt kasan kcsan}; do
		lane "$l"
	done
} 2>&1 | tests/summarize.sh | tee "$logs/all.log"
exit "${PIPESTATUS[1]}"
