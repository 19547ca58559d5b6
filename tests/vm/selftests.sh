# SPDX-License-Identifier: MIT
# Guest job for make check: every selftest binary, TAP on the console.
# The lifetime tests may unload and reload the module: tell them how.
export AC_TEST_MODULE=/modules/atomic_counter.ko
export AC_TEST_MODULE_PARAMS="$MODPARAMS"
run-tests.sh /bin
