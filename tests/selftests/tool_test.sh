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
json=$($tool --json info)
field() { printf '%s\n' "$json" | sed "s/.*\"$1\": \([0-9]*\).*/\1/"; }
nr=$(field nr_counters)
total=$(($(field map_size) / 8))
# Slots of striped counters other than their first are parts, not counters.
slots=$((2 * $(field nr_striped) * ($(field nr_stripes) - 1)))
wi=$(field waiters_index)
# The module's own kernel counter, listed with every named one.
wline=$(printf '%6d %20d atomic_counter.waiters' "$wi" 0)
$tool list | while read -r idx val name; do [ -n "$name" ] || $tool set "$idx" 0; done
for c in tool.a tool.b tool.s; do $tool delete $c 2>/dev/null; done

tm help_lists_every_command 0 'cmpxchg INDEX OLD NEW' $tool --help
t version_is_the_project_version 0 "atomic-counter $version" $tool --version
tm no_command_prints_usage_exit_2 2 '^usage: atomic-counter' $tool
t unknown_command_exit_2 2 "atomic-counter: unknown command 'frob' (see --help)" $tool frob
t unknown_option_exit_2 2 "atomic-counter: unknown option '--frob' (see --help)" $tool --frob get 40
t unknown_option_after_command_exit_2 2 "atomic-counter: unknown option '-z' (see --help)" $tool list -z
t option_without_value_exit_2 2 "atomic-counter: option '--device' needs a value (see --help)" $tool get --device
t missing_device_says_module_not_loaded 1 \
	"atomic-counter: /dev/no_such_counter: module not loaded: modprobe atomic_counter" \
	$tool --device /dev/no_such_counter get 40
t missing_device_from_env 1 \
	"atomic-counter: /dev/no_such_counter: module not loaded: modprobe atomic_counter" \
	env ATOMIC_COUNTER_DEVICE=/dev/no_such_counter $tool get 40
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
	"atomic-counter: bad VALUE '9223372036854775808': not a 64-bit integer" \
	$tool set 40 9223372036854775808
t wrong_argument_count_exit_2 2 "atomic-counter: set takes 2 arguments (see --help)" $tool set 40
t too_many_arguments_exit_2 2 "atomic-counter: get takes 1 argument (see --help)" $tool get 40 41
t bad_interval_exit_2 2 "atomic-counter: bad --interval '0': want seconds > 0" $tool -i 0 watch
t bad_count_exit_2 2 "atomic-counter: bad --count 'x': want a positive number" $tool -n x watch

t set_is_silent 0 "" $tool set 40 41
t get_prints_the_value 0 "41" $tool get 40
t inc_prints_the_new_value 0 "42" $tool inc 40
t dec_prints_the_new_value 0 "41" $tool dec 40
t add_prints_the_new_value 0 "50" $tool add 40 9
t add_negative 0 "-50" $tool add 40 -100
t add_hex 0 "-34" $tool add 40 0x10
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
tm json_info 0 "^\\{\"api\": 1, \"version\": \"$version\", \"nr_counters\": $nr," $tool --json info
tm watch_prints_values_and_rates 0 '^ +40 +6 +0\.0$' $tool -i 0.05 -n 1 watch 40
tm watch_follows_nonzero_counters 0 '^ +42 +4 +0\.0$' $tool -i 0.05 -n 2 watch
t watch_json 0 '{"index": 42, "value": 4, "rate": 0.0}' $tool -j -i 0.05 -n 1 watch 42

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
atomic_counter{name=\"tool.a\",owner=\"user\",index=\"$a\"} 11
atomic_counter{name=\"tool.b\",owner=\"user\",index=\"$b\"} -3
atomic_counter{name=\"atomic_counter.waiters\",owner=\"kernel\",index=\"$wi\"} 0" $tool export
t export_json 0 "[{\"name\": \"tool.a\", \"index\": $a, \"owner\": \"user\", \"value\": 11}, {\"name\": \"tool.b\", \"index\": $b, \"owner\": \"user\", \"value\": -3}, {\"name\": \"atomic_counter.waiters\", \"index\": $wi, \"owner\": \"kernel\", \"value\": 0}]" $tool export --json
t json_list_has_names 0 "[{\"index\": $a, \"value\": 11, \"name\": \"tool.a\", \"owner\": \"user\"}, {\"index\": $b, \"value\": -3, \"name\": \"tool.b\", \"owner\": \"user\"}, {\"index\": $wi, \"value\": 0, \"name\": \"atomic_counter.waiters\", \"owner\": \"kernel\"}]" $tool --json list
t delete_is_silent 0 "" $tool delete tool.a
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
t striped_left_unchanged 0 "10" $tool get tool.s
t create_plain_of_a_striped_name_exit_1 1 "atomic-counter: create: 'tool.s' exists and is a striped counter" $tool create tool.s
t create_striped_of_a_plain_name_exit_1 1 "atomic-counter: create: 'tool.b' exists and is not a striped counter" $tool create --striped tool.b
tm list_shows_the_striped_sum 0 "^ *$s +10 tool.s\$" $tool list
tm export_shows_the_striped_sum 0 "^atomic_counter\\{name=\"tool.s\",owner=\"user\",index=\"$s\"\\} 10\$" $tool export
tm info_reports_striped_counters 0 "^striped counters: +$(field nr_striped) named, $(field nr_striped) for the kernel, $(field nr_stripes) slots each\$" $tool info
$tool delete tool.s
$tool delete tool.b
echo "1..$n"
exit $failed
