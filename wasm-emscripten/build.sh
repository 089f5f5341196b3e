#!/usr/bin/env bash
# Builds the WebAssembly face of Walloc from the same native/src sources as the native library.
#
#   wasm-emscripten/build.sh            -> wasm-emscripten/dist/walloc.wasm        (SIMD128 + bulk memory)
#                                          wasm-emscripten/dist/walloc-mt.wasm     (threads: see the end)
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
# thread_slots.c, plus the wasm platform layer, handle space and copy: platform_wasm.c,
# space_segments.c, copy_wasm.c), so the wasm build never drifts from the native one.
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
srcs+=("$root/native/src/platform_wasm.c" "$root/native/src/space_segments.c" "$root/native/src/copy_wasm.c" "$here/src/walloc_js.c")
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
#   walloc.c  -O3 for the allocation and free fast paths; the rest of that file is compiled for
#             size by a wasm-only `minsize` pragma. At -Os the fast paths call their helpers
#             instead of inlining them, and a pair costs half as much again.
#   copy_wasm.c -Os: as fast as -O3.
#   the rest  -Oz: growth, large blocks, checked mode, slow paths, platform, the JS shim.
# Linked with wasm-opt -O3, without its "flexible" inlining of small functions into all their
# callers (-fimfs=0), and inlining a function that has one caller only up to 60 of its size
# units (-ocimfs=60). Unlimited, it folds alloc_slow and free_slow back into walloc_alloc and
# walloc_free, which V8 then never inlines into their callers (it takes a callee of at most 500
# bytes, within 3x the caller's size); kept out, Chromium inlines the fast paths into callers of
# ordinary size. The SIMD build also uses the saturating float->int conversions (every engine
# with SIMD128 has them). The measurements behind each choice, and the module's size at each
# step: bench/wasm/NOTES.md, "Build flags of the shipped module". tests/wasm/module.test.mjs
# checks the sizes.
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

# ---------------------------------------------------------------- walloc-mt.wasm (threads build)
#
#   wasm-emscripten/dist/walloc-mt.wasm: the same core for Web Workers over one shared memory
#   (walloc-shared.mjs; Walloc.create({ shared: true })). SIMD128, bulk memory, atomics.
#
# emcc refuses -pthread with -sSTANDALONE_WASM, so each file is compiled by emcc -pthread -c
# (which defines __EMSCRIPTEN_PTHREADS__: lock.h's spinlocks, thread_cache.h's _Thread_local slots) and
# the objects are linked by wasm-ld itself against Emscripten's threaded libc (memset/memcpy) and
# compiler-rt. Differences from walloc.wasm's sources: thread_slots.c (per-thread slots and
# retirement) instead of thread_slots_wasm.c, platform_thread_exit_wasm.c (the host calls
# walloc_thread_exit on detach: Workers run no destructors), and walloc_js_mt.c (shared mode's
# entry points: gates, holds). The module imports its memory (env.memory, shared) and exports
# what a Worker's instance needs before its first call: __stack_pointer (a mutable global; each
# Worker points it at a stack of its own), __wasm_init_tls with __tls_size/__tls_align (each
# Worker's TLS block). Data segments are passive and initialised once, by the first instance
# (wasm-ld's __wasm_init_memory start function).
#
# Benchmark recipe (bench/wasm): the same objects and link line with a benchmark's own C file
# (checked 2026-12-07 with a 32 B alloc+free loop exported as bench_pairs):
#   WALLOC_MT_KEEP_OBJ=1 WALLOC_MT_PRINT_LDFLAGS=1 wasm-emscripten/build.sh > log
#       keeps the objects in dist/obj-walloc-mt/ and prints mt_ldflags (the log's line with
#       --import-memory, shell-quoted)
#   emcc -O3 -pthread -msimd128 -mbulk-memory -c bench.c -o bench.o -I native/include -I native/src
#   eval "wasm-ld-14 -o bench-mt.wasm dist/obj-walloc-mt/*.o bench.o $(grep -- --import-memory log) --export=bench_pairs"
# then optionally the wasm-opt line below. Walloc.create({ shared: true, module }) takes the
# compiled result (its extra exports are in w.exports; w.instanceAddress is the core instance,
# always checked; wjs_create makes an unchecked one), and Walloc.attach(w.shareable()) in each
# Worker sets up that Worker's stack and TLS, so a 1/2/4-Worker run needs no loader of its own.
WASM_LD="${WASM_LD:-wasm-ld-14}"
mt_initial_pages=2 # 128 KiB: 1 KiB, data, the linker's 64 KiB stack (walloc-shared.mjs MT_INITIAL_PAGES)
sysroot_lib="${EMSCRIPTEN_SYSROOT_LIB:-/usr/share/emscripten/cache/sysroot/lib/wasm32-emscripten}"
mt_srcs=()
for s in "${core[@]}"; do mt_srcs+=("$root/native/$s"); done
mt_srcs+=("$root/native/src/platform_thread_exit_wasm.c" "$root/native/src/platform_wasm.c" "$root/native/src/space_segments.c"
          "$root/native/src/copy_wasm.c" "$here/src/walloc_js.c" "$here/src/walloc_js_mt.c")
mt_exports=()
for e in "${exports[@]}"; do mt_exports+=("--export=${e#_}"); done
for f in "$here/src/walloc_js.c" "$here/src/walloc_js_mt.c"; do
  while read -r name; do mt_exports+=("--export=$name"); done \
    < <(grep -o 'EMSCRIPTEN_KEEPALIVE [a-z0-9_ ]*\bwjs_[a-z0-9_]*(' "$f" | grep -o 'wjs_[a-z0-9_]*')
done
mt_ldflags=(-L"$sysroot_lib" -lc-mt -lcompiler_rt-mt --import-memory --shared-memory --no-entry
            --max-memory=$((65536 * 65536)) --initial-memory=$((mt_initial_pages * 65536))
            -z stack-size=65536 --global-base=1024 --strip-debug
            --export=walloc_thread_exit --export=__wasm_init_tls --export=__tls_size
            --export=__tls_align --export=__tls_base --export=__stack_pointer
            --export-if-defined=__wasm_call_ctors "${mt_exports[@]}")
if [ "${WALLOC_MT_PRINT_LDFLAGS:-0}" = 1 ]; then printf '%q ' "${mt_ldflags[@]}"; echo; fi
build_mt() {
  command -v "$WASM_LD" >/dev/null || { echo "build.sh: $WASM_LD not found (Debian: lld-14)" >&2; exit 1; }
  local obj="$out/obj-walloc-mt" objs=() i=0
  rm -rf "$obj"; mkdir -p "$obj"
  for src in "${mt_srcs[@]}"; do
    local o="$obj/$i-$(basename "${src%.c}").o"; i=$((i + 1))
    "$EMCC" "$(level_of "$src")" "${cflags[@]}" -pthread -msimd128 -mbulk-memory -mnontrapping-fptoint \
      -c "$src" -o "$o"
    objs+=("$o")
  done
  "$WASM_LD" -o "$out/walloc-mt.wasm" "${objs[@]}" "${mt_ldflags[@]}"
  # -O3 as walloc.wasm's link step (the same inlining limits); threads and bulk memory allowed.
  wasm-opt -O3 -fimfs=0 -ocimfs=60 --enable-threads --enable-bulk-memory --enable-simd \
    --enable-nontrapping-float-to-int --enable-mutable-globals --strip-target-features \
    "$out/walloc-mt.wasm" -o "$out/walloc-mt.wasm"
  [ "${WALLOC_MT_KEEP_OBJ:-0}" = 1 ] || rm -rf "$obj"
  echo "build.sh: $out/walloc-mt.wasm $(stat -c %s "$out/walloc-mt.wasm") bytes"
}
build_mt
