#!/usr/bin/env bash
# Builds the libFuzzer target (clang 14, ASan + UBSan) in its own build directory and fuzzes for
# a bounded time, starting from a copy of the committed seed corpus. Fails on any crash, leak,
# sanitizer report or model mismatch; the failing input is kept under tests/fuzz/artifacts/.
#
#   tests/fuzz/run.sh [seconds]          default 60
#   WALLOC_FUZZ_BUILD_DIR=...            build directory (default <repo>/build-fuzz)
#   WALLOC_FUZZ_ARGS="-seed=1 ..."       extra libFuzzer flags
#   WALLOC_FUZZ_ARTIFACTS=dir            where failing inputs go (default tests/fuzz/artifacts)
#   WALLOC_FUZZ_TRACE=1                  (when running the binary on one input) print every operation
#   WALLOC_FUZZ_KNOWN=1                  also check open issues (see tests/fuzz/known/README.md)
#   Reproduce a crash: <build>/tests/fuzz/walloc_fuzz tests/fuzz/artifacts/crash-...
set -euo pipefail

secs="${1:-60}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${WALLOC_FUZZ_BUILD_DIR:-$root/build-fuzz}"
artifacts="${WALLOC_FUZZ_ARTIFACTS:-$here/artifacts}"

command -v clang >/dev/null && command -v clang++ >/dev/null || {
  echo "run.sh: clang/clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWALLOC_BUILD_FUZZ=ON -DWALLOC_BUILD_TESTS=OFF -DWALLOC_BUILD_BENCH=OFF \
  "-DWALLOC_SANITIZE=address;undefined" >/dev/null
cmake --build "$build" --target walloc_fuzz -j"$(nproc)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
cp "$here"/corpus/* "$work/corpus/"

echo "run.sh: fuzzing for ${secs}s from $(ls "$work/corpus" | wc -l) seed inputs"
cd "$work"
# shellcheck disable=SC2086
if "$build/tests/fuzz/walloc_fuzz" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 \
     -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" ${WALLOC_FUZZ_ARGS:-} \
     "$work/corpus"; then
  echo "run.sh: no crash in ${secs}s"
else
  rc=$?
  echo "run.sh: FAILED (exit $rc); failing input under $artifacts/" >&2
  exit "$rc"
fi
