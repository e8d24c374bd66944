#!/usr/bin/env bash
# Regenerates every sample trace. The same command lines always give the same bytes
# (SOURCE_DATE_EPOCH is unset so no creation time is stored); the test suite checks that.
set -euo pipefail
cd "$(dirname "$0")"
root=..
unset SOURCE_DATE_EPOCH
# The same build as `make release` (a different one would replace the benchmarks' static binaries).
(cd "$root" && make -s release >/dev/null)
rr="$root/.build/release/raftrecord"
run() { out=$1; shift; "$rr" run "$@" -o "$out"; }

run steady.trace                         --scenario steady
run leader-crash.trace                   --scenario leader-crash
run rejoin.trace                         --scenario rejoin
run rejoin-pre-vote.trace                --scenario rejoin --pre-vote
run partial-connectivity-a.trace         --scenario partial-connectivity-a
run partial-connectivity-a-pre-vote.trace --scenario partial-connectivity-a --pre-vote
run partial-connectivity-b.trace         --scenario partial-connectivity-b
run partial-connectivity-b-check-quorum.trace --scenario partial-connectivity-b --check-quorum
run chained.trace                        --scenario chained
run chained-pre-vote-check-quorum.trace  --scenario chained --pre-vote --check-quorum
run quorum-loss.trace                    --scenario quorum-loss
run quorum-loss-check-quorum.trace       --scenario quorum-loss --check-quorum
run flapping-link.trace                  --scenario flapping-link
run flapping-link-pre-vote-check-quorum.trace --scenario flapping-link --pre-vote --check-quorum
run slow-network.trace                   --scenario slow-network
run slow-network-pre-vote-check-quorum.trace --scenario slow-network --pre-vote --check-quorum
run random.trace                         --scenario random --seed 7
run paper-9.3.trace                      --scenario paper-9.3 --seed 3
run lagging-follower.trace               --scenario lagging-follower
run planned-restart.trace                --scenario planned-restart
run removed-server.trace                 --scenario removed-server
run removed-server-idle.trace            --scenario removed-server --writes-per-second 0
run removed-server-check-quorum.trace    --scenario removed-server --check-quorum
run lease-read-drift.trace               --scenario lease-read-drift
run lease-read-drift-read-index.trace    --scenario lease-read-drift --no-lease-reads
run replace-member.trace                 --scenario replace-member
run replace-member-learners.trace        --scenario replace-member --learners
run two-sites.trace                      --scenario-file ../docs/examples/two-sites.yaml
run two-sites-pre-vote.trace             --scenario-file ../docs/examples/two-sites.yaml --pre-vote
