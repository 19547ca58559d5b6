#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The library's man page links, "LINK.3:PAGE.3" one a line, for the
# Makefile's MAN3_LINKS: every function and type <atomic_counter.h>
# declares gets a page of its own or a link to the page that documents it,
# so that "man ac_inc" works. Generated from the header, so that a new
# function cannot go without one.
#   man-links.sh          the links
#   man-links.sh check    fail, naming it, on a function no page documents
# A function's page: man/NAME.3 itself; else the page whose NAME section
# lists it; else, for the fast path's inline operations on a counter (they
# take an ac_counter_t *), libatomic_counter(3), whose SYNOPSIS gives their
# forms by rule. ac_impl_* are the fast path's internals, not API.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
hdr=userspace/include/atomic_counter.h

# "NAME<TAB>DECLARATION" for every function the header declares.
functions() {
	grep -E '^(static inline )?[A-Za-z_][A-Za-z0-9_ ]*[ *]ac_[a-z0-9_]+\(' "$hdr" |
		sed -E 's/^(static inline )?[A-Za-z_][A-Za-z0-9_ ]*[ *](ac_[a-z0-9_]+)\(.*$/\2\t&/' | grep -v '^ac_impl_' | sort -u -k1,1
}

# The types a program names: each documented on the page of its functions.
types() {
	printf '%s\n' ac_counter_t:libatomic_counter.3 ac_order_t:libatomic_counter.3 \
		ac_dev:ac_open.3 ac_open_opts:ac_open.3 ac_bank_opts:ac_bank_create.3 \
		ac_striped_t:ac_striped.3 ac_consistent_counter:ac_relaxed_counter.3
}

# "NAME PAGE" for every name a page's NAME section lists.
names() {
	local p
	for p in man/*.3; do
		sed -n '/^\.SH NAME/{n;s/ \\-.*//;s/, /\n/g;p;q}' "$p" | sed "s|\$| ${p#man/}|"
	done
}

# One awk pass (a process a function is slow on a loaded machine): each
# function's page, "FAIL NAME" for one without.
rc=0
links=$(
	{
		ls man/*.3 | sed 's|^man/|P\t|'
		names | sed 's/^/N\t/'
		functions | sed 's/^/F\t/'
		types | sed 's/^/T\t/'
	} | awk -F'\t' '
		$1 == "P" { page[$2] = 1; next }
		$1 == "N" { split($2, a, " "); if (!(a[1] in named)) named[a[1]] = a[2]; next }
		$1 == "F" {
			f = $2
			if ((f ".3") in page) next
			if (f in named) print f ".3:" named[f]
			else if (index($3, "ac_counter_t *v")) print f ".3:libatomic_counter.3"
			else print "FAIL " f
			next
		}
		$1 == "T" { split($2, a, ":"); if (!((a[1] ".3") in page)) print a[1] ".3:" a[2] }'
)
for f in $(sed -n 's/^FAIL //p' <<<"$links"); do
	echo "no man page documents $f (list it in a page's NAME section)" >&2
	rc=1
done
links=$(grep -v '^FAIL ' <<<"$links" | sort -u)
case ${1:-} in
check)
	# Every target exists; every function has its page or link.
	while IFS=: read -r l p; do
		[ -f "man/$p" ] || { echo "$l: its page man/$p does not exist" >&2; rc=1; }
	done <<<"$links"
	echo "$(wc -l <<<"$links") links, $(functions | wc -l) functions"
	;;
*)
	printf '%s\n' "$links"
	;;
esac
exit $rc
