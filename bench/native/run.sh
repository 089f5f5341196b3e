#!/usr/bin/env bash
# Builds the native benchmarks in Release, runs them and writes bench/native/RESULTS.md.
#
#   bench/native/run.sh                 full run (about 7-8 minutes on 2 cores)
#   bench/native/run.sh --quick         1 repetition, short minimum time (smoke test, ~1 minute)
#   bench/native/run.sh --filter=REGEX  only benchmarks matching REGEX (Google Benchmark syntax)
#   bench/native/run.sh --no-profile    skip the callgrind instruction counts (profile.sh)
#   bench/native/run.sh --head          measure a clean checkout of HEAD (a git worktree next to the
#                                       build dir), not the working tree others may be editing
#
# Environment: WALLOC_BENCH_BUILD_DIR (default <repo>/build-bench), WALLOC_BENCH_REPS (default 7),
# WALLOC_BENCH_MIN_TIME (seconds per repetition, default 0.1).
# Results: bench/native/out/<executable>.json (Google Benchmark JSON, aggregates only), the
# phases' bench/native/out/phases.jsonl, and bench/native/results/<cpu>.md (medians and ratios;
# every ratio comes from one process), indexed by bench/native/RESULTS.md. Other CPUs' files
# are kept.
# Run it on an otherwise idle machine: the 2-thread results need both cores.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${WALLOC_BENCH_BUILD_DIR:-$root/build-bench}
out=$here/out
reps=${WALLOC_BENCH_REPS:-7}
min_time=${WALLOC_BENCH_MIN_TIME:-0.1}
filter=""
profile=1
head=0
for arg in "$@"; do
  case "$arg" in
    --quick) reps=1; min_time=0.02; profile=0 ;;
    --no-profile) profile=0 ;;
    --head) head=1 ;;
    --filter=*) filter=${arg#--filter=} ;;
    *) echo "run.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
command="bench/native/run.sh${*:+ $*} (repetitions $reps, min time ${min_time}s)"

# Packages (no-op when present): Google Benchmark, mimalloc, jemalloc, cmake, g++.
if ! dpkg-query -W -f='${Status}' libbenchmark-dev libmimalloc-dev libjemalloc-dev cmake g++ 2>/dev/null \
     | grep -c "install ok installed" | grep -qx 5; then
  "$root/scripts/install-deps.sh" native
fi

if [ "$head" = 1 ]; then
  build="$build-head"
  src="$build-src"
  git -C "$root" worktree remove --force "$src" >/dev/null 2>&1 || rm -rf "$src"
  git -C "$root" worktree prune
  git -C "$root" worktree add --detach "$src" HEAD >/dev/null
  root=$src
fi
export WALLOC_BENCH_SRC=$root
export WALLOC_BENCH_PROF_DIR=${WALLOC_BENCH_PROF_DIR:-$build-prof}

export WALLOC_BENCH_DATE; WALLOC_BENCH_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
export WALLOC_BENCH_COMMIT; WALLOC_BENCH_COMMIT=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
export WALLOC_BENCH_DIRTY; WALLOC_BENCH_DIRTY=$(git -C "$root" status --porcelain --untracked-files=no -- native 2>/dev/null || true)

echo "== configure + build (Release) in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWALLOC_BUILD_BENCH=ON \
      -DWALLOC_BUILD_TESTS=OFF -DWALLOC_BUILD_FUZZ=OFF -DWALLOC_BUILD_JNI=OFF \
      -DWALLOC_SANITIZE= -DWALLOC_CHECKED_DEFAULT=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
# The compiler CMake chose for the core (clang when installed; see CMakeLists.txt), for the report.
cc_path=$(sed -n 's/^set(CMAKE_C_COMPILER "\(.*\)")$/\1/p' "$build"/CMakeFiles/*/CMakeCCompiler.cmake | head -1)
export WALLOC_BENCH_CC; WALLOC_BENCH_CC=$("${cc_path:-cc}" --version | head -1)

mkdir -p "$out"
rm -f "$out"/*.json "$out"/phases.jsonl "$out/profile.md"
# Instruction counts first, so they describe the same source as the timings (others may commit
# to native/ while the timings run).
if [ "$profile" = 1 ] && command -v valgrind >/dev/null; then
  echo "== profile.sh (callgrind instruction counts, alloc+free at 64 B)"
  "$here/profile.sh" 64 >/dev/null || echo "== profile.sh failed; RESULTS.md goes without it"
fi
# label  executable  environment. glibc runs twice: at its defaults and with heap trimming off
# (at its defaults every batch above ~128 KiB in total re-faults the heap top; see RESULTS.md).
runs=(
  "bench_alloc_glibc        bench_alloc_glibc     -"
  "bench_alloc_glibc_notrim bench_alloc_glibc     GLIBC_TUNABLES=glibc.malloc.trim_threshold=4294967296"
  "bench_alloc_mimalloc     bench_alloc_mimalloc  -"
  "bench_alloc_jemalloc     bench_alloc_jemalloc  -"
  "bench_copy               bench_copy            -"
  "bench_gate               bench_gate            -"
  "bench_profile            bench_profile         -"
)
for run in "${runs[@]}"; do
  read -r label exe envs <<<"$run"
  bin="$build/bench/native/$exe"
  if [ ! -x "$bin" ]; then echo "== $label: $exe not built (peer library missing?), skipped"; continue; fi
  [ "$envs" = "-" ] && envs=""
  echo "== $label${envs:+ ($envs)}"
  args=(--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true
        --benchmark_min_time="$min_time" --benchmark_format=console
        --benchmark_out="$out/$label.json" --benchmark_out_format=json
        --benchmark_context=walloc_run="$label")
  [ -n "$filter" ] && args+=(--benchmark_filter="$filter")
  # Random interleaving spreads each benchmark's repetitions over the whole run, so a burst of
  # load from elsewhere hits Walloc and its peer alike instead of one of them.
  env $envs "$bin" "${args[@]}" --benchmark_enable_random_interleaving=true
done

# Peak memory of phases of changing size classes: Walloc and each peer in processes of their own.
if [ -z "$filter" ] || [[ phases =~ $filter ]]; then
  for peer in glibc mimalloc jemalloc; do
    bin="$build/bench/native/bench_phases_$peer"
    [ -x "$bin" ] || continue
    echo "== bench_phases_$peer"
    for who in walloc peer; do "$bin" "$who" | tee -a "$out/phases.jsonl"; done
  done
fi

if [ "$head" = 1 ]; then  # the clean checkout is only needed while building
  git -C "$here" worktree remove --force "$root" >/dev/null 2>&1 || true
fi

python3 "$here/report.py" "$out" "$here/results" "$command"
