#!/usr/bin/env bash
# The standard side-by-side comparison of Armada and etcd on this machine, in one go:
#   bench/compare.sh [RUNS]        (default 3 runs per system and scenario)
# BENCH_OUT=DIR continues an earlier, interrupted comparison in DIR: runs whose result file exists are not repeated.
#
# Armada: a 3-node leader cluster (`bin/armada dev --follower-clusters 0`, one JVM) and, from phase 2 on, a 3-node follower
# cluster of it in a second JVM (`bin/armada dev --leader-cluster`), so it can be detached and restarted on its own.
# etcd: 3 members (bench/etcd-cluster.sh, Debian's package). Every process shares this machine's cores and disk.
#   1. leader-cluster scenarios, Armada vs etcd, alternating A/B/A/B (the follower cluster is not running: etcd has
#      no counterpart to it, and on one disk its fsyncs would be charged to the leader cluster);
#   2. with the follower cluster attached: follower-local gets vs etcd serializable gets, saturated puts again
#      (the cost of a co-located follower cluster), replication lag at half of that saturated put rate;
#   3. follower catch-up after 60 s detached (the follower JVM stopped while the leader takes puts at that rate);
#   4. snapshot catch-up: a table of 100 MiB of values (102,400 keys x 1 KiB, past the leader's log compaction) loaded
#      by a fresh follower cluster.
# Then the medians and ratios go into docs/benchmarks.md between the system-bench markers (bench/report.py).
#
# Warm-up: Armada's nodes and the load generator are JVMs, whose JIT compilers take tens of seconds of load on two
# cores before code runs at full speed (a cold leader cluster takes ~2,500 puts/s, the same JVM 30 s later ~7,000).
# Servers run for months, so the comparison measures the warm state: every server (Armada's clusters and etcd alike)
# first takes ${BENCH_SERVER_WARMUP:-45} s of unrecorded load, and every run (a fresh load-generator JVM) has
# ${BENCH_WARMUP:-20} s of warm-up before its ${BENCH_SECONDS:-10} measured seconds. The catch-up scenarios count
# from a cold follower JVM's start, as an operator restarting one would see.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
out=${BENCH_OUT:-"$root/bench/.runs/$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$out"
armada="$root/bin/armada"
leader=127.0.0.1:6001,127.0.0.1:6002,127.0.0.1:6003
follower=127.0.0.1:6101,127.0.0.1:6102,127.0.0.1:6103

cleanup() {
  for p in ${follower_pid:-} ${leader_pid:-}; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  "$root/bench/etcd-cluster.sh" stop "$out/etcd" || true
}
trap cleanup EXIT

# start_dev NAME ARGS...: runs `armada dev ARGS` in the background, waits for its ready line; the pid goes to $started
start_dev() {
  local name=$1; shift
  "$armada" dev "$@" > "$out/$name.log" 2>&1 &
  started=$!
  for _ in $(seq 1 300); do grep -q '^ready:' "$out/$name.log" && return 0; sleep 0.2; done
  echo "compare: armada dev ($name) did not become ready; see $out/$name.log" >&2
  exit 1
}
stop_follower() {
  kill "$follower_pid" && wait "$follower_pid" 2>/dev/null || true
  follower_pid=
}

"$armada" --version >/dev/null   # builds the distribution first, outside any measurement
rm -rf "$out/armada" "$out/etcd"
start_dev armada-leader --follower-clusters 0 --data "$out/armada"; leader_pid=$started
etcd=$("$root/bench/etcd-cluster.sh" start "$out/etcd")

common=(--duration "${BENCH_SECONDS:-10}" --warmup "${BENCH_WARMUP:-20}" --value-size 256 --key-space 10000)
server_warmup=${BENCH_SERVER_WARMUP:-45}

# warm_server NAME BENCH_ARGS...: unrecorded load on a freshly started server (JIT, caches); every invocation starts
# its servers afresh, so it warms them every time
warm_server() {
  local name=$1; shift
  echo "== warming $name up: $server_warmup s of unrecorded load" >&2
  "$armada" bench "$@" --op mixed --tables 4 --clients 8 --in-flight 8 --duration "$server_warmup" --warmup 0 \
    --value-size 256 --key-space 10000 --table "warmup-$name" > "$out/warmup-$name.log" 2>&1
}
# compare NAME ARMADA_ARGS ETCD_ARGS: RUNS alternating runs of each (ETCD_ARGS empty: Armada only)
compare() {
  local name=$1 a=$2 e=$3
  [[ " $a " == *" --endpoints "* ]] || a="--endpoints $leader $a"
  for r in $(seq 1 "$runs"); do
    if [ ! -f "$out/$name.armada.$r.json" ]; then
      echo "== $name run $r: armada" >&2
      # shellcheck disable=SC2086
      "$armada" bench $a "${common[@]}" --table "cmp-$name" --json "$out/$name.armada.$r.json" >&2
    fi
    if [ -n "$e" ] && [ ! -f "$out/$name.etcd.$r.json" ]; then
      echo "== $name run $r: etcd" >&2
      # shellcheck disable=SC2086
      "$armada" bench --target etcd --endpoints "$etcd" $e "${common[@]}" --table "cmp-$name" \
        --json "$out/$name.etcd.$r.json" >&2
    fi
  done
}

warm_server armada-leader --endpoints "$leader"
warm_server etcd --target etcd --endpoints "$etcd"

# 1. the leader cluster alone
compare put-1client "--op put --clients 1 --in-flight 1" "--op put --clients 1 --in-flight 1"
compare put-saturated-1table "--op put --clients 16 --in-flight 16" "--op put --clients 16 --in-flight 16"
compare put-saturated-16tables "--op put --tables 16 --clients 16 --in-flight 16" "--op put --tables 16 --clients 16 --in-flight 16"
# what leader routing saves: the same loads with each connection pinned to one node (writes forwarded by non-leaders)
compare put-saturated-16tables-pinned "--op put --tables 16 --clients 16 --in-flight 16 --pinned" ""
compare get-serializable-64 "--op get --clients 8 --in-flight 8" "--op get --clients 8 --in-flight 8"
compare get-linearizable-64 "--op get --linearizable --clients 8 --in-flight 8" "--op get --linearizable --clients 8 --in-flight 8"

# 2. a follower cluster attached
start_dev armada-follower --leader-cluster "$leader" --base-port 6100 --data "$out/armada-follower"; follower_pid=$started
# first let it copy phase 1's tables, so their replication does not run under the measurements
phase1=cmp-put-1client,cmp-put-saturated-1table,cmp-get-serializable-64,cmp-get-linearizable-64
for i in $(seq 0 15); do phase1="$phase1,cmp-put-saturated-16tables-$i"; done
"$armada" bench --endpoints "$leader" --follower-cluster-endpoints "$follower" --op catchup --table "$phase1" \
  --json "$out/attach.armada.json" >&2
warm_server armada-follower --endpoints "$follower"
compare get-follower-local-64 "--op get --endpoints $follower --clients 8 --in-flight 8" "--op get --clients 8 --in-flight 8"
compare put-saturated-1table-with-follower "--op put --clients 16 --in-flight 16" ""
half=$(python3 - "$out" <<'PY'
import json, glob, statistics, sys
rates = [json.load(open(f))["throughput"] for f in glob.glob(sys.argv[1] + "/put-saturated-1table-with-follower.armada.*.json")]
print(int(statistics.median(rates) / 2))
PY
)
for r in $(seq 1 "$runs"); do
  [ -f "$out/replication-lag.armada.$r.json" ] && continue
  echo "== replication-lag run $r at $half puts/s" >&2
  "$armada" bench --endpoints "$leader" --follower-cluster-endpoints "$follower" --op lag --rate "$half" --clients 8 \
    --in-flight 32 "${common[@]}" --table cmp-lag --json "$out/replication-lag.armada.$r.json" >&2
done

# 3. catch-up after 60 s detached
detached=${BENCH_DETACHED_SECONDS:-60}
for r in $(seq 1 "$runs"); do
  [ -f "$out/catchup-detached.armada.$r.json" ] && continue
  echo "== catchup-detached run $r: follower cluster stopped, $detached s of puts at $half/s" >&2
  stop_follower
  "$armada" bench --endpoints "$leader" --op put --rate "$half" --clients 8 --in-flight 32 --duration "$detached" \
    --warmup 0 --value-size 256 --key-space 10000 --table cmp-lag --json "$out/catchup-detached-load.$r.json" >&2
  # measured from the restart of the follower JVM: the catch-up includes its start
  "$armada" dev --leader-cluster "$leader" --base-port 6100 --data "$out/armada-follower" \
    >> "$out/armada-follower.log" 2>&1 &
  follower_pid=$!
  "$armada" bench --endpoints "$leader" --follower-cluster-endpoints "$follower" --op catchup --table cmp-lag \
    --json "$out/catchup-detached.armada.$r.json" >&2
done
stop_follower

# 4. snapshot catch-up of a 100 MiB table by a fresh follower cluster
if [ ! -f "$out/fill-100mb.armada.json" ]; then
  echo "== filling cmp-snapshot: 102,400 keys x 1 KiB" >&2
  "$armada" bench --endpoints "$leader" --op fill --key-space "${BENCH_FILL_KEYS:-102400}" --value-size 1024 --clients 16 --in-flight 16 \
    --table cmp-snapshot --json "$out/fill-100mb.armada.json" >&2
fi
for r in $(seq 1 "$runs"); do
  [ -f "$out/catchup-snapshot.armada.$r.json" ] && continue
  echo "== catchup-snapshot run $r: a fresh follower cluster" >&2
  rm -rf "$out/armada-fresh"
  "$armada" dev --leader-cluster "$leader" --base-port 6100 --data "$out/armada-fresh" > "$out/armada-fresh.$r.log" 2>&1 &
  fresh_pid=$!
  "$armada" bench --endpoints "$leader" --follower-cluster-endpoints "$follower" --op catchup --table cmp-snapshot \
    --json "$out/catchup-snapshot.armada.$r.json" >&2
  grep -c "loading the leader cluster's snapshot" "$out/armada-fresh.$r.log" > "$out/catchup-snapshot.loads.$r" || true
  kill "$fresh_pid" && wait "$fresh_pid" 2>/dev/null || true
done

python3 "$root/bench/report.py" "$out" "$root/docs/benchmarks.md" "$runs"
echo "compare: results in $out; docs/benchmarks.md updated" >&2
