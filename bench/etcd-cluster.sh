#!/usr/bin/env bash
# A 3-member etcd cluster on 127.0.0.1 for side-by-side benchmarks, from Debian's etcd-server package
# (fetched with `apt-get download` and unpacked under bench/.etcd; nothing is installed system-wide).
#   bench/etcd-cluster.sh start DATA_DIR   # clients on 127.0.0.1:2379, :22379, :32379; prints the endpoints
#   bench/etcd-cluster.sh stop DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
etcd="$here/.etcd/usr/bin/etcd"
cmd=${1:?usage: bench/etcd-cluster.sh start|stop DATA_DIR}
data=${2:?usage: bench/etcd-cluster.sh start|stop DATA_DIR}

if [ "$cmd" = stop ]; then
  [ -f "$data/pids" ] && xargs -r kill < "$data/pids" 2>/dev/null || true
  rm -f "$data/pids"
  exit 0
fi

if [ ! -x "$etcd" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download etcd-server >&2) \
    || { echo "etcd-cluster: 'apt-get download etcd-server' failed (Debian's package sources are needed)" >&2; exit 1; }
  dpkg-deb -x "$tmp"/etcd-server_*.deb "$here/.etcd"
  rm -rf "$tmp"
fi

mkdir -p "$data"
cluster="m1=http://127.0.0.1:2380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:32380"
: > "$data/pids"
for i in 1 2 3; do
  port=$([ $i = 1 ] && echo 2379 || echo "${i}2379")
  peer=$([ $i = 1 ] && echo 2380 || echo "${i}2380")
  ETCD_UNSUPPORTED_ARCH=${ETCD_UNSUPPORTED_ARCH:-} "$etcd" --name "m$i" --data-dir "$data/m$i" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token armada-bench \
    --quota-backend-bytes $((8 * 1024 * 1024 * 1024)) > "$data/m$i.log" 2>&1 &
  echo $! >> "$data/pids"
done
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/2379) 2>/dev/null; then
    echo "127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379"
    exit 0
  fi
  sleep 0.2
done
echo "etcd-cluster: etcd did not come up; see $data/m*.log" >&2
exit 1
