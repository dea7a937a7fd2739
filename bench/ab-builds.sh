#!/usr/bin/env bash
# Alternating A/B of two builds of Armada (two checkouts, e.g. git worktrees) on the write scenarios:
#   bench/ab-builds.sh CHECKOUT_A CHECKOUT_B [ROUNDS]     (default 2 rounds: A B A B)
# Each run starts a fresh `armada dev --follower-clusters 0` of that checkout, gives it 30 s of unrecorded mixed load, then
# measures single-client puts, saturated puts on one table and on 16 tables (15 s warm-up + 10 s each).
set -euo pipefail
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); rounds=${3:-2}
out=${BENCH_OUT:-"$(pwd)/bench/.runs/ab-$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$out"
endpoints=127.0.0.1:6001,127.0.0.1:6002,127.0.0.1:6003
t16=$(for i in $(seq 0 15); do printf "t-%d," "$i"; done); t16=${t16%,}
common=(--endpoints "$endpoints" --duration 10 --warmup 15 --value-size 256 --key-space 10000)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
for r in $(seq 1 "$rounds"); do
  for v in A B; do
    root=$a; [ "$v" = B ] && root=$b
    rm -rf "$out/data"
    "$root/bin/armada" dev --follower-clusters 0 --data "$out/data" > "$out/dev-$v-$r.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do grep -q '^ready:' "$out/dev-$v-$r.log" && break; sleep 0.2; done
    grep -q '^ready:' "$out/dev-$v-$r.log" || { echo "ab-builds: armada dev ($v) did not become ready; see $out/dev-$v-$r.log" >&2; exit 1; }
    "$root/bin/armada" bench --endpoints "$endpoints" --op mixed --tables 4 --clients 8 --in-flight 8 --duration 30 \
      --warmup 0 --value-size 256 --key-space 10000 --table warmup > /dev/null 2>&1
    "$root/bin/armada" bench "${common[@]}" --op put --clients 1 --in-flight 1 --table one --json "$out/put-1client-$v-$r.json" >&2
    "$root/bin/armada" bench "${common[@]}" --op put --clients 16 --in-flight 16 --table sat --json "$out/put-1table-$v-$r.json" >&2
    "$root/bin/armada" bench "${common[@]}" --op put --clients 16 --in-flight 16 --table "$t16" --json "$out/put-16tables-$v-$r.json" >&2
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  done
done
python3 - "$out" <<'PY'
import glob, json, sys
for scenario in ["put-1client", "put-1table", "put-16tables"]:
    for v in "AB":
        rs = [json.load(open(f)) for f in sorted(glob.glob(f"{sys.argv[1]}/{scenario}-{v}-*.json"))]
        print(f"{scenario} {v}: ops/s {[round(r['throughput']) for r in rs]}  p50 ms {[r['latency']['p50'] for r in rs]}")
PY
