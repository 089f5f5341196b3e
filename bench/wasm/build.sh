#!/usr/bin/env bash
# Builds the benchmark modules into bench/wasm/out/:
#   walloc-bench.wasm           Walloc core + bench_walloc.c (copy threshold as in copy_wasm.c)
#   walloc-copy.wasm            the same, linked for the copy rows (see copy_link below)
#   walloc-bench-t<N>.wasm      that with WALLOC_WASM_MEMORY_COPY_MIN=N (threshold sweep)
#   peer-dlmalloc.wasm / peer-emmalloc.wasm   bench_peer.c over Emscripten's allocators
#   call-floor.wasm             bench_floor.c: two calls with a minimal bin pop/push (no inlining)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/out"
mkdir -p "$out"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mapfile -t core < <(awk '/^set\(WALLOC_CORE_SOURCES/{on=1; next} on && /\)/{on=0} on {print $1}' "$root/native/CMakeLists.txt")
srcs=()
for s in "${core[@]}"; do
  case "$s" in src/thread_slots.c) srcs+=("$root/native/src/thread_slots_wasm.c") ;; *) srcs+=("$root/native/$s") ;; esac
done
srcs+=("$root/native/src/platform_wasm.c" "$root/native/src/copy_wasm.c" "$root/wasm-emscripten/src/walloc_js.c")
# The shipped module's exports too: binaryen inlines a function into its only caller, so a bench
# module that drops a caller (walloc_alloc_site) would have fast paths of other sizes than
# walloc.wasm (alloc_slow folded into walloc_alloc: 550 bytes instead of 190, 2026-12-07).
eval "$(sed -n '/^exports=(/,/)$/p' "$root/wasm-emscripten/build.sh")"
exports_csv=$(IFS=,; echo "${exports[*]}")
inc=(-I"$root/native/include" -I"$root/native/src")
# Same per-file optimisation levels, features (lean_defs) and link optimisation as the shipped walloc.wasm
# (wasm-emscripten/build.sh); the benchmark loops themselves are -O3.
eval "$(grep -E '^(o3_re|os_re|link_opt|lean_defs)=' "$root/wasm-emscripten/build.sh")"
level_of() {
  if [[ $1 =~ $o3_re || $1 == "$here/bench_walloc.c" ]]; then echo -O3; elif [[ $1 =~ $os_re ]]; then echo -Os; else echo -Oz; fi
}
common=(-std=c11 -DNDEBUG -msimd128 -mbulk-memory -Wno-unused-command-line-argument)
link=(-msimd128 -mbulk-memory --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=2MB
      -sTOTAL_STACK=64KB -sMAXIMUM_MEMORY=4GB)
# The copy rows compare copy strategies (inline SIMD128 moves, memory.copy), not the cost of a
# call: their modules keep binaryen's default of inlining a function that has one caller, so
# walloc_memcpy is inlined into the copy loop as memory.copy is an instruction in it. (With the
# shipped module's -ocimfs it stays a call: 3.0-5.5 ns instead of 1.3-2.1 at 6-32 B in
# Chromium, 2026-11-25.)
copy_link=(-O3 -sBINARYEN_EXTRA_PASSES=-fimfs=0)
walloc_module() { # output, link options (array name), extra flags...
  local o=$1; local -n lopt=$2; shift 2
  local tmp; tmp=$(mktemp -d); local objs=() i=0
  for src in "${srcs[@]}" "$here/bench_walloc.c"; do
    emcc "$(level_of "$src")" "${common[@]}" -mnontrapping-fptoint "${inc[@]}" "${lean_defs[@]}" "$@" -c "$src" -o "$tmp/$i.o"
    objs+=("$tmp/$i.o"); i=$((i + 1))
  done
  emcc "${lopt[@]}" "${link[@]}" -mnontrapping-fptoint -sMALLOC=none -sWASM_BIGINT=1 \
       -sEXPORTED_FUNCTIONS="$exports_csv" "${objs[@]}" -o "$o"
  rm -rf "$tmp"
}
walloc_module "$out/walloc-bench.wasm" link_opt
walloc_module "$out/walloc-copy.wasm" copy_link
for t in 1 64 128 512 1024 1073741824; do
  walloc_module "$out/walloc-bench-t$t.wasm" copy_link -DWALLOC_WASM_MEMORY_COPY_MIN=$t
done
for m in dlmalloc emmalloc; do
  emcc -O3 "${common[@]}" "${link[@]}" -sMALLOC=$m "$here/bench_peer.c" -o "$out/peer-$m.wasm"
done
# Compiled -O3, linked -O1: wasm-opt would otherwise inline the two small functions.
tmp=$(mktemp -d)
emcc -O3 "${common[@]}" -c "$here/bench_floor.c" -o "$tmp/floor.o"
emcc -O1 "${link[@]}" -sMALLOC=none "$tmp/floor.o" -o "$out/call-floor.wasm"
rm -rf "$tmp"
echo "bench/wasm/build.sh: modules in $out"
