#!/usr/bin/env bash
# The standard side-by-side comparison of Armada and etcd on this machine, in one go:
#   bench/compare.sh [RUNS]        (default 3 runs per system and scenario)
# BENCH_OUT=DIR continues an earlier, interrupted comparison in DIR: runs whose result file exists are not repeated.
# Starts `bin/armada dev` (a 3-node leader cluster and one 3-node follower cluster, one JVM) and a 3-member etcd
# (bench/etcd-cluster.sh), runs every scenario with `armada bench`, alternating Armada and etcd runs (A/B/A/B...),
# and writes the medians and their ratios into docs/benchmarks.md between the system-bench markers.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
out=${BENCH_OUT:-"$root/bench/.runs/$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$out"
armada="$root/bin/armada"

cleanup() {
  [ -n "${dev_pid:-}" ] && kill "$dev_pid" 2>/dev/null && wait "$dev_pid" 2>/dev/null || true
  "$root/bench/etcd-cluster.sh" stop "$out/etcd" || true
}
trap cleanup EXIT

"$armada" --version >/dev/null   # builds the distribution first, outside any measurement
rm -rf "$out/armada" "$out/etcd"
"$armada" dev --followers 1 --data "$out/armada" > "$out/armada-dev.log" 2>&1 &
dev_pid=$!
for _ in $(seq 1 300); do grep -q '^ready:' "$out/armada-dev.log" && break; sleep 0.2; done
grep -q '^ready:' "$out/armada-dev.log" || { echo "compare: armada dev did not become ready; see $out/armada-dev.log" >&2; exit 1; }
leader=127.0.0.1:6001,127.0.0.1:6002,127.0.0.1:6003
follower=127.0.0.1:6101,127.0.0.1:6102,127.0.0.1:6103
etcd=$("$root/bench/etcd-cluster.sh" start "$out/etcd")

common=(--duration "${BENCH_SECONDS:-8}" --warmup "${BENCH_WARMUP:-3}" --value-size 256 --key-space 10000)
# name | armada arguments | etcd arguments (empty: Armada only)
scenarios=(
  "put-1client|--op put --clients 1 --in-flight 1|--op put --clients 1 --in-flight 1"
  "put-saturated-1table|--op put --clients 16 --in-flight 16|--op put --clients 16 --in-flight 16"
  "put-saturated-16tables|--op put --tables 16 --clients 16 --in-flight 16|--op put --tables 16 --clients 16 --in-flight 16"
  "get-serializable-64|--op get --clients 8 --in-flight 8|--op get --clients 8 --in-flight 8"
  "get-linearizable-64|--op get --linearizable --clients 8 --in-flight 8|--op get --linearizable --clients 8 --in-flight 8"
  "get-follower-local-64|--op get --endpoints $follower --clients 8 --in-flight 8|--op get --clients 8 --in-flight 8"
)
for s in "${scenarios[@]}"; do
  IFS='|' read -r name a e <<< "$s"
  # the leader cluster unless the scenario names its own endpoints
  [[ " $a " == *" --endpoints "* ]] || a="--endpoints $leader $a"
  for r in $(seq 1 "$runs"); do
    if [ ! -f "$out/$name.armada.$r.json" ]; then
      echo "== $name run $r: armada" >&2
      # shellcheck disable=SC2086
      "$armada" bench $a "${common[@]}" --table "cmp-$name" --json "$out/$name.armada.$r.json" >&2
    fi
    if [ ! -f "$out/$name.etcd.$r.json" ]; then
      echo "== $name run $r: etcd" >&2
      # shellcheck disable=SC2086
      "$armada" bench --target etcd --endpoints "$etcd" $e "${common[@]}" --table "cmp-$name" \
        --json "$out/$name.etcd.$r.json" >&2
    fi
  done
done
# replication lag at half of Armada's median saturated single-table put rate
half=$(python3 - "$out" <<'PY'
import json, glob, statistics, sys
rates = [json.load(open(f))["throughput"] for f in glob.glob(sys.argv[1] + "/put-saturated-1table.armada.*.json")]
print(int(statistics.median(rates) / 2))
PY
)
for r in $(seq 1 "$runs"); do
  [ -f "$out/replication-lag.armada.$r.json" ] && continue
  echo "== replication-lag run $r at $half puts/s" >&2
  "$armada" bench --endpoints "$leader" --follower-endpoints "$follower" --op lag --rate "$half" --clients 8 \
    --in-flight 32 "${common[@]}" --table cmp-lag --json "$out/replication-lag.armada.$r.json" >&2
done
python3 "$root/bench/report.py" "$out" "$root/docs/benchmarks.md" "$runs"
echo "compare: results in $out; docs/benchmarks.md updated" >&2
