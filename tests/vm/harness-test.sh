#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A lane proves nothing unless it can fail: for LANE, load the planted bug
# each of its checkers exists for and require the run to fail with that
# report in the kept log. On the cloud lane, also require a hung guest to
# fail at the time limit instead of stalling the run.
#
# A report from the kernel's own boot, before the first insmod, must
# neither fail a run nor hide the module's reports: simulated here (a fake
# WARNING in the kernel log, or the planted lock inversion loaded before
# the first insmod as if built in, which switches lockdep off).
#
# usage: harness-test.sh LANE   (after lane_setup; reads LANE_* from env)
set -u
lane=${1:?usage: harness-test.sh LANE}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lanes.sh
. "$here/lanes.sh"
work=$(mktemp -d /tmp/acharness.XXXXXX)
trap 'rm -rf "$work"' EXIT
kept=${VM_LOGDIR:-build/vm-logs}
export VM_LOGDIR=$work/logs VM_KERNEL=$LANE_KERNEL VM_MACHINE=$LANE_MACHINE VM_APPEND=$LANE_APPEND

cp "$here/planted/planted.c" "$here/planted/Kbuild" "$work/"
# shellcheck disable=SC2086 # LANE_KBUILD: ARCH= and CROSS_COMPILE=, or empty
if ! make -s -C "$LANE_KDIR" M="$work" ${LANE_KBUILD:-} modules >"$work/build.log" 2>&1; then
	echo "not ok $lane.harness.planted_module_builds"
	sed 's/^/#   /' "$work/build.log"
	exit 0
fi
# boots NAME: run-vm.sh's line for each boot of that run, with any real
# boot-time report under it (a simulated one is only named), passed on for
# make check's count of such boots per lane; the logs of a real boot-time
# report outlive this script. Every run here calls it: a kernel that
# crashes in its own boot is shown and counted whichever run it hits.
boots() {
	local f real=0
	if grep -Eq "^# vm: $1: boot [0-9]+: boot-time kernel report" "$work/$1.out"; then
		real=1
		mkdir -p "$kept"
		for f in "$VM_LOGDIR/$1".*log; do
			cp "$f" "$kept/$lane-harness-$(basename "$f")"
		done
	fi
	awk -v real=$real '
	     /^# vm: [^ ]+: boot [0-9]+: simulated / { print; on = 0; next }
	     /^# vm: [^ ]+: boot [0-9]+: / { on = 1; print; next }
	     on && /^#   / { print; next }
	     real && /^# vm: [^ ]+: log kept in/ { print }
	     /^# vm: [^ ]+: boot 1 proves nothing/ { print }
	     { on = 0 }' "$work/$1.out" | sed "s|$VM_LOGDIR/|$kept/$lane-harness-|"
}

# result NAME OK: the TAP line, with run-vm.sh's output when it failed.
result() {
	if [ "$2" = 0 ]; then
		echo "ok $lane.harness.$1"
	else
		echo "not ok $lane.harness.$1"
		sed 's/^/#   /' "$work/$1.out" | tail -n 30
	fi
}

# twice_fails NAME REPORT WHY: a boot-time REPORT (run-vm.sh -b) on both
# boots fails the run after the second, saying WHY.
twice_fails() {
	"$here/run-vm.sh" -n "$1" -c 2 -t 120 -b "$2" "$work/true.sh" >"$work/$1.out" 2>&1
	local rc=$?
	boots "$1"
	[ $rc -ne 0 ] && [ "$(grep -c "^# vm: $1: boot [0-9]*: " "$work/$1.out")" = 2 ] &&
		grep -qF "not ok vm $1 # $3" "$work/$1.out"
	result "$1" $?
}

echo 'true' >"$work/true.sh"
for bug in $LANE_BUGS; do
	report=$(planted_report "$bug")
	"$here/run-vm.sh" -n "$bug" -c 2 -t 120 -p "bug=$bug" -m "$work/planted.ko" \
		"$work/true.sh" >"$work/$bug.out" 2>&1
	rc=$?
	boots "$bug"
	if [ $rc -ne 0 ] && grep -q 'kernel log has reports' "$work/$bug.out" &&
	   grep -q "$report" "$VM_LOGDIR/$bug.log"; then
		echo "ok $lane.harness.planted_${bug}_is_caught"
	else
		echo "not ok $lane.harness.planted_${bug}_is_caught # want '$report'"
		sed 's/^/#   /' "$work/$bug.out" | tail -n 20
	fi
done

# A report from the kernel's own boot does not hide the module's after it:
# the run fails, blamed on the module alone.
t=boot_time_report_does_not_hide_planted_warn
"$here/run-vm.sh" -n "$t" -c 2 -t 120 -b kmsg -p bug=warn -m "$work/planted.ko" \
	"$work/true.sh" >"$work/$t.out" 2>&1
rc=$?
boots "$t"
[ $rc -ne 0 ] && grep -q "^# vm: $t: boot 1: simulated boot-time kernel report" "$work/$t.out" &&
	sed -n '/^not ok vm /,/^# vm: log kept/p' "$work/$t.out" >"$work/$t.blame" &&
	grep -q 'kernel log has reports' "$work/$t.blame" &&
	grep -q 'WARNING: .* planted_init' "$work/$t.blame" &&
	! grep -q 'harness_fake_boot_report' "$work/$t.blame"
result "$t" $?

# A boot whose checker a boot-time report has switched off proves nothing:
# the job is skipped and the kernel boots once more, where the checker must
# be back and catch the planted bug; a second such boot fails. Switched off
# by the planted inversion where lockdep is (lockdep stops at its first
# report), else by a fake KASAN report on a kernel booted without
# kasan_multi_shot (the guest takes KASAN for spent).
case " $LANE_BUGS " in
*" inversion "*)
	off=lockdep_off off_by="$work/planted.ko bug=inversion"
	reason="lockdep switched itself off (debug_locks=0)"
	bug=inversion report='possible circular locking dependency'
	;;
*)
	off=kasan_spent off_by=kmsg-kasan reason="KASAN has used its single report"
	bug=warn report='WARNING: .* planted_init'
	;;
esac
case " $LANE_APPEND " in
*" kasan_multi_shot "*) [ "$off" = lockdep_off ] || off= ;;
esac
if [ -n "$off" ]; then
	t=${off}_at_boot_boots_again_once
	"$here/run-vm.sh" -n "$t" -c 2 -t 120 -B "$off_by" \
		-p "bug=$bug" -m "$work/planted.ko" "$work/true.sh" >"$work/$t.out" 2>&1
	rc=$?
	boots "$t"
	[ $rc -ne 0 ] &&
		grep -qF "# vm: $t: boot 1 proves nothing about the module ($reason before the first insmod): booting again" "$work/$t.out" &&
		[ "$(grep -c "^# vm: $t: boot [0-9]*: " "$work/$t.out")" = 2 ] &&
		grep -q "^# vm: $t: boot 2: clean until the first insmod" "$work/$t.out" &&
		[ -s "$VM_LOGDIR/$t.boot1.log" ] &&
		sed -n '/^not ok vm /,/^# vm: log kept/p' "$work/$t.out" >"$work/$t.blame" &&
		grep -q 'kernel log has reports' "$work/$t.blame" &&
		grep -q "$report" "$work/$t.blame" &&
		! grep -q 'harness_fake_boot_report' "$work/$t.blame"
	result "$t" $?

	# The rules below are the harness's own, the same on every lane.
	if [ "$lane" = cloud ]; then
		twice_fails "${off}_at_boot_twice_fails_with_the_reason" "$off_by" \
			"on both boots a boot-time kernel report switched the checkers off before the first insmod ($reason): nothing is proven about the module"
	fi
fi

# A guest that dies in the kernel's own boot (TCG has crashed Debian's 6.12
# there) is the same: shown, counted, booted again; twice fails.
t=crash_at_boot_boots_again_once
"$here/run-vm.sh" -n "$t" -c 2 -t 120 -B kmsg-crash -p bug=warn -m "$work/planted.ko" \
	"$work/true.sh" >"$work/$t.out" 2>&1
rc=$?
boots "$t"
[ $rc -ne 0 ] &&
	grep -q "^# vm: $t: boot 1: simulated boot-time kernel report (the guest died in the kernel's own boot" "$work/$t.out" &&
	grep -q '^#   \[.*\] RIP: 0010:harness_fake_boot_crash' "$work/$t.out" &&
	grep -qF "# vm: $t: boot 1 proves nothing about the module (the kernel crashed in its own boot before the first insmod): booting again" "$work/$t.out" &&
	grep -q "^# vm: $t: boot 2: clean until the first insmod" "$work/$t.out" &&
	[ -s "$VM_LOGDIR/$t.boot1.log" ] &&
	sed -n '/^not ok vm /,/^# vm: log kept/p' "$work/$t.out" >"$work/$t.blame" &&
	grep -q 'kernel log has reports' "$work/$t.blame" &&
	grep -q 'WARNING: .* planted_init' "$work/$t.blame" &&
	! grep -q 'harness_fake_boot_crash' "$work/$t.blame"
result "$t" $?

[ "$lane" = cloud ] || exit 0
# What follows tests rules of this harness that are the same on every lane.
# The kernel's report is shown whole, with its stack, and the run passes.
t=boot_time_report_is_a_note_not_a_failure
"$here/run-vm.sh" -n "$t" -c 2 -t 120 -b kmsg "$work/true.sh" >"$work/$t.out" 2>&1
rc=$?
boots "$t"
[ $rc -eq 0 ] && grep -q "^ok vm $t\$" "$work/$t.out" &&
	grep -q "^# vm: $t: boot 1: simulated boot-time kernel report" "$work/$t.out" &&
	grep -q '^#   \[.*\] WARNING: CPU: 0 PID: 1 at harness/boot.c:1 ' "$work/$t.out" &&
	grep -q '^#   \[.*\]  harness_fake_boot_report+0x0/0x10' "$work/$t.out" &&
	grep -q '^#   \[.*\] ---\[ end trace' "$work/$t.out" &&
	grep -q "^# vm: $t: log kept in $VM_LOGDIR/$t.log" "$work/$t.out" && [ -s "$VM_LOGDIR/$t.log" ]
result "$t" $?

# A kernel that hangs in its own boot (CI saw Debian's 6.1 rt kernel print
# nothing in 900 s) is stopped when init has not started within
# VM_INIT_TIMEOUT, and boots again, long before the guest's time limit.
t=hang_at_boot_boots_again_once
start=$(date +%s)
VM_INIT_TIMEOUT=20 "$here/run-vm.sh" -n "$t" -c 2 -t 300 -B hang "$work/true.sh" >"$work/$t.out" 2>&1
rc=$?
boots "$t"
took=$(($(date +%s) - start))
[ $rc -eq 0 ] && grep -q "^ok vm $t\$" "$work/$t.out" && [ $took -lt 200 ] &&
	grep -qF "# vm: $t: boot 1: simulated boot-time kernel report (the kernel hung in its own boot: init did not start its job within 20s)" "$work/$t.out" &&
	grep -qF "# vm: $t: boot 1 proves nothing about the module (the kernel hung in its own boot for 20s before the first insmod): booting again" "$work/$t.out" &&
	grep -q "^# vm: $t: boot 2: clean until the first insmod" "$work/$t.out"
result "$t" $?

VM_INIT_TIMEOUT=20 twice_fails hang_at_boot_twice_fails_with_the_reason hang \
	"boot 1 proved nothing, and on boot 2 the kernel hung in its own boot, before the first insmod: nothing is proven about the module"
twice_fails crash_at_boot_twice_fails_with_the_reason kmsg-crash \
	"boot 1 proved nothing, and on boot 2 the guest died in the kernel's own boot, before the first insmod: nothing is proven about the module"

# A guest that dies after init said it would insmod is the module's crash:
# it fails on the first boot, with the crash shown.
t=crash_after_the_mark_fails_at_once
echo 'echo "<2>Oops: 0000 [#1] PREEMPT SMP NOPTI" >/dev/kmsg; sleep 1; reboot -f' >"$work/crash.sh"
"$here/run-vm.sh" -n "$t" -c 2 -t 120 "$work/crash.sh" >"$work/$t.out" 2>&1
rc=$?
boots "$t"
[ $rc -ne 0 ] && [ "$(grep -c "^# vm: $t: boot [0-9]*: " "$work/$t.out")" = 1 ] &&
	grep -q '^#   \[.*\] Oops: 0000 \[#1\]' "$work/$t.out" &&
	grep -q "^not ok vm $t # guest died before reporting" "$work/$t.out"
result "$t" $?

echo 'echo hanging; sleep 1000' >"$work/hang.sh"
start=$(date +%s)
"$here/run-vm.sh" -n hang -t 15 "$work/hang.sh" >"$work/hang.out" 2>&1
rc=$?
boots hang
took=$(($(date +%s) - start))
if [ $rc -ne 0 ] && [ $took -lt 25 ] && grep -q 'did not finish within 15s' "$work/hang.out" &&
   [ -s "$VM_LOGDIR/hang.log" ]; then
	echo "ok $lane.harness.hung_guest_fails_at_the_time_limit # ${took}s"
else
	echo "not ok $lane.harness.hung_guest_fails_at_the_time_limit # status $rc after ${took}s"
	sed 's/^/#   /' "$work/hang.out"
fi
