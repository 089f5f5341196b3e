#!/usr/bin/env bash
# Builds and tests Walloc's Java face: the JNI library through CMake (driven by Maven), JUnit 5
# through Surefire, the packaged-jar check through Failsafe. Tests run on JDK 17 (the default java)
# and again, without rebuilding, on JDK 25 (Temurin), with -Xcheck:jni and
# --enable-native-access=ALL-UNNAMED; the JDK 22+ face (compiled by JDK 25's javac into the
# multi-release jar) is tested on JDK 25 by tests/java22. The jar is built with -Pall-platforms: it
# carries the JNI library for linux-x86_64, linux-aarch_64 and windows-x86_64 (the cross toolchains come from
# scripts/install-deps.sh cross; scripts/test-cross.sh runs the other platforms' tests).
# Exit status 0 only when both runs pass.
#   WALLOC_JDK25=/path/to/jdk   another JDK for the second run (default: Temurin 25 if present)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh java
scripts/install-deps.sh cross

jdk17=""
for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/temurin-17-jdk-amd64; do
  [ -x "$d/bin/javac" ] && { jdk17=$d; break; }
done
if [ -n "$jdk17" ]; then export JAVA_HOME=$jdk17; fi
jdk25=${WALLOC_JDK25:-}
if [ -z "$jdk25" ]; then
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/java-25-openjdk-amd64; do
    [ -x "$d/bin/java" ] && { jdk25=$d; break; }
  done
fi

mkdir -p target && log=target/test-java.log && : > "$log"  # the full output, kept for reading
status=0

# Build once (compile, JNI headers, CMake, jar), then run the suites as separate steps so that a
# failing or crashing test class does not stop the others, the jar check or the JDK 25 run; the
# verdict comes from every step's exit status and Surefire/Failsafe's summaries.
show='Tests run:|FAIL|BUILD|Crashed|Running io\.walloc|NeverCrashTest:| error:|ERROR\] [A-Za-z]+Test'
step() {
  local start rc=0
  start=$(wc -l < "$log")
  "$@" >> "$log" 2>&1 || rc=$?
  tail -n +"$((start + 1))" "$log" | grep -E "$show" | grep -vE '^\[ERROR\]\s+at ' || true
  [ $rc -eq 0 ] || status=1
  return 0
}

echo "== Java: build with $("${JAVA_HOME:-/usr}/bin/java" -version 2>&1 | head -1)"
step mvn -B -ntp -Pall-platforms${jdk25:+,jdk22-face} package -DskipTests ${jdk25:+-Dwalloc.jdk25=$jdk25}
if [ $status -ne 0 ]; then
  echo "== Java: build FAILED"; grep -E "ERROR|error:" "$log" | head -40; exit 1
fi
runs=("17:${JAVA_HOME:-/usr}/bin/java")
if [ -n "$jdk25" ]; then runs+=("25:$jdk25/bin/java"); else
  echo "== Java: no JDK 25 found (set WALLOC_JDK25): second run skipped" >&2; status=1; fi
for r in "${runs[@]}"; do
  v=${r%%:*}; jvm=${r#*:}
  echo "== Java: unit tests on JDK $v ($("$jvm" -version 2>&1 | head -1))"
  step mvn -B -ntp -Pall-platforms surefire:test -Dwalloc.test.jvm="$jvm"
  echo "== Java: packaged-jar tests on JDK $v"
  step mvn -B -ntp -Pall-platforms failsafe:integration-test failsafe:verify -Dwalloc.test.jvm="$jvm"
done

# The JDK 22+ face (META-INF/versions/22: Segments): its tests are compiled for release 22 against
# the jar (tests/java22, a module of its own) and run on JDK 25.
if [ -n "$jdk25" ]; then
  echo "== Java: JDK 22+ face (tests/java22) on JDK 25"
  jar=$(ls target/walloc-*.jar)
  # The listing whole, then grep: under pipefail, grep -q closing the pipe early fails unzip (SIGPIPE).
  entries=$(unzip -Z1 "$jar")
  if ! grep -qx 'META-INF/versions/22/io/walloc/Segments.class' <<<"$entries"; then
    echo "the jar has no JDK 22+ face (profile jdk22-face: is $jdk25/bin/javac there?)"; status=1
  else
    step mvn -B -ntp -q install:install-file -Dfile="$jar" -DpomFile=pom.xml
    step env JAVA_HOME="$jdk25" mvn -B -ntp -f tests/java22/pom.xml test
  fi
fi

if grep -qE "Tests run: [0-9]+, Failures: [1-9]|Tests run: [0-9]+, Failures: [0-9]+, Errors: [1-9]|Crashed tests|BUILD FAILURE|There are test failures" "$log"; then
  status=1
fi
if [ $status -ne 0 ]; then
  echo "== Java: FAILED (see the summaries above)"
else
  echo "== Java: all tests passed on JDK 17 and JDK 25 (and the JDK 22+ face's on 25)"
fi
exit $status
