#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The aarch64 cross compiler for the arm64 lane: prints the CROSS_COMPILE
# prefix (DIR/bin/aarch64-linux-gnu-), whose gcc is Debian 12's
# aarch64-linux-gnu-gcc-12 and whose binutils are the machine's.
#
# Why not installed: on Debian 12, gcc-12-aarch64-linux-gnu conflicts with
# gcc-multilib (its /usr/include/asm link), which the x86 lanes need for
# their 32-bit compat tests; installing one removes the other. Everything
# else of the cross toolchain installs beside it (make deps: cc1 in
# cpp-12-aarch64-linux-gnu, libgcc, the C library, binutils), so only the
# driver package is unpacked into the cache (scripts/fetch-kernel.sh), and
# the parts the driver looks for beside itself link to the installed ones.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
triple=aarch64-linux-gnu
gccver=12
pkg=gcc-$gccver-$triple
# The driver and cc1 must be the same build: the same version as the
# installed cpp package (which make deps installs from the same suite).
want=$(dpkg-query -W -f '${Version}' "cpp-$gccver-$triple" 2>/dev/null) ||
	{ echo "cross-gcc: cpp-$gccver-$triple not installed: make deps" >&2; exit 1; }
dir=$("$here/fetch-kernel.sh" bookworm "$pkg") || exit 1
got=$(sed -n "s/^$pkg=//p" "$dir/packages")
[ "$got" = "$want" ] || { echo "cross-gcc: unpacked $pkg $got, installed cpp-$gccver-$triple $want: FETCH_REFRESH=1 or apt-get upgrade" >&2; exit 1; }
lib=$dir/usr/lib/gcc-cross/$triple/$gccver
if [ ! -f "$dir/.linked" ]; then
	# cc1, libgcc, crt*.o and the compiler's headers, where the relocated
	# driver looks for them; the target's headers, libraries and
	# assembler under DIR/usr/TRIPLE, as under /usr.
	for f in "/usr/lib/gcc-cross/$triple/$gccver"/*; do
		[ -e "$lib/${f##*/}" ] || ln -s "$f" "$lib/"
	done
	ln -sfn "/usr/$triple" "$dir/usr/$triple"
	mkdir -p "$dir/bin"
	# Debian's kernel headers call it gcc-12 (the kernel's compiler).
	ln -sfn "../usr/bin/$triple-gcc-$gccver" "$dir/bin/$triple-gcc"
	ln -sfn "../usr/bin/$triple-gcc-$gccver" "$dir/bin/$triple-gcc-$gccver"
	for t in /usr/bin/"$triple"-*; do
		case ${t##*/} in *-gcc* | *-cpp*) continue ;; esac
		ln -sfn "$t" "$dir/bin/"
	done
	touch "$dir/.linked"
fi
[ -x "$dir/bin/$triple-ld" ] || { echo "cross-gcc: no /usr/bin/$triple-ld: make deps (binutils-$triple)" >&2; exit 1; }
echo "$dir/bin/$triple-"
