#!/bin/sh
# SPDX-License-Identifier: MIT
#
# abi_v0_4 (tests/abi/abi_v0_4.c), a program built against 0.4.0, run with
# the library as built now. Its directory, beside this script, holds the
# program, this library under its SONAME, and the C library and loader it
# was linked with (the test guest has none): the loader is run as a
# program, and finds only these.
#
# exec, twice: the loader runs the program in this same process, so the
# ATOMIC_COUNTER_BANK_PID that run-tests.sh set to this process's ID still
# names the program, and the library honours the bank handed down.
# The library takes the bank's variables out of the environment before
# main(): the program learns from this one that a bank was handed down,
# and fails unless it is on that bank.
dir=${0%/*}/abi-v0.4
if [ -n "${ATOMIC_COUNTER_BANK_FD:-}" ]; then
	export AC_ABI_BANK_HANDED_DOWN=1
else
	unset AC_ABI_BANK_HANDED_DOWN
fi
# The loader is the architecture's (ld-linux-x86-64.so.2, ld-linux-aarch64.so.1).
for ld in "$dir"/ld-linux-*; do
	exec "$ld" --library-path "$dir" "$dir/abi_v0_4"
done
echo "not ok abi_v0_4 # no loader in $dir"
exit 1
