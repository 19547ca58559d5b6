#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The install lane's checks inside the booted Debian 12 system
# (tests/vm/install-lane.sh installs it as /usr/local/sbin/ac-install-check
# and runs it from a oneshot unit after multi-user.target, its output on the
# serial console): the module systemd-modules-load loaded at boot, from
# DKMS's updates/dkms; the device node as the packaged udev rule makes it;
# the tool and the selftests as a member of the group; the tool's message
# to a user outside it. The kernel command line says which boot this is
# (ac_install=NAME, the TAP lines' prefix) and whether the selftests run
# (ac_install_selftests=1). The last line is "@@VM-EXIT STATUS", which the
# host reads; the unit then powers the guest off.
# The checks are functions that t() calls by name.
# shellcheck disable=SC2317
set -u
name=$(sed -n 's/.*ac_install=\([^ ]*\).*/\1/p' /proc/cmdline)
name=${name:-boot}
kver=$(uname -r)
status=0
out=/run/ac-install-check.out

# t BEHAVIOUR COMMAND...: one TAP line; a failure shows the command's output.
t() {
	local what=$1
	shift
	if "$@" >"$out" 2>&1; then
		echo "ok install.$name.$what"
	else
		echo "not ok install.$name.$what"
		sed 's/^/#   /' "$out" | tail -n 20
		status=1
	fi
}

# The module is there because systemd-modules-load put it there at boot
# (its journal says so), and what it loaded is the DKMS build in
# updates/dkms for this kernel (the running module's srcversion is that
# file's), not a module from anywhere else.
loaded_at_boot() {
	local file
	[ -d /sys/module/atomic_counter ] || { echo "atomic_counter is not loaded"; return 1; }
	# By its identifier, not its unit: what it logs before journald is up
	# comes through the kernel log (seen on 6.12), without the unit field.
	journalctl -b -o cat -t systemd-modules-load | tee /dev/stderr |
		grep -qx "Inserted module 'atomic_counter'" || { echo "systemd-modules-load did not insert it"; return 1; }
	file=$(modinfo -n atomic_counter) || return 1
	# Compressed where the kernel compresses its own (6.12: .ko.xz).
	case $file in
	"/lib/modules/$kver/updates/dkms/atomic_counter.ko" | "/lib/modules/$kver/updates/dkms/atomic_counter.ko".*) ;;
	*) echo "modinfo -n: $file, not updates/dkms"; return 1 ;;
	esac
	[ "$(cat /sys/module/atomic_counter/srcversion)" = "$(modinfo -F srcversion "$file")" ] ||
		{ echo "the loaded module's srcversion is not $file's"; return 1; }
	echo "$file, version $(cat /sys/module/atomic_counter/version)"
}

# What 60-atomic_counter.rules gives the node, once udev has handled it.
node_as_the_rule_makes_it() {
	udevadm settle --timeout=60 || return 1
	stat -c '%U %G %a' /dev/atomic_counter
	[ "$(stat -c '%U %G %a' /dev/atomic_counter)" = "root atomic_counter 660" ]
}

member_runs_the_tool() {
	local got
	id member
	got=$(runuser -u member -- sh -c 'atomic-counter set 8 41 && atomic-counter inc 8') || return 1
	echo "$got"
	[ "$(printf '%s\n' "$got" | tail -n 1)" = 42 ]
}

# Every selftest passes or skips (a test that needs root, or a module of
# the test tree, says SKIP), as a member of the group, not as root.
member_passes_the_selftests() {
	runuser -u member -- /opt/ac-selftests/run-tests.sh /opt/ac-selftests >/run/selftests.tap 2>&1
	local rc=$?
	echo "$(find /opt/ac-selftests -name "*_test" | wc -l) programs: $(grep -c '^ok ' /run/selftests.tap) ok (of them $(grep -c '^ok .*# SKIP' /run/selftests.tap) skipped), $(grep -c '^not ok ' /run/selftests.tap) not ok" |
		tee /run/selftests.summary
	grep '^not ok ' /run/selftests.tap
	[ "$rc" = 0 ] && ! grep -q '^not ok ' /run/selftests.tap && grep -q '^ok ' /run/selftests.tap
}

# The exact line the tool prints (userspace/tool), and a failure status.
outsider_is_told() {
	local got rc
	id outsider
	got=$(runuser -u outsider -- atomic-counter get 8 2>&1)
	rc=$?
	echo "exit $rc: $got"
	[ "$rc" != 0 ] &&
		[ "$got" = "atomic-counter: /dev/atomic_counter: permission denied: join the device's group (see atomic_counter(4))" ]
}

# A test that passes while the kernel warns has not passed.
kernel_log_clean() {
	! dmesg | grep -E 'WARNING:|BUG|Oops|Call Trace|general protection'
}

echo "# install: $name: Linux $kver, $(cat /sys/module/atomic_counter/version 2>/dev/null || echo 'no atomic_counter loaded')"
t module-loaded-at-boot-from-updates-dkms loaded_at_boot
t device-has-the-udev-rules-group-and-mode node_as_the_rule_makes_it
t group-member-runs-the-tool member_runs_the_tool
if grep -q 'ac_install_selftests=1' /proc/cmdline; then
	t group-member-passes-the-selftests-built-with-pkg-config member_passes_the_selftests
	echo "# install: $name: selftests as member: $(cat /run/selftests.summary)"
	# Each one, for the record (not counted twice: comment lines).
	sed -n 's/^\(not \)\{0,1\}ok [0-9]* /#   &/p' /run/selftests.tap
fi
t other-user-gets-the-permission-message outsider_is_told
t kernel-log-has-no-reports kernel_log_clean
echo "@@VM-EXIT $status"
# Off at once: the host has the sentinel, and the guest's disk is a
# throwaway overlay (qemu -snapshot). A clean poweroff through systemd
# (SuccessAction= in the unit) did not end the guest here in a minute.
sync
echo o >/proc/sysrq-trigger
exit $status
