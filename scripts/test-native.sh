#!/usr/bin/env bash
# The C core's tests: Google Test via CTest in three builds, then a bounded fuzz run.
#   1. RelWithDebInfo, checked mode on by default     every test
#   2. AddressSanitizer + UndefinedBehaviorSanitizer  every test (free blocks are poisoned)
#   3. ThreadSanitizer                                the tests labelled "stress"
#   4. libFuzzer (clang, ASan + UBSan)                WALLOC_FUZZ_SECONDS, default 60
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-deps.sh native

builds="${WALLOC_BUILD_ROOT:-$root/build/test}"
jobs="$(nproc)"

step() { echo; echo "=== native: $* ==="; }

configure_and_test() { # name, ctest args..., -- cmake args...
  local name="$1"; shift
  local ctest_args=()
  while [ "$1" != "--" ]; do ctest_args+=("$1"); shift; done
  shift
  cmake -S . -B "$builds/$name" -DWALLOC_CHECKED_DEFAULT=ON -DWALLOC_BUILD_TESTS=ON "$@" >/dev/null
  cmake --build "$builds/$name" -j"$jobs" >/dev/null
  ctest --test-dir "$builds/$name" -j"$jobs" --output-on-failure "${ctest_args[@]}"
}

step "plain build, all tests"
configure_and_test plain -- -DCMAKE_BUILD_TYPE=RelWithDebInfo

step "ASan + UBSan, all tests"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  configure_and_test asan -- -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DWALLOC_SANITIZE=address;undefined"

step "TSan, stress tests"
TSAN_OPTIONS=halt_on_error=1 configure_and_test tsan -L stress -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALLOC_SANITIZE=thread

step "libFuzzer, ${WALLOC_FUZZ_SECONDS:-60} s"
WALLOC_FUZZ_BUILD_DIR="$builds/fuzz" tests/fuzz/run.sh "${WALLOC_FUZZ_SECONDS:-60}"
