# SPDX-License-Identifier: MIT
# The guest's /init (run-vm.sh prepends MODULES and MODPARAMS and a #! line).
# Loads the modules, runs /job.sh, unloads the modules, prints the kernel log
# between markers and the exit status on a sentinel line, and powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# The harness's own tests (run-vm.sh -b/-B) stand in for a kernel that
# reports something during its own boot: a fake report written to the
# kernel log, or a planted module loaded as if it were built in.
if [ -r /boot-report ]; then
	read -r what bparams </boot-report
	# One write per line, as printk makes them; with the mark below,
	# under the /dev/kmsg rate limit of 10 lines.
	if [ "$what" = kmsg ]; then
		for l in '------------[ cut here ]------------' \
			 'WARNING: CPU: 0 PID: 1 at harness/boot.c:1 harness_fake_boot_report+0x0/0x10' \
			 'Call Trace:' ' <TASK>' ' harness_fake_boot_report+0x0/0x10' ' </TASK>' \
			 '---[ end trace 0000000000000000 ]---'; do
			echo "<4>$l" >/dev/kmsg
		done
	elif [ "$what" = kmsg-kasan ]; then
		for l in '==================================================================' \
			 'BUG: KASAN: wild-memory-access in harness_fake_boot_report+0x0/0x10' \
			 'Read of size 4 at addr dead000000000000 by task swapper/0/0' \
			 'Call Trace:' ' <TASK>' ' harness_fake_boot_report+0x0/0x10' ' </TASK>' \
			 '=================================================================='; do
			echo "<3>$l" >/dev/kmsg
		done
	elif [ "$what" = kmsg-crash ]; then
		# A kernel that dies in its own boot: an oops and a panic on
		# the console (crit, above loglevel=3), then the machine resets.
		for l in 'BUG: kernel NULL pointer dereference, address: 0000000000000000' \
			 'Oops: 0000 [#1] PREEMPT SMP NOPTI' \
			 'RIP: 0010:harness_fake_boot_crash+0x0/0x10' \
			 'Call Trace:' ' <TASK>' ' harness_fake_boot_crash+0x0/0x10' ' </TASK>' \
			 'Modules linked in:' '---[ end trace 0000000000000000 ]---' \
			 'Kernel panic - not syncing: Fatal exception'; do
			echo "<2>$l" >/dev/kmsg
		done
		# Time for a threaded console (PREEMPT_RT) to print them.
		sleep 1
		reboot -f
	elif [ "$what" = hang ]; then
		# A kernel that hangs in its own boot: init never gets going.
		sleep 100000
	else
		# shellcheck disable=SC2086
		insmod "/modules/boot/$what" $bparams
	fi
fi

# A checker that a report during the boot switched off cannot judge the
# module: lockdep stops at its first report (and every KASAN report stops
# it), single-shot KASAN reports only once. Such a boot does not run the
# job; run-vm.sh boots again.
spent=
if [ -r /proc/lockdep_stats ] &&
   [ "$(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)" != 1 ]; then
	spent="lockdep switched itself off (debug_locks=0)"
fi
if dmesg | grep -q 'BUG: KASAN:' && ! grep -qw kasan_multi_shot /proc/cmdline; then
	spent="${spent:+$spent; }KASAN has used its single report"
fi
if dmesg | grep -q 'Kernel memory leak detector disabled'; then
	spent="${spent:+$spent; }kmemleak switched itself off"
fi
# Through the kernel log, as one record: the console prints a record
# whole, while a line written here to the console can be split by kernel
# messages printed meanwhile (PREEMPT_RT 7.3 prints from a thread, and its
# "@@VM-FIRST-INSMOD" landed in the middle of this line).
[ -n "$spent" ] && echo "<5>@@VM-BOOT-SPENT $spent" >/dev/kmsg
# From here on, a report in the kernel log is the module's (or its test's):
# run-vm.sh splits the log at this line.
echo "<6>@@VM-FIRST-INSMOD" >/dev/kmsg
# And on the console, which is all that is left of a guest that dies: a
# crash without this line happened in the kernel's own boot.
echo "@@VM-INSMOD"

export MODULES MODPARAMS
status=0
params=$MODPARAMS
loaded=
[ -n "$spent" ] && MODULES=
for m in $MODULES; do
	# shellcheck disable=SC2086
	if ! insmod /modules/$m.ko $params; then
		echo "# init: insmod $m failed"
		status=1
		break
	fi
	params=
	loaded="$m $loaded"
done
if [ "$status" = 0 ] && [ -z "$spent" ]; then
	sh /job.sh
	status=$?
fi
# kmemleak (debug lanes): two scans some seconds apart, while the modules
# are still loaded so that reports carry their symbols.
if [ -z "$spent" ] && [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	echo "@@VM-KMEMLEAK-SCANNED"
fi
for m in $loaded; do
	# A job may unload a module itself to test unloading.
	grep -q "^$m " /proc/modules || continue
	if ! rmmod "$m"; then
		echo "# init: rmmod $m failed"
		status=1
	fi
done
echo "@@VM-DMESG-BEGIN"
dmesg
[ -r /sys/kernel/debug/kmemleak ] && cat /sys/kernel/debug/kmemleak
echo "@@VM-DMESG-END"
# lockdep switches itself off at its first report: it must still be on.
[ -r /proc/lockdep_stats ] &&
	echo "@@VM-DEBUG-LOCKS $(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)"
echo "@@VM-EXIT $status"
# With -no-reboot QEMU exits on the reset; no ACPI needed (microvm).
reboot -f
