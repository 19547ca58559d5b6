#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build a debug kernel for the VM harness from Debian's linux-source-6.1:
# tinyconfig + tests/vm/kconfig/base.config + tests/vm/kconfig/VARIANT.config.
# Cached outside the clone, keyed by the source package version and the
# configs, so a second run costs nothing. Prints the build directory, which
# holds arch/x86/boot/bzImage and serves as the module build tree (KDIR).
#
# usage: build-kernel.sh kasan|kcsan
set -eu
variant=${1:?usage: build-kernel.sh kasan|kcsan}
top=$(cd "$(dirname "$0")/.." && pwd)
conf=$top/tests/vm/kconfig
[ -f "$conf/$variant.config" ] || { echo "build-kernel: no $conf/$variant.config" >&2; exit 2; }
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "build-kernel: $tarball missing: apt-get install linux-source-6.1" >&2; exit 1; }

srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1)
key=$(cat "$conf/base.config" "$conf/$variant.config" | sha256sum | cut -c1-12)
src=$cache/linux-source-$srcver
out=$cache/kernels/$variant-$srcver-$key
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

log=$cache/kernels/$variant-build.log
mkdir -p "$cache/kernels"
echo "build-kernel: building the $variant kernel from linux-source $srcver (a few minutes; log: $log)" >&2
{
	if [ ! -f "$src/.done" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		tar -xJf "$tarball" -C "$src" --strip-components=1
		touch "$src/.done"
	fi
	rm -rf "$out"
	mkdir -p "$out"
	make -C "$src" O="$out" tinyconfig
	# Apply the fragments in order, the later one winning.
	for f in "$conf/base.config" "$conf/$variant.config"; do
		sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=\(.*\)$/\1 \2/p; s/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1 n/p' "$f" |
		while read -r opt val; do
			case $val in
			y) "$src/scripts/config" --file "$out/.config" --enable "$opt" ;;
			n) "$src/scripts/config" --file "$out/.config" --disable "$opt" ;;
			*) "$src/scripts/config" --file "$out/.config" --set-val "$opt" "$val" ;;
			esac
		done
	done
	make -C "$src" O="$out" olddefconfig
} >"$log" 2>&1 || { echo "build-kernel: configuring failed; see $log" >&2; exit 1; }

# An option that olddefconfig dropped (a missing dependency) would leave a
# lane silently weaker than it claims: refuse to build it.
missing=$(cat "$conf/base.config" "$conf/$variant.config" |
	sed -n 's/^\(CONFIG_[A-Z0-9_]*=.*\)$/\1/p; s/^\(# CONFIG_[A-Z0-9_]* is not set\)$/\1/p' |
	while read -r line; do
		opt=$(echo "$line" | grep -o 'CONFIG_[A-Z0-9_]*')
		# A later fragment may override an earlier one; check the last word.
		last=$(grep -h "$opt[= ]" "$conf/base.config" "$conf/$variant.config" | tail -n 1)
		[ "$line" = "$last" ] || continue
		case $line in
		"# "*) if grep -q "^$opt=" "$out/.config"; then echo "$opt (should be off)"; fi ;;
		*) if ! grep -qx "$line" "$out/.config"; then echo "$line"; fi ;;
		esac
	done)
if [ -n "$missing" ]; then
	echo "build-kernel: options did not stick in the $variant config:" >&2
	echo "$missing" | sed 's/^/  /' >&2
	exit 1
fi

if ! make -C "$src" O="$out" -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	echo "build-kernel: build failed; see $log" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
touch "$out/.done"
echo "$out"
