#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer and AddressSanitizer (make fuzz), of two targets:
#   trace     the trace reader (FuzzTrace.swift): damaged files, frames with right checksums and
#             wrong records. Seeds: small traces from sample-traces/ and the frames inside them.
#   analysis  the analysis and every report (FuzzAnalysis.swift): well-formed events that make no
#             sense as a Raft run. Seeds: random bytes.
# Each runs FUZZ_SECONDS (default 300) on every core; a crash, hang or out-of-memory input is saved
# in $FUZZ_DIR/<target> and named in the output. FUZZ_TARGETS picks targets (default both). Leak
# checks are off, at the end of a run too (libFuzzer's -detect_leaks=0 only stops them during the
# run; ASAN_OPTIONS' stops the one at exit): the decoding threads release a frame's storage a
# moment after handing it over, which LeakSanitizer can catch mid-way and report, and at exit a
# read-ahead whose iterator was just dropped may still be releasing its buffers on its own thread
# (a 300 s run that found nothing once ended reporting 104 bytes in 3 objects of one).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${FUZZ_DIR:-/tmp/raft-trace-fuzz}
targets=${FUZZ_TARGETS:-trace analysis}
mkdir -p "$dir"

# The reader is compiled together with its target as one module, so the target reaches the frame
# decoder directly.
build_trace() {
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name TraceFormat -package-name raft_trace \
    Sources/TraceFormat/*.swift Fuzz/FuzzTrace.swift -I Sources/CZstd -o "$dir/trace/fuzz"
  python3 - "$dir/trace/corpus" sample-traces/*.trace <<'PY'
import struct, subprocess, sys
out, traces = sys.argv[1], sys.argv[2:]
for n, t in enumerate(traces):
    data = open(t, 'rb').read()
    if len(data) < 65536:
        open(f'{out}/file-{n}', 'wb').write(b'\x01' + data)
    raw = subprocess.run(['zstd', '-dc', t], capture_output=True).stdout
    off = 0
    while off + 48 <= len(raw):
        end = off + 48 + sum(struct.unpack_from('<5I', raw, off + 28))
        if end - off < 65536:
            open(f'{out}/frame-{n}-{off}', 'wb').write(b'\x00' + raw[off:end])
        off = end
PY
}

# The analyzer and its dependencies are built by SwiftPM with coverage and AddressSanitizer (in a
# build directory of their own), then linked with the target, which uses their public interface.
build_analysis() {
  local build="$dir/analysis/build"
  swift build --build-path "$build" -c release --target TraceAnalyzer -Xswiftc -sanitize=fuzzer,address
  local objects=()
  for module in TraceAnalyzer TraceFormat DequeModule InternalCollectionsUtilities ContainersPreview Histogram \
                Numerics RealModule ComplexModule _NumericsShims; do
    while IFS= read -r -d '' f; do objects+=("$f"); done < <(find "$build/release/$module.build" -maxdepth 1 -name '*.o' -print0)
  done
  local shims
  shims=$(find "$build/checkouts/swift-numerics" -path '*_NumericsShims*' -name module.modulemap | head -n 1)
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzAnalysis Fuzz/FuzzAnalysis.swift \
    -I "$build/release/Modules" -Xcc -fmodule-map-file=Sources/CZstd/module.modulemap -Xcc -fmodule-map-file="$shims" \
    "${objects[@]}" -lzstd -o "$dir/analysis/fuzz"
  python3 - "$dir/analysis/corpus" <<'PY'
import random, sys
rng = random.Random(1)
for n in range(16):
    open(f'{sys.argv[1]}/seed-{n}', 'wb').write(bytes(rng.randrange(256) for _ in range(rng.randrange(64, 4096))))
PY
}

jobs=$(nproc)
status=0
for target in $targets; do
  case $target in
    trace | analysis) ;;
    *) echo "FUZZ_TARGETS: no target '$target' (trace, analysis)"; exit 2 ;;
  esac
  mkdir -p "$dir/$target/corpus"
  cd "$root"
  "build_$target"
  cd "$dir/$target"
  rm -f fuzz-*.log
  ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ./fuzz -detect_leaks=0 -max_len=65536 -timeout=10 -rss_limit_mb=4096 -jobs="$jobs" -workers="$jobs" \
    -max_total_time="${FUZZ_SECONDS:-300}" -artifact_prefix="$dir/$target/" corpus
  for f in "$dir/$target"/crash-* "$dir/$target"/timeout-* "$dir/$target"/oom-*; do
    [ -e "$f" ] && { echo "found: $f"; status=1; }
  done
  echo "$target: $(tail -n 1 fuzz-0.log)"
done
exit $status
