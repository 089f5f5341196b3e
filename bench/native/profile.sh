#!/usr/bin/env bash
# Counts the instructions Walloc and mimalloc spend per call on the alloc+free fast path, with
# valgrind's callgrind (perf may not work in this VM; callgrind does, and instruction counts do not
# care how busy the machine is). Writes bench/native/out/profile.md, which report.py appends to
# RESULTS.md, and prints the hottest source lines of Walloc.
#
#   bench/native/profile.sh            alloc_pair and alloc_batch1000 at 64 B
#   bench/native/profile.sh 4096       ... at another size
#
# Builds Release with -g in <repo>/build-bench-prof (WALLOC_BENCH_PROF_DIR).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${WALLOC_BENCH_SRC:-$(cd "$here/../.." && pwd)}  # run.sh --head points this at a clean checkout
build=${WALLOC_BENCH_PROF_DIR:-$root/build-bench-prof}
size=${1:-64}
out=$here/out
mkdir -p "$out"
command -v valgrind >/dev/null || { echo "profile.sh: valgrind is not installed" >&2; exit 1; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS=-g -gdwarf-4" "-DCMAKE_CXX_FLAGS=-g -gdwarf-4" \
      -DWALLOC_BUILD_BENCH=ON -DWALLOC_BUILD_TESTS=OFF -DWALLOC_BUILD_FUZZ=OFF -DWALLOC_BUILD_JNI=OFF \
      -DWALLOC_SANITIZE= -DWALLOC_CHECKED_DEFAULT=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_alloc_mimalloc bench_profile >/dev/null

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no -- native 2>/dev/null || true)
{
  echo "## Instruction counts (callgrind)"
  echo
  echo "\`bench/native/profile.sh $size\` at commit $commit${dirty:+ (native/ had uncommitted changes)},"
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'). Instructions per call, averaged over every call in the run"
  echo "(warm-up batches included), Walloc BOTTOM tier vs mimalloc in the same process:"
  echo
  echo "| benchmark | walloc_alloc | walloc_free | Walloc pair | mimalloc malloc | mimalloc free | mimalloc pair |"
  echo "|:---|---:|---:|---:|---:|---:|---:|"
} >"$out/profile.md.tmp"

for group in alloc_pair alloc_batch1000; do
  cg="$build/callgrind.$group.$size.out"
  valgrind --tool=callgrind --callgrind-out-file="$cg" \
    "$build/bench/native/bench_alloc_mimalloc" \
    --benchmark_filter="^$group/(walloc_bottom|mimalloc)/$size/real_time/threads:1\$" \
    --benchmark_min_time=0.01 >/dev/null 2>&1
  callgrind_annotate --inclusive=yes --tree=calling "$cg" 2>/dev/null | python3 -c '
import re, sys
group, size = sys.argv[1], sys.argv[2]
cost = {}
caller = None
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+\*\s+.*BM_(walloc|peer)_", line)
    if m:
        caller = m.group(2)
        continue
    if not line.strip():
        caller = None
        continue
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+>\s+\S*?:?(walloc_alloc|walloc_free|malloc|free) \(([\d,]+)x\)", line)
    if m and caller:
        ir, fn, calls = int(m.group(1).replace(",", "")), m.group(2), int(m.group(3).replace(",", ""))
        cost[fn] = ir / calls
get = lambda k: cost.get(k)
f = lambda v: "—" if v is None else f"{v:.0f}"
wa, wf, ma, mf = get("walloc_alloc"), get("walloc_free"), get("malloc"), get("free")
pair = lambda a, b: None if a is None or b is None else a + b
print(f"| {group}/{size} | {f(wa)} | {f(wf)} | {f(pair(wa, wf))} | {f(ma)} | {f(mf)} | {f(pair(ma, mf))} |")
' "$group" "$size" >>"$out/profile.md.tmp"
done

# What an allocation profile costs the pair (bench_profile.cpp), one callgrind run per instance.
{
  echo
  echo "Allocation profile (\`bench_profile\`, 64 B BOTTOM pair, 1 thread): instructions per pair, alloc + free:"
  echo
  echo "| instance | instructions per pair |"
  echo "|:---|---:|"
} >>"$out/profile.md.tmp"
for mode in off rate0 host1000 rate1000 rate1; do
  cg="$build/callgrind.profile_pair.$mode.out"
  valgrind --tool=callgrind --callgrind-out-file="$cg" "$build/bench/native/bench_profile" \
    --benchmark_filter="^profile_pair/$mode/64/real_time/threads:1\$" --benchmark_min_time=0.01 >/dev/null 2>&1
  callgrind_annotate --inclusive=yes --tree=calling "$cg" 2>/dev/null | python3 -c '
import re, sys
ir, frees, inside = 0, None, False
for line in sys.stdin:
    if re.match(r"\s*[\d,]+ \([ \d.]+%\)\s+\*\s+.*BM_profile_pair", line):
        inside = True
        continue
    if not line.strip():
        inside = False
        continue
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+>\s+\S*?:?(walloc_alloc|walloc_alloc_site|walloc_free) \(([\d,]+)x\)", line)
    if m and inside:
        ir += int(m.group(1).replace(",", ""))
        if m.group(2) == "walloc_free":
            frees = int(m.group(3).replace(",", ""))
print(f"| {sys.argv[1]} | {ir / frees:.1f} |" if frees else f"| {sys.argv[1]} | — |")
' "$mode" >>"$out/profile.md.tmp"
done

echo >>"$out/profile.md.tmp"
echo "Hottest Walloc source lines of alloc_pair/$size (instructions, all calls; see $build):" >>"$out/profile.md.tmp"
echo >>"$out/profile.md.tmp"
echo '```' >>"$out/profile.md.tmp"
callgrind_annotate --auto=yes --show-percs=no "$build/callgrind.alloc_pair.$size.out" 2>/dev/null \
  | awk '/Auto-annotated source: .*native\/src\//{p=1; f=$NF; sub(".*/native/src/", "", f); next}
         /Auto-annotated source/{p=0}
         p && /^ *[0-9,]+ / && !/=>/ && !/events annotated/ {n=$1; gsub(",", "", n); line=$0; sub(/^ *[0-9,]+ +/, "", line);
                                       printf "%12d  %-16s %s\n", n, f, line}' \
  | sort -rn | sed -n 1,25p >>"$out/profile.md.tmp"
echo '```' >>"$out/profile.md.tmp"
echo >>"$out/profile.md.tmp"
mv "$out/profile.md.tmp" "$out/profile.md"
cat "$out/profile.md"
