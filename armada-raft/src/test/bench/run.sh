#!/usr/bin/env bash
# Runs RaftBench (armada-raft test sources): commits/s and p50/p99 latency of 3 in-JVM replicas per target,
# fsync on, side by side in one process.  Options go to RaftBench (see --help), e.g.
#   armada-raft/src/test/bench/run.sh --groups 1,16,128 --inflight 1,64 --seconds 10 --targets ratis,armada
# JVM options (e.g. Ratis overrides such as -Draft.server.log.force.sync.num=256) via RAFTBENCH_JAVA_OPTS.
# Ratis' own warnings go to armada-raft/target/raftbench-ratis.log.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
. "$root/bin/lib/java.sh"
armada_find_jdk
cd "$root"
armada_mvn -B -q -DskipTests install -pl armada-raft -am >&2
armada_mvn -B -q -pl armada-raft test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >&2
cp="armada-raft/target/test-classes:armada-raft/target/classes:$(cat armada-raft/target/test-classpath.txt)"
jvm=(--enable-native-access=ALL-UNNAMED -Xms1g -Xmx6g -XX:MaxDirectMemorySize=8g)
# Ratis' shaded Netty uses sun.misc.Unsafe; JDK 23+ warns unless this is allowed.
if [ "$(armada_java_major "$ARMADA_JAVA_HOME/bin/java")" -ge 23 ]; then
  jvm+=(--sun-misc-unsafe-memory-access=allow)
fi
# shellcheck disable=SC2086 # RAFTBENCH_JAVA_OPTS is a list of options
exec "$ARMADA_JAVA_HOME/bin/java" "${jvm[@]}" ${RAFTBENCH_JAVA_OPTS:-} \
  -Dlogback.configurationFile="$root/armada-raft/src/test/bench/logback.xml" \
  -Draftbench.log="$root/armada-raft/target/raftbench-ratis.log" \
  -cp "$cp" io.armada.raft.bench.RaftBench "$@"
