#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Installing as users do, each check one TAP line:
#  - make install DESTDIR=... installs exactly the list in docs/install.md;
#  - a C and a C++ program built with pkg-config against that install link
#    and run, shared and static; the header refuses what it must refuse (an
#    ordering of the wrong type, a target without lock-free 8-byte atomics);
#  - the library keeps its old symbol versions; the userspace build honours
#    CPPFLAGS, LDFLAGS and INCLUDEDIR; bash completion is installed;
#  - DKMS adds, builds and installs the tree against the cloud kernel's
#    headers (unpacked in the cache, not installed: --kernelsourcedir), into
#    updates/dkms of an install tree, and removes it cleanly; its trees are
#    the test's own (--dkmstree, --sourcetree, --installtree), so nothing
#    lands in /var/lib/dkms, /usr/src or the host's /lib/modules, which has
#    no such kernel;
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

# 1. The staged file list against the one docs/install.md documents.
stage=$work/stage
if $make -s install DESTDIR="$stage" >"$work/log" 2>&1; then
	(cd "$stage" && find . -type f -o -type l | sed 's|^\.||' | sort) >"$work/got"
	sed -n '/<!-- install-list -->/,/<!-- \/install-list -->/p' docs/install.md |
		grep '^    /' | sed 's/^    //; s/VERSION/'"$version"'/' | sort >"$work/want"
	if [ -s "$work/want" ] && diff -u "$work/want" "$work/got" >"$work/log"; then
		ok make_install_installs_the_documented_files
	else
		fail make_install_installs_the_documented_files
	fi
else
	fail make_install_installs_the_documented_files
fi

# 2. Programs built the way the README says, against the staged install.
cat >"$work/prog.c" <<'EOC'
#include <stdio.h>
#include <atomic_counter.h>
int main(void)
{
	ac_counter_t c = 5;

	ac_fetch_add_relaxed(2, &c);
	printf("%s %s %lld\n", ac_version(), ac_op_name(ATOMIC_COUNTER_OP_FETCH_ADD),
	       (long long)ac_read(&c));
	return AC_VERSION_NUMBER >= AC_VERSION_CODE(0, 2, 0) ? 0 : 1;
}
EOC
pc() { PKG_CONFIG_PATH=$stage/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage pkg-config "$@" atomic_counter; }
if gcc -std=c11 -Wall -Wextra -Werror -o "$work/prog" "$work/prog.c" $(pc --cflags --libs) >"$work/log" 2>&1 &&
   [ "$(LD_LIBRARY_PATH=$stage/usr/local/lib "$work/prog")" = "$version fetch_add 7" ] &&
   gcc -std=c11 -static -o "$work/prog-static" "$work/prog.c" $(pc --cflags --libs --static) >>"$work/log" 2>&1 &&
   [ "$("$work/prog-static")" = "$version fetch_add 7" ]; then
	ok pkg_config_program_links_and_runs
else
	fail pkg_config_program_links_and_runs
fi

# The header from C++: the same counters as std::atomic<int64_t>.
cat >"$work/prog.cc" <<'EOC'
#include <cstdio>
#include <atomic_counter.h>
int main()
{
	ac_counter_t c{5};
	int64_t old = 7;

	ac_fetch_add(2, &c);
	bool swapped = ac_try_cmpxchg_acquire(&c, &old, 1);
	std::printf("%s %s %lld %d\n", ac_version(), ac_op_name(ATOMIC_COUNTER_OP_FETCH_ADD),
		    (long long)ac_read(&c), swapped);
	struct ac_dev dev;
	return ac_open(&dev, "/nonexistent", 0) == -ENOENT ? 0 : 1;
}
EOC
if g++ -std=c++20 -Wall -Wextra -Werror -o "$work/prog-cxx" "$work/prog.cc" $(pc --cflags --libs) >"$work/log" 2>&1 &&
   [ "$(LD_LIBRARY_PATH=$stage/usr/local/lib "$work/prog-cxx")" = "$version fetch_add 1 1" ] &&
   g++ -std=c++20 -static -o "$work/prog-cxx-static" "$work/prog.cc" $(pc --cflags --libs --static) >>"$work/log" 2>&1 &&
   [ "$("$work/prog-cxx-static")" = "$version fetch_add 1 1" ]; then
	ok pkg_config_cxx_program_links_and_runs
else
	fail pkg_config_cxx_program_links_and_runs
fi

# compiles ORDER LANG: whether ac_op() with ordering ORDER compiles.
compiles() {
	printf '#include <atomic_counter.h>\nint f(struct ac_dev *d) { return ac_op(d, 0, ATOMIC_COUNTER_OP_READ, %s, 0, 0, 0); }\n' "$1" |
		$2 -fsyntax-only $(pc --cflags) -x "$3" - >>"$work/log" 2>&1
}
: >"$work/log"
if compiles AC_RELAXED gcc c && ! compiles ATOMIC_COUNTER_RELAXED gcc c &&
   ! compiles memory_order_relaxed gcc c && ! compiles 1 gcc c &&
   compiles AC_RELEASE g++ c++ && ! compiles ATOMIC_COUNTER_RELEASE g++ c++; then
	ok ordering_of_the_wrong_type_is_a_compile_error
else
	fail ordering_of_the_wrong_type_is_a_compile_error
fi

# i386 has no 8-byte atomic instruction: libatomic would lock per process.
if printf '#include <atomic_counter.h>\n' |
	gcc -m32 -march=i386 -idirafter /usr/include/x86_64-linux-gnu -std=c11 -fsyntax-only \
		$(pc --cflags) -x c - >"$work/log" 2>&1; then
	fail header_refuses_targets_without_lock_free_8_byte_atomics
elif grep -q 'needs lock-free 8-byte atomics' "$work/log"; then
	ok header_refuses_targets_without_lock_free_8_byte_atomics
else
	fail header_refuses_targets_without_lock_free_8_byte_atomics
fi

# Programs linked against 0.2.0 call ac_op with a uint32_t ordering: that
# definition stays, at its old version.
so=$stage/usr/local/lib/libatomic_counter.so.$version
readelf --dyn-syms --wide "$so" >"$work/log" 2>&1
if grep -q ' ac_op@ATOMIC_COUNTER_0$' "$work/log" && grep -q ' ac_op@@ATOMIC_COUNTER_0.3$' "$work/log" &&
   grep -q ' ac_op_striped@ATOMIC_COUNTER_0.2$' "$work/log" &&
   grep -q ' ac_open@@ATOMIC_COUNTER_0$' "$work/log"; then
	ok library_keeps_the_old_symbol_versions
else
	fail library_keeps_the_old_symbol_versions
fi

# Distribution flags reach every compile and link; -Werror only in make check.
$make -s -B -n -C userspace CPPFLAGS=-DAC_TEST_CPP LDFLAGS=-Wl,-z,now WERROR=0 all static >"$work/log" 2>&1
if [ "$(grep -c -- '-DAC_TEST_CPP' "$work/log")" -ge 8 ] && [ "$(grep -c -- '-Wl,-z,now' "$work/log")" -ge 7 ] &&
   grep -q -- '-shared -Wl,-z,defs' "$work/log" && ! grep -q -- '-Werror' "$work/log" &&
   $make -s -B -n -C userspace WERROR=1 | grep -q -- '-Werror'; then
	ok userspace_build_honours_cppflags_ldflags_and_werror
else
	fail userspace_build_honours_cppflags_ldflags_and_werror
fi

if $make -s install DESTDIR="$work/stage2" INCLUDEDIR=/opt/ac/include >"$work/log" 2>&1 &&
   [ -f "$work/stage2/opt/ac/include/atomic_counter.h" ] &&
   [ "$(PKG_CONFIG_PATH=$work/stage2/usr/local/lib/pkgconfig pkg-config --cflags atomic_counter | sed "s/ *$//")" = "-I/opt/ac/include -I/opt/ac/include/atomic_counter" ]; then
	ok pc_file_honours_includedir
else
	fail pc_file_honours_includedir
fi

# The completion, with a stand-in for bash-completion's _init_completion.
comp=$stage/usr/local/share/bash-completion/completions/atomic-counter
# shellcheck disable=SC2016
if [ -f "$comp" ] && [ "$(bash -c '
	_init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${words[cword]}; prev=${words[cword - 1]}; }
	. "$1"
	COMP_WORDS=(atomic-counter -r ex); COMP_CWORD=2; _atomic_counter; echo "${COMPREPLY[*]}"
	COMP_WORDS=(atomic-counter wait x g); COMP_CWORD=3; _atomic_counter; echo "${COMPREPLY[*]}"
	COMP_WORDS=(atomic-counter --rel); COMP_CWORD=1; _atomic_counter; echo "${COMPREPLY[*]}"
	' sh "$comp" 2>"$work/log")" = "export
ge
--relaxed" ]; then
	ok bash_completion_is_installed_and_completes
else
	fail bash_completion_is_installed_and_completes
fi
rm -f "$work/log"

# 3. DKMS, as root, against the unpacked headers, in trees of the test's
# own (dkms's defaults are /var/lib/dkms, /usr/src and /lib/modules); no
# depmod, which would index the host's /lib/modules/$kver.
host_modules() { find /lib/modules /usr/lib/modules -name 'atomic_counter*' 2>/dev/null | sort; }
dk=$work/dkms
dkmsflags="--dkmstree $dk/var --installtree $dk/modules --kernelsourcedir $kdir --no-depmod"
ko=$dk/modules/$kver/updates/dkms/atomic_counter.ko
if [ "$(id -u)" != 0 ] || ! command -v dkms >/dev/null; then
	echo "ok install.dkms_add_build_install_remove # SKIP needs root and dkms"
else
	mkdir -p "$dk/var" "$dk/src" "$dk/modules/$kver"
	dkmsmake() { $make -s "$1" KVER="$kver" DKMS_SOURCETREE="$dk/src" DKMS_FLAGS="$dkmsflags"; }
	before=$(host_modules)
	# shellcheck disable=SC2086
	if dkmsmake dkms-install >"$work/log" 2>&1 && [ -f "$ko" ] &&
	   [ "$(modinfo -F version "$ko")" = "$version" ] &&
	   [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] &&
	   dkms $dkmsflags status -m atomic-counter | grep -q "$kver.*installed" &&
	   [ "$(host_modules)" = "$before" ] &&
	   dkmsmake dkms-uninstall >>"$work/log" 2>&1 && [ ! -e "$ko" ] &&
	   [ ! -d "$dk/src/atomic-counter-$version" ] &&
	   [ -z "$(dkms $dkmsflags status -m atomic-counter)" ]; then
		ok dkms_add_build_install_remove
	else
		fail dkms_add_build_install_remove
		dkmsmake dkms-uninstall >/dev/null 2>&1
	fi
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
