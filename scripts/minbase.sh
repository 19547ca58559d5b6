#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Print the path of a minimal Debian 12 root as a tarball:
# debootstrap --variant=minbase bookworm from this machine's own mirror
# (scripts/debian-mirror.sh), made once and cached in
# ~/.cache/atomic_counter/fresh/bookworm-minbase.tar. make check-fresh
# unpacks it to run the README in; the install lane builds the Debian 12
# system it installs the packages into on it. Its apt sources are the ones
# debootstrap wrote (a one-line /etc/apt/sources.list for bookworm main),
# as on a standard install.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
tarball=$cache/fresh/bookworm-minbase.tar
mkdir -p "$cache/fresh"
# Two makers at once (CI's check-fresh and the install lane) would both
# debootstrap: the second waits and takes the first's.
exec 9>"$cache/fresh/.lock"
flock 9
if [ ! -f "$tarball" ]; then
	command -v debootstrap >/dev/null || { echo "minbase: no debootstrap: make deps" >&2; exit 1; }
	mirror=$("$top/scripts/debian-mirror.sh")
	base=$(mktemp -d "$cache/fresh/base.XXXXXX")
	trap 'rm -rf "$base" "$tarball.tmp"' EXIT
	if ! debootstrap --variant=minbase bookworm "$base" "$mirror" >"$cache/fresh/debootstrap.log" 2>&1; then
		echo "minbase: debootstrap from $mirror failed; see $cache/fresh/debootstrap.log" >&2
		tail -n 5 "$cache/fresh/debootstrap.log" >&2
		exit 1
	fi
	tar -C "$base" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
fi
echo "$tarball"
