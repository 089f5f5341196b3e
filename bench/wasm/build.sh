#!/usr/bin/env bash
# Builds the benchmark modules into bench/wasm/out/:
#   walloc-bench.wasm           Walloc core + bench_walloc.c (copy threshold as in copy_wasm.c)
#   walloc-copy.wasm            the same, linked for the copy rows (see copy_link below)
#   walloc-bench-t<N>.wasm      that with WALLOC_WASM_MEMORY_COPY_MIN=N (threshold sweep)
#   peer-dlmalloc.wasm / peer-emmalloc.wasm   bench_peer.c over Emscripten's allocators
#   call-floor.wasm             bench_floor.c: two calls with a minimal bin pop/push (no inlining)
#   walloc-bench-mt.wasm        walloc-mt.wasm's objects + bench_mt.c (the Workers section, harness_mt.mjs)
#   peer-dlmalloc-mt.js/.wasm/.worker.js   bench_peer_mt.c over dlmalloc, -pthread, Emscripten's JS glue
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
srcs+=("$root/native/src/platform_wasm.c" "$root/native/src/space_segments.c" "$root/native/src/copy_wasm.c" "$root/wasm-emscripten/src/walloc_js.c")
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
# shipped module's -ocimfs it stays a call, which costs more than the small copies themselves:
# bench/wasm/NOTES.md, "Copy rows and inlining".)
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

# ---------------------------------------------------------------- the Workers section
# walloc-bench-mt.wasm: wasm-emscripten/build.sh's "Benchmark recipe": its walloc-mt.wasm objects
# and link line (printed by WALLOC_MT_PRINT_LDFLAGS) with bench_mt.c, then its wasm-opt line.
# Built into a temporary directory: wasm-emscripten/dist stays as it was.
tmp=$(mktemp -d)
WALLOC_WASM_OUT="$tmp" WALLOC_MT_KEEP_OBJ=1 WALLOC_MT_PRINT_LDFLAGS=1 "$root/wasm-emscripten/build.sh" > "$tmp/log"
eval "mt_ldflags=($(grep -- --import-memory "$tmp/log"))"
[ ${#mt_ldflags[@]} -gt 0 ] || { echo "bench/wasm/build.sh: no walloc-mt link line from wasm-emscripten/build.sh" >&2; exit 1; }
emcc -O3 "${common[@]}" -pthread -mnontrapping-fptoint "${inc[@]}" -c "$here/bench_mt.c" -o "$tmp/bench_mt.o"
mt_bench_exports=()
while read -r name; do mt_bench_exports+=("--export=$name"); done \
  < <(grep -o 'EMSCRIPTEN_KEEPALIVE [a-z0-9_ ]*\bwbm_[a-z0-9_]*(' "$here/bench_mt.c" | grep -o 'wbm_[a-z0-9_]*')
"${WASM_LD:-wasm-ld-14}" -o "$out/walloc-bench-mt.wasm" "$tmp"/obj-walloc-mt/*.o "$tmp/bench_mt.o" "${mt_ldflags[@]}" "${mt_bench_exports[@]}"
wasm-opt -O3 -fimfs=0 -ocimfs=60 --enable-threads --enable-bulk-memory --enable-simd \
  --enable-nontrapping-float-to-int --enable-mutable-globals --strip-target-features \
  "$out/walloc-bench-mt.wasm" -o "$out/walloc-bench-mt.wasm"
rm -rf "$tmp"
# The peer: dlmalloc (its global lock) in a -pthread build with Emscripten's JS glue; the pthreads
# come from a pool started with the module (PTHREAD_POOL_SIZE), so none is started while timing.
# MODULARIZE without EXPORT_ES6 (3.1.6's ES6 output fails under Node ESM): a CommonJS factory in
# Node (createRequire), a classic script defining createPeerMt in a page.
emcc -O3 "${common[@]}" -pthread -sMALLOC=dlmalloc -sPTHREAD_POOL_SIZE=4 -sINITIAL_MEMORY=64MB \
     -sTOTAL_STACK=256KB -sMODULARIZE=1 -sEXPORT_NAME=createPeerMt \
     -sEXPORTED_FUNCTIONS=_pm_control,_pm_start,_pm_join,_pm_in_use \
     "$here/bench_peer_mt.c" -o "$out/peer-dlmalloc-mt.js"
echo "bench/wasm/build.sh: modules in $out"
