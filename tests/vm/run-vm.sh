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
# The guest's console is printed as it arrives (the job's lines verbatim),
# and saved to $VM_LOGDIR/NAME.log; the log is kept when the run fails.
set -u

kernel=${VM_KERNEL:-}
cpus=${VM_CPUS:-2}
limit=${VM_TIMEOUT:-300}
mem=${VM_MEM:-512}
logdir=${VM_LOGDIR:-build/vm-logs}
name=
modparams=
modules=()
files=()
guestenv=()
overlays=()

while getopts "k:c:t:n:m:f:p:M:e:r:" opt; do
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
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
job=${1:?usage: run-vm.sh [options] JOB.sh}
name=${name:-$(basename "$job" .sh)}

die() { echo "run-vm: $*" >&2; exit 2; }
[ -r "$kernel" ] || die "kernel image '$kernel' not readable (set VM_KERNEL or -k)"
busybox=$(command -v busybox) || die "busybox not found: apt-get install busybox-static"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	die "$busybox is not static: apt-get install busybox-static"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: apt-get install qemu-system-x86"

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
	for e in "${guestenv[@]}"; do echo "export ${e%%=*}='${e#*=}'"; done
	cat "$here/init.sh"
} > "$root/init"
chmod +x "$root/init" "$root/job.sh"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

mkdir -p "$logdir"
log=$logdir/$name.log
echo "# vm: $name: $(basename "$kernel"), $cpus vCPUs, limit ${limit}s"
# A line the guest prints can be split by kernel console output; keep the
# console quiet so the job's TAP lines reach the host whole.
# VM_MACHINE: the debug kernels have no ACPI, and under -M pc would see a
# single CPU; they boot as "microvm,acpi=off" with VM_APPEND="reboot=t".
timeout -k 5 "$limit" qemu-system-x86_64 -M "${VM_MACHINE:-pc}" \
	-accel tcg,thread=multi -cpu "${VM_CPU:-max}" -smp "$cpus" -m "$mem" \
	-display none -monitor none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 ${VM_APPEND:-}" \
	</dev/null 2>&1 | tr -d '\r' | tee "$log" | sed -n '/^@@VM-DMESG-BEGIN/,/^@@VM-DMESG-END/!p'
qemu_rc=${PIPESTATUS[0]}

fail=
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	fail="guest did not finish within ${limit}s"
elif ! grep -q '^@@VM-EXIT ' "$log"; then
	fail="guest died before reporting (qemu exit $qemu_rc)"
else
	status=$(sed -n 's/^@@VM-EXIT \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ "$status" = 0 ] || fail="guest job exited $status"
fi
# The kernel log is checked whatever the job said: a test that passes while
# the kernel warns has not passed.
bad='WARNING:|BUG|Oops|KASAN:|KCSAN:|lockdep is turned off|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|refcount_t|general protection fault|unreferenced object|Call Trace'
# Known reports from the kernel's own code (tests/vm/known-reports.txt).
if reports=$(sed -n '/^@@VM-DMESG-BEGIN/,/^@@VM-DMESG-END/p' "$log" | grep -E "$bad" |
	     grep -v -F -f <(grep -v '^#' "$here/known-reports.txt" | grep .)); then
	fail="${fail:+$fail; }kernel log has reports:"$'\n'"$reports"
fi
locks=$(sed -n 's/^@@VM-DEBUG-LOCKS \([0-9]*\).*/\1/p' "$log")
if [ -n "$locks" ] && [ "$locks" != 1 ]; then
	fail="${fail:+$fail; }lockdep switched itself off (debug_locks=$locks)"
fi
if [ -n "$fail" ]; then
	echo "not ok vm $name # $fail"
	echo "# vm: log kept in $log"
	exit 1
fi
echo "ok vm $name"
rm -f "$log"
exit 0
