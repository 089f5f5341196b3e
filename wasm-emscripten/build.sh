#!/usr/bin/env bash
# Builds the WebAssembly face of Walloc from the same native/src sources as the native library.
#
#   wasm-emscripten/build.sh            -> wasm-emscripten/dist/walloc.wasm        (SIMD128 + bulk memory)
#                                          wasm-emscripten/dist/walloc-nosimd.wasm (bulk memory only)
#
# Standalone modules (no Emscripten JS glue), memory growth on, linked with -sMALLOC=none: the
# core takes its metadata and tier memory from native/src/platform_wasm.c. The source list is read
# from native/CMakeLists.txt (WALLOC_CORE_SOURCES with platform_wasm.c in place of
# platform_posix.c, plus copy.c), so the wasm build never drifts from the native one.
#
# Environment:
#   WALLOC_WASM_MAX_MEMORY  link-time maximum of linear memory (default 4GB; the JS wrapper's
#                           maximumMemory option can lower it per instance at run time)
#   WALLOC_WASM_OUT         output directory (default wasm-emscripten/dist)
#   EMCC                    the compiler (default emcc)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${WALLOC_WASM_OUT:-$here/dist}"
max_memory="${WALLOC_WASM_MAX_MEMORY:-4GB}"
EMCC="${EMCC:-emcc}"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"

command -v "$EMCC" >/dev/null || { echo "build.sh: $EMCC not found (scripts/install-deps.sh wasm)" >&2; exit 1; }

# Core sources from native/CMakeLists.txt.
mapfile -t core < <(awk '/^set\(WALLOC_CORE_SOURCES/{on=1; next} on && /\)/{on=0} on {print $1}' \
                        "$root/native/CMakeLists.txt")
[ ${#core[@]} -gt 0 ] || { echo "build.sh: no WALLOC_CORE_SOURCES in native/CMakeLists.txt" >&2; exit 1; }
srcs=()
for s in "${core[@]}"; do
  case "$s" in
    src/platform_posix.c) srcs+=("$root/native/src/platform_wasm.c") ;;
    *) srcs+=("$root/native/$s") ;;
  esac
done
srcs+=("$root/native/src/copy.c" "$here/src/walloc_js.c")

# The C API itself (BigInt handles; the scenario tests use it) and walloc_js.c's wjs_* entry points
# (EMSCRIPTEN_KEEPALIVE), which walloc.mjs uses.
exports=(_walloc_create _walloc_destroy _walloc_config_validate _walloc_alloc _walloc_alloc_batch
         _walloc_free _walloc_reset_tier _walloc_compact_tier _walloc_tier_stats _walloc_write
         _walloc_read _walloc_copy _walloc_bulk_copy _walloc_ptr _walloc_tier_of _walloc_memcpy
         _walloc_memmove _walloc_status_str _walloc_tier_alignment)
exports_csv=$(IFS=,; echo "${exports[*]}")

# Hot files (allocation, free, freelists, copy) are compiled with -O3, the rest (tiers' slow paths,
# range checks, checked mode, large blocks, statuses, platform, the JS shim) with -Os. Measured
# on this core: -O3 everywhere 18.6 KB, this mix 14.1 KB at the same or better speed per JS call
# (alloc+free, large alloc+free, checked copy), -Oz everywhere 11.8 KB but 3x slower.
hot_re='/(walloc|freelist|copy)\.c$'
cflags=(-std=c11 -DNDEBUG -Wall -Wno-unused-command-line-argument
        -I"$root/native/include" -I"$root/native/src")
ldflags=(-O3 --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB
         -sTOTAL_STACK=64KB -sMAXIMUM_MEMORY="$max_memory" -sMALLOC=none
         -sEXPORTED_FUNCTIONS="$exports_csv" -sERROR_ON_UNDEFINED_SYMBOLS=1 -sWASM_BIGINT=1)


mkdir -p "$out"
build() { # name, extra compile flags...
  local name=$1; shift
  local obj="$out/obj-$name"
  rm -rf "$obj"; mkdir -p "$obj"
  local objs=() i=0
  for src in "${srcs[@]}"; do
    local o="$obj/$i-$(basename "${src%.c}").o"; i=$((i + 1))
    if [[ $src =~ $hot_re ]]; then level=-O3; else level=-Os; fi
    "$EMCC" "$level" "${cflags[@]}" "$@" -c "$src" -o "$o"
    objs+=("$o")
  done
  "$EMCC" "${ldflags[@]}" "$@" "${objs[@]}" -o "$out/$name.wasm"
  rm -rf "$obj"
  echo "build.sh: $out/$name.wasm $(stat -c %s "$out/$name.wasm") bytes"
}
build walloc -msimd128 -mbulk-memory
build walloc-nosimd -mbulk-memory
