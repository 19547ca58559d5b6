#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Extract the few kernel files the project uses at build time (the kselftest
# harness and checkpatch) from Debian's linux-source-6.1 into a cache
# outside the clone, once. Prints the extracted tree's path. Nothing from the
# kernel is ever copied into the repository.
set -eu
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "kernel-files: $tarball missing: apt-get install linux-source-6.1" >&2; exit 1; }
stamp=$(stat -c %Y-%s "$tarball")
dest=$cache/ksrc-$stamp
if [ ! -f "$dest/.done" ]; then
	mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest" --strip-components=1 --wildcards \
		'linux-source-6.1/tools/testing/selftests/kselftest_harness.h' \
		'linux-source-6.1/tools/testing/selftests/kselftest.h' \
		'linux-source-6.1/scripts/checkpatch.pl' \
		'linux-source-6.1/scripts/spelling.txt' \
		'linux-source-6.1/scripts/const_structs.checkpatch'
	touch "$dest/.done"
fi
echo "$dest"
