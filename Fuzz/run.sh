#!/usr/bin/env bash
# Coverage-guided fuzzing of the trace reader with libFuzzer and AddressSanitizer (make fuzz).
# Seeds: small traces from sample-traces/ and the frames inside them. Runs FUZZ_SECONDS (default
# 300) on every core; a crash, hang or out-of-memory input is saved in $FUZZ_DIR and named in the
# output. Leak checks are off: the decoding threads release a frame's storage a moment after
# handing it over, which LeakSanitizer can catch mid-way and report.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${FUZZ_DIR:-/tmp/raft-trace-fuzz}
mkdir -p "$dir/corpus"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name TraceFormat -package-name raft_trace \
  Sources/TraceFormat/*.swift Fuzz/FuzzTrace.swift -I Sources/CZstd -o "$dir/fuzz-trace"
python3 - "$dir/corpus" sample-traces/*.trace <<'PY'
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
jobs=$(nproc)
cd "$dir"
./fuzz-trace -detect_leaks=0 -max_len=65536 -timeout=10 -rss_limit_mb=4096 -jobs="$jobs" -workers="$jobs" \
  -max_total_time="${FUZZ_SECONDS:-300}" -artifact_prefix="$dir/" corpus
status=0
for f in "$dir"/crash-* "$dir"/timeout-* "$dir"/oom-*; do
  [ -e "$f" ] && { echo "found: $f"; status=1; }
done
tail -n 1 "$dir"/fuzz-0.log
exit $status
