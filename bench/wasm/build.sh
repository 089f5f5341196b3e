#!/usr/bin/env bash
# Builds the benchmark modules into bench/wasm/out/:
#   walloc-bench.wasm           Walloc core + bench_walloc.c (copy threshold as in copy.c)
#   walloc-bench-t<N>.wasm      the same with WALLOC_WASM_MEMORY_COPY_MIN=N (threshold sweep)
#   peer-dlmalloc.wasm / peer-emmalloc.wasm   bench_peer.c over Emscripten's allocators
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/out"
mkdir -p "$out"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mapfile -t core < <(awk '/^set\(WALLOC_CORE_SOURCES/{on=1; next} on && /\)/{on=0} on {print $1}' "$root/native/CMakeLists.txt")
srcs=()
for s in "${core[@]}"; do
  case "$s" in src/platform_posix.c) srcs+=("$root/native/src/platform_wasm.c") ;; *) srcs+=("$root/native/$s") ;; esac
done
srcs+=("$root/native/src/copy.c")
inc=(-I"$root/native/include" -I"$root/native/src")
# Same per-file optimisation levels as the shipped walloc.wasm (wasm-emscripten/build.sh).
eval "$(grep '^hot_re=' "$root/wasm-emscripten/build.sh")"
common=(-std=c11 -DNDEBUG -msimd128 -mbulk-memory -Wno-unused-command-line-argument)
link=(-O3 -msimd128 -mbulk-memory --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=2MB
      -sTOTAL_STACK=64KB -sMAXIMUM_MEMORY=4GB)
walloc_module() { # output, extra flags...
  local o=$1; shift
  local tmp; tmp=$(mktemp -d); local objs=() i=0
  for src in "${srcs[@]}" "$here/bench_walloc.c"; do
    if [[ $src =~ $hot_re || $src == "$here/bench_walloc.c" ]]; then level=-O3; else level=-Os; fi
    emcc "$level" "${common[@]}" "${inc[@]}" "$@" -c "$src" -o "$tmp/$i.o"; objs+=("$tmp/$i.o"); i=$((i + 1))
  done
  emcc "${link[@]}" -sMALLOC=none "${objs[@]}" -o "$o"
  rm -rf "$tmp"
}
walloc_module "$out/walloc-bench.wasm"
for t in 1 64 128 512 1024 1073741824; do
  walloc_module "$out/walloc-bench-t$t.wasm" -DWALLOC_WASM_MEMORY_COPY_MIN=$t
done
for m in dlmalloc emmalloc; do
  emcc -O3 "${common[@]}" "${link[@]}" -sMALLOC=$m "$here/bench_peer.c" -o "$out/peer-$m.wasm"
done
echo "bench/wasm/build.sh: modules in $out"
