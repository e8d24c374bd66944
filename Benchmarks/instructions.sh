#!/usr/bin/env bash
# Instruction counts of the hot paths (make bench-instructions runs this): unlike wall time they do
# not move with the machine's load, so they show what a change did on a noisy machine. Needs
# valgrind; each line takes a few seconds to a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt install valgrind)"; exit 1; }
out=${BENCH_DIR:-/tmp/raft-trace-bench}
mkdir -p "$out"
# valgrind cannot read the Swift debug info of a release binary; a copy without it keeps the symbols.
for b in raftrecord traceanalyze; do
  cp ".build/release/$b" "$out/$b.nodebug" && strip --strip-debug "$out/$b.nodebug"
done

# Instructions per thread of one command, largest first.
count() {
  rm -f "$out"/cg.out*
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/cg.out" "$@" >/dev/null 2>&1
  grep -h '^summary' "$out"/cg.out* | awk '{print $2}' | sort -rn | awk '{printf "%s%.1fM", (NR > 1 ? " + " : ""), $1 / 1e6} END {print ""}'
}

events=$("$out/raftrecord.nodebug" run --scenario steady --duration 1m -o "$out/steady-1m.trace" | sed -E 's/^[^:]*: ([0-9]+) events.*/\1/')
"$out/raftrecord.nodebug" run --scenario steady --duration 10m -o "$out/steady-10m.trace" >/dev/null
echo "simulate 1 min ($events events), untraced:        $(count "$out/raftrecord.nodebug" run --scenario steady --duration 1m --no-trace)"
echo "simulate 1 min, traced (recording + writer):       $(count "$out/raftrecord.nodebug" run --scenario steady --duration 1m -o "$out/ir.trace")"
"$out/raftrecord.nodebug" run --scenario steady --duration 1s -o "$out/steady-1s.trace" >/dev/null
echo "analyse a 1 s trace:                               $(count "$out/traceanalyze.nodebug" "$out/steady-1s.trace" -o /dev/null)"
# The analysis thread and the decoding threads: one decoding thread (decompressing and decoding
# every frame) on a machine with fewer than three processors, else two sharing the frames. The
# analysis thread decodes the rest of any frame it comes for before a decoding thread is done with
# it, so how the decoding splits between the threads depends on timing; the sum does not.
echo "analyse the 10 min trace (threads, largest first): $(count "$out/traceanalyze.nodebug" "$out/steady-10m.trace" -o /dev/null)"
echo "zstd -dc of the 10 min trace:                      $(count zstd -dc "$out/steady-10m.trace")"
