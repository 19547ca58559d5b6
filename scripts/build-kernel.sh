#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build a kernel for the VM harness from Debian's linux-source packages:
# tinyconfig + tests/vm/kconfig/base.config + linux-SERIES.config (what
# moved in that series, when anything did) + VARIANT.config (when there is
# one). Cached outside the clone, keyed by the source package version, the
# configs and the compiler and pahole versions, so a second run costs
# nothing. Prints the build directory, which holds arch/x86/boot/bzImage
# and serves as the module build tree (KDIR).
#
# arm64 variants are cross-built (ARCH=arm64) from tinyconfig +
# arm64.config (base.config is partly x86's) + VARIANT.config; the build
# directory holds arch/arm64/boot/Image, and a module build against it
# needs ARCH=arm64 CROSS_COMPILE=... too. The cross compiler is
# $CROSS_COMPILE when set, else scripts/cross-gcc.sh's when there is one,
# else aarch64-linux-gnu- from the PATH.
#
# usage: build-kernel.sh VARIANT
#   kasan, kcsan   debug kernels from linux-source-6.1 (installed by deps)
#   v5.10          linux-source-5.10 from bullseye      } fetched by
#   v6.12          linux-source-6.12 from trixie        } fetch-kernel.sh
#   v7.3           linux-source-7.3 from trixie-backports }
#   rt-debug       linux-source-7.3, PREEMPT_RT with lockdep and
#                  sleep-in-atomic checks
#   arm64-64k      linux-source-6.1 for arm64 with 64 KiB pages, lockdep
#                  and sleep-in-atomic checks
set -eu
variant=${1:?usage: build-kernel.sh kasan|kcsan|v5.10|v6.12|v7.3|rt-debug|arm64-64k}
top=$(cd "$(dirname "$0")/.." && pwd)
conf=$top/tests/vm/kconfig
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
arch=x86
case $variant in
kasan | kcsan) series=6.1 suite= ;;
arm64-64k) series=6.1 suite= arch=arm64 ;;
v5.10) series=5.10 suite=bullseye ;;
v6.12) series=6.12 suite=trixie ;;
v7.3 | rt-debug) series=7.3 suite=trixie-backports ;;
*) echo "build-kernel: unknown variant '$variant'" >&2; exit 2 ;;
esac
if [ "$arch" = x86 ]; then
	fragments=("$conf/base.config")
	image=bzImage
	kmake=()
	cc=gcc
else
	fragments=("$conf/$arch.config")
	image=Image
	if [ -n "${CROSS_COMPILE:-}" ]; then
		cross=$CROSS_COMPILE
	elif [ -x "$top/scripts/cross-gcc.sh" ]; then
		cross=$("$top/scripts/cross-gcc.sh") || exit 1
	else
		cross=aarch64-linux-gnu-
	fi
	command -v "${cross}gcc" >/dev/null ||
		{ echo "build-kernel: no ${cross}gcc: make deps (the aarch64 cross compiler)" >&2; exit 1; }
	kmake=(ARCH="$arch" CROSS_COMPILE="$cross")
	cc=${cross}gcc
fi
[ -f "$conf/linux-$series.config" ] && fragments+=("$conf/linux-$series.config")
[ -f "$conf/$variant.config" ] && fragments+=("$conf/$variant.config")

if [ -z "$suite" ]; then
	tarball=/usr/src/linux-source-$series.tar.xz
	[ -r "$tarball" ] || { echo "build-kernel: $tarball missing: apt-get install linux-source-$series" >&2; exit 1; }
	srcver=$(dpkg-query -W -f '${Version}' "linux-source-$series")
else
	debs=$("$top/scripts/fetch-kernel.sh" "$suite" "linux-source-$series") || exit 1
	tarball=$debs/usr/src/linux-source-$series.tar.xz
	srcver=$(sed -n "s/^linux-source-$series=//p" "$debs/packages")
fi
# The toolchain too: a kernel built before pahole was installed records
# version 0, and 7.x's module build then warns that pahole differs.
key=$({
	cat "${fragments[@]}"
	"$cc" --version | head -n 1
	pahole --version 2>/dev/null || echo "no pahole"
} | sha256sum | cut -c1-12)
# The 6.1 tree keeps the name it had before other series were built.
src=$cache/linux-source-$srcver
[ "$series" = 6.1 ] || src=$cache/linux-source-$series-$srcver
out=$cache/kernels/$variant-$srcver-$key
mkdir -p "$cache/kernels"
# One build of a kernel at a time: a second caller (another lane, another
# checkout) waits for the first and then finds it done.
exec 9>"$cache/kernels/.lock-$variant"
flock 9
# What the lane prints: the kernel, where it came from, how configured.
describe() {
	echo "Linux $(make -s -C "$out" "${kmake[@]}" kernelversion 2>/dev/null) from linux-source-$series $srcver${suite:+ ($suite)}, tinyconfig + $(for f in "${fragments[@]}"; do basename "$f"; done | paste -sd+ | sed 's/+/ + /g')" >"$out/.desc"
}
if [ -f "$out/.done" ]; then
	[ -f "$out/.desc" ] || describe
	echo "$out"
	exit 0
fi

log=$cache/kernels/$variant-build.log
mkdir -p "$cache/kernels"
echo "build-kernel: building the $variant kernel from linux-source-$series $srcver (a few minutes; log: $log)" >&2
{
	# Variants of one series share its source tree: unpacked once.
	exec 8>"$src.lock"
	flock 8
	if [ ! -f "$src/.done" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		tar -xJf "$tarball" -C "$src" --strip-components=1
		touch "$src/.done"
	fi
	flock -u 8
	rm -rf "$out"
	mkdir -p "$out"
	make -C "$src" O="$out" "${kmake[@]}" tinyconfig
	# Apply the fragments in order, the later one winning.
	for f in "${fragments[@]}"; do
		sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=\(.*\)$/\1 \2/p; s/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1 n/p' "$f" |
		while read -r opt val; do
			case $val in
			y) "$src/scripts/config" --file "$out/.config" --enable "$opt" ;;
			n) "$src/scripts/config" --file "$out/.config" --disable "$opt" ;;
			*) "$src/scripts/config" --file "$out/.config" --set-val "$opt" "$val" ;;
			esac
		done
	done
	make -C "$src" O="$out" "${kmake[@]}" olddefconfig
} >"$log" 2>&1 || { echo "build-kernel: configuring failed; see $log" >&2; exit 1; }

# An option that olddefconfig dropped (a missing dependency) would leave a
# lane silently weaker than it claims: refuse to build it.
missing=$(cat "${fragments[@]}" |
	sed -n 's/^\(CONFIG_[A-Z0-9_]*=.*\)$/\1/p; s/^\(# CONFIG_[A-Z0-9_]* is not set\)$/\1/p' |
	while read -r line; do
		opt=$(echo "$line" | grep -o 'CONFIG_[A-Z0-9_]*')
		# A later fragment may override an earlier one; check the last word.
		last=$(grep -h "${opt}[= ]" "${fragments[@]}" | tail -n 1)
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

if ! make -C "$src" O="$out" "${kmake[@]}" -j"$(nproc)" "$image" modules >>"$log" 2>&1; then
	echo "build-kernel: build failed; see $log" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
describe
touch "$out/.done"
echo "$out"
