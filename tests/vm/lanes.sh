# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The kernels the selftests run on, one name each (LANES="cloud rt kasan
# kcsan" by default in make check). Sourced; lane_setup NAME sets:
#   LANE_KERNEL   the image to boot
#   LANE_KDIR     its module build tree
#   LANE_MACHINE  QEMU machine type
#   LANE_APPEND   extra kernel command line
#   LANE_BUGS     planted bugs this lane's checkers must catch
#   LANE_DESC     the kernel version and config, for the log
# Debian's kernels are chosen by flavour, never by the running kernel.

debian_kernel() { # FLAVOUR: newest installed version with headers
	ls -d /lib/modules/*-"$1"/build 2>/dev/null | cut -d/ -f4 | sort -V | tail -n 1
}

lane_setup() {
	local top kver dir
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	case $1 in
	cloud | rt)
		kver=$(debian_kernel "$1-amd64")
		[ -n "$kver" ] || { echo "no linux-headers-$1-amd64 installed (make deps)"; return 1; }
		LANE_KERNEL=/boot/vmlinuz-$kver
		LANE_KDIR=/lib/modules/$kver/build
		LANE_MACHINE=pc
		LANE_APPEND=
		LANE_BUGS=warn
		LANE_DESC="Debian $kver ($(grep -o 'CONFIG_PREEMPT_RT=y\|CONFIG_PREEMPT_VOLUNTARY=y\|CONFIG_PREEMPT=y' "/boot/config-$kver" | head -n 1))"
		;;
	kasan | kcsan)
		dir=$("$top/scripts/build-kernel.sh" "$1") || return 1
		LANE_KERNEL=$dir/arch/x86/boot/bzImage
		LANE_KDIR=$dir
		# No ACPI in these kernels: under -M pc they would see one CPU.
		LANE_MACHINE=microvm,acpi=off
		LANE_APPEND="reboot=t tsc=reliable"
		if [ "$1" = kasan ]; then
			LANE_BUGS="oob leak sleep inversion"
		else
			LANE_BUGS="race inversion"
		fi
		LANE_DESC="Linux $(make -s -C "$dir" kernelversion 2>/dev/null) from linux-source $(dpkg-query -W -f '${Version}' linux-source-6.1), tinyconfig + tests/vm/kconfig/base.config + $1.config ($(basename "$dir"))"
		;;
	*)
		echo "unknown lane '$1' (cloud, rt, kasan, kcsan)"
		return 1
		;;
	esac
}

# The report each planted bug must produce in the guest's kernel log.
planted_report() {
	case $1 in
	warn) echo 'WARNING:' ;;
	leak) echo 'unreferenced object' ;;
	oob) echo 'BUG: KASAN: vmalloc-out-of-bounds' ;;
	sleep) echo 'BUG: sleeping function called from invalid context' ;;
	inversion) echo 'possible circular locking dependency' ;;
	race) echo 'BUG: KCSAN: data-race' ;;
	esac
}
