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
# Run from a private copy of the classes: other builds may rewrite armada-raft/target while this runs.
snapshot=$(mktemp -d "${TMPDIR:-/tmp}/raftbench-classes.XXXXXX")
trap 'rm -rf "$snapshot"' EXIT
cp -r armada-raft/target/test-classes "$snapshot/test-classes"
cp -r armada-raft/target/classes "$snapshot/classes"
cp="$snapshot/test-classes:$snapshot/classes"
IFS=: read -r -a deps <<< "$(cat armada-raft/target/test-classpath.txt)"
for jar in "${deps[@]}"; do
  case "$jar" in # this project's own jars in ~/.m2 are reinstalled by other builds, too
    *-SNAPSHOT*) cp "$jar" "$snapshot/" && cp="$cp:$snapshot/$(basename "$jar")" ;;
    *) cp="$cp:$jar" ;;
  esac
done
jvm=(--enable-native-access=ALL-UNNAMED -Xms1g -Xmx6g -XX:MaxDirectMemorySize=8g)
# Ratis' shaded Netty uses sun.misc.Unsafe; JDK 23+ warns unless this is allowed.
if [ "$(armada_java_major "$ARMADA_JAVA_HOME/bin/java")" -ge 23 ]; then
  jvm+=(--sun-misc-unsafe-memory-access=allow)
fi
# shellcheck disable=SC2086 # RAFTBENCH_JAVA_OPTS is a list of options
"$ARMADA_JAVA_HOME/bin/java" "${jvm[@]}" ${RAFTBENCH_JAVA_OPTS:-} \
  -Dlogback.configurationFile="$root/armada-raft/src/test/bench/logback.xml" \
  -Draftbench.log="$root/armada-raft/target/raftbench-ratis.log" \
  -cp "$cp" io.armada.raft.bench.RaftBench "$@"
