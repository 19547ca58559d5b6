#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make bench: ac-bench in a guest (BENCH_LANE, default cloud; VM_CPUS vCPUs,
# default 2), then the table on the terminal, every figure in
# build/bench/bench.json and a plot of ops/s against processes for each
# path in build/bench/bench.png.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
mkdir -p "$out"
cat >"$out/job.sh" <<'EOJ'
ac-bench -n "${BENCH_N:-1,2,4}" -s "${BENCH_SAMPLES:-5}" -d "${BENCH_SECONDS:-0.3}" -j /tmp/bench.json
echo "@@BENCH-JSON"
cat /tmp/bench.json
echo "@@BENCH-END"
EOJ
"$top/tests/vm/run-lane.sh" "${BENCH_LANE:-cloud}" -c "${VM_CPUS:-2}" -t 900 -n bench \
	-e BENCH_N="${BENCH_N:-1,2,4}" -e BENCH_SAMPLES="${BENCH_SAMPLES:-5}" \
	-e BENCH_SECONDS="${BENCH_SECONDS:-0.3}" \
	-f "$top/build/static/ac-bench" "$out/job.sh" | tee "$out/bench.out" |
	sed '/^@@BENCH-JSON/,/^@@BENCH-END/d'
sed -n '/^@@BENCH-JSON/,/^@@BENCH-END/p' "$out/bench.out" | sed '1d;$d' >"$out/bench.json"
[ -s "$out/bench.json" ] || { echo "bench: no results came back (see $out/bench.out)"; exit 1; }

# One data block per (counter layout, path): "n median min max".
for layout in one own; do
	for path in $(sed -n 's/.*"path": "\([a-z0-9_]*\)".*/\1/p' "$out/bench.json" | uniq); do
		echo "# $layout $path"
		grep "\"path\": \"$path\", \"counter\": \"$layout\"" "$out/bench.json" |
			sed 's/.*"n": \([0-9]*\), "min": \([0-9]*\), "median": \([0-9]*\), "max": \([0-9]*\).*/\1 \3 \2 \4/'
		printf '\n\n'
	done
done >"$out/bench.dat"
paths=$(sed -n 's/.*"path": "\([a-z0-9_]*\)".*/\1/p' "$out/bench.json" | uniq | tr '\n' ' ')
gnuplot <<EOG
set terminal pngcairo size 1400,600 font ",10" noenhanced
set output "$out/bench.png"
set multiplot layout 1,2 title "atomic_counter: ops/s against processes (median, min-max bars), one run"
set logscale y
set xlabel "processes"
set ylabel "operations per second (all processes)"
set key outside right
set xtics 1
paths = "$paths"
set title "all processes on one counter"
plot for [i=1:words(paths)] "$out/bench.dat" index (i-1) using 1:2:3:4 with yerrorlines linecolor i title word(paths, i)
set title "each process on its own counter"
plot for [i=1:words(paths)] "$out/bench.dat" index (words(paths) + i - 1) using 1:2:3:4 with yerrorlines linecolor i title word(paths, i)
unset multiplot
EOG
echo "bench: $out/bench.json, $out/bench.png"
