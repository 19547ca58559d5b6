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

export MODULES MODPARAMS
status=0
params=$MODPARAMS
loaded=
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
if [ $status = 0 ]; then
	sh /job.sh
	status=$?
fi
# kmemleak (debug lanes): two scans some seconds apart, while the modules
# are still loaded so that reports carry their symbols.
if [ -w /sys/kernel/debug/kmemleak ]; then
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
