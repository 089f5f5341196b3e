#!/usr/bin/env bash
# JMH benchmarks of the Java face against its peers, on JDK 17 and JDK 25, then RESULTS.md.
# Short runs by default (1 fork, 3 x 1 s warm-up, 5 x 1 s measurement: about 4 minutes per JDK on
# 2 cores); override with JMH_ARGS="-f 2 -wi 5 -i 10" or pick benchmarks with BENCH='WriteBench'.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$root/scripts/install-deps.sh" java

jdk17=${WALLOC_JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
jdk25=${WALLOC_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
jmh_args=${JMH_ARGS:-"-f 1 -wi 3 -w 1s -i 5 -r 1s"}
bench=${BENCH:-""}
tag=${TAG:-""}          # TAG=-gate BENCH=GateCostBench: a focused run kept beside the full one
build=${BUILD:-1}       # BUILD=0 reuses target/benchmarks.jar

if [ "$build" = 1 ]; then
  echo "== building walloc (install into the local Maven repository) and the benchmarks"
  (cd "$root" && JAVA_HOME=$jdk17 mvn -B -q -ntp install -Dmaven.test.skip=true)
  (cd "$here" && JAVA_HOME=$jdk17 mvn -B -q -ntp package)
fi

out="$here/target"
for v in 17 25; do
  jdk=$jdk17; [ "$v" = 25 ] && jdk=$jdk25
  if [ ! -x "$jdk/bin/java" ]; then echo "== JDK $v not found at $jdk: skipped"; continue; fi
  extra=()
  jvm_args="-Xmx1g"
  if [ "$v" = 17 ]; then
    extra+=(-e 'ffm[A-Z]') # FFM is final from JDK 22 (ffmConfinedArena, ffmSegmentCopy)
  else
    jvm_args="$jvm_args --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
  fi
  { date -u; uptime; } > "$out/load-$v$tag.txt" # the machine's load when the run started (shared 2-core VMs)
  echo "== JMH on JDK $v ($("$jdk/bin/java" -version 2>&1 | head -1))"
  # shellcheck disable=SC2086
  "$jdk/bin/java" $jvm_args -jar "$out/benchmarks.jar" $jmh_args "${extra[@]}" \
      -jvmArgsAppend "$jvm_args" -rf json -rff "$out/jmh-$v$tag.json" $bench | tee "$out/jmh-$v$tag.txt" | grep -E "^(Benchmark|[A-Z][A-Za-z]+Bench\.)" || true
done

python3 "$here/results.py" "$out" > "$here/RESULTS.md"
echo "== wrote $here/RESULTS.md"
