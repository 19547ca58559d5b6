#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Run a job on one lane's kernel with the module built for it:
#   run-lane.sh LANE [-F PROGRAM]... [run-vm.sh options] JOB.sh
# (make fuzz, make soak and make bench use it; make check drives the lanes
# itself.) VM_CPU_FLAGS, if set, is appended to the lane's QEMU CPU model
# (make bench: -erms,-fsrm on x86-64).
#
# -F PROGRAM puts the lane's own static build of PROGRAM in the guest's
# /bin: this machine's (build/static, which make builds first) for an
# x86-64 lane; for a lane of another architecture (arm64), the lane's
# (LANE_BUILD/static), which make cross-userspace builds here with the
# lane's compiler, as make check does. A job that names programs with -f
# only (make fuzz, make soak) names this machine's, so such a lane refuses
# it.
set -eu
lane=${1:?usage: run-lane.sh LANE [-F PROGRAM]... [run-vm.sh options] JOB.sh}
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/vm/lanes.sh
. "$here/lanes.sh"
lane_setup "$lane"
# Every run-vm.sh option takes a value: options come in pairs, then the job.
programs=()
args=()
while [ $# -gt 1 ] && [ "${1#-}" != "$1" ]; do
	case $1 in
	-F) programs+=("$2") ;;
	*) args+=("$1" "$2") ;;
	esac
	shift 2
done
if [ -n "$LANE_CROSS" ]; then
	if [ ${#programs[@]} -eq 0 ]; then
		echo "run-lane: lane $lane runs $LANE_ARCH programs, which make fuzz and soak do not build yet (make check LANES=$lane and make bench BENCH_LANE=$lane do)" >&2
		exit 2
	fi
	make -s -C "$top" cross-userspace CROSS_COMPILE="$LANE_CROSS" CROSS_BUILD="$LANE_BUILD" >/dev/null
fi
for p in ${programs[@]+"${programs[@]}"}; do
	test -x "$LANE_BUILD/static/$p" || { echo "run-lane: no $LANE_BUILD/static/$p" >&2; exit 2; }
	args+=(-f "$LANE_BUILD/static/$p")
done
VM_CPU=$VM_CPU${VM_CPU_FLAGS:+,$VM_CPU_FLAGS}
echo "# lane $lane: $LANE_DESC; QEMU -cpu $VM_CPU"
make -s -C "$top" vm-module VM_KDIR="$LANE_KDIR" VM_KVER="$lane" VM_KBUILD="$LANE_KBUILD" >/dev/null
VM_KERNEL=$LANE_KERNEL VM_MACHINE=$LANE_MACHINE VM_APPEND=$LANE_APPEND \
	exec "$here/run-vm.sh" -m "$top/build/vm-$lane/kmod/atomic_counter.ko" ${args[@]+"${args[@]}"} "$@"
