# SPDX-License-Identifier: MIT
# Guest job for make check: every selftest binary, TAP on the console; then
# every one again on a private bank (the same sizes as the global bank, so
# that windows at an offset are tested there too), named "bank:..."; then a
# bounded fuzz run. The lifetime tests may unload and reload the module:
# tell them how.
export AC_TEST_MODULE=/modules/atomic_counter.ko
export AC_TEST_MODULE_PARAMS="$MODPARAMS"
export AC_TEST_SAMPLE=/bin/atomic_counter_forks.ko
export AC_TEST_HARDIRQ=/bin/ac_hardirq_test.ko
status=0
run-tests.sh /bin || status=1
# The tests and the library open a new file of the bank that
# ATOMIC_COUNTER_BANK_FD names, which "atomic-counter bank" creates.
# Proof that the pass below is on a private bank, not the global one again.
if atomic-counter bank --counters 1000 atomic-counter info | grep -q '^bank: *private'; then
	echo "ok bank.the_second_pass_runs_on_a_private_bank"
else
	echo "not ok bank.the_second_pass_runs_on_a_private_bank"
	status=1
fi
out=/tmp/bank-pass.tap
atomic-counter bank --counters 1000 run-tests.sh /bin >"$out" 2>&1 || status=1
sed -e 's/^ok \([0-9]*\) /ok \1 bank:/' -e 's/^not ok \([0-9]*\) /not ok \1 bank:/' "$out"
if ac-fuzz -p 8 -n "${FUZZ_CALLS:-3000}"; then
	echo "ok fuzz.bounded_run_all_outcomes_as_documented"
else
	echo "not ok fuzz.bounded_run_all_outcomes_as_documented"
	status=1
fi
exit $status
