#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install what building and testing atomic_counter needs, on Debian 12.
# The one list of the project's packages: every command a Makefile target or
# a script of ours calls comes from a package here (or from Debian's
# essential set). A command missing from it is a bug, which make check-fresh
# exists to catch. Says what it installs, and changes nothing else: no
# kernel, no headers, nothing in /boot or /lib/modules (make check-fresh
# checks that too). When it cannot install (not root, no apt-get) it prints
# the command to run by hand and fails.
set -eu

packages=(
	# Userspace, the selftests (gcc -m32 for the compat tests), the tool.
	# gcc-12-multilib, not gcc-multilib: that one only adds the
	# /usr/include/asm link, and conflicts with every cross compiler (the
	# arm64 lanes'); the -m32 builds name the asm directory themselves.
	make gcc libc6-dev gcc-12-multilib g++ binutils pkg-config
	# The guest: the emulator and the initramfs. No kernel: the kernels the
	# guest boots, and their headers, are unpacked into the cache by
	# scripts/fetch-kernel.sh; an installed one is what a workstation's
	# boot loader would boot next.
	qemu-system-x86 busybox-static cpio gzip kmod
	# The arm64 lane: the emulator and the cross toolchain, all but the
	# gcc driver package (gcc-12-aarch64-linux-gnu conflicts with
	# gcc-multilib, which a developer's machine may well have, and
	# installing it would remove that: scripts/cross-gcc.sh unpacks it
	# into the cache): cc1, libgcc, the C library for static test programs,
	# binutils. Its kernel, headers and busybox are Debian's arm64
	# packages, unpacked into the cache by scripts/fetch-kernel.sh like
	# the amd64 lanes' kernels.
	qemu-system-arm cpp-12-aarch64-linux-gnu libgcc-12-dev-arm64-cross
	libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	# The ordering proof's checker (tests/ordering/check_orderings.py),
	# which a minimal Debian root does not have.
	python3
	# pahole, which the module build of Debian's 6.12 headers (the deb6.12
	# lane; DKMS users of that kernel) runs for the modules' BTF.
	dwarves
	# The kselftest harness, checkpatch, kernel-doc, and the debug kernels
	# built from the same source (kconfig's lexer and parser, bc for
	# timeconst, libelf for objtool, libssl for certificate tools).
	linux-source-6.1 xz-utils perl flex bison bc libelf-dev libssl-dev
	# Checks and installation: sparse, DKMS, signing, man pages, the plot.
	sparse dkms openssl groff-base gnuplot-nox
	# The library's ABI check: abidiff against the committed baseline.
	abigail-tools
	# make deb and its check: dpkg-buildpackage, debhelper (compat 13,
	# dh_installsysusers), dh_dkms for the DKMS package, lintian on the
	# result. The Build-Depends of debian/control are all among these
	# (pkgconf comes with pkg-config), and build-essential, which
	# dpkg-buildpackage requires of every build (a minimal root lacked it).
	dpkg-dev debhelper dh-dkms lintian build-essential
	# scripts/fetch-kernel.sh: Debian's archive keys, which sign the other
	# suites too.
	debian-archive-keyring
	# The Rust crate and the Go module (bindings/, scripts/bindings.sh):
	# Debian's rustc and cargo with the one crate the binding uses, from
	# Debian's registry directory, and Go; no other registry is used.
	rustc cargo librust-libc-dev golang-go
	# make check-fresh: a minimal Debian root to run the README in; the
	# install lane builds its Debian 12 system on the same root and packs
	# it into a disk image (mkfs.ext4 -d, no loop device).
	debootstrap git ca-certificates e2fsprogs
)

want=()
if command -v dpkg-query >/dev/null; then
	# One query for all (one each took 23 s on a busy machine).
	declare -A have=()
	while read -r p s; do
		[ "$s" = installed ] && have[$p]=1
	done < <(dpkg-query -W -f '${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null)
	for p in "${packages[@]}"; do
		[ -n "${have[$p]:-}" ] || want+=("$p")
	done
else
	want=("${packages[@]}")
fi
[ ${#want[@]} -eq 0 ] && exit 0

echo "deps: installing ${want[*]}"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "deps: cannot install here (needs root and apt-get); run:" >&2
	echo "  sudo apt-get install ${want[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=/tmp/atomic_counter-deps.log
# The package lists of a fresh machine may be empty or stale.
if ! apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${want[@]}" >$log 2>&1; then
	apt-get update -q >>$log 2>&1
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${want[@]}" >>$log 2>&1 || {
		echo "deps: apt-get failed; see $log" >&2
		tail -n 20 $log >&2
		exit 1
	}
fi
echo "deps: done"
