#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make check: the host-side checks, each one TAP line, then on every kernel
# lane (LANES, default below; "Kernel lanes" in docs/testing.md says which lanes
# exist and why these run by default): the module built against
# it, proof that the lane's checkers catch a planted bug, and every selftest
# and a bounded fuzz run in a QEMU guest. Closes with "N passed, N failed".
# Called by the Makefile with its make command as $1.
set -u
make=${1:-make}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=$top/build
logs=$build/check
rm -rf "$logs"
mkdir -p "$logs"
# shellcheck source=tests/vm/lanes.sh
. tests/vm/lanes.sh

# step NAME COMMAND...: run a host check quietly, keep its output on failure.
step() {
	local name=$1
	shift
	local rc=0
	"$@" >"$logs/$name.log" 2>&1 || rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok host.$name"
	elif [ $rc -eq 77 ]; then
		# 77 (automake's SKIP): the check's last line says why.
		echo "ok host.$name # SKIP $(tail -n 1 "$logs/$name.log")"
	else
		echo "not ok host.$name"
		sed 's/^/#   /' "$logs/$name.log" | tail -n 40
		echo "#   (full output: $logs/$name.log)"
	fi
}

# Fails on any compiler or sparse diagnostic, not only on errors.
no_diagnostics() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 0 ] || return 1
	! printf '%s\n' "$out" | grep -E 'warning:|error:|: note:'
}

checkpatch_all() {
	local ksrc
	ksrc=$(scripts/kernel-files.sh) || return 1
	# shellcheck disable=SC2046
	"$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet -f \
		$(ls kmod/*.[ch] kmod/include/*.h samples/*.c tests/kmod/*.c tests/vm/planted/*.c | grep -v -e '\.mod\.c$' -e 'compat\.h$') \
		|| return 1
	# A uapi header cannot use the kernel's __aligned(): checkpatch
	# exempts include/uapi/ from that rule, which this path is not under.
	"$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet \
		--ignore PREFER_DEFINED_ATTRIBUTE_MACRO -f uapi/linux/atomic_counter.h || return 1
	# An out-of-tree module must test kernel versions; compat.h is the one
	# place that does, so only there are version checks allowed.
	"$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kmod/compat.h
}

# The fast path's relaxed and release stores must be plain stores and its
# loads plain loads: a memory order that is not a compile-time constant
# makes GCC use seq_cst (an xchg or mfence on x86), and "relaxed" would
# not be. The same check must reject a seq_cst store, or it tells nothing.
# Deterministic, unlike the witness below. x86-64 only: the instructions
# named are x86's.
fast_path_stores_are_plain() {
	local src=$logs/codegen.c asm=$logs/codegen.s fn fence='xchg|mfence|lock'
	[ "$(uname -m)" = x86_64 ] || { echo "not x86-64: the check names x86 instructions"; return 77; }
	cat >"$src" <<-'EOF'
	#include <atomic_counter.h>
	int64_t sb_relaxed(ac_counter_t *x, ac_counter_t *y) { ac_set(x, 1); return ac_read(y); }
	int64_t sb_release(ac_counter_t *x, ac_counter_t *y) { ac_set_release(x, 1); return ac_read_acquire(y); }
	int64_t sb_seq_cst(ac_counter_t *x, ac_counter_t *y) { atomic_store(x, 1); return atomic_load(y); }
	EOF
	gcc -std=c11 -O2 -Iuapi -Iuserspace/include -S -o "$asm" "$src" || return 1
	body() { awk -v fn="$1:" '$1 == fn { f = 1; next } f && /\.cfi_endproc/ { exit } f' "$asm"; }
	for fn in sb_relaxed sb_release; do
		body $fn
		if body $fn | grep -Eq "$fence"; then
			echo "$fn: a fence or locked instruction where a plain store was wanted"
			return 1
		fi
	done
	body sb_seq_cst
	body sb_seq_cst | grep -Eq "$fence" || { echo "sb_seq_cst: no fence found: the check cannot tell"; return 1; }
}

# The uapi's page-update wake rule is a Dekker pattern: ac_wake() must put a
# full barrier (mfence or a locked instruction on x86) between the caller's
# update and its read of the waiter count, or a waiter that raised the count
# just then sleeps through the update. Checked in the library as built: the
# barrier comes before the first test of a loaded value.
ac_wake_fences_before_it_reads() {
	local lib=userspace/libatomic_counter.a
	[ "$(uname -m)" = x86_64 ] || { echo "not x86-64: the check names x86 instructions"; return 77; }
	objdump -d --no-show-raw-insn "$lib" | awk '/<ac_wake>:/ { f = 1 } f && /^$/ { exit } f' >"$logs/ac_wake.s"
	cat "$logs/ac_wake.s"
	awk 'BEGIN { rc = 1 } /\t(mfence|lock )/ { print "full barrier: " $0; rc = 0; exit } /\ttest / { exit } END { exit rc }' "$logs/ac_wake.s"
}

# The relaxed store-buffering witness on this machine's own CPUs: proof
# that the litmus tests can see a reordering where the hardware makes one
# (QEMU's TCG rarely does). Needs no module. Both sides must run at once
# on two CPUs; a busy host may never let them (seen in CI beside other
# jobs), so three runs without a reordering skip, and the deterministic
# check above is what fails.
litmus_witness() {
	local out run
	for run in 1 2 3; do
		out=$("$build/tests/litmus_test" 2>&1)
		printf '%s\n' "$out"
		printf '%s\n' "$out" | grep -Eq '^ok [0-9]+ litmus\.anon_relaxed\.store_buffering$' && return 0
	done
	echo "relaxed SB reordering not seen in 3 runs: the host did not run both sides at once"
	return 77
}

# Every kernel-doc comment well formed and complete: the uapi header, the
# in-kernel API and the module.
kernel_doc() {
	local ksrc
	ksrc=$(scripts/kernel-files.sh) || return 1
	no_diagnostics "$ksrc/scripts/kernel-doc" -none uapi/linux/atomic_counter.h \
		kmod/include/atomic_counter_kernel.h \
		$(ls kmod/*.[ch] samples/*.c tests/kmod/*.c | grep -v '\.mod\.c$')
}

man_pages() {
	local m
	for m in man/*.[0-9]; do
		groff -man -ww -z "$m" || return 1
	done
}

# abidiff of the library as built against $1 (a .so): fails on any change
# to what the 0.4 release exported but the reviewed ones in
# tests/abi/libatomic_counter.abignore; added symbols break nothing.
abi_diff() {
	abidw --no-corpus-path --headers-dir userspace/include --headers-dir uapi/linux "$1" \
		>"$logs/abi-new.abi" || return 2
	abidiff --no-added-syms --suppressions tests/abi/libatomic_counter.abignore \
		tests/abi/libatomic_counter.so.0.abi "$logs/abi-new.abi"
}

# A program built against 0.4 must run with this library (the SONAME stays
# libatomic_counter.so.0). The same check must reject a planted break, a
# field added to struct ac_dev (with the header's own static assertions
# switched off, which would catch it first), or it tells nothing.
library_abi_unchanged() {
	local so plant=$logs/abi-planted rc
	command -v abidiff >/dev/null || { echo "abidiff not found: apt-get install abigail-tools"; return 1; }
	so=libatomic_counter.so.$(cat VERSION)
	abi_diff "userspace/$so" || return 1
	rm -rf "$plant" && mkdir -p "$plant" && cp -r VERSION uapi userspace "$plant/" || return 1
	$make -s -C "$plant/userspace" clean >/dev/null || return 1
	sed -i '0,/^\tbool writable;$/s//\tbool writable;\n\tint planted;/' "$plant/userspace/include/atomic_counter.h"
	grep -q planted "$plant/userspace/include/atomic_counter.h" || { echo "could not plant the field"; return 1; }
	$make -s -C "$plant/userspace" "$so" CPPFLAGS="-D'AC_IMPL_ASSERT(c,m)='" || return 1
	abi_diff "$plant/userspace/$so"
	rc=$?
	[ $rc -ne 0 ] || { echo "a field added to struct ac_dev: abidiff saw no change"; return 1; }
	echo "the planted break: abidiff exit status $rc, as it should"
}

# The header on 32-bit x86, where 8-byte atomics are lock-free only when
# aligned: clang -m32 says ATOMIC_LLONG_LOCK_FREE 1 there, and a header
# that tested that refused it.
header_compiles_m32() {
	local cc=$1 src=$logs/m32.c
	command -v "$cc" >/dev/null || { echo "$cc not installed (not in scripts/deps.sh: a large package)"; return 77; }
	printf '#include <atomic_counter.h>\nint f(struct ac_dev *d) { ac_inc(ac_counter(d, 0)); return ac_open(d, 0, 0); }\n' >"$src"
	# The x86 <asm/*.h>, for -m32 too (see M32_ASM in tests/selftests/Makefile).
	no_diagnostics "$cc" -m32 -idirafter /usr/include/x86_64-linux-gnu -std=c11 -Wall -Wextra \
		-Iuapi -Iuserspace/include -c -o /dev/null "$src"
}

# Every file's SPDX line names licences whose texts are in LICENSES/
# (tests/spdx-check.sh); the same check must reject a file without a line
# and an identifier without a text, or it tells nothing.
spdx_licences_shipped() {
	local plant=$logs/spdx-planted out
	tests/spdx-check.sh || return 1
	mkdir -p "$plant"
	printf '# no licence line\n' >"$plant/none"
	printf '/* SPDX-License-Identifier: GPL-2.0 WITH Planted-note */\n' >"$plant/exception"
	printf '# SPDX-License-Identifier: GPL-3.0-or-later\n' >"$plant/licence"
	out=$(tests/spdx-check.sh "$plant/none" "$plant/exception" "$plant/licence")
	[ $? -eq 1 ] && [ "$out" = "$plant/none: no SPDX-License-Identifier line in its first 3 lines
$plant/exception: exception Planted-note has no text in LICENSES/
$plant/licence: licence GPL-3.0-or-later has no text in LICENSES/" ] ||
		{ echo "the planted files: want three failures, got:"; echo "$out"; return 1; }
	echo "the planted files: rejected, as they should be"
}

# make deb: the four packages build from a clean copy of the tree, and
# Debian 12's lintian finds no error and no warning in them (none is
# overridden; an override would say why in its file). dpkg-gensymbols -c4
# in debian/rules fails the build on a symbol debian/*.symbols does not
# list. Then what a packager relies on, in the packages themselves.
deb_builds_four_lintian_clean_packages() {
	local dir=$build/deb version arch ma p lint
	version=$(cat VERSION)
	arch=$(dpkg --print-architecture)
	ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	$make -s deb || return 1
	for p in atomic-counter-dkms_${version}_all atomic-counter_${version}_$arch \
		libatomic-counter0_${version}_$arch libatomic-counter-dev_${version}_$arch; do
		[ -f "$dir/$p.deb" ] || { echo "no $p.deb"; return 1; }
	done
	lint=$(lintian --no-cfg -I --pedantic "$dir"/atomic-counter_"$version"_*.changes 2>&1 | grep -v '^running with root privileges')
	echo "lintian: ${lint:-nothing to say}"
	if printf '%s\n' "$lint" | grep -E '^[EW]: '; then
		echo "lintian: errors or warnings above"
		return 1
	fi
	dpkg-deb --fsys-tarfile "$dir/atomic-counter-dkms_${version}_all.deb" |
		tar -xO "./usr/src/atomic-counter-$version/dkms.conf" | grep -x "PACKAGE_VERSION=\"$version\"" ||
		{ echo "dkms.conf in /usr/src/atomic-counter-$version: no PACKAGE_VERSION=\"$version\""; return 1; }
	dpkg-deb --fsys-tarfile "$dir/libatomic-counter-dev_${version}_$arch.deb" |
		tar -xO "./usr/lib/$ma/pkgconfig/atomic_counter.pc" | grep -x "libdir=\${exec_prefix}/lib/$ma" ||
		{ echo "the .pc's libdir is not \${exec_prefix}/lib/$ma"; return 1; }
	dpkg-deb -f "$dir/atomic-counter_${version}_$arch.deb" Depends | grep -E '(^|, )libatomic-counter0 \(>= ' ||
		{ echo "atomic-counter does not depend on libatomic-counter0"; return 1; }
}

# debian/copyright says, file by file, what each file's SPDX line says; the
# same check must reject a file whose SPDX line it contradicts.
debian_copyright_matches_spdx() {
	local plant=$logs/copyright-planted out
	tests/copyright-check.py || return 1
	mkdir -p "$plant/kmod" && cd "$plant" || return 1
	mkdir -p debian && cp "$top/debian/copyright" debian/
	printf '/* SPDX-License-Identifier: MIT */\n' >kmod/planted.c
	out=$("$top/tests/copyright-check.py" kmod/planted.c)
	cd "$top" || return 1
	[ "$out" = "kmod/planted.c: SPDX MIT, but debian/copyright says GPL-2" ] ||
		{ echo "the planted file: want one disagreement, got: $out"; return 1; }
	echo "the planted file: rejected, as it should be"
}

lane() {
	local lane=$1 vmmod=$build/vm-$1
	local tests t0=$SECONDS t1 t2
	echo "# lane $lane: preparing its kernel"
	if ! lane_setup "$lane" >"$logs/$lane-kernel.log" 2>&1; then
		echo "not ok $lane.kernel"
		sed 's/^/#   /' "$logs/$lane-kernel.log"
		return
	fi
	# The lane's name with its kernel version, in the TAP stream itself.
	echo "ok $lane.kernel # $LANE_DESC"
	export LANE_KERNEL LANE_KDIR LANE_MACHINE LANE_APPEND LANE_BUGS LANE_KBUILD
	step "$lane.build-module" no_diagnostics $make -s vm-module VM_KDIR="$LANE_KDIR" VM_KVER="$lane" \
		VM_KBUILD="$LANE_KBUILD"
	[ "$lane" = cloud ] && step sparse no_diagnostics $make -s -C "$LANE_KDIR" M="$vmmod" C=2 modules
	# And on arm64, whose headers and atomics are another architecture's
	# (sparse --arch=arm64; 30 s here).
	# shellcheck disable=SC2086 # LANE_KBUILD: ARCH= CROSS_COMPILE=
	[ "$lane" = arm64 ] && step "$lane.sparse" no_diagnostics $make -s -C "$LANE_KDIR" M="$vmmod" \
		$LANE_KBUILD C=2 modules
	# A guest of another architecture runs its own build of the programs.
	if [ -n "$LANE_CROSS" ]; then
		step "$lane.build-userspace-and-selftests" no_diagnostics $make -s cross-userspace \
			CROSS_COMPILE="$LANE_CROSS" CROSS_BUILD="$LANE_BUILD"
		# The bindings' lane tests, cross-built: Go with GOARCH, Rust
		# with Debian's aarch64 std unpacked as its sysroot.
		step "$lane.build-rust-and-go-bindings" no_diagnostics scripts/bindings.sh build \
			"$LANE_BUILD/static" "$LANE_ARCH"
		# Said, not silently dropped: the _32 programs are x86's -m32
		# builds; an armhf build (the kernel has COMPAT) needs a
		# second cross compiler that make deps does not install.
		echo "ok $lane.compat-32-bit-selftests # SKIP the 32-bit (_32) selftests are x86 -m32 programs; not built for $LANE_ARCH"
	fi
	t1=$SECONDS
	tests/vm/harness-test.sh "$lane"
	t2=$SECONDS
	tests=$(for t in "$LANE_BUILD"/tests/* "$LANE_BUILD"/static/*; do printf -- '-f %s ' "$t"; done)
	# A bank of more than one page, so that windows at an offset are tested.
	# shellcheck disable=SC2086
	VM_KERNEL=$LANE_KERNEL VM_MACHINE=$LANE_MACHINE VM_APPEND=$LANE_APPEND \
		tests/vm/run-vm.sh -c "${CHECK_CPUS:-4}" -t "$LANE_TIMEOUT" -n "$lane-selftests" \
		-p nr_counters=1000 -m "$vmmod/kmod/atomic_counter.ko" \
		-f "$vmmod/samples/atomic_counter_forks.ko" \
		-f "$vmmod/tests/kmod/ac_hardirq_test.ko" \
		-f tests/run-tests.sh $tests tests/vm/selftests.sh
	[ "$lane" = cloud ] && tests/install-test.sh "$make" "$(basename "$(dirname "$LANE_KDIR")")" \
		"$LANE_KDIR" "$LANE_KERNEL" "$vmmod/kmod/atomic_counter.ko"
	# Where a run's time goes (CI must stay within its budget).
	echo "# lane $lane: $((t1 - t0)) s kernel and module, $((t2 - t1)) s harness, $((SECONDS - t2)) s selftests"
}

# The install lane is not a kernel lane: make deb's packages installed with
# apt in a Debian 12 root and booted there with systemd
# (tests/vm/install-lane.sh; "The install lane" in docs/testing.md). It
# takes the packages the host step above built in this run, if it did
# (make deb empties build/deb first), and builds them itself if not.
install_lane() {
	local debs=()
	echo "# install: the Debian packages, installed with apt and booted in Debian 12"
	[ -f "$build/deb/atomic-counter-dkms_$(cat VERSION)_all.deb" ] && debs=("$build/deb")
	tests/vm/install-lane.sh "$make" "${debs[@]}"
}

{
	step every-file-has-spdx-and-its-licence-text spdx_licences_shipped
	step debian-copyright-matches-spdx-lines debian_copyright_matches_spdx
	step debian-changelog-is-version scripts/debian-changelog.sh check
	step build-userspace no_diagnostics $make -s userspace
	step build-selftests no_diagnostics $make -s selftests
	# The Rust and Go bindings' lane tests (rust_bindings_test,
	# go_bindings_test in build/static: every lane's guest runs them), and
	# their host checks: cargo test with the doc tests, cargo doc, go vet.
	step build-rust-and-go-bindings no_diagnostics $make -s bindings
	step rust-and-go-bindings-test-doc-vet scripts/bindings.sh check
	step checkpatch checkpatch_all
	step kernel-doc kernel_doc
	step man-pages man_pages
	step library-abi-unchanged library_abi_unchanged
	step header-compiles-with-gcc-m32 header_compiles_m32 gcc
	step header-compiles-with-clang-m32 header_compiles_m32 clang
	step man-page-for-every-function-and-type scripts/man-links.sh check
	# The tests that need no module and no kernel tree (make test-host).
	for t in examples-compile tool-escapes-names-in-json-and-prometheus \
		tool-usage-errors-need-no-device staged-install-links-with-pkg-config; do
		step "$t" tests/host-tests.sh "$make" "$t"
	done
	step examples-are-what-the-pages-show scripts/examples.sh check
	step deb-builds-four-lintian-clean-packages deb_builds_four_lintian_clean_packages
	step fast-path-relaxed-stores-are-plain-stores fast_path_stores_are_plain
	step ac-wake-fences-before-reading-the-waiter-count ac_wake_fences_before_it_reads
	step litmus-sb-reordering-is-observable litmus_witness
	# The ordering proof (docs/testing.md), with the arm64 lane's kernel
	# tree and compiler (KDIR_ARM64 and CROSS_COMPILE may name others);
	# it runs whatever LANES says, since it boots nothing.
	# (Not exported: CROSS_COMPILE in make's environment would build the
	# x86 lanes' modules with it.)
	proof=(env)
	if [ -z "${KDIR_ARM64:-}" ] &&
		arm64=$( (lane_setup arm64 >/dev/null 2>&1 && echo "$LANE_KDIR $LANE_CROSS") ); then
		proof+=(KDIR_ARM64="${arm64% *}" CROSS_COMPILE="${CROSS_COMPILE:-${arm64#* }}")
	fi
	step arm64-orderings-are-the-documented-instructions "${proof[@]}" tests/ordering/ordering-proof.sh kernel
	grep -h '^FETCH_ADD ' "$logs/arm64-orderings-are-the-documented-instructions.log" 2>/dev/null |
		sed 's/^/# arm64 /'
	step arm64-page-orderings-are-the-documented-instructions "${proof[@]}" tests/ordering/ordering-proof.sh page
	for l in ${LANES:-$default_lanes}; do
		if [ "$l" = install ]; then
			install_lane
		else
			lane "$l"
		fi
	done
} 2>&1 | tests/summarize.sh | tee "$logs/all.log"
exit "${PIPESTATUS[1]}"
