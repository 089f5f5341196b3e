#!/usr/bin/env bash
# Builds the WebAssembly face of Walloc from the same native/src sources as the native library.
#
#   wasm-emscripten/build.sh            -> wasm-emscripten/dist/walloc.wasm        (SIMD128 + bulk memory)
#                                          wasm-emscripten/dist/walloc-nosimd.wasm (bulk memory only)
#                                          wasm-emscripten/dist/walloc-diag.wasm, walloc-diag-nosimd.wasm
#
# walloc.wasm is the lean module: it leaves out checked mode and allocation profiles
# (native/src/build_features.h), which the diagnostics modules (walloc-diag*.wasm) add; walloc.mjs
# loads one of those when create() asks for either (its size budget: tests/wasm/module.test.mjs).
#
# Standalone modules (no Emscripten JS glue), memory growth on, linked with -sMALLOC=none: the
# core takes its metadata and tier memory from native/src/platform_wasm.c. The source list is read
# from native/CMakeLists.txt (WALLOC_CORE_SOURCES with thread_slots_wasm.c in place of
# thread_slots.c, plus the wasm platform layer and copy: platform_wasm.c, copy_wasm.c), so the
# wasm build never drifts from the native one.
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
    src/thread_slots.c) srcs+=("$root/native/src/thread_slots_wasm.c") ;;
    *) srcs+=("$root/native/$s") ;;
  esac
done
srcs+=("$root/native/src/platform_wasm.c" "$root/native/src/copy_wasm.c" "$here/src/walloc_js.c")
diag_srcs=("$here/src/walloc_js_profile.c")
lean_defs=(-DWALLOC_CHECKED=0 -DWALLOC_PROFILES=0)

# The C API itself (BigInt handles; the scenario tests use it) and walloc_js.c's wjs_* entry points
# (EMSCRIPTEN_KEEPALIVE), which walloc.mjs uses.
exports=(_walloc_create _walloc_destroy _walloc_config_validate _walloc_alloc _walloc_alloc_batch
         _walloc_free _walloc_reset_tier _walloc_compact_tier _walloc_tier_stats _walloc_write
         _walloc_read _walloc_copy _walloc_bulk_copy _walloc_ptr _walloc_tier_of _walloc_memcpy
         _walloc_memmove _walloc_status_str _walloc_tier_alignment)
exports_csv=$(IFS=,; echo "${exports[*]}")

# Optimisation levels, per file (bench/wasm/build.sh reads the o3_re/os_re/link_opt lines):
#   walloc.c  -O3 for the allocation and free fast paths; the rest of that file (create, slow
#             paths, reset/compact, statistics) is compiled for size by a wasm-only `minsize`
#             pragma in walloc.c. walloc.c at -Os instead: the fast paths call their helpers
#             (tier_class_of, tier_block_ok) and a pair costs 15.7 ns instead of 10.9.
#   copy_wasm.c -Os: same speed as -O3 (walloc_memcpy 6 B-4 KiB; the 256-live window).
#   the rest  -Oz: tiers' growth, large blocks, checked mode, thread-cache slow paths, platform,
#             the JS shim.
# Linked with wasm-opt -O3, without its "flexible" inlining of small functions into all their
# callers (-fimfs=0, 272 bytes), and inlining a function that has one caller only up to 60 of
# its size units (-ocimfs=60; default: any size). Unlimited, it folded alloc_slow and free_slow
# back into walloc_alloc and walloc_free (1214 and 814 wire bytes in V8's trace), which V8 then
# never inlines into their callers: it takes a callee of at most 500 bytes, and only within 3x
# the caller's own size. Kept out, the fast paths are 204 and 390 bytes, and Chromium inlines
# them into callers of ordinary size: the 256-live window loop (bench/wasm) went from 13.0 to
# 10.8 ns per pair (2026-11-25; Node 20 does not inline wasm calls at all). At 70 the bench
# module folds free_slow again (12.0 ns); at 40-50 the bump chunk's renewal stays out of line
# (12.0 ns); walloc.wasm is 15521 bytes at 60, 15365 unlimited. tests/wasm/module.test.mjs
# checks both sizes. The SIMD build also uses the saturating float->int conversions
# (every engine with SIMD128 has them; 164 bytes). Measured 2026-11-24 18:05 UTC, load average
# 7.6-8.1 (other jobs on both cores), minima of 2 ms bursts over 10 s, modules interleaved;
# pairs = 32 B alloc+free inside wasm from a C loop (bench_walloc.c), Node 20 / Chromium 156;
# JS = a wjs_alloc+wjs_free pair from a JavaScript loop (Node):
#                                                           bytes  gzip  pairs Node/Chromium  JS
#   before (older core; -O3 walloc/freelist/copy.c, -Os)    19610  9058  10.8 / 10.0 ns   14.8 ns
#   this core, those flags                                  17234  8249   9.8 /  9.2      13.6
#   walloc.c -O3, copy/freelist.c -Os, rest -Oz             16263  8039   9.8 /  9.4      13.7
#   + nontrapping float->int, -fimfs=0: shipped             15827  8012   9.8 /  9.4      13.7
#   same, linked with wasm-opt -Oz instead of -O3           15741  8005   9.8 /  9.8      14.7
#   -Oz everywhere                                          15248  7810  21.2 / 10.1      27.3
# 2026-11-25: walloc_memcpy became an alias of walloc_memmove in wasm (copy.c): 15915 -> 15365
# bytes; -ocimfs=60 then 15521.
# 2026-12-07 (spans, issue 16): 16623 bytes before trimming; the remote-free machinery compiled
# out where there are no threads (lock.h's WALLOC_THREADS), the class lookup tables replaced by
# size_class_for (slow paths only), the target_features section stripped (--strip-target-features)
# and errno support dropped (nothing reads it; -sSUPPORT_ERRNO=0): 15882 bytes. Then checked
# free-extent headers and the checked-mode stale-record fix (+330 bytes), paid for by
# WALLOC_WASM_MEMORY_COPY_MIN 256 -> 128 (copy.c; -222 bytes): 15991 bytes; 15959 after
# the page-bitmap and extent-header helpers were shared.
# ("this core": one page-map lookup in the free fast path, span lists in platform_wasm.c, no
# unused shim exports, the minsize pragma.) Chromium's V8 inlines the small helpers that -Oz
# leaves out of line, Node 20's does not.
o3_re='/walloc\.c$'
os_re='/copy_wasm\.c$'
link_opt=(-O3 -sBINARYEN_EXTRA_PASSES=-fimfs=0,-ocimfs=60,--strip-target-features)
level_of() { # source file -> -O level
  if [[ $1 =~ $o3_re ]]; then echo -O3; elif [[ $1 =~ $os_re ]]; then echo -Os; else echo -Oz; fi
}
cflags=(-std=c11 -DNDEBUG -Wall -Wno-unused-command-line-argument
        -I"$root/native/include" -I"$root/native/src")
ldflags=("${link_opt[@]}" --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB
         -sTOTAL_STACK=64KB -sMAXIMUM_MEMORY="$max_memory" -sMALLOC=none
         -sEXPORTED_FUNCTIONS="$exports_csv" -sERROR_ON_UNDEFINED_SYMBOLS=1 -sWASM_BIGINT=1
         -sSUPPORT_ERRNO=0)


mkdir -p "$out"
build() { # name, sources (array name), extra compile flags...
  local name=$1; local -n files=$2; shift 2
  local obj="$out/obj-$name"
  rm -rf "$obj"; mkdir -p "$obj"
  local objs=() i=0 pids=()
  for src in "${files[@]}"; do
    local o="$obj/$i-$(basename "${src%.c}").o"; i=$((i + 1))
    "$EMCC" "$(level_of "$src")" "${cflags[@]}" "$@" -c "$src" -o "$o" & pids+=($!)
    objs+=("$o")
  done
  for p in "${pids[@]}"; do wait "$p"; done
  "$EMCC" "${ldflags[@]}" ${WALLOC_WASM_LINK_EXTRA:-} "$@" "${objs[@]}" -o "$out/$name.wasm"
  rm -rf "$obj"
  echo "build.sh: $out/$name.wasm $(stat -c %s "$out/$name.wasm") bytes"
}
all_srcs=("${srcs[@]}" "${diag_srcs[@]}")
simd=(-msimd128 -mbulk-memory -mnontrapping-fptoint)
build walloc srcs "${simd[@]}" "${lean_defs[@]}"
build walloc-nosimd srcs -mbulk-memory "${lean_defs[@]}"
build walloc-diag all_srcs "${simd[@]}"
build walloc-diag-nosimd all_srcs -mbulk-memory
