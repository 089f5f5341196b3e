#!/usr/bin/env bash
# Runs every test of Walloc on a fresh Debian machine, installing what is missing first:
# the C core (scripts/test-native.sh), the Java face (scripts/test-java.sh), the other platforms
# under emulation (scripts/test-cross.sh: linux-aarch_64 under qemu, windows-x86_64 under wine)
# and the WebAssembly face (scripts/test-wasm.sh). Each suite prints its own runner's summary; the last
# line counts the suites.
#   scripts/test.sh               everything
#   scripts/test.sh native wasm   only those suites
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(native java cross wasm)

"$root/scripts/install-deps.sh" all || { echo "test.sh: installing dependencies failed" >&2; exit 1; }

passed=0 failed=0 failed_names=()
for suite in "${suites[@]}"; do
  script="$root/scripts/test-$suite.sh"
  if [ ! -x "$script" ]; then
    echo "test.sh: no suite '$suite' ($script)" >&2
    failed=$((failed + 1)); failed_names+=("$suite"); continue
  fi
  echo; echo "##### $suite #####"
  start=$(date +%s)
  if "$script"; then
    passed=$((passed + 1)); result=passed
  else
    failed=$((failed + 1)); failed_names+=("$suite"); result=FAILED
  fi
  echo "##### $suite: $result in $(( $(date +%s) - start )) s #####"
done

echo
[ $failed -eq 0 ] || echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]
