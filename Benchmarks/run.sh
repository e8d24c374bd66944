#!/usr/bin/env bash
# Every performance figure the issues ask for, measured on release builds (make bench runs this).
# Figures vary with the machine's load: run on an idle machine; each figure is a best of several runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
out=${BENCH_DIR:-/tmp/raft-trace-bench}
mkdir -p "$out"

echo "== trace format: 10M synthetic events (target: <= 2.0 bytes/event, >= 10M/s write, >= 30M/s read)"
"$bin/traceanalyze" bench --events 10000000 --output "$out/format.trace"

echo; echo "== simulation: 5 nodes, 100 writes/s, 1 hour (target: <= 0.7 s, tracing overhead <= 15%)"
# Nine runs of each mode, alternating: on a shared VM a slow stretch can last several runs, and the
# best of nine is steadier from one `make bench` to the next than the best of five.
"$bin/raftrecord" bench --duration 1h --repeat 9 --output "$out/sim.trace"

echo; echo "== analysis vs zstd -dc (target: <= 2x zstd -dc, >= 20M events/s, memory x10 trace <= 1.2x)"
# Wall times of `zstd -dc` and of the analysis, nine of each, the two run in turn so that a
# slow stretch of this shared VM (its timings vary by up to 2x) meets both alike. The best of each
# is the figure; the medians show how often a run had the VM's two processors (its scheduler often
# packs the analysis' two threads onto one: docs/performance.md). Microseconds: best zstd, best
# analysis, median zstd, median analysis.
# The clock is bash's $EPOCHREALTIME where there is one (bash 5): reading it starts no process,
# where `date` started inside each timed interval added about 1 ms to both commands, a quarter of
# `zstd -dc`'s time on the 1 min trace, which made the ratio look smaller than it is.
# now_us VAR sets VAR to the time in microseconds (no command substitution: that forks).
now_us() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME/[.,]/}; printf -v "$1" '%d' "$((10#$t))"
  else
    printf -v "$1" '%d' "$(($(date +%s%N) / 1000))"
  fi
}
best_and_median_of_9() {
  local zs=() as=() s e
  for _ in 1 2 3 4 5 6 7 8 9; do
    now_us s; zstd -dc "$1" >/dev/null 2>&1; now_us e; zs+=($((e - s)))
    now_us s; "$bin/traceanalyze" "$1" -o /dev/null >/dev/null 2>&1; now_us e; as+=($((e - s)))
  done
  local z a
  z=$(printf '%s\n' "${zs[@]}" | sort -n); a=$(printf '%s\n' "${as[@]}" | sort -n)
  echo "$(sed -n 1p <<<"$z") $(sed -n 1p <<<"$a") $(sed -n 5p <<<"$z") $(sed -n 5p <<<"$a")"
}
for d in 1m 10m; do
  "$bin/raftrecord" run --scenario steady --duration "$d" -o "$out/steady-$d.trace" >/dev/null
done
for f in "$out/steady-1m.trace" "$out/steady-10m.trace" "$out/sim.trace"; do
  read -r z a mz ma < <(best_and_median_of_9 "$f")
  awk -v n="$(basename "$f")" -v z="$z" -v a="$a" -v mz="$mz" -v ma="$ma" \
    'BEGIN { printf "%s: zstd -dc %.1f ms, traceanalyze %.1f ms (%.2fx); medians %.1f and %.1f ms (%.2fx)\n",
             n, z / 1000, a / 1000, a / z, mz / 1000, ma / 1000, ma / mz }'
  # Events per second and peak memory as the analysis reports them (from opening the trace to the
  # end of the analysis), of the fastest of 9 runs, as the wall times above are.
  for _ in 1 2 3 4 5 6 7 8 9; do "$bin/traceanalyze" "$f" --stats -o /dev/null 2>&1 | grep analysis; done \
    | sort -t, -k2,2 -rn | head -1
done

echo; echo "== sweep: 11 configurations x 1000 trials of the paper's 9.3 experiment (target: <= 60 s)"
"$bin/raftrecord" sweep --scenario paper-9.3 --trials 1000 --quiet -o "$out/sweep" \
  --vary election-timeout=150ms-151ms,150ms-152ms,150ms-155ms,150ms-160ms,150ms-165ms,150ms-175ms,150ms-185ms,150ms-200ms,150ms-225ms,150ms-250ms,150ms-300ms \
  | tail -1
