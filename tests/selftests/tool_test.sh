#!/bin/sh
# SPDX-License-Identifier: MIT
#
# atomic-counter, the command-line tool: every command's output, every error
# message and exit status. TAP output; skipped when the device is absent.
# Uses counters 40..47 of the bank.
here=$(cd "$(dirname "$0")" && pwd)
tool=${AC_TOOL:-atomic-counter}
n=0
failed=0

echo "TAP version 13"
if [ ! -e /dev/atomic_counter ]; then
	echo "1..0 # SKIP /dev/atomic_counter absent: module not loaded"
	exit 4
fi

# check MATCH NAME WANT_STATUS WANT CMD...: run CMD (stdout and stderr
# together) and report one TAP line; MATCH says how the output is compared
# with WANT: "exact", or "regex" (grep -E).
check() {
	match=$1 name=$2 want_rc=$3 want=$4
	shift 4
	n=$((n + 1))
	out=$("$@" 2>&1)
	rc=$?
	if [ "$match" = exact ]; then
		[ "$out" = "$want" ]
	else
		printf '%s\n' "$out" | grep -Eq "$want"
	fi
	matched=$?
	if [ "$rc" = "$want_rc" ] && [ $matched = 0 ]; then
		echo "ok $n tool.$name"
		return
	fi
	failed=1
	echo "not ok $n tool.$name"
	echo "#   command: $*"
	echo "#   want status $want_rc, output ($match):"
	printf '%s\n' "$want" | sed 's/^/#     /'
	echo "#   got status $rc, output:"
	printf '%s\n' "$out" | sed 's/^/#     /'
}

# t NAME WANT_STATUS WANT_OUTPUT CMD...: the output must be exactly WANT_OUTPUT.
t() { check exact "$@"; }

# tm NAME WANT_STATUS PATTERN CMD...: the output must match PATTERN.
tm() { check regex "$@"; }

# Start from known values; the list tests depend on which counters are set.
version=$(cat "$here/VERSION" 2>/dev/null)
tmp=$(mktemp -d)
mkdir "$tmp/out"
trap 'rm -rf "$tmp"' EXIT
json=$($tool --json info)
field() { printf '%s\n' "$json" | sed "s/.*\"$1\": \([0-9]*\).*/\1/"; }
nr=$(field nr_counters)
total=$(($(field map_size) / 8))
# Slots of striped counters other than their first are parts, not counters.
slots=$(( ($(field nr_striped) + $(field nr_kernel_striped)) * ($(field nr_stripes) - 1)))
wi=$(field waiters_index)
# The module's own kernel counter, listed with every named one.
wline=$(printf '%6d %20d atomic_counter.waiters' "$wi" 0)
$tool list | while read -r idx val name; do [ -n "$name" ] || $tool set "$idx" 0; done
for c in tool.a tool.b tool.c tool.s; do $tool delete $c 2>/dev/null; done
# A terminal for watch's tests (pty_run); the test guest mounts no devpts.
[ -e /dev/pts/ptmx ] || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; } 2>/dev/null

tm help_lists_every_command 0 'cmpxchg INDEX OLD NEW' $tool --help
t version_is_the_project_version 0 "atomic-counter $version" $tool --version
tm no_command_prints_usage_exit_2 2 '^usage: atomic-counter' $tool
t unknown_command_exit_2 2 "atomic-counter: unknown command 'frob' (see --help)" $tool frob
t unknown_option_exit_2 2 "atomic-counter: unknown option '--frob' (see --help)" $tool --frob get 40
t unknown_option_after_command_exit_2 2 "atomic-counter: unknown option '-z' (see --help)" $tool list -z
t option_without_value_exit_2 2 "atomic-counter: option '--device' needs a value (see --help)" $tool get --device
# Only the default node's absence means the module is not loaded.
t missing_device_path_is_no_such_file 1 \
	"atomic-counter: /nonexistent: No such file or directory" \
	$tool --device /nonexistent get 40
t missing_device_from_env_is_no_such_file 1 \
	"atomic-counter: /dev/no_such_counter: No such file or directory" \
	env ATOMIC_COUNTER_BANK_FD= ATOMIC_COUNTER_DEVICE=/dev/no_such_counter $tool get 40
t bundled_unknown_option_names_it 2 "atomic-counter: unknown option '-x' (see --help)" $tool -xr get 40
t bundled_option_without_value_names_it 2 "atomic-counter: option '-d' needs a value (see --help)" $tool -rd
t write_error_exit_1 1 "atomic-counter: write error: No space left on device" \
	sh -c "$tool --version >/dev/full"
t help_write_error_exit_1 1 "atomic-counter: write error: No space left on device" \
	sh -c "$tool --help >/dev/full"
t not_the_device_says_other_abi 1 \
	"atomic-counter: /dev/null: Inappropriate ioctl for device" $tool --device /dev/null info
t bad_index_exit_2 2 "atomic-counter: bad INDEX '12abc': not a counter number or name" $tool get 12abc
t negative_index_exit_2 2 "atomic-counter: bad INDEX '-1': not a counter number or name" $tool get -- -1
t unknown_name_exit_1 1 "atomic-counter: no counter named 'x1' (atomic-counter create x1)" $tool get x1
t index_out_of_range_exit_2 2 \
	"atomic-counter: INDEX $total out of range: the bank has counters 0..$((total - 1))" $tool get "$total"
t missing_index_exit_2 2 "atomic-counter: get needs an INDEX (see --help)" $tool get
t bad_value_exit_2 2 "atomic-counter: bad VALUE '12abc': not a 64-bit integer" $tool set 40 12abc
t value_out_of_range_exit_2 2 \
	"atomic-counter: bad VALUE '9223372036854775808': out of range for a 64-bit integer" \
	$tool set 40 9223372036854775808
t value_negative_out_of_range_exit_2 2 \
	"atomic-counter: bad VALUE '-9223372036854775809': out of range for a 64-bit integer" \
	$tool set 40 -9223372036854775809
t value_with_space_exit_2 2 "atomic-counter: bad VALUE ' 1': not a 64-bit integer" $tool set 40 " 1"
t value_plus_sign_exit_2 2 "atomic-counter: bad VALUE '+1': not a 64-bit integer" $tool set 40 +1
t index_too_big_for_64_bits_is_out_of_range 2 \
	"atomic-counter: INDEX 18446744073709551616 out of range: the bank has counters 0..$((total - 1))" \
	$tool get 18446744073709551616
t wrong_argument_count_exit_2 2 "atomic-counter: set takes 2 arguments (see --help)" $tool set 40
t too_many_arguments_exit_2 2 "atomic-counter: get takes 1 argument (see --help)" $tool get 40 41
t bad_interval_exit_2 2 "atomic-counter: bad --interval '0': want seconds from 0.001 to 86400" $tool -i 0 watch
t infinite_interval_exit_2 2 "atomic-counter: bad --interval 'inf': want seconds from 0.001 to 86400" $tool -i inf watch
t huge_interval_exit_2 2 "atomic-counter: bad --interval '1e30': want seconds from 0.001 to 86400" $tool -i 1e30 watch
t nan_interval_exit_2 2 "atomic-counter: bad --interval 'nan': want seconds from 0.001 to 86400" $tool -i nan watch
t bad_count_exit_2 2 "atomic-counter: bad --count 'x': want a positive number" $tool -n x watch
t huge_count_exit_2 2 "atomic-counter: bad --count '99999999999999999999': want a positive number" \
	$tool -n 99999999999999999999 watch
t bad_timeout_exit_2 2 "atomic-counter: bad --timeout '-1': want seconds from 0 to 9e+09" $tool -t -1 wait 40 eq 0
# Usage errors need no device: found before it is opened, so exit 2, not 1.
t usage_error_found_before_opening_the_device 2 "atomic-counter: set takes 2 arguments (see --help)" \
	$tool --device /nonexistent set 40
t bad_value_found_before_opening_the_device 2 "atomic-counter: bad VALUE 'x': not a 64-bit integer" \
	$tool --device /nonexistent add 40 x
t bad_cond_found_before_opening_the_device 2 "atomic-counter: bad COND 'gt': want eq, ne, ge or le" \
	$tool --device /nonexistent wait 40 gt 1
t bad_index_found_before_opening_the_device 2 "atomic-counter: bad INDEX '12abc': not a counter number or name" \
	$tool --device /nonexistent watch 40 12abc
t bad_bank_size_names_the_option 2 "atomic-counter: bad --counters 'abc': want a positive number of counters" \
	$tool bank --counters abc true
t bad_bank_size_after_equals_names_the_option 2 \
	"atomic-counter: bad --striped-counters '0': want a positive number of counters" \
	$tool bank --striped-counters=0 true

t set_is_silent 0 "" $tool set 40 41
t json_set_prints_the_value_set 0 '{"index": 40, "value": 41}' $tool --json set 40 41
t get_prints_the_value 0 "41" $tool get 40
t inc_prints_the_new_value 0 "42" $tool inc 40
t dec_prints_the_new_value 0 "41" $tool dec 40
t add_prints_the_new_value 0 "50" $tool add 40 9
t add_negative 0 "-50" $tool add 40 -100
t add_hex 0 "-34" $tool add 40 0x10
t add_negative_hex 0 "-50" $tool add 40 -0x10
t add_leading_zero_is_decimal 0 "-40" $tool add 40 010
t add_08_is_eight 0 "-32" $tool add 40 08
t add_back 0 "-34" $tool add 40 -2
t index_with_leading_zero_is_decimal 0 "-34" $tool get 040
t add_wraps_like_the_kernel 0 "-9223372036854775808" sh -c "$tool set 41 9223372036854775807 && $tool add 41 1"
t xchg_prints_the_old_value 0 "-34" $tool xchg 40 7
t cmpxchg_swaps_and_prints_old 0 "7" $tool cmpxchg 40 7 8
t cmpxchg_mismatch_exit_3 3 "8" $tool cmpxchg 40 7 9
t cmpxchg_mismatch_left_it 0 "8" $tool get 40
t reset_prints_the_old_value 0 "8" $tool reset 40
t reset_zeroes 0 "0" $tool get 40
t relaxed_add 0 "5" $tool --relaxed add 40 5
t relaxed_get 0 "5" $tool -r get 40
t relaxed_set 0 "" $tool -r set 42 3
t ordered_inc 0 "4" $tool --ordered inc 42
t json_get 0 '{"index": 40, "value": 5}' $tool --json get 40
t json_xchg 0 '{"index": 40, "old": 5}' $tool -j xchg 40 6
t json_cmpxchg 3 '{"index": 40, "old": 6, "swapped": false}' $tool -j cmpxchg 40 1 2
t list_shows_nonzero_counters 0 "    40                    6
    41 -9223372036854775808
    42                    4
$wline" $tool list
t json_list 0 "[{\"index\": 40, \"value\": 6}, {\"index\": 41, \"value\": -9223372036854775808}, {\"index\": 42, \"value\": 4}, {\"index\": $wi, \"value\": 0, \"name\": \"atomic_counter.waiters\", \"owner\": \"kernel\"}]" $tool --json list
tm list_all_shows_every_counter 0 "^ *$((nr - 1)) +0\$" $tool list --all
t list_all_line_count 0 "$((total - slots))" sh -c "$tool list --all | wc -l | tr -d ' '"
tm info_reports_the_bank 0 "^counters: +$nr\$" $tool info
tm json_info 0 "^\\{\"api\": 2, \"version\": \"$version\", \"nr_counters\": $nr," $tool --json info
tm watch_prints_values_and_rates 0 '^ +40 +6 +0\.0$' $tool -i 0.05 -n 1 watch 40
tm watch_follows_nonzero_counters 0 '^ +42 +4 +0\.0$' $tool -i 0.05 -n 2 watch
t watch_json 0 '{"index": 42, "value": 4, "rate": 0.0}' $tool -j -i 0.05 -n 1 watch 42
# On a terminal watch redraws the screen; with --json it writes JSON only.
tm watch_on_a_terminal_clears_the_screen 0 "$(printf '\033')\\[H$(printf '\033')\\[J" \
	sh -c "$here/pty_run $tool -i 0.05 -n 1 watch 42"
t watch_json_on_a_terminal_writes_no_escapes 0 '{"index": 42, "value": 4, "rate": 0.0}' \
	sh -c "$here/pty_run $tool -j -i 0.05 -n 1 watch 42 | tr -d '\\r'"
# More indices than the bank has counters (repeats allowed): once a heap overflow.
many=$(i=0; while [ $i -le "$total" ]; do printf '42 40 '; i=$((i + 1)); done)
t watch_takes_more_indices_than_counters 0 "$((2 * total + 3))" \
	sh -c "$tool -i 0.001 -n 1 watch $many >$tmp/watch && wc -l <$tmp/watch | tr -d ' '"
t wait_true_now_prints_the_value 0 "4" $tool wait 42 eq 4 --timeout 0
t wait_json 0 '{"index": 42, "value": 4}' $tool -j wait 42 ge 3
t wait_times_out_exit_124 124 "atomic-counter: wait: timed out" $tool wait 42 le 3 -t 0.01
t wait_bad_cond_exit_2 2 "atomic-counter: bad COND 'gt': want eq, ne, ge or le" $tool wait 42 gt 3
t wait_needs_three_arguments 2 "atomic-counter: wait takes 3 arguments (see --help)" $tool wait 42 eq
t wait_options_after_operands_then_no_more 2 "atomic-counter: wait takes 3 arguments (see --help)" \
	$tool wait 42 eq 4 -t 0 43
t wait_negative_value_then_options 124 "atomic-counter: wait: timed out" $tool wait 42 le -3 --timeout 0
t wait_options_before_operands 0 "4" $tool wait -t 0 42 ge 4

for i in 40 41 42; do $tool set $i 0; done

# Names
a=$($tool create tool.a)
t create_prints_the_index 0 "$a" $tool lookup tool.a
t create_again_opens_it 0 "$a" $tool create tool.a
t get_by_name 0 "0" $tool get tool.a
t inc_by_name 0 "1" $tool inc tool.a
t add_by_name 0 "11" $tool add tool.a 10
t json_create 0 "{\"name\": \"tool.a\", \"index\": $a}" $tool --json create tool.a
b=$($tool create tool.b)
$tool set tool.b -3
t list_shows_names 0 "$(printf '%6d %20d tool.a\n%6d %20d tool.b' "$a" 11 "$b" -3)
$wline" $tool list
t export_prometheus 0 "# HELP atomic_counter Value of a named /dev/atomic_counter counter.
# TYPE atomic_counter gauge
atomic_counter{name=\"tool.a\",owner=\"user\"} 11
atomic_counter{name=\"tool.b\",owner=\"user\"} -3
atomic_counter{name=\"atomic_counter.waiters\",owner=\"kernel\"} 0" $tool export
t export_to_a_full_disk_exit_1 1 "atomic-counter: write error: No space left on device" \
	sh -c "$tool export >/dev/full"
t export_output_is_silent 0 "" $tool export --output "$tmp/out/ac.prom"
t export_output_writes_the_file 0 "$($tool export)" cat "$tmp/out/ac.prom"
t export_output_is_world_readable 0 "-rw-r--r--" sh -c "umask 022; $tool export --output $tmp/out/ac.prom && ls -l $tmp/out/ac.prom | cut -c1-10"
t export_output_into_a_missing_directory_exit_1 1 \
	"atomic-counter: $tmp/none/ac.prom: No such file or directory" $tool export --output "$tmp/none/ac.prom"
t failed_command_keeps_the_old_output 1 "atomic-counter: no counter named 'tool.none' (atomic-counter create tool.none)" \
	$tool --output "$tmp/out/ac.prom" get tool.none
t failed_command_leaves_no_temporary_file 0 "ac.prom" ls "$tmp/out"
t endless_watch_output_exit_2 2 "atomic-counter: --output needs watch --count N" \
	$tool --output "$tmp/out/ac.prom" watch 1
t export_output_after_failure_is_intact 0 "$($tool export)" cat "$tmp/out/ac.prom"
t export_json 0 "[{\"name\": \"tool.a\", \"index\": $a, \"owner\": \"user\", \"value\": 11}, {\"name\": \"tool.b\", \"index\": $b, \"owner\": \"user\", \"value\": -3}, {\"name\": \"atomic_counter.waiters\", \"index\": $wi, \"owner\": \"kernel\", \"value\": 0}]" $tool export --json
t json_list_has_names 0 "[{\"index\": $a, \"value\": 11, \"name\": \"tool.a\", \"owner\": \"user\"}, {\"index\": $b, \"value\": -3, \"name\": \"tool.b\", \"owner\": \"user\"}, {\"index\": $wi, \"value\": 0, \"name\": \"atomic_counter.waiters\", \"owner\": \"kernel\"}]" $tool --json list
t delete_is_silent 0 "" $tool delete tool.a
t json_delete_prints_an_object 0 '{"name": "tool.c", "deleted": true}' \
	sh -c "$tool create tool.c >/dev/null && $tool --json delete tool.c"
# Deleted and created again: the same series, whatever index it gets now.
t export_labels_by_name_not_index 0 "atomic_counter{name=\"tool.a\",owner=\"user\"} 0" \
	sh -c "$tool create tool.b2 >/dev/null && $tool create tool.a >/dev/null && $tool export | grep 'tool.a\"' && $tool delete tool.a && $tool delete tool.b2"
t delete_unknown_exit_1 1 "atomic-counter: no counter named 'tool.a'" $tool delete tool.a
t lookup_unknown_exit_1 1 "atomic-counter: no counter named 'tool.a'" $tool lookup tool.a
t bad_name_exit_2 2 "atomic-counter: bad NAME '9x': 1-47 characters of A-Z a-z 0-9 _ . : -, starting with a letter or _" $tool create 9x
t create_needs_a_name 2 "atomic-counter: create takes 1 argument (see --help)" $tool create
t kernel_region_write_refused 1 "atomic-counter: set: a kernel counter: userspace can only read it" $tool set "$(field kernel_first)" 1

# Striped counters
s=$($tool create --striped tool.s)
t create_striped_prints_the_index 0 "$s" $tool lookup tool.s
t create_striped_again_opens_it 0 "$s" $tool create -s tool.s
t striped_get_is_the_sum 0 "0" $tool get tool.s
t striped_inc_prints_the_sum_after 0 "1" $tool inc tool.s
t striped_add_prints_the_sum_after 0 "11" $tool add tool.s 10
t striped_dec_prints_the_sum_after 0 "10" $tool --relaxed dec tool.s
t striped_json_get 0 "{\"index\": $s, \"value\": 10}" $tool --json get tool.s
t striped_set_refused_exit_2 2 "atomic-counter: set: tool.s is a striped counter: it takes get, add, inc and dec" $tool set tool.s 0
t striped_cmpxchg_refused_exit_2 2 "atomic-counter: cmpxchg: tool.s is a striped counter: it takes get, add, inc and dec" $tool cmpxchg tool.s 10 0
t striped_wait_eq_refused_exit_2 2 "atomic-counter: wait: tool.s is a striped counter: it is waited on with ge only" $tool wait tool.s eq 10
t striped_wait_ge_prints_the_sum 0 "10" $tool wait tool.s ge 10 --timeout 0
t striped_left_unchanged 0 "10" $tool get tool.s
t create_plain_of_a_striped_name_exit_1 1 "atomic-counter: create: 'tool.s' exists and is a striped counter" $tool create tool.s
t create_striped_of_a_plain_name_exit_1 1 "atomic-counter: create: 'tool.b' exists and is not a striped counter" $tool create --striped tool.b
tm list_shows_the_striped_sum 0 "^ *$s +10 tool.s\$" $tool list
tm export_shows_the_striped_sum 0 "^atomic_counter\\{name=\"tool.s\",owner=\"user\"\\} 10\$" $tool export
tm info_reports_striped_counters 0 "^striped counters: +$(field nr_striped) named, $(field nr_kernel_striped) for the kernel, $(field nr_stripes) slots each\$" $tool info
$tool delete tool.s
$tool delete tool.b

# Private banks: "bank COMMAND" runs COMMAND with a new one, named by
# $ATOMIC_COUNTER_BANK_FD, which the tool inside uses.
before=$($tool get 40)
t bank_runs_the_command_on_a_private_bank 0 "bank:             private" \
	sh -c "$tool bank $tool info | grep '^bank:'"
# The variables count only in the process ATOMIC_COUNTER_BANK_PID names:
# the shell's children ignore them (they name a descriptor of the shell's
# choosing), unless it hands them on.
t bank_variables_are_ignored_by_the_commands_children 0 "bank:             global" \
	$tool bank sh -c "$tool info | grep '^bank:'"
t bank_handed_on_by_a_script 0 "bank:             private" \
	$tool bank sh -c "sh -c 'export ATOMIC_COUNTER_BANK_PID=\$\$; exec $tool info' | grep '^bank:'"
tm bank_variables_naming_another_file_ebadf 1 "Bad file descriptor" \
	sh -c "exec 5</dev/null; export ATOMIC_COUNTER_BANK_FD=5 ATOMIC_COUNTER_BANK_PID=\$\$; exec $tool info"
t bank_counters_start_at_zero_and_are_its_own 0 "12345" \
	$tool bank sh -c "b=\$ATOMIC_COUNTER_BANK_FD; $tool -b \$b get 40 | grep -qx 0 && $tool -b \$b set 40 12345 && $tool -b \$b get 40"
t bank_left_the_other_bank_alone 0 "$before" $tool get 40
t bank_names_are_its_own 1 "atomic-counter: no counter named 'tool.banked'" \
	sh -c "$tool bank $tool create tool.banked >/dev/null; $tool lookup tool.banked"
# Regions are rounded up to whole pages of the kernel's page size (4 KiB,
# or 16/64 KiB on arm64): 1000 counters are 1024 with 4 KiB pages, 8192
# with 64 KiB. The page size from the kernel (smaps, CONFIG_PROC_PAGE_MONITOR),
# not from the module; without smaps, a one-counter bank is one page of them.
per_page=$(awk '/^KernelPageSize:/ { print $2 * 1024 / 8; exit }' /proc/self/smaps 2>/dev/null)
[ -n "$per_page" ] || per_page=$($tool bank --counters 1 $tool --json info |
	sed 's/.*"nr_counters": \([0-9]*\).*/\1/')
up() { echo $(((($1) + per_page - 1) / per_page * per_page)); }
tm bank_sizes_from_options 0 "\"nr_counters\": $(up 1000), .*\"nr_named\": $(up 512), .*\"nr_striped\": 16, " \
	$tool bank --counters 1000 --striped-counters 9 $tool --json info
t bank_exit_status_is_the_commands 7 "" $tool bank sh -c 'exit 7'
t bank_command_not_found_exit_127 127 \
	"atomic-counter: bank: /nonexistent/cmd: No such file or directory" $tool bank /nonexistent/cmd
t bank_needs_a_command_exit_2 2 "atomic-counter: bank needs a COMMAND to run with the bank" $tool bank
t bank_size_out_of_range_exit_2 2 \
	"atomic-counter: bank: a size out of range (at most 1048576 counters a region)" \
	$tool bank --named 2000000 true
t bank_option_names_an_inherited_descriptor 0 "bank:             private" \
	$tool bank sh -c "fd=\$ATOMIC_COUNTER_BANK_FD; ATOMIC_COUNTER_BANK_FD= $tool --bank \$fd info | grep '^bank:'"
t bank_option_not_a_bank_exit_1 1 \
	"atomic-counter: descriptor 99 is not a bank's (atomic-counter bank COMMAND hands one down)" \
	$tool --bank 99 get 40
echo "1..$n"
exit $failed
