#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make bench: ac-bench in a guest (BENCH_LANE, default cloud; VM_CPUS vCPUs,
# default 2), with the test module ac_bench_floor loaded so that the ioctl
# and batch paths are set beside their floor and the in-kernel update
# beside the bare atomic; then the table on the terminal, every figure in
# build/bench/bench.json and a plot of ops/s against processes for each
# path in build/bench/bench.png. BENCH_LANE=arm64 runs the arm64 lane's
# own builds: the module cross-built against its headers and ac-bench by
# make cross-userspace (tests/vm/run-lane.sh -F), as make check does.
#
# VM_CPU_FLAGS is appended to the lane's CPU model; its default takes out
# what QEMU's TCG emulates at a cost no real CPU has. On an x86-64 lane,
# -erms,-fsrm: TCG runs "rep movsb" one byte per emulated iteration, so
# with those features every copy_from_user() costs a loop trip per byte;
# without them the kernel copies with "rep movsq", 8 bytes a trip, as on
# CPUs before ERMS. On arm64, pauth-impdef=on (the arm64 lanes' own model
# has it, for make check too): Debian's kernel signs and
# checks the return address of nearly every function (pointer
# authentication), and TCG computes the architected QARMA5 cipher in
# software for each; with QEMU's own cheap hash instead the guest still
# runs every PAC instruction. Measured here: getppid 13.5 us with
# QARMA5, 2.9 us without; a batch entry's check and apply 1560 ns, 178.
#
# make bench-host (scripts/bench.sh host): the paths that need no module,
# natively on this machine's CPUs, in build/bench/bench-host.{json,png}.
# scripts/bench.sh replot: the plot again from build/bench/bench.json.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
mode=${1:-vm}
mkdir -p "$out"
n=${BENCH_N:-1,2,4} samples=${BENCH_SAMPLES:-5} secs=${BENCH_SECONDS:-0.3}

if [ "$mode" = replot ]; then
	# The plot again from the last run's figures (bench.json).
	name=bench
	where=$(sed -n 's/^# lane [^:]*: \(.*\)/QEMU TCG, \1/p' "$out/bench.out" | head -n 1)
elif [ "$mode" = host ]; then
	name=bench-host
	where="natively on this machine ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs), no module"
	echo "# $where"
	"$top/userspace/ac-bench" -H -n "$n" -s "$samples" -d "$secs" -j "$out/$name.json" |
		tee "$out/$name.out"
else
	name=bench
	lane=${BENCH_LANE:-cloud}
	# The lane's architecture, for its CPU flags and time limit.
	# shellcheck source=tests/vm/lanes.sh
	arch=$(. "$top/tests/vm/lanes.sh" && lane_setup "$lane" >&2 && echo "$LANE_ARCH")
	bind=()
	if [ "$arch" = x86_64 ]; then
		export VM_CPU_FLAGS=${VM_CPU_FLAGS--erms,-fsrm}
		limit=1200
		# The bindings' rows: this machine's builds (make bindings);
		# a cross lane's would need make check's cross build first.
		bind=(-F rust_bindings_test -F go_bindings_test)
	else
		# pauth-impdef=on is in the lane's CPU model (tests/vm/lanes.sh).
		export VM_CPU_FLAGS=${VM_CPU_FLAGS-}
		# Emulating arm64 takes about twice as long (docs/testing.md).
		limit=2400
	fi
	cat >"$out/job.sh" <<'EOJ'
if [ "$(uname -m)" = aarch64 ]; then
	echo "# guest CPU: aarch64, $(grep -c '^processor' /proc/cpuinfo) CPUs;" \
		"LSE atomics: $(grep -q -w atomics /proc/cpuinfo && echo yes || echo no)"
else
	echo "# guest CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1);" \
		"fast strings: $(grep -m 1 -o -w 'erms\|fsrm' /proc/cpuinfo | sort -u | tr '\n' ' ')"
fi
ac-bench -n "$BENCH_N" -s "$BENCH_SAMPLES" -d "$BENCH_SECONDS" -j /tmp/bench.json
# The bindings' page paths against the languages' own atomics on a shared
# memfd page, in the same guest (make bindings built them).
for b in rust_bindings_test go_bindings_test; do
	if [ -x "/bin/$b" ]; then "$b" bench; fi
done
echo "@@BENCH-JSON"
cat /tmp/bench.json
echo "@@BENCH-END"
EOJ
	"$top/tests/vm/run-lane.sh" "$lane" -F ac-bench ${bind[@]+"${bind[@]}"} -c "${VM_CPUS:-2}" -t "$limit" -n bench \
		-m "$top/build/vm-$lane/tests/kmod/ac_bench_floor.ko" \
		-e BENCH_N="$n" -e BENCH_SAMPLES="$samples" -e BENCH_SECONDS="$secs" \
		"$out/job.sh" | tee "$out/bench.out" |
		sed '/^@@BENCH-JSON/,/^@@BENCH-END/d'
	sed -n '/^@@BENCH-JSON/,/^@@BENCH-END/p' "$out/bench.out" | sed '1d;$d' >"$out/bench.json"
	where="QEMU TCG, $(grep -m 1 '^# lane' "$out/bench.out" | sed 's/^# lane [^:]*: //'), ${VM_CPUS:-2} vCPUs"
fi
json=$out/$name.json
[ -s "$json" ] || { echo "bench: no results came back (see $out/$name.out)"; exit 1; }

# One data block per (counter layout, path): "n median min max".
paths=$(sed -n 's/.*"path": "\([a-z0-9_]*\)".*/\1/p' "$json" | uniq | tr '\n' ' ')
for layout in one own; do
	for path in $paths; do
		echo "# $layout $path"
		grep "\"path\": \"$path\", \"counter\": \"$layout\"" "$json" |
			sed 's/.*"n": \([0-9]*\), "min": \([0-9]*\), "median": \([0-9]*\), "max": \([0-9]*\).*/\1 \3 \2 \4/'
		printf '\n\n'
	done
done >"$out/$name.dat"
# The floor, as the rate of one task doing nothing but the kernel's work.
floor=$(sed -n 's/.*"floor_op_ns": \([0-9.]*\).*/\1/p' "$json")
floorplot=
[ -n "$floor" ] && floorplot=", 1e9 / $floor with lines dashtype 2 linewidth 2 linecolor rgb 'black' title 'floor: one op checked and applied by the kernel, one task ($floor ns)'"
gnuplot <<EOG
set terminal pngcairo size 1400,800 font ",10" noenhanced
set output "$out/$name.png"
set multiplot layout 1,2 title "atomic_counter: ops/s against processes (median, min-max bars), one run; $where"
set logscale y
set xlabel "processes"
set ylabel "operations per second (all processes)"
set key below maxrows 4
set xtics 1
paths = "$paths"
# One colour and one marker per path: gnuplot's default cycle has 8 colours.
colours = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #000080 #008000"
set title "all processes on one counter"
plot for [i=1:words(paths)] "$out/$name.dat" index (i-1) using 1:2:3:4 with yerrorlines linecolor rgb word(colours, i) pointtype (i + 3) title word(paths, i)$floorplot
set title "each process on its own counter"
plot for [i=1:words(paths)] "$out/$name.dat" index (words(paths) + i - 1) using 1:2:3:4 with yerrorlines linecolor rgb word(colours, i) pointtype (i + 3) title word(paths, i)$floorplot
unset multiplot
EOG
echo "bench: $json, $out/$name.png"
