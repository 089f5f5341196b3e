package io.walloc;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the shared scenarios (tests/scenarios/*.json, format in tests/scenarios/README.md) through
 * the Java API, one dynamic test per file. Statuses come from the exceptions' {@link WallocError}
 * status. Tier numbers outside 0..2 cannot be expressed with {@link Tier}; for those steps (and only
 * those) the runner calls the JNI entry points directly, so the core's answer is still checked.
 * The Java API reports sizes too large for a tier as {@link WallocArgumentException}
 * (INVALID_SIZE): an "alloc ... expect null" step accepts that as well as {@link Walloc#NULL}.
 */
class ScenarioTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path dir() {
        String p = System.getProperty("walloc.scenarios.dir", "tests/scenarios");
        return Paths.get(p);
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir())) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
        }
        assertTrue(!files.isEmpty(), "no scenario files in " + dir().toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> new Runner(f).run()));
    }

    private static final class Named {
        final long handle;
        final long size;
        final Tier tier;
        boolean live = true;

        Named(long handle, long size, Tier tier) {
            this.handle = handle;
            this.size = size;
            this.tier = tier;
        }
    }

    static final class StepFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StepFailure(String m) {
            super(m);
        }
    }

    private static final class Runner {
        final Path file;
        final JsonNode root;
        final Map<String, Long> vars = new HashMap<>();
        final Map<String, Named> blocks = new LinkedHashMap<>();
        final Map<String, List<String>> fills = new HashMap<>();
        Walloc w;

        Runner(Path file) throws IOException {
            this.file = file;
            this.root = JSON.readTree(file.toFile());
        }

        void run() {
            JsonNode cfg = root.path("config");
            WallocConfig.Builder b = WallocConfig.builder();
            b.capacity(cfg.has("capacity") ? num(cfg.get("capacity")) : 4L << 20);
            if (cfg.has("ratios")) {
                JsonNode r = cfg.get("ratios");
                b.shares(r.get(0).asDouble(), r.get(1).asDouble(), r.get(2).asDouble());
            }
            b.checked(!cfg.has("checked") || cfg.get("checked").asBoolean());
            w = Walloc.create(b.build());
            try {
                JsonNode steps = root.get("steps");
                for (int i = 0; i < steps.size(); i++) {
                    JsonNode s = steps.get(i);
                    try {
                        step(s);
                    } catch (AssertionError | RuntimeException e) {
                        fail(file.getFileName() + " step " + i + " (" + s.path("op").asText() + ")"
                                + (s.has("comment") ? " [" + s.get("comment").asText() + "]" : "") + ": " + e, e);
                    }
                }
            } finally {
                w.close();
            }
        }

        // ------------------------------------------------------------ values

        long num(JsonNode n) {
            if (n == null || n.isNull() || n.isMissingNode()) {
                throw new StepFailure("missing number");
            }
            if (n.isIntegralNumber()) {
                return n.asLong();
            }
            if (n.isTextual()) {
                String s = n.asText();
                if (s.startsWith("$")) {
                    Long v = vars.get(s.substring(1));
                    if (v == null) {
                        throw new StepFailure("unknown variable " + s);
                    }
                    return v;
                }
                if (s.startsWith("0x") || s.startsWith("0X")) {
                    return Long.parseUnsignedLong(s.substring(2), 16);
                }
                return Long.parseUnsignedLong(s);
            }
            if (n.isObject() && n.has("var")) {
                Long v = vars.get(n.get("var").asText());
                if (v == null) {
                    throw new StepFailure("unknown variable " + n.get("var"));
                }
                long r = v;
                if (n.has("plus")) {
                    r += num(n.get("plus"));
                }
                if (n.has("minus")) {
                    r -= num(n.get("minus"));
                }
                return r;
            }
            throw new StepFailure("not a number: " + n);
        }

        /** Tier code as written; may be invalid. */
        int tierCode(JsonNode n) {
            if (n.isTextual()) {
                return Tier.valueOf(n.asText()).code();
            }
            return n.asInt();
        }

        static boolean valid(int code) {
            return code >= 0 && code <= 2;
        }

        long handle(JsonNode n) {
            if (n.isTextual()) {
                return named(n.asText()).handle;
            }
            if (n.has("handle")) {
                long h = named(n.get("handle").asText()).handle;
                if (n.has("plus")) {
                    h += num(n.get("plus"));
                }
                if (n.has("minus")) {
                    h -= num(n.get("minus"));
                }
                return h;
            }
            if (n.has("raw")) {
                JsonNode r = n.get("raw");
                if (r.isTextual() && r.asText().equals("null")) {
                    return Walloc.NULL;
                }
                return num(r);
            }
            throw new StepFailure("not a handle: " + n);
        }

        Named named(String name) {
            Named b = blocks.get(name);
            if (b == null) {
                throw new StepFailure("unknown block " + name);
            }
            return b;
        }

        byte[] data(JsonNode d) {
            if (d.has("hex")) {
                String h = d.get("hex").asText();
                byte[] b = new byte[h.length() / 2];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
                }
                return b;
            }
            if (d.has("fill")) {
                byte[] b = new byte[(int) num(d.get("len"))];
                Arrays.fill(b, (byte) num(d.get("fill")));
                return b;
            }
            if (d.has("pattern")) {
                long seed = num(d.get("pattern"));
                int n = (int) num(d.get("len"));
                long k = d.has("start") ? num(d.get("start")) : 0;
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    long j = k + i;
                    b[i] = (byte) ((seed * 13 + j * 7 + (j >> 8)) & 0xFF);
                }
                return b;
            }
            throw new StepFailure("not data: " + d);
        }

        List<String> expected(JsonNode s, String field) {
            JsonNode e = s.get(field);
            if (e == null) {
                return List.of("ok");
            }
            List<String> r = new ArrayList<>();
            if (e.isArray()) {
                e.forEach(x -> r.add(x.asText()));
            } else {
                r.add(e.asText());
            }
            return r;
        }

        static String name(Status st) {
            return st == Status.OK ? "ok" : st.name();
        }

        void expectStatus(JsonNode s, String field, Status got, Throwable cause) {
            List<String> exp = expected(s, field);
            if (!exp.contains(name(got))) {
                StepFailure f = new StepFailure("expected " + exp + " but got " + name(got)
                        + (cause != null ? " (" + cause + ")" : ""));
                throw f;
            }
        }

        /** Runs an API call; returns OK or the status of the WallocError it threw. */
        static Status call(Runnable r, Throwable[] thrown) {
            try {
                r.run();
                return Status.OK;
            } catch (RuntimeException e) {
                if (e instanceof WallocError) {
                    thrown[0] = e;
                    return ((WallocError) e).status();
                }
                throw e;
            }
        }

        // ------------------------------------------------------------ alloc checks

        void checkNewBlock(String as, long h, long size, Tier tier) {
            if (h == Walloc.NULL) {
                throw new StepFailure("handle is NULL");
            }
            if (Long.remainderUnsigned(h, tier.alignment()) != 0) {
                throw new StepFailure("handle " + Errors.hex(h) + " not aligned to " + tier.alignment());
            }
            if (w.tierOf(h) != tier) {
                throw new StepFailure("tierOf(" + Errors.hex(h) + ") is not " + tier);
            }
            w.view(h, 0); // walloc_ptr must be non-null (throws otherwise)
            long end = h + Math.max(size, 1);
            for (Map.Entry<String, Named> e : blocks.entrySet()) {
                Named o = e.getValue();
                if (o.live && h < o.handle + Math.max(o.size, 1) && o.handle < end) {
                    throw new StepFailure("new block " + Errors.hex(h) + "+" + size + " overlaps live block " + e.getKey());
                }
            }
            if (as != null) {
                blocks.put(as, new Named(h, size, tier));
            }
        }

        // ------------------------------------------------------------ steps

        void step(JsonNode s) {
            String op = s.get("op").asText();
            Throwable[] thrown = new Throwable[1];
            switch (op) {
                case "set":
                    vars.put(s.get("var").asText(), num(s.get("value")));
                    break;
                case "alloc": {
                    int code = tierCode(s.get("tier"));
                    long size = num(s.get("size"));
                    boolean wantNull = s.path("expect").asText("ok").equals("null");
                    long h;
                    if (!valid(code)) {
                        h = WallocNative.alloc(w.nativeInstance(), size, code); // not expressible with Tier
                    } else {
                        try {
                            h = w.tryAllocate(size, Tier.ofCode(code));
                        } catch (WallocArgumentException e) {
                            h = Walloc.NULL; // too large for the tier: the Java API's way of saying NULL
                        }
                    }
                    if (wantNull) {
                        if (h != Walloc.NULL) {
                            throw new StepFailure("expected NULL, got " + Errors.hex(h));
                        }
                    } else {
                        checkNewBlock(s.has("as") ? s.get("as").asText() : null, h, size, Tier.ofCode(code));
                    }
                    break;
                }
                case "alloc_batch": {
                    JsonNode bl = s.get("blocks");
                    int n = bl.size();
                    long[] sizes = new long[n];
                    int[] codes = new int[n];
                    for (int i = 0; i < n; i++) {
                        sizes[i] = num(bl.get(i).get("size"));
                        codes[i] = tierCode(bl.get(i).get("tier"));
                    }
                    long[] out = new long[n];
                    Status st = call(() -> w.allocateBatch(sizes, codes, out), thrown);
                    expectStatus(s, "expect", st, thrown[0]);
                    if (st == Status.OK) {
                        for (int i = 0; i < n; i++) {
                            JsonNode as = bl.get(i).get("as");
                            checkNewBlock(as != null ? as.asText() : "#batch" + i + "@" + System.identityHashCode(s),
                                    out[i], sizes[i], Tier.ofCode(codes[i]));
                        }
                    } else {
                        for (long h : out) {
                            if (h != Walloc.NULL) {
                                throw new StepFailure("failed batch left a handle " + Errors.hex(h));
                            }
                        }
                    }
                    break;
                }
                case "free": {
                    JsonNode hn = s.get("handle");
                    long h = handle(hn);
                    long size = s.has("size") ? num(s.get("size")) : named(hn.isTextual() ? hn.asText()
                            : hn.path("handle").asText()).size;
                    Status st = call(() -> w.free(h, size), thrown);
                    expectStatus(s, "expect", st, thrown[0]);
                    if (st == Status.OK && hn.isTextual()) {
                        named(hn.asText()).live = false;
                    }
                    break;
                }
                case "write": {
                    long h = handle(s.get("handle"));
                    byte[] d = data(s.get("data"));
                    Status st = call(() -> w.writeData(h, d), thrown);
                    expectStatus(s, "expect", st, thrown[0]);
                    break;
                }
                case "read": {
                    long h = handle(s.get("handle"));
                    int len = (int) num(s.get("len"));
                    byte[][] got = new byte[1][];
                    Status st = call(() -> got[0] = w.readData(h, len), thrown);
                    expectStatus(s, "expect", st, thrown[0]);
                    if (st == Status.OK && s.has("expect_bytes")) {
                        byte[] want = data(s.get("expect_bytes"));
                        if (!Arrays.equals(want, got[0])) {
                            int i = Arrays.mismatch(want, got[0]);
                            throw new StepFailure("bytes differ at " + i + ": expected " + (want.length > i ? want[i] & 0xFF : -1)
                                    + ", got " + (got[0].length > i ? got[0][i] & 0xFF : -1));
                        }
                    }
                    break;
                }
                case "copy": {
                    long d = handle(s.get("dst"));
                    long src = handle(s.get("src"));
                    long len = num(s.get("len"));
                    Status st = call(() -> w.copy(d, src, len), thrown);
                    expectStatus(s, "expect", st, thrown[0]);
                    break;
                }
                case "bulk_copy": {
                    JsonNode ops = s.get("ops");
                    long[] o = new long[ops.size() * 3];
                    for (int i = 0; i < ops.size(); i++) {
                        o[3 * i] = handle(ops.get(i).get("dst"));
                        o[3 * i + 1] = handle(ops.get(i).get("src"));
                        o[3 * i + 2] = num(ops.get(i).get("len"));
                    }
                    Status st = call(() -> w.bulkCopy(o), thrown);
                    expectStatus(s, "expect", st, thrown[0]);
                    if (st != Status.OK && s.has("failed_index")) {
                        int idx = ((BulkCopyException) thrown[0]).failedIndex();
                        if (idx != num(s.get("failed_index"))) {
                            throw new StepFailure("failed_index " + idx + ", expected " + s.get("failed_index"));
                        }
                    }
                    break;
                }
                case "reset": {
                    int code = tierCode(s.get("tier"));
                    Status st = valid(code) ? call(() -> w.resetTier(Tier.ofCode(code)), thrown)
                            : Status.ofCode(WallocNative.resetTier(w.nativeInstance(), code));
                    expectStatus(s, "expect", st, thrown[0]);
                    if (st == Status.OK) {
                        for (Named b : blocks.values()) {
                            if (b.tier.code() == code) {
                                b.live = false;
                            }
                        }
                    }
                    break;
                }
                case "compact": {
                    int code = tierCode(s.get("tier"));
                    long keep = num(s.get("keep"));
                    Status st = valid(code) ? call(() -> w.fastCompactTier(Tier.ofCode(code), keep), thrown)
                            : Status.ofCode(WallocNative.compactTier(w.nativeInstance(), code, keep));
                    expectStatus(s, "expect", st, thrown[0]);
                    if (st == Status.OK && s.has("release")) {
                        s.get("release").forEach(n -> named(n.asText()).live = false);
                    }
                    break;
                }
                case "stats":
                    stats(s);
                    break;
                case "tier_of": {
                    long h = handle(s.get("handle"));
                    Tier[] got = new Tier[1];
                    Status st = call(() -> got[0] = w.tierOf(h), thrown);
                    expectStatus(s, "expect", st, thrown[0]);
                    if (st == Status.OK && s.has("tier") && got[0].code() != tierCode(s.get("tier"))) {
                        throw new StepFailure("tier_of gave " + got[0]);
                    }
                    break;
                }
                case "ptr": {
                    long h = handle(s.get("handle"));
                    boolean nonNull;
                    try {
                        ByteBuffer v = w.view(h, 0);
                        nonNull = v != null;
                    } catch (WallocBoundsException e) {
                        nonNull = false;
                    }
                    String want = s.get("expect").asText();
                    if (nonNull != want.equals("non_null")) {
                        throw new StepFailure("ptr expected " + want);
                    }
                    break;
                }
                case "fill": {
                    Tier tier = Tier.ofCode(tierCode(s.get("tier")));
                    long size = num(s.get("size"));
                    String prefix = s.get("as").asText();
                    long max = num(s.get("max"));
                    List<String> names = fills.computeIfAbsent(prefix, k -> new ArrayList<>());
                    long count = 0;
                    while (count < max) {
                        long h = w.tryAllocate(size, tier);
                        if (h == Walloc.NULL) {
                            break;
                        }
                        String nm = prefix + names.size();
                        checkNewBlock(nm, h, size, tier);
                        names.add(nm);
                        count++;
                    }
                    if (s.has("count")) {
                        JsonNode c = s.get("count");
                        if (c.isObject()) {
                            if (c.has("min") && count < num(c.get("min"))) {
                                throw new StepFailure("fill made " + count + " blocks, min " + c.get("min"));
                            }
                            if (c.has("max") && count > num(c.get("max"))) {
                                throw new StepFailure("fill made " + count + " blocks, max " + c.get("max"));
                            }
                        } else if (count != num(c)) {
                            throw new StepFailure("fill made " + count + " blocks, expected " + c);
                        }
                    }
                    if (s.has("save")) {
                        vars.put(s.get("save").asText(), count);
                    }
                    break;
                }
                case "free_fill": {
                    String prefix = s.get("as").asText();
                    for (String nm : fills.getOrDefault(prefix, List.of())) {
                        Named b = named(nm);
                        if (!b.live) {
                            continue;
                        }
                        Status st = call(() -> w.free(b.handle, b.size), thrown);
                        expectStatus(s, "expect", st, thrown[0]);
                        if (st == Status.OK) {
                            b.live = false;
                        }
                    }
                    break;
                }
                case "validate_config": {
                    JsonNode c = s.get("config");
                    Status st;
                    try {
                        WallocConfig.Builder b = WallocConfig.builder();
                        if (c.has("capacity")) {
                            b.capacity(num(c.get("capacity")));
                        }
                        if (c.has("ratios")) {
                            JsonNode r = c.get("ratios");
                            b.shares(r.get(0).asDouble(), r.get(1).asDouble(), r.get(2).asDouble());
                        }
                        if (c.has("checked")) {
                            b.checked(c.get("checked").asBoolean());
                        }
                        WallocConfig cfg = b.build();
                        Walloc.create(cfg).close(); // must succeed exactly when valid
                        st = Status.OK;
                    } catch (WallocArgumentException e) {
                        st = e.status();
                        thrown[0] = e;
                    }
                    expectStatus(s, "expect", st, thrown[0]);
                    break;
                }
                default:
                    throw new StepFailure("unknown op " + op);
            }
        }

        void stats(JsonNode s) {
            int code = tierCode(s.get("tier"));
            List<String> wantStatus = expected(s, "status");
            if (!valid(code)) {
                Status st = Status.ofCode(WallocNative.tierStats(w.nativeInstance(), code, new long[TierStats.SLOTS]));
                if (!wantStatus.contains(name(st))) {
                    throw new StepFailure("stats status " + name(st) + ", expected " + wantStatus);
                }
                return;
            }
            Tier tier = Tier.ofCode(code);
            TierStats t = w.tierStats(tier);
            if (!wantStatus.contains("ok")) {
                throw new StepFailure("stats succeeded, expected " + wantStatus);
            }
            Map<String, Long> f = new LinkedHashMap<>();
            f.put("capacity", t.capacity());
            f.put("committed", t.committed());
            f.put("bump_head", t.bumpHead());
            f.put("peak", t.peak());
            f.put("live_bytes", t.liveBytes());
            f.put("live_blocks", t.liveBlocks());
            f.put("free_bytes", t.freeBytes());
            f.put("wasted_bytes", t.wastedBytes());
            f.put("total_allocs", t.totalAllocs());
            f.put("total_frees", t.totalFrees());
            f.put("failed_allocs", t.failedAllocs());
            f.put("resets", t.resets());
            f.put("alignment", (long) t.alignment());
            f.put("max_class_size", (long) t.maxClassSize());
            // invariants
            check(t.liveBytes() + t.freeBytes() + t.wastedBytes() == t.bumpHead(), "live+free+wasted == bump_head", t);
            check(t.bumpHead() <= t.committed() && t.committed() <= t.capacity(), "bump_head <= committed <= capacity", t);
            check(t.peak() >= t.bumpHead(), "peak >= bump_head", t);
            check(t.alignment() == tier.alignment(), "alignment", t);
            check(t.totalFrees() <= t.totalAllocs(), "total_frees <= total_allocs", t);
            check(t.liveBlocks() <= t.totalAllocs() - t.totalFrees(), "live_blocks <= allocs - frees", t);
            if (s.has("expect")) {
                Iterator<Map.Entry<String, JsonNode>> it = s.get("expect").fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    Long v = f.get(e.getKey());
                    if (v == null) {
                        throw new StepFailure("unknown stats field " + e.getKey());
                    }
                    JsonNode x = e.getValue();
                    if (x.isObject() && !x.has("var")) {
                        if (x.has("min") && Long.compareUnsigned(v, num(x.get("min"))) < 0) {
                            throw new StepFailure(e.getKey() + " = " + v + " < min " + x.get("min") + " in " + t);
                        }
                        if (x.has("max") && Long.compareUnsigned(v, num(x.get("max"))) > 0) {
                            throw new StepFailure(e.getKey() + " = " + v + " > max " + x.get("max") + " in " + t);
                        }
                    } else if (v != num(x)) {
                        throw new StepFailure(e.getKey() + " = " + v + ", expected " + num(x) + " in " + t);
                    }
                }
            }
            if (s.has("save")) {
                Iterator<Map.Entry<String, JsonNode>> it = s.get("save").fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    Long v = f.get(e.getValue().asText());
                    if (v == null) {
                        throw new StepFailure("unknown stats field " + e.getValue());
                    }
                    vars.put(e.getKey(), v);
                }
            }
        }

        static void check(boolean ok, String what, TierStats t) {
            if (!ok) {
                throw new StepFailure("invariant " + what + " broken: " + t);
            }
        }
    }
}
