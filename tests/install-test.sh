#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Installing as users do, each check one TAP line:
#  - make install DESTDIR=... installs exactly the list in README.md;
#  - a program built with pkg-config against that install links and runs,
#    shared and static;
#  - DKMS adds, builds and installs the tree against the cloud kernel's
#    headers, into /lib/modules/$KVER/updates/dkms, and removes it cleanly;
#  - make sign signs the module with a (throwaway) MOK key;
#  - in a guest: modprobe from a depmod'ed tree, the device node's group and
#    mode as the installed udev rule and the mode parameter give them, and a
#    member of the group can use the device while another user cannot.
# usage: install-test.sh MAKE KVER KDIR KERNEL MODULE.ko (MODULE built for KVER)
set -u
make=${1:-make}
kver=$2 kdir=$3 kernel=$4 module=$5
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
work=$(mktemp -d /tmp/acinstall.XXXXXX)
trap 'rm -rf "$work"' EXIT
version=$(cat VERSION)

ok() { echo "ok install.$1"; }
fail() {
	echo "not ok install.$1"
	[ -f "$work/log" ] && sed 's/^/#   /' "$work/log" | tail -n 30
}

# 1. The staged file list against the README's.
stage=$work/stage
if $make -s install DESTDIR="$stage" >"$work/log" 2>&1; then
	(cd "$stage" && find . -type f -o -type l | sed 's|^\.||' | sort) >"$work/got"
	sed -n '/<!-- install-list -->/,/<!-- \/install-list -->/p' README.md |
		grep '^    /' | sed 's/^    //; s/VERSION/'"$version"'/' | sort >"$work/want"
	if [ -s "$work/want" ] && diff -u "$work/want" "$work/got" >"$work/log"; then
		ok make_install_installs_the_documented_files
	else
		fail make_install_installs_the_documented_files
	fi
else
	fail make_install_installs_the_documented_files
fi

# 2. A program built the way the README says, against the staged install.
cat >"$work/prog.c" <<'EOC'
#include <stdio.h>
#include <atomic_counter.h>
int main(void)
{
	printf("%s %s\n", ac_version(), ac_op_name(ATOMIC_COUNTER_OP_FETCH_ADD));
	return 0;
}
EOC
pc() { PKG_CONFIG_PATH=$stage/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage pkg-config "$@" atomic_counter; }
if gcc -std=c11 -Wall -Werror -o "$work/prog" "$work/prog.c" $(pc --cflags --libs) >"$work/log" 2>&1 &&
   [ "$(LD_LIBRARY_PATH=$stage/usr/local/lib "$work/prog")" = "$version fetch_add" ] &&
   gcc -std=c11 -static -o "$work/prog-static" "$work/prog.c" $(pc --cflags --libs --static) >>"$work/log" 2>&1 &&
   [ "$("$work/prog-static")" = "$version fetch_add" ]; then
	ok pkg_config_program_links_and_runs
else
	fail pkg_config_program_links_and_runs
fi
rm -f "$work/log"

# 3. DKMS, as root, against the installed headers.
if [ "$(id -u)" != 0 ] || ! command -v dkms >/dev/null; then
	echo "ok install.dkms_add_build_install_remove # SKIP needs root and dkms"
elif $make -s dkms-install KVER="$kver" >"$work/log" 2>&1 &&
     [ -f "/lib/modules/$kver/updates/dkms/atomic_counter.ko" ] &&
     [ "$(modinfo -F version "/lib/modules/$kver/updates/dkms/atomic_counter.ko")" = "$version" ] &&
     dkms status -m atomic_counter | grep -q "$kver.*installed" &&
     $make -s dkms-uninstall >>"$work/log" 2>&1 &&
     [ ! -e "/lib/modules/$kver/updates/dkms/atomic_counter.ko" ] &&
     [ ! -d "/usr/src/atomic_counter-$version" ] && [ -z "$(dkms status -m atomic_counter)" ]; then
	ok dkms_add_build_install_remove
else
	fail dkms_add_build_install_remove
	$make -s dkms-uninstall >/dev/null 2>&1
fi

# 4. Secure Boot: sign with a MOK-style key; the signature names its signer.
if openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=atomic_counter test MOK/" \
	-keyout "$work/mok.key" -outform DER -out "$work/mok.der" >"$work/log" 2>&1 &&
   $make -s sign KDIR="$kdir" MOK_KEY="$work/mok.key" MOK_CERT="$work/mok.der" >>"$work/log" 2>&1 &&
   [ "$(modinfo -F signer kmod/atomic_counter.ko)" = "atomic_counter test MOK" ]; then
	ok make_sign_signs_the_module
else
	fail make_sign_signs_the_module
fi

# 5. In a guest: the installed module, modprobe, udev's group and mode.
root=$work/root
mkdir -p "$root/lib/modules/$kver/updates/dkms" "$root/etc/modprobe.d" "$root/etc/udev"
cp "$module" "$root/lib/modules/$kver/updates/dkms/"
cp "$stage/usr/lib/udev/rules.d/60-atomic_counter.rules" "$root/etc/udev/"
cp "$stage/usr/lib/modules-load.d/atomic_counter.conf" "$root/etc/"
echo "options atomic_counter mode=0660" >"$root/etc/modprobe.d/atomic_counter.conf"
printf 'root:x:0:0::/:/bin/sh\nmember:x:1000:1000::/:/bin/sh\noutsider:x:1001:1001::/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\natomic_counter:x:999:member\nmember:x:1000:\noutsider:x:1001:\n' >"$root/etc/group"
if depmod -b "$root" "$kver" >"$work/log" 2>&1; then
	VM_KERNEL=$kernel tests/vm/run-vm.sh -n install -r "$root" \
		-f "$top/build/static/atomic-counter" tests/vm/install-job.sh 2>&1 |
		grep -E '^(not )?ok |^#'
else
	fail guest_depmod
fi
