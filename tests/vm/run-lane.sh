#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Run a job on one lane's kernel with the module built for it:
#   run-lane.sh LANE [run-vm.sh options] JOB.sh
# (make fuzz, make soak and make bench use it; make check drives the lanes
# itself.) VM_CPU_FLAGS, if set, is appended to the lane's QEMU CPU model
# (make bench: -erms,-fsrm).
set -eu
lane=${1:?usage: run-lane.sh LANE [run-vm.sh options] JOB.sh}
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/vm/lanes.sh
. "$here/lanes.sh"
lane_setup "$lane"
# The jobs name this machine's builds (build/tests, build/static).
if [ -n "$LANE_CROSS" ]; then
	echo "run-lane: lane $lane runs $LANE_ARCH programs, which make fuzz, soak and bench do not build yet (make check LANES=$lane does)" >&2
	exit 2
fi
VM_CPU=$VM_CPU${VM_CPU_FLAGS:+,$VM_CPU_FLAGS}
echo "# lane $lane: $LANE_DESC; QEMU -cpu $VM_CPU"
make -s -C "$top" vm-module VM_KDIR="$LANE_KDIR" VM_KVER="$lane" VM_KBUILD="$LANE_KBUILD" >/dev/null
VM_KERNEL=$LANE_KERNEL VM_MACHINE=$LANE_MACHINE VM_APPEND=$LANE_APPEND \
	exec "$here/run-vm.sh" -m "$top/build/vm-$lane/kmod/atomic_counter.ko" "$@"
