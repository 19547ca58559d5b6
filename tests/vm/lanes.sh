# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The kernels the selftests run on, one name each (make check's LANES; the
# "Kernel lanes" in docs/testing.md lists them). Sourced; lane_setup NAME sets:
#   LANE_KERNEL   the image to boot
#   LANE_KDIR     its module build tree
#   LANE_MACHINE  QEMU machine type
#   LANE_APPEND   extra kernel command line
#   LANE_BUGS     planted bugs this lane's checkers must catch
#   LANE_CPU      QEMU -cpu model (exported as VM_CPU for run-vm.sh)
#   LANE_DESC     the kernel version and config, for the log
#   LANE_ARCH     the guest's architecture: x86_64, or arm64 (exported as
#                 VM_ARCH: run-vm.sh boots qemu-system-aarch64)
#   LANE_CROSS    the cross compiler's prefix (CROSS_COMPILE) for a guest of
#                 another architecture than this machine's, else empty
#   LANE_KBUILD   kbuild's ARCH= CROSS_COMPILE= for the lane's module builds
#   LANE_BUSYBOX  the guest's busybox (exported as VM_BUSYBOX; empty: this
#                 machine's)
#   LANE_BUILD    where the guest's programs are (build/tests and
#                 build/static under it; make cross-userspace's CROSS_BUILD)
#   LANE_TIMEOUT  the selftests guest's time limit in seconds
# Debian's kernels are unpacked into the cache with their headers, never
# installed (a workstation's boot loader would boot an installed one next),
# and never taken from the running kernel or from /boot and /lib/modules.

# make check's lanes when LANES is not given ("Kernel lanes" in
# docs/testing.md says why these), and the ones make check-fresh runs in
# its fresh root (FRESH_LANES): both Debian kernels, PREEMPT_RT among them,
# one kernel built from source, Debian's 6.12 headers from another suite
# and Debian's arm64 kernel with the cross toolchain, so that every package
# deps.sh installs is used. CI runs each default lane once: these in the
# fresh root, the rest on the machine. "install" is no kernel lane
# (tests/check.sh runs tests/vm/install-lane.sh for it): the Debian
# packages installed with apt and booted in a Debian 12 root; it needs
# chroot and mount, so it runs on the machine, not in the fresh root.
default_lanes="cloud rt kasan kcsan v5.10 deb6.12 rt-debug arm64 install"
fresh_lanes="cloud rt kasan deb6.12 arm64"

# debian_lane SUITE FLAVOUR: Debian's kernel of FLAVOUR from SUITE with its
# headers, unpacked by fetch-kernel.sh: the module is built against the
# distribution's own headers, as DKMS builds it for its users.
debian_lane() {
	local top dir kver
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	dir=$("$top/scripts/fetch-kernel.sh" "$1" "linux-image-$2" "linux-headers-$2") || return 1
	kver=$(ls "$dir/lib/modules" | sort -V | tail -n 1)
	LANE_KERNEL=$dir/boot/vmlinuz-$kver
	LANE_KDIR=$dir/lib/modules/$kver/build
	LANE_MACHINE=pc
	LANE_APPEND=
	LANE_BUGS=warn
	LANE_DESC="Debian $kver from $1 ($(sed -n "s/^linux-image-$2=//p" "$dir/packages"), $(grep -o 'CONFIG_PREEMPT_RT=y\|CONFIG_PREEMPT_VOLUNTARY=y\|CONFIG_PREEMPT=y\|CONFIG_PREEMPT_DYNAMIC=y' "$dir/boot/config-$kver" | head -n 1)), unpacked with its headers"
}

# QEMU 7.2's TCG (Debian 12) corrupts EFLAGS around the CMPXCHG16B that
# SLUB's fast path uses in later kernels (this_cpu_try_cmpxchg128, a flag
# output): of 12 boots of Debian's 6.12 here, 7 died early (5 double faults
# in kmem_cache_alloc with a pointer's bits in EFLAGS, 1 invalid opcode, 1
# IO-APIC timer check), and 0 of 10 without the feature, where SLUB takes
# its locked slow path. The module's atomics are 64-bit and never use it.
cpu_no_cx16=max,-cx16

# What both arm64 lanes share: the cross compiler, an arm64 busybox, the
# aarch64 build of the programs, and qemu-system-aarch64 -M virt.
arm64_guest() {
	local bb
	bb=$("$top/scripts/fetch-kernel.sh" bookworm busybox-static:arm64) || return 1
	LANE_CROSS=$("$top/scripts/cross-gcc.sh") || return 1
	LANE_ARCH=arm64
	LANE_KBUILD="ARCH=arm64 CROSS_COMPILE=$LANE_CROSS"
	LANE_BUSYBOX=$bb/bin/busybox
	LANE_BUILD=$top/build/arm64
	# Emulating arm64 on x86-64 is slower than x86-64 on x86-64:
	# measured in docs/testing.md, twice that for a loaded host.
	LANE_TIMEOUT=2400
	LANE_MACHINE=virt
	LANE_APPEND=
	# Debian's arm64 kernels sign and check nearly every return address
	# (pointer authentication), and TCG computes the architected QARMA5
	# cipher for each in software: QEMU's own cheap hash keeps every PAC
	# instruction running, at a fraction of the cost (getppid 13.5 us
	# against 2.9 us; docs/performance.md). A harness flag, as the x86
	# lanes' -cx16: the module is unchanged.
	LANE_CPU=max,pauth-impdef=on
}

lane_setup() {
	local top dir kver
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	LANE_CPU=max
	LANE_ARCH=x86_64
	LANE_CROSS=
	LANE_KBUILD=
	LANE_BUSYBOX=
	LANE_BUILD=$top/build
	LANE_TIMEOUT=900
	case $1 in
	cloud | rt)
		# Debian 12's own 6.1 kernels.
		debian_lane bookworm "$1-amd64" || return 1
		;;
	kasan | kcsan | v5.10 | v6.12 | v7.3 | rt-debug)
		dir=$("$top/scripts/build-kernel.sh" "$1") || return 1
		LANE_KERNEL=$dir/arch/x86/boot/bzImage
		LANE_KDIR=$dir
		# No ACPI in these kernels: under -M pc they would see one CPU.
		LANE_MACHINE=microvm,acpi=off
		LANE_APPEND="reboot=t"
		case $1 in
		kasan)
			LANE_BUGS="oob leak sleep inversion"
			# Every KASAN report, not only the first: one from the
			# kernel's own boot must not hide the module's. 4-level
			# paging: under -cpu max (LA57) inline KASAN in 6.1 can
			# take an interrupt in identify_cpu(), while the LA57 bit
			# is briefly clear, for a wild-memory-access in
			# do_raw_spin_lock (a false report; patch on LKML, 2026).
			LANE_APPEND="$LANE_APPEND kasan_multi_shot no5lvl"
			;;
		kcsan) LANE_BUGS="race inversion" ;;
		# spinlock_t sleeps on RT: only there is taking one with
		# preemption off a bug, and only there may the report appear.
		rt-debug) LANE_BUGS="rt_spinlock inversion" ;;
		# Lockdep and the sleep check are in every built kernel's base.
		*) LANE_BUGS="sleep inversion" ;;
		esac
		LANE_DESC=$(cat "$dir/.desc")
		case $1 in v6.12 | v7.3 | rt-debug) LANE_CPU=$cpu_no_cx16 ;; esac
		;;
	deb6.12)
		# Debian 12's backported 6.12 cloud kernel.
		debian_lane bookworm-backports cloud-amd64 || return 1
		LANE_CPU=$cpu_no_cx16
		;;
	arm64)
		# Debian 12's 6.1 cloud kernel for arm64 with its headers and
		# an arm64 busybox, unpacked; the module cross-built against
		# the headers, the guest's programs by make cross-userspace;
		# booted by qemu-system-aarch64 -M virt under TCG.
		dir=$("$top/scripts/fetch-kernel.sh" bookworm linux-image-cloud-arm64:arm64 \
			linux-headers-cloud-arm64:arm64) || return 1
		arm64_guest || return 1
		kver=$(ls "$dir/lib/modules" | sort -V | tail -n 1)
		LANE_KERNEL=$dir/boot/vmlinuz-$kver
		LANE_KDIR=$dir/lib/modules/$kver/build
		LANE_BUGS=warn
		LANE_DESC="Debian $kver from bookworm ($(sed -n 's/^linux-image-cloud-arm64:arm64=//p' "$dir/packages"), $(grep -o 'CONFIG_PREEMPT_VOLUNTARY=y\|CONFIG_PREEMPT=y\|CONFIG_PREEMPT_NONE=y' "$dir/boot/config-$kver" | head -n 1), $(grep -o 'CONFIG_ARM64_[0-9]*K_PAGES=y' "$dir/boot/config-$kver")), unpacked with its headers; qemu-system-aarch64 -M virt, TCG"
		;;
	arm64-64k)
		# linux-source-6.1 cross-built for arm64 with 64 KiB pages
		# (build-kernel.sh arm64-64k), booted as the arm64 lane's.
		arm64_guest || return 1
		dir=$(CROSS_COMPILE=$LANE_CROSS "$top/scripts/build-kernel.sh" arm64-64k) || return 1
		LANE_KERNEL=$dir/arch/arm64/boot/Image
		LANE_KDIR=$dir
		# Lockdep and the sleep check, as in every built kernel's base.
		LANE_BUGS="sleep inversion"
		LANE_DESC="$(cat "$dir/.desc"); qemu-system-aarch64 -M virt, TCG"
		;;
	*)
		echo "unknown lane '$1' (cloud, rt, kasan, kcsan, v5.10, v6.12, v7.3, deb6.12, rt-debug, arm64, arm64-64k)"
		return 1
		;;
	esac
	VM_CPU=$LANE_CPU
	VM_ARCH=$LANE_ARCH
	VM_BUSYBOX=$LANE_BUSYBOX
	export VM_CPU VM_ARCH VM_BUSYBOX
}

# The report each planted bug must produce in the guest's kernel log.
planted_report() {
	case $1 in
	warn) echo 'WARNING:' ;;
	leak) echo 'unreferenced object' ;;
	oob) echo 'BUG: KASAN: vmalloc-out-of-bounds' ;;
	sleep | rt_spinlock) echo 'BUG: sleeping function called from invalid context' ;;
	inversion) echo 'possible circular locking dependency' ;;
	race) echo 'BUG: KCSAN: data-race' ;;
	esac
}
