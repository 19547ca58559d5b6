#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The ordering proof (docs/testing.md, "The ordering proof"):
#
#   ordering-proof.sh kernel [KDIR_ARM64]   every (operation, ordering) of
#       kmod/ops.c built for arm64, then the planted swap, which must fail
#   ordering-proof.sh page                  the library's inline page path
#
# KDIR_ARM64 (argument or environment): an arm64 kernel build tree (Debian's
# linux-headers-*-arm64 unpacked, with its kbuild). Exits 77 (SKIP), saying
# why on its last line, without that tree or the cross compiler.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${ORDERING_OUT:-$top/build/ordering}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
check=$top/tests/ordering/check_orderings.py
export OBJDUMP=${cross}objdump OBJCOPY=${cross}objcopy

need() {
	command -v "$1" >/dev/null && return 0
	echo "no $1: apt-get install $2"
	exit 77
}

# build_probe DIR [DEFINE]: tests/ordering/ordering_probe.c (which includes
# kmod/ops.c) built against the arm64 tree as an object, in DIR.
build_probe() {
	rm -rf "$1" && mkdir -p "$1" || return 1
	cp "$top/tests/ordering/ordering_probe.c" "$1/" || return 1
	cat >"$1/Kbuild" <<-KB
	ccflags-y := -I$top/uapi -I$top/kmod/include -I$top/kmod ${2:-}
	obj-m := ordering_probe.o
	KB
	make -s -C "$kdir" M="$1" ARCH=arm64 CROSS_COMPILE="$cross" ordering_probe.o
}

case ${1:-} in
kernel)
	kdir=${2:-${KDIR_ARM64:-}}
	if [ -z "$kdir" ] || [ ! -f "$kdir/.config" ]; then
		echo "no arm64 kernel tree: set KDIR_ARM64 (Debian's linux-headers-*-arm64 unpacked)"
		exit 77
	fi
	# Debian's arm64 headers name the compiler they were built with.
	need "${cross}gcc-12" gcc-12-aarch64-linux-gnu
	need "$OBJDUMP" binutils-aarch64-linux-gnu
	build_probe "$out/kernel" || exit 1
	echo "# kmod/ops.c for arm64 against $kdir"
	python3 "$check" kernel "$out/kernel/ordering_probe.o" "$top/uapi/linux/atomic_counter.h" \
		>"$out/kernel.txt"
	rc=$?
	cat "$out/kernel.txt"
	[ $rc -eq 0 ] || exit 1
	# The planted mapping bug: FETCH_ADD's ACQUIRE and RELEASE entries
	# swapped. The proof must fail on exactly those two pairs.
	build_probe "$out/planted" -DAC_PLANT_ORDER_SWAP || exit 1
	python3 "$check" kernel "$out/planted/ordering_probe.o" "$top/uapi/linux/atomic_counter.h" \
		>"$out/planted.txt"
	rc=$?
	caught=$(grep -o '^  MISMATCH [A-Z_]* [A-Z]*' "$out/planted.txt" | sort -u | awk '{print $2, $3}' | tr '\n' ',')
	if [ $rc -ne 1 ] || [ "$caught" != "FETCH_ADD ACQUIRE,FETCH_ADD RELEASE," ]; then
		echo "the planted swap of FETCH_ADD's ACQUIRE and RELEASE was not caught as it should be"
		echo "(exit $rc, failing pairs: ${caught:-none}):"
		cat "$out/planted.txt"
		exit 1
	fi
	echo "# the planted swap (FETCH_ADD ACQUIRE <-> RELEASE) fails the proof, as it should:"
	grep -E '^(FETCH_ADD |  MISMATCH)' "$out/planted.txt"
	echo "# FETCH_ADD: ordering -> LSE instruction (run where the CPU has LSE) / LL/SC sequence"
	grep '^FETCH_ADD ' "$out/kernel.txt"
	;;
page)
	need "${cross}gcc" gcc-aarch64-linux-gnu
	need "$OBJDUMP" binutils-aarch64-linux-gnu
	[ -f "$top/userspace/include/atomic_counter_version.h" ] ||
		{ echo "userspace/include/atomic_counter_version.h missing: make userspace first"; exit 1; }
	mkdir -p "$out/page" || exit 1
	# GCC 12's default for aarch64 is -moutline-atomics: libgcc helpers
	# that pick LSE or LL/SC at run time; armv8.1-a inlines LSE.
	for form in outline lse; do
		flags=()
		[ $form = lse ] && flags=(-march=armv8.1-a)
		"${cross}gcc" -std=c11 -O2 -Wall -Wextra -Werror "${flags[@]}" -I"$top/uapi" \
			-I"$top/userspace/include" -c -o "$out/page/$form.o" \
			"$top/tests/ordering/page_probe.c" || exit 1
	done
	python3 "$check" page "$out/page/outline.o" "$out/page/lse.o"
	;;
*)
	echo "usage: $0 kernel [KDIR_ARM64] | page" >&2
	exit 2
	;;
esac
