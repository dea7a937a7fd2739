# Sourced by bin/armada and bin/armada-test: finds a JDK of version 21 or newer and sets
# ARMADA_JAVA_HOME. Order: $JAVA_HOME, the `java` on PATH, then the system JVM directories.
# Prints what to install and exits when none is found.

armada_java_major() { # $1 = path to a java binary; prints its feature version (17, 21, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ { print $2; exit }' \
    | awk -F. '{ print ($1 == "1") ? $2 : $1 }'
}

armada_is_jdk() { # a JDK, not a JRE: Maven needs javac
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ]
}

armada_find_jdk() {
  local min=21 candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)"); candidates+=("${c%/bin/java}")
  fi
  # ARMADA_JVM_DIRS overrides where installed JDKs are looked for (a space-separated glob list).
  for c in ${ARMADA_JVM_DIRS:-/usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk*}; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    armada_is_jdk "$c" || continue
    major=$(armada_java_major "$c/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$min" ] 2>/dev/null; then
      ARMADA_JAVA_HOME=$(readlink -f "$c")
      return 0
    fi
  done
  cat >&2 <<MSG
armada: no JDK 21 or newer found (looked at \$JAVA_HOME, the java on PATH, and /usr/lib/jvm).
Install one, for example:  apt-get install openjdk-21-jdk   (or Temurin 21+ from adoptium.net),
or point JAVA_HOME at an existing JDK 21+.
MSG
  return 1
}

armada_maven_opts() { # Maven 3.8 on JDK 24+ warns about sun.misc.Unsafe; the flag exists from JDK 23 on
  local major; major=$(armada_java_major "$ARMADA_JAVA_HOME/bin/java")
  if [ "$major" -ge 23 ] 2>/dev/null; then
    printf '%s' "--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
  else
    printf '%s' "${MAVEN_OPTS:-}"
  fi
}

armada_mvn() { # runs Maven with the JDK found; fails clearly when Maven is missing
  if ! command -v mvn >/dev/null 2>&1; then
    echo "armada: Apache Maven (mvn) is needed to build Armada: apt-get install maven" >&2
    return 1
  fi
  JAVA_HOME="$ARMADA_JAVA_HOME" MAVEN_OPTS="$(armada_maven_opts)" mvn "$@"
}
