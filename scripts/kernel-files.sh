#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Extract the few kernel files the project uses at build time (the kselftest
# harness, checkpatch and kernel-doc) from Debian's linux-source-6.1 into a cache
# outside the clone, once. Prints the extracted tree's path. Nothing from the
# kernel is ever copied into the repository.
set -eu
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "kernel-files: $tarball missing: apt-get install linux-source-6.1" >&2; exit 1; }
stamp=$(stat -c %Y-%s "$tarball")
dest=$cache/ksrc-$stamp
files="tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h
scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch scripts/kernel-doc"
# One marker per file list, so that a file added here is extracted too.
done_mark=$dest/.done-$(printf '%s' "$files" | md5sum | cut -c1-8)
mkdir -p "$cache"
exec 9>"$cache/.lock-ksrc"
flock 9
if [ ! -f "$done_mark" ]; then
	mkdir -p "$dest"
	# shellcheck disable=SC2046
	tar -xJf "$tarball" -C "$dest" --strip-components=1 \
		$(printf 'linux-source-6.1/%s\n' $files)
	touch "$done_mark"
fi
echo "$dest"
