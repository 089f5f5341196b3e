#!/usr/bin/env bash
# The platforms this machine is not: linux-aarch_64 and windows-x86_64, cross-built here with the
# toolchain files in cmake/ and tested under emulation (correctness only, never speed).
#   1. The whole Google Test suite, cross-built, under qemu-aarch64 and under wine64, at full
#      stress iterations (WALLOC_STRESS_SCALE to change them).
#   2. The JNI libraries the jar carries (mvn -Pall-platforms): the Windows DLL exports exactly
#      the JNI header's Java_io_walloc_... functions and the FFM entry points walloc_ffm_alloc and
#      walloc_ffm_free, and imports only system DLLs; the aarch64 library exports exactly those too.
#   3. Java on linux-aarch_64: Debian's arm64 JRE under qemu-aarch64 runs the jar-alone tests
#      (JarIT) and a smoke subset of the JUnit suite against the jar's aarch64 library.
#      WALLOC_CROSS_JAVA=full runs the whole JUnit suite there instead (about 5.5 minutes on 2
#      cores, against ~75 s for the subset, 45 s of which are ProfileTest's).
# Windows Java cannot run here: the loader's choice for Windows is a unit test
# (NativeLoaderPlatformTest), and the DLL is checked as in 2.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-deps.sh cross
scripts/install-deps.sh java

builds="${WALLOC_BUILD_ROOT:-$root/build/test}"
export WINEDEBUG=-all
step() { echo; echo "=== cross: $* ==="; }
status=0

# Create wine's prefix (~/.wine) once, before the tests start several wine processes at a time.
/usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 || true
/usr/lib/wine/wineserver -w || true

for platform in linux-aarch_64 windows-x86_64; do
  step "$platform: Google Test suite under $([ $platform = windows-x86_64 ] && echo wine64 || echo qemu-aarch64)"
  dir="$builds/$platform"
  cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-$platform.cmake" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALLOC_CHECKED_DEFAULT=ON -DWALLOC_BUILD_TESTS=ON >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
  ctest --test-dir "$dir" -j"$(nproc)" --output-on-failure | grep -vE '^ *(Start|[0-9]+/[0-9]+ Test) ' || status=1
done

step "the jar's JNI libraries for every platform (mvn -Pall-platforms package)"
jdk17=/usr/lib/jvm/java-17-openjdk-amd64
[ -x "$jdk17/bin/javac" ] && export JAVA_HOME=$jdk17
mvn -B -ntp -q -Pall-platforms package -DskipTests >target/test-cross-build.log 2>&1 ||
  { echo "mvn package failed:"; tail -40 target/test-cross-build.log; exit 1; }
native="target/classes/io/walloc/native"
# The JNI functions, and the two FFM entry points of the JDK 22+ face (java22/io/walloc/CoreCalls.java).
want=$( { grep -o 'Java_io_walloc_[A-Za-z0-9_]*' target/jni-headers/io_walloc_WallocNative.h;
          printf '%s\n' walloc_ffm_alloc walloc_ffm_free; } | sort -u)
dll_exports=$(x86_64-w64-mingw32-objdump -p "$native/windows-x86_64/walloc_jni.dll" |
              sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | tail -n +2 | awk 'NF {print $NF}' | sort -u)
dll_imports=$(x86_64-w64-mingw32-objdump -p "$native/windows-x86_64/walloc_jni.dll" | sed -n 's/.*DLL Name: //p' | sort -u)
so_exports=$(aarch64-linux-gnu-nm -D --defined-only "$native/linux-aarch_64/libwalloc_jni.so" | awk '{print $3}' | sort -u)
if [ "$dll_exports" = "$want" ]; then
  echo "walloc_jni.dll exports exactly the $(echo "$want" | wc -l) JNI and FFM entry points; imports:" $dll_imports
else
  echo "walloc_jni.dll exports differ from the JNI header:"; diff <(echo "$want") <(echo "$dll_exports") || true; status=1
fi
for dll in $dll_imports; do  # system DLLs only: nothing of MinGW's to ship beside it
  case "${dll,,}" in kernel32.dll|msvcrt.dll|advapi32.dll|ntdll.dll) ;;
    *) echo "walloc_jni.dll needs a non-system DLL: $dll"; status=1 ;; esac
done
if [ "$so_exports" = "$want" ]; then
  echo "linux-aarch_64 libwalloc_jni.so exports exactly the JNI and FFM entry points"
else
  echo "libwalloc_jni.so (aarch64) exports differ from the JNI header:"; diff <(echo "$want") <(echo "$so_exports") || true; status=1
fi

step "Java on linux-aarch_64: the arm64 JRE under qemu-aarch64"
arm_java="$root/target/arm64-jre/bin/java"
mkdir -p "$(dirname "$arm_java")"
# Surefire and Failsafe want a path ending in java. The JVM starts child processes (JarIT runs the
# jar in a JVM of its own) by fork and exec: its default spawn helper is an arm64 program, which
# the host cannot exec without binfmt_misc.
printf '#!/bin/sh\n# The arm64 JVM under qemu-user.\nexec qemu-aarch64 /usr/lib/jvm/java-17-openjdk-arm64/bin/java -Djdk.lang.Process.launchMechanism=FORK "$@"\n' >"$arm_java"
chmod +x "$arm_java"
echo "$("$arm_java" -version 2>&1 | head -1) ($(file -L /usr/lib/jvm/java-17-openjdk-arm64/bin/java | grep -o 'ARM aarch64'))"
smoke='ApiTest,BlockTest,ScenarioTest,NativeLoaderPlatformTest,ViewLifetimeTest,CoreRobustnessTest,LengthCheckedFirstTest,ThreadCacheTest,ProfileTest'
tests=(-Dtest="$smoke")
[ "${WALLOC_CROSS_JAVA:-}" = full ] && tests=()
log=target/test-cross-java.log
: >"$log"
mvn -B -ntp -Pall-platforms surefire:test -Dwalloc.test.jvm="$arm_java" "${tests[@]}" >>"$log" 2>&1 || status=1
mvn -B -ntp -Pall-platforms failsafe:integration-test failsafe:verify -Dwalloc.test.jvm="$arm_java" >>"$log" 2>&1 || status=1
grep -E 'Tests run:|FAIL|Crashed|BUILD' "$log" | grep -v '^\[INFO\] Tests run: .*, Time elapsed' || true
grep -qE 'Tests run: [0-9]+, Failures: [1-9]|Errors: [1-9]|BUILD FAILURE' "$log" && status=1

echo
[ $status -eq 0 ] && echo "== cross: all passed" || echo "== cross: FAILED"
exit $status
