# SPDX-License-Identifier: MIT
# Guest job for make check: every selftest binary, TAP on the console, then
# a bounded fuzz run. The lifetime tests may unload and reload the module:
# tell them how.
export AC_TEST_MODULE=/modules/atomic_counter.ko
export AC_TEST_MODULE_PARAMS="$MODPARAMS"
export AC_TEST_SAMPLE=/bin/atomic_counter_forks.ko
status=0
run-tests.sh /bin || status=1
if ac-fuzz -p 8 -n "${FUZZ_CALLS:-3000}"; then
	echo "ok fuzz.bounded_run_all_outcomes_as_documented"
else
	echo "not ok fuzz.bounded_run_all_outcomes_as_documented"
	status=1
fi
exit $status
