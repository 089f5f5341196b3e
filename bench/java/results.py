#!/usr/bin/env python3
"""Writes bench/java/RESULTS.md from JMH's JSON results (target/jmh-17.json, target/jmh-25.json)."""
import json, os, platform, sys, datetime

out = sys.argv[1]
runs = {}
gate_runs = {}
pair_runs = {}
write_runs = {}
for v in ("17", "25"):
    p = os.path.join(out, f"jmh-{v}.json")
    if os.path.exists(p):
        with open(p) as f:
            runs[v] = json.load(f)
    p = os.path.join(out, f"jmh-{v}-gate.json")
    if os.path.exists(p):
        with open(p) as f:
            gate_runs[v] = json.load(f)
    p = os.path.join(out, f"jmh-{v}-pair.json")  # TAG=-pair BENCH='AllocFreeBench...' JMH_ARGS='-f 2 -i 8 ...'
    if os.path.exists(p):
        with open(p) as f:
            pair_runs[v] = json.load(f)
    p = os.path.join(out, f"jmh-{v}-write.json")  # TAG=-write BENCH=WriteBench JMH_ARGS='-f 3 ...'
    if os.path.exists(p):
        with open(p) as f:
            write_runs[v] = json.load(f)

def bench_name(b):
    """"Class.method" of a JMH result."""
    parts = b["benchmark"].split(".")
    return parts[-2] + "." + parts[-1]

def table(v, src=None):
    r = {}
    for b in (src if src is not None else runs).get(v, []):
        name = bench_name(b)
        size = b.get("params", {}).get("size", "")
        pm = b["primaryMetric"]
        r[(name, size)] = (pm["scorePercentiles"]["50.0"], pm["score"], pm["scoreError"])
    return r

T = {v: table(v) for v in runs}
G = {v: table(v, gate_runs) for v in gate_runs}
P = {v: table(v, pair_runs) for v in pair_runs}
W = {v: table(v, write_runs) for v in write_runs}
jdks = sorted(T)

def med(v, name, size=""):
    x = T[v].get((name, size))
    return None if x is None else x[0]

def wmed(v, name, size):
    """A write benchmark's median, from the focused write run when there is one."""
    if v in W:
        x = W[v].get((name, size))
        return None if x is None else x[0]
    return med(v, name, size)

def fork_means(v, name, size):
    """Each fork's mean of a write benchmark (focused run only): the spread shows placement luck."""
    for b in write_runs.get(v, []):
        if bench_name(b) == name and b.get("params", {}).get("size", "") == size:
            return [sum(f) / len(f) for f in b["primaryMetric"]["rawData"]]
    return []

def fmt(x):
    if x is None:
        return "—"
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"

def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}x"

cpu = "unknown CPU"
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip(); break
except OSError:
    pass
vm = {v: (runs[v][0]["vmName"] + " " + runs[v][0]["vmVersion"]) if runs[v] else "" for v in runs}
args = {v: (f'{runs[v][0]["forks"]} fork, {runs[v][0]["warmupIterations"]} x {runs[v][0]["warmupTime"]} warm-up, '
            f'{runs[v][0]["measurementIterations"]} x {runs[v][0]["measurementTime"]} measurement') if runs[v] else "" for v in runs}

print("# Java benchmarks (JMH)\n")
print(f"Written by `bench/java/run.sh` on {datetime.date.today()}, {cpu}, {os.cpu_count()} cores. ")
for v in jdks:
    load = ""
    lp = os.path.join(out, f"load-{v}.txt")
    if os.path.exists(lp):
        with open(lp) as f:
            t = f.read()
        if "load average:" in t:
            load = "; load average at start " + t.split("load average:")[1].strip().split(",")[0]
    print(f"JDK {v}: {vm[v]} ({args[v]}{load}). ")
print("\n**Caution:** other builds, benchmarks and fuzzers shared this 2-core machine during these runs (load "
      "averages above). Repeated runs of the same benchmark differed by up to ±50 %, so single cells, and the ratios "
      "built from them, are rough; trust only large differences (Netty, allocateDirect) and the focused gate run."
      if any(float(open(os.path.join(out, f"load-{v}.txt")).read().split("load average:")[1].split(",")[0]) > 2
             for v in jdks if os.path.exists(os.path.join(out, f"load-{v}.txt"))) else "")
print("\nFigures are **medians** of the measurement iterations, in ns per operation (lower is better); "
      "ratios are peer / Walloc, so above 1.00x means Walloc is faster. Short runs on a shared 2-core VM: "
      "differences under ~10 % are noise.\n")

print("## Allocate + free pair\n")
print("`walloc` is `allocate(size, BOTTOM)` + `free(h, size)` (raw handles; the freed block waits in the thread's "
      "Java bin and the next allocation takes it back, neither crossing JNI); `wallocNoThreadCache` is the same with "
      "`threadCache(false)` (every call through JNI and the gate); `wallocBlock` is `allocateBlock` + `Block.close()` (through the bins too); `unsafe` is `Unsafe.allocateMemory/freeMemory`; `allocateDirect` runs the buffer's cleaner "
      "at once (`Unsafe.invokeCleaner`); `nettyPooled` is `PooledByteBufAllocator.directBuffer` + `release`; "
      "`ffmConfinedArena` is `Arena.ofConfined()`, `allocate`, `close` (JDK 22+ only).\n")
peers = ["walloc", "wallocNoThreadCache", "wallocBlock", "unsafe", "allocateDirect", "nettyPooled", "ffmConfinedArena"]
for size in ("64", "1024"):
    hdr = "| " + f"{size} B" + " | " + " | ".join(f"JDK {v} ns | vs walloc" for v in jdks) + " |"
    print(hdr)
    print("|---|" + "---:|---:|" * len(jdks))
    for p in peers:
        cells = []
        for v in jdks:
            m = med(v, "AllocFreeBench." + p, size)
            cells += [fmt(m), ratio(m, med(v, "AllocFreeBench.walloc", size)) if p != "walloc" else "1.00x"]
        print(f"| {p} | " + " | ".join(cells) + " |")
    print()

if P:
    print("Focused run of the 64 B pair (" + "; ".join(
        f'JDK {v}: {pair_runs[v][0]["forks"]} forks x {pair_runs[v][0]["measurementIterations"]} iterations'
        for v in sorted(P)) + "), medians:\n")
    print("| 64 B | " + " | ".join(f"JDK {v} ns | vs walloc" for v in sorted(P)) + " |")
    print("|---|" + "---:|---:|" * len(P))
    for p in ("walloc", "wallocNoThreadCache", "wallocBlock", "unsafe"):
        cells = []
        for v in sorted(P):
            m = P[v].get(("AllocFreeBench." + p, "64"), (None,))[0]
            w = P[v].get(("AllocFreeBench.walloc", "64"), (None,))[0]
            cells += [fmt(m), ratio(m, w) if p != "walloc" else "1.00x"]
        print(f"| {p} | " + " | ".join(cells) + " |")
    print()

print("## Writing a byte[] into native memory\n")
print("`wallocBlockWrite` is `Block.write` (checks in Java without the gate, then `ByteBuffer.put` into the block's "
      "cached direct view; JNI only for blocks over 2 GiB); `blockViewPut` is `ByteBuffer.put` into a view of the same "
      "block, without Block's checks (a control: same memory, same copy; what `block.asByteBuffer().put(...)` costs); "
      "`flagThenBlockViewPut` is `blockViewPut` after one test of a boolean field that is never set (a control: the "
      "cheapest check there is); `byteBufferPut` is `ByteBuffer.put` on a buffer from `allocateDirect`; "
      "`ffmSegmentCopy` is FFM's `MemorySegment.copy` from the array into a segment over that buffer (JDK 22+); "
      "`wallocWriteData` is `Walloc.writeData` (one JNI call, the core checks the range and copies); "
      "`unsafeCopyMemory` is `Unsafe.copyMemory` from the array. Every destination starts at the "
      "block's address modulo 4096, and the source bytes start 2048 bytes past it (modulo 4096) in every fork.\n")
print("The source's placement matters beyond its alignment: where the source and destination ranges share page "
      "offsets (4 KiB aliasing), some address pairs copy 1.5x slower on this CPU, so a writer's forks could split into "
      "a fast and a slow group. The same shows in C (`bench/native/aliasing.c`: glibc's memcpy of 1 KiB into 512 "
      "destinations at page offset 0 ran slow into 28 of them from a source at page offset 0x380, into none from "
      "0x800). Hence the fixed distance of 2048 bytes. The spread of fork means is shown under each table. "
      "`Block.write / blockViewPut` is the cost of Block's checks alone; `flag / blockViewPut` is the cost of one "
      "predicted branch.\n")
if W:
    print("Figures from a separate focused run (`TAG=-write BENCH=WriteBench`: " + "; ".join(
        f'JDK {v}: {write_runs[v][0]["forks"]} forks x {write_runs[v][0]["measurementIterations"]} iterations'
        for v in sorted(W)) + "), medians of all iterations.\n")
ws = ["wallocBlockWrite", "blockViewPut", "flagThenBlockViewPut", "byteBufferPut", "ffmSegmentCopy", "wallocWriteData",
      "unsafeCopyMemory"]
for v in jdks:
    print(f"JDK {v}:\n")
    print("| size | " + " | ".join(ws) + " | Block.write / put | Block.write / blockViewPut | flag / blockViewPut |")
    print("|---:|" + "---:|" * (len(ws) + 3))
    spreads = []
    for size in ("64", "1024", "16384", "65536"):
        m = {w: wmed(v, "WriteBench." + w, size) for w in ws}
        label = f"{int(size) // 1024} KiB" if int(size) >= 1024 else f"{size} B"
        print(f"| {label} | " + " | ".join(fmt(m[w]) for w in ws)
              + f" | {ratio(m['wallocBlockWrite'], m['byteBufferPut'])} | {ratio(m['wallocBlockWrite'], m['blockViewPut'])}"
              + f" | {ratio(m['flagThenBlockViewPut'], m['blockViewPut'])} |")
        cells = []
        for w in ("wallocBlockWrite", "blockViewPut", "byteBufferPut"):
            f = fork_means(v, "WriteBench." + w, size)
            if f:
                cells.append(f"{w} " + ", ".join(fmt(x) for x in sorted(f)))
        if cells:
            spreads.append(f"- {label}: " + "; ".join(cells))
    print()
    if spreads:
        print("Fork means, ns:\n")
        print("\n".join(spreads))
        print()

print("## Cost of close-safety (the gate)\n")
print("The same 64 B allocate + free pair through the public API with the thread cache off (`gated`: a striped in-flight counter, one atomic "
      "increment and one decrement per call on the calling thread's own cache line) and straight through the JNI entry "
      "points (`ungated`, unsafe against a concurrent close). `gateOnly` is one enter + exit alone. The 2-thread rows "
      "share one instance (ns per operation per thread).\n")
def gmed(v, name):
    if v in G and (name, "") in G[v]:
        return G[v][(name, "")][0]
    return med(v, name)

if G:
    gv = sorted(G)
    print("Figures from a separate focused run (`TAG=-gate BENCH=GateCostBench`: "
          + "; ".join(f'JDK {v}: {gate_runs[v][0]["forks"]} forks x {gate_runs[v][0]["measurementIterations"]} iterations'
                      for v in gv) + ").\n")
print("| benchmark | " + " | ".join(f"JDK {v} ns" for v in jdks) + " |")
print("|---|" + "---:|" * len(jdks))
for b in ["ungated", "gated", "gateOnly", "ungated2Threads", "gated2Threads"]:
    print(f"| {b} | " + " | ".join(fmt(gmed(v, "GateCostBench." + b)) for v in jdks) + " |")
print()
for v in jdks:
    g, u = gmed(v, "GateCostBench.gated"), gmed(v, "GateCostBench.ungated")
    g2, u2 = gmed(v, "GateCostBench.gated2Threads"), gmed(v, "GateCostBench.ungated2Threads")
    if g and u:
        print(f"- JDK {v}: the gate adds {g - u:.1f} ns per allocate + free pair on one thread "
              f"({(g - u) / 2:.1f} ns per call), {(g2 - u2):.1f} ns per pair with two threads." if g2 and u2 else "")

def no_slower_than_put(v, writer):
    """The verdict on a WriteBench writer against byteBufferPut at every size, 10 % noise allowed."""
    slower = []
    for size in ("64", "1024", "16384", "65536"):
        b, p = wmed(v, "WriteBench." + writer, size), wmed(v, "WriteBench.byteBufferPut", size)
        if b is not None and p is not None and b > p * 1.10:
            slower.append(f"{size} B ({b / p:.2f}x)")
    return "**met** at every size." if not slower else "**not met** at " + ", ".join(slower) + "."

print("\n## Targets (issue 3)\n")
for v in jdks:
    a = P[v].get(("AllocFreeBench.walloc", "64"), (None,))[0] if v in P else med(v, "AllocFreeBench.walloc", "64")
    verdict = "met" if a is not None and a < 15 else "not met"
    print(f"- JDK {v}: allocate + free pair under 15 ns: **{verdict}** ({fmt(a)} ns at 64 B; "
          f"{'focused run; ' if v in P else ''}through JNI with the thread cache off "
          f"{fmt(P[v].get(('AllocFreeBench.wallocNoThreadCache', '64'), (None,))[0] if v in P else med(v, 'AllocFreeBench.wallocNoThreadCache', '64'))} ns).")
    print(f"- JDK {v}: `Block.write` no slower than `ByteBuffer.put` (10 % noise allowed): "
          + no_slower_than_put(v, "wallocBlockWrite"))
    print(f"- JDK {v}: writing through the block's view (`asByteBuffer().put`, unchecked) no slower than "
          "`ByteBuffer.put` (10 % noise allowed): " + no_slower_than_put(v, "blockViewPut"))
