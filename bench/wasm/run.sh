#!/usr/bin/env bash
# Builds walloc.wasm and the benchmark modules, then runs the wasm benchmarks in Node and in
# headless Chromium side by side and writes bench/wasm/RESULTS.md.
#   bench/wasm/run.sh [--quick] [--no-chromium]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/install-deps.sh" wasm
[ -d "$root/wasm-emscripten/node_modules/playwright-core" ] || (cd "$root/wasm-emscripten" && npm ci --no-audit --no-fund --loglevel=error)
"$root/wasm-emscripten/build.sh" 2>/dev/null
"$root/bench/wasm/build.sh" 2>/dev/null
node "$root/bench/wasm/run.mjs" "$@"
