#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Boot a kernel in QEMU (TCG, real parallel vCPUs) with a busybox initramfs
# that loads the module(s), runs a job script, unloads them, and reports
# back over the serial console. The run fails when the guest does not come
# back in time, when the job or an unload fails, or when the guest kernel
# log shows a warning, BUG, oops, sanitizer or lockdep report.
#
# usage: run-vm.sh [-k KERNEL] [-c CPUS] [-t SECONDS] [-n NAME]
#                  [-m MODULE.ko]... [-f FILE]... [-p MODPARAMS] JOB.sh
#   -k  kernel image (default $VM_KERNEL)
#   -c  vCPUs (default $VM_CPUS or 2)
#   -t  hard time limit for the whole guest (default $VM_TIMEOUT or 300)
#   -n  name of the run, for the log file (default: the job's name)
#   -m  module to insmod, in order (unloaded in reverse after the job)
#   -f  file to put in the guest's /bin (test binaries, tools)
#   -p  parameters for the first module's insmod
#   -M  QEMU memory in MiB (default $VM_MEM or 512)
#   -e  VAR=VALUE to export in the guest (for the job)
#   -r  DIR whose tree is copied onto the guest's root (/lib/modules, /etc)
#   -b  for the harness's own tests, a report in the kernel's boot, before
#       the first insmod: "kmsg" (a fake WARNING written to the kernel log),
#       "kmsg-kasan" (a fake KASAN report: without kasan_multi_shot, KASAN
#       counts as spent), "kmsg-crash" (a fake oops and panic on the console,
#       then the guest resets), "hang" (init never starts: a kernel hung in
#       its boot) or "MODULE.ko PARAMS" (loaded as if built in)
#   -B  as -b, on the first boot only
# The guest's console is printed as it arrives (the job's lines verbatim),
# and saved to $VM_LOGDIR/NAME.log; the log is kept when the run fails or
# the kernel reported something during its own boot.
#
# The guest marks the kernel log just before the first insmod. A report
# before the mark is the kernel's own: it is shown in full as a note, the
# boot is counted as one with a boot-time report ("# vm: NAME: boot N: ..."
# lines, one per boot), and it fails nothing. A report after the mark fails
# the run. A boot whose checkers a boot-time report switched off (lockdep
# after any report, KASAN without kasan_multi_shot) cannot judge the module:
# the guest skips the job and the kernel boots once more; a second such
# boot fails the run. So does a guest that dies in the kernel's own boot
# (QEMU's TCG has crashed Debian's 6.12 there: an int3 left by the kernel's
# text patching): the console shows a crash, no module is linked in, and
# init never said it was about to insmod. A kernel that has not reached
# init's insmod line within VM_INIT_TIMEOUT seconds (default 300; a boot
# takes 2-40 s) has hung in its own boot, which proves nothing about the
# module either: QEMU is stopped and the kernel boots once more (CI saw
# Debian's 6.1 rt kernel print nothing in 900 s under TCG on a loaded
# host, where every other boot reached init within seconds).
set -u

kernel=${VM_KERNEL:-}
cpus=${VM_CPUS:-2}
limit=${VM_TIMEOUT:-300}
init_limit=${VM_INIT_TIMEOUT:-300}
mem=${VM_MEM:-512}
logdir=${VM_LOGDIR:-build/vm-logs}
name=
modparams=
modules=()
files=()
guestenv=()
overlays=()
simulate=
simulate_once=

while getopts "k:c:t:n:m:f:p:M:e:r:b:B:" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	c) cpus=$OPTARG ;;
	t) limit=$OPTARG ;;
	n) name=$OPTARG ;;
	m) modules+=("$OPTARG") ;;
	f) files+=("$OPTARG") ;;
	p) modparams=$OPTARG ;;
	M) mem=$OPTARG ;;
	e) guestenv+=("$OPTARG") ;;
	r) overlays+=("$OPTARG") ;;
	b) simulate=$OPTARG simulate_once= ;;
	B) simulate=$OPTARG simulate_once=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
job=${1:?usage: run-vm.sh [options] JOB.sh}
name=${name:-$(basename "$job" .sh)}

die() { echo "run-vm: $*" >&2; exit 2; }
[ -r "$kernel" ] || die "kernel image '$kernel' not readable (set VM_KERNEL or -k)"
# VM_ARCH arm64 (the arm64 lane): qemu-system-aarch64, and VM_BUSYBOX, an
# aarch64 busybox (Debian's busybox-static:arm64, unpacked).
arch=${VM_ARCH:-x86_64}
case $arch in
x86_64) qemu=qemu-system-x86_64 qemu_pkg=qemu-system-x86 ;;
arm64) qemu=qemu-system-aarch64 qemu_pkg=qemu-system-arm ;;
*) die "VM_ARCH '$arch': x86_64 or arm64" ;;
esac
if [ -n "${VM_BUSYBOX:-}" ]; then
	busybox=$VM_BUSYBOX
else
	busybox=$(command -v busybox) || die "busybox not found: apt-get install busybox-static"
fi
# readelf (binutils, beside gcc) rather than file(1), which a minimal
# Debian lacks: a static binary has no program interpreter.
headers=$(readelf -l "$(readlink -f "$busybox")") || die "cannot read $busybox (readelf: apt-get install binutils)"
! grep -q 'program interpreter' <<<"$headers" || die "$busybox is not static: apt-get install busybox-static"
command -v $qemu >/dev/null || die "$qemu not found: apt-get install $qemu_pkg"

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/acvm.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,modules,proc,sys,dev,tmp}
cp "$busybox" "$root/bin/busybox"
for m in "${modules[@]}"; do cp "$m" "$root/modules/" || die "no module $m"; done
for f in "${files[@]}"; do cp -r "$f" "$root/bin/" || die "no file $f"; done
for o in "${overlays[@]}"; do cp -r "$o"/. "$root/" || die "no overlay $o"; done
cp "$job" "$root/job.sh"
{
	echo "#!/bin/busybox sh"
	echo "MODULES='$(for m in "${modules[@]}"; do basename "$m" .ko; done | tr '\n' ' ')'"
	echo "MODPARAMS='$modparams'"
	# Every guest here is emulated by TCG: tests whose outcome TCG can
	# change say so (litmus_test on arm64).
	echo "export AC_TEST_TCG=1"
	for e in "${guestenv[@]}"; do echo "export ${e%%=*}='${e#*=}'"; done
	cat "$here/init.sh"
} > "$root/init"
chmod +x "$root/init" "$root/job.sh"
if [ -n "$simulate" ] && [ "${simulate#kmsg}" = "$simulate" ] && [ "$simulate" != hang ]; then
	mkdir -p "$root/modules/boot"
	cp "${simulate%% *}" "$root/modules/boot/" || die "no module ${simulate%% *}"
	simulate="$(basename "${simulate%% *}") ${simulate#* }"
fi

# pack BOOT: the initramfs for that boot (only the simulated report differs).
pack() {
	rm -f "$root/boot-report"
	if [ -n "$simulate" ] && { [ "$1" = 1 ] || [ -z "$simulate_once" ]; }; then
		echo "$simulate" >"$root/boot-report"
	fi
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
}

# A line the guest prints can be split by kernel console output; keep the
# console quiet so the job's TAP lines reach the host whole.
# VM_MACHINE: the debug kernels have no ACPI, and under -M pc would see a
# single CPU; they boot as "microvm,acpi=off" with VM_APPEND="reboot=t".
# no_timer_check: the kernel's IO-APIC timer test counts emulated ticks
# against real time, and on a loaded host TCG misses it and the kernel
# panics ("IO-APIC + timer doesn't work!", seen here at load 15).
# tsc=reliable: CI saw Debian's 6.12 die 31 s into a selftest boot with
# "Oops: int3" in sched_clock_cpu(), the int3 of a static-key patch left
# visible to another vCPU by QEMU 7.2's multi-threaded TCG, at the one
# branch patched after boot only by clear_sched_clock_stable(), which
# follows the TSC being marked unstable (the clocksource watchdog, when a
# host-descheduled vCPU skews its reads). A reliable TSC is not watched,
# so that branch stays as boot set it.
# arm64: -M virt's PL011 UART is ttyAMA0, and its reset (PSCI) ends QEMU
# under -no-reboot as the PC's does; no_timer_check and tsc are x86's.
if [ "$arch" = arm64 ]; then
	machine=${VM_MACHINE:-virt} append="console=ttyAMA0 panic=-1 quiet loglevel=3"
else
	machine=${VM_MACHINE:-pc} append="console=ttyS0 panic=-1 quiet loglevel=3 no_timer_check tsc=reliable"
fi
# watch_init LOG: stop QEMU when init has not said "@@VM-INSMOD" within
# $init_limit seconds, and leave $work/no-init behind to say why.
watch_init() {
	local t=0 pid
	while [ "$t" -lt "$init_limit" ]; do
		sleep 1
		t=$((t + 1))
		grep -q '@@VM-INSMOD' "$1" && return 0
	done
	pid=$(cat "$work/qemu.pid" 2>/dev/null) || return 0
	touch "$work/no-init"
	kill "$pid" 2>/dev/null
}
boot() { # LOG
	local rc watcher
	rm -f "$work/qemu.pid" "$work/no-init"
	: >"$1"
	watch_init "$1" &
	watcher=$!
	timeout -k 5 "$limit" $qemu -M "$machine" \
		-accel tcg,thread=multi -cpu "${VM_CPU:-max}" -smp "$cpus" -m "$mem" \
		-display none -monitor none -serial stdio -no-reboot \
		-pidfile "$work/qemu.pid" \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "$append ${VM_APPEND:-}" \
		</dev/null 2>&1 | tr -d '\r' | tee "$1" | sed -n '/^@@VM-DMESG-BEGIN/,/^@@VM-DMESG-END/!p'
	rc=${PIPESTATUS[0]}
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	return "$rc"
}

# The kernel log is checked whatever the job said: a test that passes while
# the kernel warns has not passed.
bad='WARNING:|BUG|Oops|KASAN:|KCSAN:|lockdep is turned off|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|refcount_t|general protection fault|unreferenced object|Call Trace'
# Known reports from the kernel's own code (tests/vm/known-reports.txt).
known=$work/known
grep -v '^#' "$here/known-reports.txt" | grep . >"$known"

# split_log LOG: the guest's kernel log, before the guest's mark into
# $work/before and from it on into $work/after. Without a mark (the log
# ring wrapped, or the guest died first) all of it counts as after.
split_log() {
	rm -f "$work/before" "$work/after"
	sed -n '/^@@VM-DMESG-BEGIN/,/^@@VM-DMESG-END/p' "$1" >"$work/dmesg"
	if grep -q '@@VM-FIRST-INSMOD' "$work/dmesg"; then
		sed '/@@VM-FIRST-INSMOD/,$d' "$work/dmesg" >"$work/before"
		sed -n '/@@VM-FIRST-INSMOD/,$p' "$work/dmesg" >"$work/after"
		return 0
	fi
	: >"$work/before"
	cp "$work/dmesg" "$work/after"
	return 1
}

# reports FILE: its report lines, less the known ones.
reports() {
	grep -E "$bad" "$1" | grep -v -F -f "$known"
}

# blocks FILE: each report in it with its stack, as TAP comment lines: from
# its first line to the end of the trace ("---[ end trace", the closing
# "=====" of KASAN, or the "</TASK>" that closes a lockdep or
# sleep-in-atomic stack), at most 100 lines each.
blocks() {
	awk -v bad="$bad" -v known="$known" '
	BEGIN { while ((getline k <known) > 0) kn[++nk] = k }
	function isknown(l, i) { for (i = 1; i <= nk; i++) if (index(l, kn[i])) return 1; return 0 }
	function start(l) {
		if (l ~ bad && !isknown(l)) {
			in_block = 1; n = 0; kasan = (l ~ /KASAN:/); after_task = 0
			return 1
		}
		return 0
	}
	{
		if (after_task) {
			after_task = 0
			if ($0 !~ /---\[ end trace/) in_block = 0
		}
		if (!in_block && !start($0))
			next
		print "#   " $0
		n++
		if ($0 ~ /---\[ end trace/ || (kasan && n > 1 && $0 ~ /==========/)) {
			in_block = 0
		} else if (!kasan && $0 ~ /<\/TASK>/) {
			after_task = 1
		} else if (n >= 100) {
			print "#   (cut at 100 lines; the whole log is kept)"
			in_block = 0
		}
	}' "$1"
}

# died_in_boot LOG: the console of a guest that died shows a kernel crash
# that the module had no part in: init never reached its insmod line, and
# every oops lists no module as linked in.
died_in_boot() {
	! grep -q '@@VM-INSMOD' "$1" &&
		grep -Eq "$bad|Kernel panic" "$1" &&
		! grep -Eq 'Modules linked in: *[^ ]' "$1"
}

mkdir -p "$logdir"
log=$logdir/$name.log
echo "# vm: $name: $(basename "$kernel"), $cpus vCPUs, limit ${limit}s"
for n in 1 2; do
	pack "$n"
	boot "$log"
	qemu_rc=$?
	keep=
	fail=
	rm -f "$work/before" "$work/after"
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		fail="guest did not finish within ${limit}s"
	elif ! grep -q '^@@VM-EXIT ' "$log"; then
		fail="guest died before reporting (qemu exit $qemu_rc)"
	else
		status=$(sed -n 's/^@@VM-EXIT \([0-9]*\).*/\1/p' "$log" | tail -n 1)
		[ "$status" = 0 ] || fail="guest job exited $status"
	fi
	spent=$(sed -E -n 's/^(\[ *[0-9.]+\] )?@@VM-BOOT-SPENT //p' "$log" | head -n 1)
	crashed=
	if [ -e "$work/no-init" ]; then
		crashed=1
		spent="the kernel hung in its own boot for ${init_limit}s"
		fail=
	elif [ -n "$fail" ] && ! grep -q '^@@VM-EXIT ' "$log"; then
		if died_in_boot "$log"; then
			crashed=1
			spent="the kernel crashed in its own boot"
			fail=
		fi
	fi
	if [ -n "$spent" ] && [ "$n" = 1 ]; then
		# Moved aside: the next boot's log takes the run's name.
		mv "$log" "$logdir/$name.boot1.log"
		note_log=$logdir/$name.boot1.log
	else
		note_log=$log
	fi

	# One line per boot saying whether the kernel reported anything
	# before the first insmod (tests/summarize.sh counts them per lane).
	what=
	[ -n "$simulate" ] && { [ "$n" = 1 ] || [ -z "$simulate_once" ]; } &&
		what="simulated "
	if [ -e "$work/no-init" ]; then
		echo "# vm: $name: boot $n: ${what}boot-time kernel report (the kernel hung in its own boot: init did not start its job within ${init_limit}s)"
		blocks "$note_log"
		keep=1
	elif [ -n "$crashed" ]; then
		echo "# vm: $name: boot $n: ${what}boot-time kernel report (the guest died in the kernel's own boot, before the first insmod)"
		blocks "$note_log"
		keep=1
	elif ! grep -q '^@@VM-DMESG-END' "$note_log"; then
		echo "# vm: $name: boot $n: no kernel log came back"
		# What the console caught of the crash, if it was one.
		blocks "$note_log"
	elif ! split_log "$note_log"; then
		echo "# vm: $name: boot $n: no @@VM-FIRST-INSMOD mark in the kernel log (ring wrapped?): every report in it counts against the module"
	elif reports "$work/before" >/dev/null; then
		echo "# vm: $name: boot $n: ${what}boot-time kernel report (before the first insmod: the kernel's own, not the module's)"
		blocks "$work/before"
		keep=1
	else
		echo "# vm: $name: boot $n: clean until the first insmod"
	fi

	if [ -n "$spent" ]; then
		[ -n "$keep" ] || echo "# vm: $name: the checkers were off before the first insmod"
		echo "# vm: $name: log kept in $note_log"
		if [ "$n" = 1 ]; then
			echo "# vm: $name: boot 1 proves nothing about the module ($spent before the first insmod): booting again"
			continue
		fi
		if [ -e "$work/no-init" ]; then
			fail="boot 1 proved nothing, and on boot 2 the kernel hung in its own boot, before the first insmod: nothing is proven about the module"
		elif [ -n "$crashed" ]; then
			fail="boot 1 proved nothing, and on boot 2 the guest died in the kernel's own boot, before the first insmod: nothing is proven about the module"
		else
			fail="${fail:+$fail; }on both boots a boot-time kernel report switched the checkers off before the first insmod ($spent): nothing is proven about the module"
		fi
		break
	fi
	if [ -f "$work/after" ] && reports=$(reports "$work/after"); then
		fail="${fail:+$fail; }kernel log has reports:"$'\n'"$reports"
	fi
	locks=$(sed -n 's/^@@VM-DEBUG-LOCKS \([0-9]*\).*/\1/p' "$log")
	if [ -n "$locks" ] && [ "$locks" != 1 ]; then
		fail="${fail:+$fail; }lockdep switched itself off (debug_locks=$locks)"
	fi
	[ -n "$keep" ] && [ -z "$fail" ] && echo "# vm: $name: log kept in $log"
	break
done
if [ -n "$fail" ]; then
	echo "not ok vm $name # $fail"
	echo "# vm: log kept in $log"
	exit 1
fi
echo "ok vm $name"
[ -n "$keep" ] || rm -f "$log"
exit 0
