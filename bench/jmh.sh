#!/usr/bin/env bash
# Runs JMH benchmarks of one module's test sources:  bench/jmh.sh MODULE [JMH ARGS...]
# e.g.  bench/jmh.sh armada-raft LogStoreBenchmark -f 1 -wi 2 -i 3
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/java.sh"
armada_find_jdk
module=${1:?usage: bench/jmh.sh MODULE [JMH ARGS...]}; shift
cd "$root"
armada_mvn -B -q -DskipTests install -pl "$module" -am >&2
armada_mvn -B -q -pl "$module" test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >&2
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/test-classpath.txt")"
exec "$ARMADA_JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main "$@"
