#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install what building and testing atomic_counter needs, on Debian 12.
# Says what it installs; when it cannot install (not root, no apt-get) it
# prints the command to run by hand and fails.
set -eu

want=()
need() { # need PACKAGE TEST...
	local pkg=$1
	shift
	"$@" >/dev/null 2>&1 || want+=("$pkg")
}
has() { command -v "$1"; }
static_busybox() { [ -x /bin/busybox ] && ! readelf -l /bin/busybox | grep -q INTERP; }
m32() { printf 'int main(void){return 0;}\n' | gcc -m32 -static -x c -o /dev/null -; }

need make has make
need gcc has gcc
need gcc-multilib m32
need qemu-system-x86 has qemu-system-x86_64
need linux-image-cloud-amd64 compgen -G '/boot/vmlinuz-*-cloud-amd64'
need linux-headers-cloud-amd64 compgen -G '/lib/modules/*-cloud-amd64/build/Makefile'
need busybox-static static_busybox
need cpio has cpio
need kmod has modinfo
need linux-source-6.1 test -r /usr/src/linux-source-6.1.tar.xz
need xz-utils has xz
need sparse has sparse
need dkms has dkms
need pkg-config has pkg-config
need gnuplot-nox has gnuplot
need groff-base has groff
need openssl has openssl

[ ${#want[@]} -eq 0 ] && exit 0

echo "deps: installing ${want[*]}"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "deps: cannot install here (needs root and apt-get); run:" >&2
	echo "  sudo apt-get install ${want[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale.
if ! apt-get install -y -q --no-install-recommends "${want[@]}" >/tmp/atomic_counter-deps.log 2>&1; then
	apt-get update -q >>/tmp/atomic_counter-deps.log 2>&1
	apt-get install -y -q --no-install-recommends "${want[@]}" >>/tmp/atomic_counter-deps.log 2>&1 || {
		echo "deps: apt-get failed; see /tmp/atomic_counter-deps.log" >&2
		tail -n 20 /tmp/atomic_counter-deps.log >&2
		exit 1
	}
fi
echo "deps: done"
