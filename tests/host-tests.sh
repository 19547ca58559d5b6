#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make test-host: the tests that need neither the module nor a kernel tree
# (no linux-source, no headers), so that a distribution's build runs them
# (debian/rules' dh_auto_test) and make check runs them as host steps.
# Each is one TAP line; what needs /dev/atomic_counter is one SKIP line
# saying where it runs instead.
#
# usage: host-tests.sh MAKE [NAME]   NAME alone: run that test, print its
# output, exit 0, 1 or 77 (SKIP, the last line says why), as tests/check.sh's
# steps expect. Needs the library and tool built (make userspace).
#
# The tests are called through the table at the end, which shellcheck
# cannot follow.
# shellcheck disable=SC2317
set -u
make=${1:-make}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/achost.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The tool in the tree is linked against the library beside it.
export LD_LIBRARY_PATH=$top/userspace${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# The tool's escaping of names in JSON and Prometheus output, on names the
# module cannot make today (its own test, built with the tool's source).
tool_escapes_names() {
	gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iuapi -Iuserspace/include \
		-o "$work/tool_escape_test" tests/tool_escape_test.c userspace/libatomic_counter.a &&
		"$work/tool_escape_test"
}

# Usage errors need no module: the tool finds them before opening the
# device (exit 2), here where there is no device at all.
tool_usage_errors_need_no_device() {
	local rc=0
	usage_case() {
		local want_rc=$1 want=$2 out got_rc
		shift 2
		out=$(ATOMIC_COUNTER_BANK_FD='' ATOMIC_COUNTER_DEVICE=/nonexistent userspace/atomic-counter "$@" 2>&1)
		got_rc=$?
		echo "atomic-counter $*: status $got_rc: $out"
		if [ "$got_rc" != "$want_rc" ] || [ "$out" != "$want" ]; then
			echo "  want status $want_rc: $want"
			rc=1
		fi
	}
	usage_case 2 "atomic-counter: set takes 2 arguments (see --help)" set 8
	usage_case 2 "atomic-counter: bad VALUE 'x': not a 64-bit integer" add 8 x
	usage_case 2 "atomic-counter: bad OLD 'x': not a 64-bit integer" cmpxchg 8 x 1
	usage_case 2 "atomic-counter: bad COND 'gt': want eq, ne, ge or le" wait 8 gt 1
	usage_case 2 "atomic-counter: bad INDEX '12abc': not a counter number or name" get 12abc
	usage_case 2 "atomic-counter: get needs an INDEX (see --help)" get
	usage_case 2 "atomic-counter: info takes 0 arguments (see --help)" info 1
	usage_case 2 "atomic-counter: bad --counters 'abc': want a positive number of counters" bank --counters abc true
	usage_case 1 "atomic-counter: /nonexistent: No such file or directory" get 8
	return "$rc"
}

# Every example the README, docs/ and the man pages show, compiled as a
# user would, against the in-tree headers and library.
examples_compile() {
	local f rc=0
	for f in $(scripts/examples.sh list); do
		echo "$f"
		gcc -std=c11 -Wall -Wextra -Werror -Iuapi -Iuserspace/include \
			-o "$work/$(basename "$f" .c)" "$f" userspace/libatomic_counter.a || rc=1
	done
	return "$rc"
}

# A distribution's install (prefix=/usr, a multiarch libdir, staged): the
# tool runs on the installed shared library, and a program built with the
# installed .pc (the uapi header in its own directory) links and runs.
staged_install_links_with_pkg_config() {
	local stage=$work/stage libdir=/usr/lib/multiarch-test out want
	want="$(cat VERSION) fetch_add 7"
	$make -s install DESTDIR="$stage" prefix=/usr libdir="$libdir" || return 1
	if [ ! -f "$stage/usr/include/atomic_counter/linux/atomic_counter.h" ] ||
		[ -e "$stage/usr/include/linux" ]; then
		echo "the uapi header is not in /usr/include/atomic_counter/linux alone"
		return 1
	fi
	readelf -d "$stage/usr/bin/atomic-counter" | grep -F '[libatomic_counter.so.0]' ||
		{ echo "the installed tool does not link the shared library"; return 1; }
	grep -E '^(prefix|exec_prefix|libdir|includedir)=' "$stage$libdir/pkgconfig/atomic_counter.pc"
	cat >"$work/prog.c" <<-'EOC'
	#include <stdio.h>
	#include <atomic_counter.h>
	int main(void)
	{
		ac_counter_t c = 5;

		ac_fetch_add_relaxed(2, &c);
		printf("%s %s %lld\n", ac_version(), ac_op_name(ATOMIC_COUNTER_OP_FETCH_ADD),
		       (long long)ac_read(&c));
		return 0;
	}
	EOC
	# shellcheck disable=SC2046
	gcc -std=c11 -Wall -Wextra -Werror -o "$work/prog" "$work/prog.c" \
		$(PKG_CONFIG_PATH=$stage$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage \
			pkg-config --cflags --libs atomic_counter) || return 1
	out=$(LD_LIBRARY_PATH=$stage$libdir "$work/prog")
	echo "$out"
	[ "$out" = "$want" ] || { echo "want: $want"; return 1; }
	out=$(LD_LIBRARY_PATH=$stage$libdir "$stage/usr/bin/atomic-counter" --version)
	echo "$out"
	[ "$out" = "atomic-counter $(cat VERSION)" ] || { echo "want: atomic-counter $(cat VERSION)"; return 1; }
}

# What needs the device: said, not silently dropped.
selftests_need_the_device() {
	echo "the selftests need /dev/atomic_counter: make check-host with the module loaded, or make check (QEMU)"
	return 77
}

tests=(
	tool-escapes-names-in-json-and-prometheus:tool_escapes_names
	tool-usage-errors-need-no-device:tool_usage_errors_need_no_device
	examples-compile:examples_compile
	staged-install-links-with-pkg-config:staged_install_links_with_pkg_config
	selftests:selftests_need_the_device
)

if [ $# -ge 2 ]; then
	for t in "${tests[@]}"; do
		[ "${t%%:*}" = "$2" ] || continue
		"${t#*:}"
		exit
	done
	echo "host-tests.sh: no test $2" >&2
	exit 2
fi

status=0
for t in "${tests[@]}"; do
	rc=0
	"${t#*:}" >"$work/out" 2>&1 || rc=$?
	case $rc in
	0) echo "ok host.${t%%:*}" ;;
	77) echo "ok host.${t%%:*} # SKIP $(tail -n 1 "$work/out")" ;;
	*)
		echo "not ok host.${t%%:*}"
		sed 's/^/#   /' "$work/out" | tail -n 40
		status=1
		;;
	esac
done
exit $status
