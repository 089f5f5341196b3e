#!/usr/bin/env python3
"""Writes bench/native/results/<cpu>.md from the Google Benchmark JSON files in bench/native/out/
(and the phases' JSON lines), and the index bench/native/RESULTS.md that lists every CPU's file.
Results are kept per CPU: a run replaces only its own CPU's file.

Standard library only. Usage: report.py OUT_DIR RESULTS_DIR [COMMAND]
Every ratio is peer median / Walloc median from the SAME process (> 1: Walloc is faster).
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

# (file label, peer name used in the benchmark names, column title). glibc runs twice: at its
# defaults, and with its heap trimming off (GLIBC_TUNABLES, see run.sh), because at its defaults
# every batch above ~128 KiB in total gives the heap top back to the kernel and faults it in again.
ALLOC_PEERS = [("glibc", "glibc", "glibc"),
               ("glibc_notrim", "glibc", "glibc, trim off"),
               ("mimalloc", "mimalloc", "mimalloc"),
               ("jemalloc", "jemalloc", "jemalloc")]
PEER_NAME = {label: name for label, name, _ in ALLOC_PEERS}
PEER_TITLE = {label: title for label, _, title in ALLOC_PEERS}
ALLOC_TARGET_SIZES = [32, 64, 256, 1024, 4096]   # "no slower than mimalloc at 32 B - 4 KiB"
COPY_TARGET_LARGE = (64 << 20, 1.5)               # ">= 1.5x glibc at 64 MiB"
CROSS_GROUPS = [("prodcons", "one thread allocates, the other frees"),
                ("exchange", "both threads allocate blocks the other frees")]
PHASES_TARGET = 1.5                               # "peak within 1.5x of mimalloc's"
# Ratios in [TIE, 1) are reported as ties: repetitions of one benchmark differ by about that much.
TIE = 0.97
# The machine these run on is shared (builds, fuzzers, JVMs of other sessions): wall-clock time
# then measures the scheduler as much as the code. CPU time of the benchmark threads
# (CLOCK_THREAD_CPUTIME_ID, summed over threads) only counts time actually spent running.
METRIC = "cpu_time"


def load(path):
    """The JSON document, or None when the file is empty or cut short (a filter that matched
    nothing in that executable, an interrupted run)."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def to_ns(value, unit):
    return value * {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]


def medians(doc):
    """{(group, who, arg, threads): (median_ns, cv)} from one JSON file. With one repetition
    Google Benchmark writes no aggregates: the single run stands in for the median."""
    out, cvs, single = {}, {}, {}
    for b in doc.get("benchmarks", []):
        parts = b["run_name"].split("/")
        if len(parts) < 3:
            continue
        key = (parts[0], parts[1], int(parts[2]), int(b.get("threads", 1)))
        if b.get("error_occurred"):
            out[key] = None
            continue
        if b.get("run_type") != "aggregate":
            single[key] = to_ns(b[METRIC], b["time_unit"])
            continue
        agg = b.get("aggregate_name")
        if agg == "median":
            out[key] = to_ns(b[METRIC], b["time_unit"])
        elif agg == "cv":
            # Google Benchmark reports the cv aggregate as a fraction in the time fields.
            cvs[key] = b[METRIC]
    for k, v in single.items():
        out.setdefault(k, v)
    return {k: (v, cvs.get(k)) for k, v in out.items()}


def fmt_ns(ns):
    if ns is None:
        return "error"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    if ns >= 100:
        return f"{ns:.0f} ns"
    return f"{ns:.2f} ns"


def fmt_size(n):
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n >> 10} KiB"
    return f"{n} B"


def ratio(peer, mine):
    if peer is None or mine is None or mine <= 0:
        return None
    return peer / mine


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001 - best effort machine description
        return ""


def cpu_identity():
    """lscpu's model name, CPU family and model ("" when absent)."""
    model, fam, mod = "", "", ""
    for line in sh("lscpu").splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
        elif line.startswith("CPU family:"):
            fam = line.split(":", 1)[1].strip()
        elif line.startswith("Model:"):
            mod = line.split(":", 1)[1].strip()
    return model, fam, mod


def cpu_slug():
    """A file name for this CPU: vendor, model name and family/model, e.g.
    amd-epyc-f25-m17 or intel-xeon-processor-f6-m167."""
    model, fam, mod = cpu_identity()
    words = re.sub(r"\(.*?\)|@.*|\bcpu\b|\bprocessor\b", " ", model.lower())
    slug = "-".join(re.findall(r"[a-z0-9]+", words)[:4]) or "unknown-cpu"
    return slug + (f"-f{fam}-m{mod}" if fam and mod else "")


def machine_line(mhz=None):
    """"- Machine: ..." for a results file (bench/java/results.py writes it too): the CPU, its
    cores, the copy-relevant flags and the kernel."""
    model, fam, mod = cpu_identity()
    if fam and mod:
        model += f" (family {fam}, model {mod})"
    flags = sh("grep -m1 '^flags' /proc/cpuinfo")
    simd = [f for f in ("avx2", "avx512f", "erms", "fsrm") if re.search(rf"\b{f}\b", flags)]
    return (f"- Machine: {model or 'unknown CPU'}, {os.cpu_count()} cores"
            + (f" at {mhz} MHz" if mhz else "")
            + f" ({', '.join(simd)}); {platform.system()} {platform.release()}")


def machine_lines(contexts):
    cores = os.cpu_count()
    ctx = contexts[0] if contexts else {}
    lines = [
        machine_line(ctx.get("mhz_per_cpu")),
        f"- Compiler: {os.environ.get('WALLOC_BENCH_CC') or sh('cc --version | head -1')}; glibc {platform.libc_ver()[1]}; "
        "Google Benchmark " + sh("dpkg-query -W -f='${Version}' libbenchmark-dev"),
    ]
    loads = [c.get("load_avg") for c in contexts if c.get("load_avg")]
    if loads:
        lines.append("- Load average when each executable started (1/5/15 min): "
                     + "; ".join(", ".join(f"{x:.2f}" for x in l) for l in loads))
        if max(l[0] for l in loads) > (cores or 1):
            lines.append(f"- **The machine was busy** (1-minute load above its {cores} cores): other "
                         "processes shared the cores, so 2-thread figures (which need both cores at "
                         "once) and anything cache-sensitive are noisier than on an idle machine.")
    return lines


def alloc_section(runs, group, title, per_op_divisor):
    """runs: {peer: medians}. One table: rows = (size, threads, tier), columns per peer."""
    present = [label for label, _, _ in ALLOC_PEERS if label in runs]
    if not present:
        return []
    lines = [f"### {title}", ""]
    head = "| size | threads | Walloc tier |"
    sep = "|---:|---:|:---|"
    for p in present:
        head += f" Walloc (in {PEER_TITLE[p]} run) | {PEER_TITLE[p]} | {PEER_TITLE[p]}/Walloc |"
        sep += "---:|---:|---:|"
    lines += [head, sep]
    rows = set()
    for p in present:
        for (g, who, arg, thr) in runs[p]:
            if g == group and who.startswith("walloc_"):
                rows.add((who, arg, thr))
    order = sorted(rows, key=lambda r: (r[0] != "walloc_bottom", r[1], r[2]))
    for who, arg, thr in order:
        line = f"| {fmt_size(arg)} | {thr} | {who[len('walloc_'):].upper()} |"
        for p in present:
            mine = runs[p].get((group, who, arg, thr), (None, None))[0]
            peer = runs[p].get((group, PEER_NAME[p], arg, thr), (None, None))[0]
            mine_op = None if mine is None else mine / per_op_divisor
            peer_op = None if peer is None else peer / per_op_divisor
            line += f" {fmt_ns(mine_op)} | {fmt_ns(peer_op)} | {fmt_ratio(ratio(peer, mine))} |"
        lines.append(line)
    lines.append("")
    return lines


def copy_section(med, group, title, arg_name, arg_fmt):
    lines = [f"### {title}", "",
             f"| {arg_name} | walloc_memcpy | glibc memcpy | glibc/Walloc | walloc GB/s | glibc GB/s |",
             "|---:|---:|---:|---:|---:|---:|"]
    args = sorted({a for (g, who, a, t) in med if g == group})
    for a in args:
        mine = med.get((group, "walloc", a, 1), (None, None))[0]
        peer = med.get((group, "glibc", a, 1), (None, None))[0]
        nbytes = a if group == "copy" else 16384
        gbs = lambda ns: "—" if not ns else f"{nbytes / ns:.2f}"  # bytes per ns == GB/s
        lines.append(f"| {arg_fmt(a)} | {fmt_ns(mine)} | {fmt_ns(peer)} | {fmt_ratio(ratio(peer, mine))}"
                     f" | {gbs(mine)} | {gbs(peer)} |")
    lines.append("")
    return lines


GATE_GUARDS = [("bare", "no gate"), ("native_gate", "native call gate, inline (what the JNI glue does)"),
               ("native_gate_calls", "native call gate, through its exported functions"),
               ("counter_gate", "striped counter: two atomic read-modify-writes per call")]


def gate_section(med):
    """The call gate's cost on a host's alloc + free pair (bench_gate.cpp)."""
    lines = ["## Call gate (`walloc_gate.h`)", "",
             "A 64 B alloc + free pair of BOTTOM made by host glue in C (`bench_gate_host.c`), each call",
             "guarded as named; time per pair, and what the guard adds to the bare pair.", "",
             "| guard | 1 thread | added | 2 threads | added |", "|---|---:|---:|---:|---:|"]
    bare = {t: med.get(("gate_pair", "bare", 64, t), (None, None))[0] for t in (1, 2)}
    for who, what in GATE_GUARDS:
        cells = []
        for t in (1, 2):
            ns = med.get(("gate_pair", who, 64, t), (None, None))[0]
            add = "—" if ns is None or bare[t] is None or who == "bare" else f"{ns - bare[t]:+.1f} ns"
            cells += [fmt_ns(ns), add]
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


PROFILE_MODES = [("off", "no profile"), ("rate0", "profile, nothing sampled (a host between its samples)"),
                 ("host1000", "profile, the host samples 1 in 1000 (walloc_alloc_site)"),
                 ("rate1000", "profile, the core samples 1 in 1000 walloc_alloc calls"),
                 ("rate1", "profile, every allocation sampled")]


def profile_section(med):
    """What an allocation profile costs the alloc + free pair (bench_profile.cpp)."""
    lines = ["## Allocation profile (`walloc_config.profile`)", "",
             "The 64 B alloc + free pair of BOTTOM on instances with and without a profile, in one",
             "process; time per pair, and its ratio to the pair without a profile.", "",
             "| instance | 1 thread | vs off | 2 threads | vs off |", "|---|---:|---:|---:|---:|"]
    off = {t: med.get(("profile_pair", "off", 64, t), (None, None))[0] for t in (1, 2)}
    for who, what in PROFILE_MODES:
        cells = []
        for t in (1, 2):
            ns = med.get(("profile_pair", who, 64, t), (None, None))[0]
            rel = "—" if ns is None or off[t] is None or who == "off" else f"{ns / off[t]:.2f}x"
            cells += [fmt_ns(ns), rel]
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def targets(runs, copy_med, phases):
    lines, fails, ties = [], [], []
    mi = runs.get("mimalloc")
    if mi is None:
        lines.append("- alloc vs mimalloc: not measured (bench_alloc_mimalloc missing)")
    else:
        for group, label in (("alloc_pair", "pair"), ("alloc_batch1000", "batch of 1000")):
            for thr in (1, 2):
                for size in ALLOC_TARGET_SIZES:
                    mine = mi.get((group, "walloc_bottom", size, thr), (None, None))[0]
                    peer = mi.get((group, "mimalloc", size, thr), (None, None))[0]
                    r = ratio(peer, mine)
                    if r is not None and TIE <= r < 1.0:
                        ties.append(f"alloc {label}, {fmt_size(size)}, {thr} thread(s): {r:.3f}×")
                    elif r is None or r < 1.0:
                        fails.append(f"alloc {label}, {fmt_size(size)}, {thr} thread(s): Walloc "
                                     + ("error" if r is None else
                                        f"{r:.2f}× mimalloc's speed ({mine / (1000 if 'batch' in group else 1):.2f} vs "
                                        f"{peer / (1000 if 'batch' in group else 1):.2f} ns per pair, "
                                        f"{(1 / r - 1) * 100:.0f}% slower)"))
        n_alloc = 2 * 2 * len(ALLOC_TARGET_SIZES)
        n_fail_alloc = len(fails)
        lines.append(f"- alloc+free no slower than mimalloc, 32 B–4 KiB, 1 and 2 threads, pairs and "
                     f"batches (BOTTOM tier): {n_alloc - n_fail_alloc - len(ties)}/{n_alloc} hold"
                     + (f", {len(ties)} tie(s) within {round((1 - TIE) * 100)}% ("
                        + "; ".join(ties) + ")" if ties else "")
                     + f", {n_fail_alloc} missed")
        ties.clear()
        n_cross, n_fail_cross = 0, 0
        for group, what in CROSS_GROUPS:
            for (g, who, size, thr), (mine, _) in sorted(mi.items()):
                if g != group or who != "walloc_bottom":
                    continue
                peer = mi.get((group, "mimalloc", size, thr), (None, None))[0]
                r = ratio(peer, mine)
                n_cross += 1
                if r is not None and TIE <= r < 1.0:
                    ties.append(f"{group}, {fmt_size(size)}: {r:.3f}×")
                elif r is None or r < 1.0:
                    n_fail_cross += 1
                    fails.append(f"{group} ({what}), {fmt_size(size)}: " + ("error" if r is None else
                                 f"Walloc {r:.2f}× mimalloc's speed ({fmt_ns(mine)} vs {fmt_ns(peer)})"))
        if n_cross:
            lines.append(f"- blocks freed by another thread (producer/consumer, both directions) no slower "
                         f"than mimalloc: {n_cross - n_fail_cross - len(ties)}/{n_cross} hold"
                         + (f", {len(ties)} tie(s) (" + "; ".join(ties) + ")" if ties else "")
                         + f", {n_fail_cross} missed")
        ties.clear()
    mine_rss = phases.get("walloc") if phases else None
    peer_rss = phases.get("mimalloc") if phases else None
    if mine_rss and peer_rss:
        r = mine_rss / peer_rss
        ok = r <= PHASES_TARGET
        lines.append(f"- phases of changing size classes: Walloc's peak RSS within {PHASES_TARGET}× "
                     f"mimalloc's: " + ("holds" if ok else "MISSED")
                     + f" ({mine_rss / 2**20:.0f} vs {peer_rss / 2**20:.0f} MiB, {r:.2f}×)")
        if not ok:
            fails.append(f"phases: peak RSS {r:.2f}× mimalloc's, target {PHASES_TARGET}×")
    if copy_med is None:
        lines.append("- copy: not measured (bench_copy missing)")
    else:
        n_copy, n_fail = 0, 0
        for (g, who, a, t), (mine, _) in sorted(copy_med.items()):
            if who != "walloc":
                continue
            peer = copy_med.get((g, "glibc", a, t), (None, None))[0]
            r = ratio(peer, mine)
            n_copy += 1
            what = f"{fmt_size(a)}" if g == "copy" else f"16 KiB at (dst-src) mod 4096 = {a}"
            if r is not None and TIE <= r < 1.0:
                ties.append(f"copy {what}: {r:.3f}× ({fmt_ns(mine)} vs {fmt_ns(peer)})")
            elif r is None or r < 1.0:
                n_fail += 1
                fails.append(f"copy {what}: " + ("error" if r is None else
                             f"Walloc {r:.2f}× glibc's speed ({fmt_ns(mine)} vs {fmt_ns(peer)}, "
                             f"{(1 / r - 1) * 100:.0f}% slower)"))
        lines.append(f"- copy no slower than glibc memcpy at every size and placement: "
                     f"{n_copy - n_fail - len(ties)}/{n_copy} hold"
                     + (f", {len(ties)} tie(s) within {round((1 - TIE) * 100)}% ("
                        + "; ".join(ties) + ")" if ties else "")
                     + f", {n_fail} missed")
        size, need = COPY_TARGET_LARGE
        mine = copy_med.get(("copy", "walloc", size, 1), (None, None))[0]
        peer = copy_med.get(("copy", "glibc", size, 1), (None, None))[0]
        r = ratio(peer, mine)
        ok = r is not None and r >= need
        lines.append(f"- copy ≥ {need}× glibc at {fmt_size(size)}: "
                     + ("holds" if ok else "MISSED") + f" ({fmt_ratio(r)})")
        if not ok:
            fails.append(f"copy {fmt_size(size)}: {fmt_ratio(r)} glibc's speed, target {need}×")
    if fails:
        lines += ["", "Misses (a ratio below 1 means Walloc is slower):", ""]
        lines += [f"  - {f}" for f in fails]
    lines.append("")
    return lines


def load_phases(out_dir):
    """{allocator: peak RSS in bytes} from out/phases.jsonl (one JSON line per run): Walloc's
    figure is the smallest over the runs in each peer's executable (the same code), a peer's its
    own."""
    path = os.path.join(out_dir, "phases.jsonl")
    if not os.path.exists(path):
        return None, []
    peaks, rows = {}, []
    with open(path) as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if not d.get("ok"):
                continue
            name = "walloc" if d["allocator"] == "walloc" else d["peer"]
            peaks[name] = min(peaks.get(name, d["peak_rss"]), d["peak_rss"])
            rows.append(d)
    return peaks, rows


def phases_section(peaks, rows):
    lines = ["## Phases of changing size classes (peak memory)", "",
             "Eight phases, each allocating 100 MiB in blocks of one size (24 B, 48 B, 128 B, 400 B,",
             "1000 B, 3000 B, 8000 B, 20000 B; each block touched) and then freeing them all. Each",
             "allocator runs in a process of its own (`bench_phases_<peer> walloc|peer`); Walloc through a",
             "malloc-like wrapper over the public API, in an instance reserving 64 GiB. Peak RSS is the",
             "process's VmHWM (the process's own footprint, ~3 MiB, included).", "",
             "| allocator | peak RSS | time | peak / Walloc's |", "|:---|---:|---:|---:|"]
    seen = set()
    for d in rows:
        name = "Walloc" if d["allocator"] == "walloc" else d["peer"]
        key = (name, d["peer"])
        if key in seen:
            continue
        seen.add(key)
        where = f" (in the {d['peer']} executable)" if d["allocator"] == "walloc" else ""
        rel = d["peak_rss"] / peaks["walloc"] if peaks.get("walloc") else None
        lines.append(f"| {name}{where} | {d['peak_rss'] / 2**20:.1f} MiB | {d['seconds']:.2f} s | "
                     f"{fmt_ratio(rel)} |")
    lines.append("")
    return lines


def main():
    out_dir, results_dir = sys.argv[1], sys.argv[2]
    slug = cpu_slug()
    os.makedirs(results_dir, exist_ok=True)
    results = os.path.join(results_dir, f"{slug}.md")
    command = sys.argv[3] if len(sys.argv) > 3 else "bench/native/run.sh"
    runs, contexts, cvs, copy_med = {}, [], [], None
    for p, _, _ in ALLOC_PEERS:
        path = os.path.join(out_dir, f"bench_alloc_{p}.json")
        doc = load(path) if os.path.exists(path) else None
        if doc is not None:
            contexts.append(doc.get("context", {}))
            runs[p] = medians(doc)
            cvs += [(cv, f"{p}: " + "/".join(map(str, k))) for k, (_, cv) in runs[p].items() if cv]
    path = os.path.join(out_dir, "bench_copy.json")
    doc = load(path) if os.path.exists(path) else None
    if doc is not None:
        contexts.append(doc.get("context", {}))
        copy_med = medians(doc)
        cvs += [(cv, "copy: " + "/".join(map(str, k))) for k, (_, cv) in copy_med.items() if cv]

    phases, phase_rows = load_phases(out_dir)

    # run.sh passes what was true when it built; report.py alone falls back to "now".
    repo = os.path.dirname(os.path.abspath(results_dir))
    now = os.environ.get("WALLOC_BENCH_DATE") or \
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = os.environ.get("WALLOC_BENCH_COMMIT") or sh(f"git -C '{repo}' rev-parse --short HEAD")
    dirty = os.environ.get("WALLOC_BENCH_DIRTY",
                           sh(f"git -C '{repo}' status --porcelain --untracked-files=no -- ../../native"))
    L = [f"# Walloc native benchmarks: {slug}", "",
         "Written by `bench/native/report.py` from the JSON in `bench/native/out/`; do not edit by hand.",
         "Other CPUs' results: the other files in this directory (`bench/native/RESULTS.md` lists them).",
         "Each number is the median over the repetitions; every ratio is peer / Walloc from the same",
         "process (**> 1: Walloc is faster**). Times are the CPU time of the benchmark threads per",
         "operation (the machine is shared with other work, so wall-clock time would also measure the",
         "scheduler; the JSON in `bench/native/out/` has both). With 2 threads it is the CPU time of",
         "both threads divided by the operations of both: perfect scaling leaves it equal to the",
         "1-thread figure, and cache-line transfers between the cores raise it.", "",
         f"- Date: {now}",
         f"- Command: `{command}`",
         f"- Source: commit {commit}" + (" (native/ had uncommitted changes)" if dirty else ""),
         ]
    L += machine_lines(contexts)
    L += ["", "## Targets", ""]
    L += targets(runs, copy_med, phases)
    L += ["## Allocation", "",
          "One Walloc instance (8 GiB reserved, committed lazily) shared by all threads; each thread",
          "allocates its own blocks and warms up (two untimed batches) before timing. Blocks are not",
          "touched. BOTTOM = 8-byte-aligned tier, TOP = 128-byte-aligned tier. The peers run at their",
          "defaults, except the \"glibc, trim off\" column (`GLIBC_TUNABLES=glibc.malloc.trim_threshold`",
          "set to 4 GiB): at its defaults glibc gives the top of its heap back to the kernel whenever",
          "more than 128 KiB lie free there, so its batches of 256 B and up pay first-touch page faults",
          "on every iteration. That is glibc's real default cost, but not allocator bookkeeping.", ""]
    L += alloc_section(runs, "alloc_pair", "alloc + free pairs (time per pair)", 1)
    L += alloc_section(runs, "alloc_batch1000",
                       "batches: 1000 allocations then 1000 frees (time per alloc+free pair = batch / 1000)",
                       1000)
    for group, what in CROSS_GROUPS:
        L += alloc_section(runs, group, f"{group}: {what} (2 threads; time per block per thread)", 1)
    if phases:
        L += phases_section(phases, phase_rows)
    if copy_med is not None:
        L += ["## Copy", "",
              "Both functions called through a volatile function pointer; buffers allocated and",
              "touched before timing; small sizes repeat on cached bytes.", ""]
        plan = next((c["copy_plan"] for c in contexts if c.get("copy_plan")), None)
        if plan:
            L += [f"walloc_memcpy on this CPU (`native/src/copy_plan.c`): {plan}.", ""]
        L += copy_section(copy_med, "copy", "By size (src and dst page-aligned, separate buffers)",
                          "size", fmt_size)
        L += copy_section(copy_med, "copy_16k_offset",
                          "16 KiB by placement: (dst - src) mod 4096 (glibc's rep movsb hole is 1..31)",
                          "(dst-src) mod 4096", str)
    path = os.path.join(out_dir, "bench_gate.json")
    doc = load(path) if os.path.exists(path) else None
    if doc is not None:
        L += gate_section(medians(doc))
    path = os.path.join(out_dir, "bench_profile.json")
    doc = load(path) if os.path.exists(path) else None
    if doc is not None:
        L += profile_section(medians(doc))
    prof = os.path.join(out_dir, "profile.md")
    if os.path.exists(prof):
        with open(prof) as f:
            L += [f.read().rstrip(), ""]
    if cvs:
        cvs.sort(reverse=True)
        L += ["## Noise", "",
              f"Largest coefficients of variation across repetitions: "
              + "; ".join(f"{c * 100:.1f}% ({n})" for c, n in cvs[:5]) + ".", ""]
    with open(results, "w") as f:
        f.write("\n".join(L))
    print(f"report.py: wrote {results}")
    write_index(results_dir)


INDEX_HEADER = ["# Walloc native benchmarks, per CPU", "",
                "`bench/native/run.sh` writes `results/<cpu>.md` for the CPU it runs on and leaves the other",
                "files alone; this index is rewritten from them. Figures from CPUs that are not available",
                "here stay as measured there.", ""]


def write_index(results_dir, header=INDEX_HEADER, verdict=r"^- (.*(?:hold|MISSED).*)$"):
    """RESULTS.md beside results_dir (bench/native's, or bench/java's with its own header and
    verdict pattern): the header, then one line per CPU that has results, with its date and the
    lines of its file that match verdict."""
    index = os.path.join(os.path.dirname(os.path.abspath(results_dir)), "RESULTS.md")
    L = list(header)
    for name in sorted(os.listdir(results_dir)):
        if not name.endswith(".md"):
            continue
        with open(os.path.join(results_dir, name)) as f:
            text = f.read()
        date = re.search(r"^- Date: (.*)$", text, re.M)
        machine = re.search(r"^- Machine: (.*)$", text, re.M)
        L.append(f"- [`results/{name}`](results/{name}): {machine.group(1) if machine else name}"
                 + (f", {date.group(1)}" if date else ""))
        for t in re.findall(verdict, text, re.M):
            L.append(f"  - {t}")
    with open(index, "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"{os.path.basename(sys.argv[0])}: wrote {index}")


if __name__ == "__main__":
    main()
