#!/usr/bin/env bash
# JMH benchmarks of the Java face against its peers, on JDK 17 and JDK 25, then results/<cpu>.md
# (this CPU's file; other CPUs' files are kept) and the index RESULTS.md, through results.py.
# Short runs by default (1 fork, 3 x 1 s warm-up, 5 x 1 s measurement: about 7 minutes per JDK on
# 2 cores); override with JMH_ARGS="-f 2 -wi 5 -i 10" or pick benchmarks with BENCH='WriteBench'.
# TAG=-gate, -pair, -write or -profile marks a focused run that results/<cpu>.md folds in beside
# the full run (TAG=-profile BENCH=ProfileBench: the allocation profile's cost, off / 1000000 /
# 1000 / 1, in one run); any other TAG (e.g. TAG=-smoke JMH_ARGS="-f 1 -wi 1 -w 200ms -i 1 -r 200ms")
# only writes target/results<TAG>.md, so that short runs never stand in results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$root/scripts/install-deps.sh" java

jdk17=${WALLOC_JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
jdk25=${WALLOC_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
jmh_args=${JMH_ARGS:-"-f 1 -wi 3 -w 1s -i 5 -r 1s"}
bench=${BENCH:-""}
tag=${TAG:-""}          # TAG=-gate BENCH=GateCostBench: a focused run kept beside the full one
slug=$(python3 "$here/results.py" --cpu)
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -n "$(git -C "$root" status --porcelain --untracked-files=no -- java native bench/java 2>/dev/null)" ] \
  && commit="$commit (with uncommitted changes)"
build=${BUILD:-1}       # BUILD=0 reuses target/benchmarks.jar

if [ "$build" = 1 ]; then
  echo "== building walloc (install into the local Maven repository) and the benchmarks"
  (cd "$root" && JAVA_HOME=$jdk17 mvn -B -q -ntp install -Dmaven.test.skip=true)
  (cd "$here" && JAVA_HOME=$jdk17 mvn -B -q -ntp package)
fi

out="$here/target"
for v in 17 25; do
  [ "$tag" = -segments ] && break # that run is bench/java22's alone (below)
  jdk=$jdk17; [ "$v" = 25 ] && jdk=$jdk25
  if [ ! -x "$jdk/bin/java" ]; then echo "== JDK $v not found at $jdk: skipped"; continue; fi
  extra=()
  jvm_args="-Xmx1g"
  if [ "$v" = 17 ]; then
    extra+=(-e 'ffm[A-Z]') # FFM is final from JDK 22 (ffmConfinedArena, ffmSlicing, ffmSegmentCopy)
  else
    jvm_args="$jvm_args --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
  fi
  # when and where the run started: the machine's load (shared 2-core VMs), and the CPU and commit,
  # so that results.py files a run only under the CPU it ran on
  { date -u '+%Y-%m-%d %H:%M UTC'; uptime; echo "cpu: $slug"; echo "commit: $commit"; } > "$out/load-$v$tag.txt"
  echo "== JMH on JDK $v ($("$jdk/bin/java" -version 2>&1 | head -1))"
  # shellcheck disable=SC2086
  "$jdk/bin/java" $jvm_args -jar "$out/benchmarks.jar" $jmh_args "${extra[@]}" \
      -jvmArgsAppend "$jvm_args" -rf json -rff "$out/jmh-$v$tag.json" $bench | tee "$out/jmh-$v$tag.txt" | grep -E "^(Benchmark|([a-z]+\.)*[A-Z][A-Za-z]+Bench\.)" || true
done

# The JDK 22+ face's benchmarks (bench/java22: Segments, compiled for release 22), on JDK 25: with
# the full run, or alone with TAG=-segments.
if { [ -z "$tag" ] || [ "$tag" = -segments ]; } && [ -x "$jdk25/bin/java" ]; then
  if [ "$build" = 1 ] || [ ! -f "$root/bench/java22/target/benchmarks.jar" ]; then
    (cd "$root/bench/java22" && JAVA_HOME=$jdk25 mvn -B -q -ntp package)
  fi
  jvm_args="-Xmx1g --enable-native-access=ALL-UNNAMED"
  { date -u '+%Y-%m-%d %H:%M UTC'; uptime; echo "cpu: $slug"; echo "commit: $commit"; } > "$out/load-25-segments.txt"
  echo "== JMH on JDK 25: bench/java22 (Segments)"
  # shellcheck disable=SC2086
  "$jdk25/bin/java" $jvm_args -jar "$root/bench/java22/target/benchmarks.jar" $jmh_args \
      -jvmArgsAppend "$jvm_args" -rf json -rff "$out/jmh-25-segments.json" | tee "$out/jmh-25-segments.txt" |
      grep -E "^(Benchmark|([a-z0-9]+\.)*[A-Z][A-Za-z]+Bench\.)" || true
fi

case "$tag" in
  ""|-gate|-pair|-write|-segments|-profile) python3 "$here/results.py" "$out" "$here/results" ;;
  *) python3 "$here/results.py" "$out" --print "$tag" > "$out/results$tag.md"
     echo "== wrote $out/results$tag.md (TAG=$tag: results/ left alone)" ;;
esac
