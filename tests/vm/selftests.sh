# SPDX-License-Identifier: MIT
# Guest job for make check: every selftest binary, TAP on the console.
run-tests.sh /bin
