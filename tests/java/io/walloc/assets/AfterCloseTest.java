package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walloc.Block;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 15: what each closable class of the Java face does after {@code close()}, for
 * every public method, found by reflection (a method added later fails here until someone
 * decides): the calls its documentation lists keep answering, every other one throws
 * {@link IllegalStateException}. The documented list is read from the class comment in the
 * source, so the code and the javadoc cannot drift apart.
 */
class AfterCloseTest extends AssetTestBase {
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What every public instance method did: name(parameter types) -> answered (true) or threw ISE. */
    private static Map<String, Boolean> probe(Object target, Map<Class<?>, Object> args) {
        Map<String, Boolean> out = new HashMap<>();
        for (Method m : target.getClass().getMethods()) {
            if (m.getDeclaringClass() == Object.class || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object[] a = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < a.length; i++) {
                if (!args.containsKey(types[i])) {
                    fail("no sample argument of type " + types[i].getName() + " for " + m + ": decide what it does after close");
                }
                a[i] = args.get(types[i]);
            }
            String key = m.getName() + List.of(types).stream().map(Class::getSimpleName).toList();
            try {
                Object r = m.invoke(target, a);
                out.put(key, true);
                if (r instanceof CompletableFuture<?> f) { // a load after close fails at once, as cancelled
                    CompletionException e = assertThrows(CompletionException.class, f::join, key);
                    assertEquals(AssetLoadException.Reason.CANCELLED,
                            assertInstanceOf(AssetLoadException.class, e.getCause(), key).reason(), key);
                } else if (r instanceof BatchLoad b) {
                    try {
                        BatchProgress p = b.done().get(5, TimeUnit.SECONDS);
                        assertEquals(p.assetsTotal(), p.assetsFailed(), key + ": every entry failed");
                    } catch (Exception e) {
                        throw new AssertionError(key, e);
                    }
                }
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof IllegalStateException)) {
                    throw new AssertionError(key + " threw " + e.getCause() + ", neither an answer nor IllegalStateException",
                            e.getCause());
                }
                out.put(key, false);
            } catch (IllegalAccessException e) {
                throw new AssertionError(key, e);
            }
        }
        return out;
    }

    private static Set<String> names(Map<String, Boolean> probed, boolean answered) {
        Set<String> s = new TreeSet<>();
        probed.forEach((k, v) -> {
            if (v == answered) {
                s.add(k.substring(0, k.indexOf('[')));
            }
        });
        return s;
    }

    /* The methods the class comment names ({@link #name...}) in the passage that starts with
     * marker, up to its end or to where it turns to IllegalStateException. */
    private static Set<String> documented(Class<?> c, String marker) throws IOException {
        Path src = Path.of("java", c.getName().replace('.', '/') + ".java");
        String text = Files.readString(src);
        int from = text.indexOf(marker);
        assertTrue(from >= 0, src + " has no passage '" + marker + "'");
        int to = text.length();
        for (String end : new String[] {"IllegalStateException", "<h2>", "<p>", "*/"}) {
            int e = text.indexOf(end, from + marker.length());
            if (e >= 0) {
                to = Math.min(to, e);
            }
        }
        Set<String> s = new TreeSet<>();
        Matcher m = Pattern.compile("\\{@link #(\\w+)").matcher(text.substring(from, to));
        while (m.find()) {
            s.add(m.group(1));
        }
        return s;
    }

    private static Map<Class<?>, Object> common() {
        Map<Class<?>, Object> a = new HashMap<>();
        a.put(long.class, 0L);
        a.put(int.class, 0);
        a.put(byte.class, (byte) 0);
        a.put(Tier.class, Tier.MIDDLE);
        a.put(byte[].class, new byte[1]);
        a.put(long[].class, new long[3]);
        a.put(int[].class, new int[3]);
        a.put(Tier[].class, new Tier[] {Tier.MIDDLE, Tier.MIDDLE, Tier.MIDDLE});
        a.put(ByteBuffer.class, ByteBuffer.allocate(1));
        a.put(String.class, "p");
        a.put(AssetInfo.class, AssetInfo.of(AssetType.BINARY));
        a.put(AssetType.class, AssetType.BINARY);
        a.put(Collection.class, List.of("p"));
        return a;
    }

    @Test
    void aClosedWallocAnswersExactlyItsFixedFacts() throws IOException {
        for (boolean checked : new boolean[] {true, false}) {
            Walloc w = Walloc.create(WallocConfig.builder().capacity(8L << 20).checked(checked).build());
            w.free(w.allocate(64, Tier.MIDDLE), 64); // the thread cache (unchecked) has a bin to look at
            w.close();
            Map<String, Boolean> p = probe(w, common());
            assertEquals(Set.of("capacity", "close", "config", "isClosed", "toString"), names(p, true), p.toString());
            assertEquals(documented(Walloc.class, "<h2>After close</h2>"), names(p, true), "the javadoc's list");
            assertTrue(w.toString().contains("closed"));
            assertEquals(8L << 20, w.config().capacity());
            assertTrue(w.capacity(Tier.TOP) > 0);
        }
    }

    @Test
    void aBlockOfAClosedWallocAnswersOnlyWhatItKnows() throws IOException {
        Walloc w = Walloc.create(WallocConfig.builder().capacity(8L << 20).build());
        Block b = w.allocateBlock(100, Tier.TOP);
        Block other = w.allocateBlock(100, Tier.TOP);
        b.write(0, new byte[100]); // a cached view, so the fast path is tried too
        w.close();
        Map<Class<?>, Object> a = common();
        a.put(Block.class, other);
        Map<String, Boolean> p = probe(b, a);
        assertEquals(Set.of("close", "handle", "isAlive", "owner", "size", "tier", "toString"), names(p, true), p.toString());
        assertEquals(documented(Block.class, "Once its owner is closed"), names(p, true), "the javadoc's list");
        assertFalse(b.isAlive());
    }

    @Test
    void aClosedRegistryAnswersAsAnEmptyOneAndNeverActsOnTheInstance() throws IOException {
        Walloc w = open(8L << 20);
        AssetRegistry reg = new AssetRegistry(w);
        reg.register("a", AssetInfo.of(AssetType.BINARY), new byte[10]);
        Reservation open = reg.reserve(10, Tier.TOP); // not in MIDDLE, where clear(MIDDLE) would see it
        reg.close();
        Block mine = w.allocateBlock(16, Tier.MIDDLE);
        Block x = w.allocateBlock(16, Tier.MIDDLE); // a reset of MIDDLE would take it
        x.write(0, new byte[] {7});
        Map<Class<?>, Object> a = common();
        a.put(Block.class, mine);
        Map<String, Boolean> p = probe(reg, a);
        assertEquals(Set.of("budget", "budgetEvictions", "clearBudget", "close", "contains", "count", "enforceBudget",
                "evict", "evictBatch", "evictTier", "footprint", "get", "isClosed", "list", "peek", "setBudget", "size",
                "toString", "totalBytes", "walloc"), names(p, true), p.toString());
        assertEquals(Set.of("clear", "compact", "register", "reserve"), names(p, false), p.toString());
        assertEquals(documented(AssetRegistry.class, "<h2>After close</h2>"), names(p, true), "the javadoc's list");
        assertTrue(mine.isAlive(), "register(..., block, ...) refused and left the block the caller's");
        assertTrue(x.isAlive() && x.read(0, 1)[0] == 7, "clear() did not reset a tier of a closed registry");
        assertEquals(0, reg.size());
        // an open reservation stays its owner's: commit refuses, close frees
        assertThrows(IllegalStateException.class, () -> open.commit("r", AssetInfo.of(AssetType.BINARY), 10));
        open.close();
        mine.close();
        x.close();
    }

    @Test
    void aClosedReservationAnswersOnlyWhatItKnows() throws IOException {
        Walloc w = open(8L << 20);
        AssetRegistry reg = closeAfter(new AssetRegistry(w));
        for (boolean commit : new boolean[] {false, true}) {
            Reservation r = reg.reserve(10, Tier.TOP);
            if (commit) {
                r.commit("c", AssetInfo.of(AssetType.BINARY), 10);
            } else {
                r.close();
            }
            Map<String, Boolean> p = probe(r, common());
            assertEquals(Set.of("close", "isOpen", "tier", "toString"), names(p, true), p.toString());
            assertEquals(documented(Reservation.class, "After close (or commit)"), names(p, true), "the javadoc's list");
        }
    }

    @Test
    void aClosedLoaderRefusesLoadsAndAnswersTheRest() throws IOException {
        Walloc w = open(8L << 20);
        AssetRegistry reg = closeAfter(new AssetRegistry(w));
        AssetLoader l = AssetLoader.builder(server.base(), reg).build();
        l.load("fixed/10/a.bin", AssetType.BINARY).join();
        l.close();
        Map<Class<?>, Object> a = common();
        a.put(int.class, 1); // a parallelism
        a.put(LoadRequest.class, LoadRequest.of("fixed/10/b.bin"));
        a.put(List.class, List.of(LoadRequest.of("fixed/10/c.bin")));
        a.put(ProgressListener.class, (ProgressListener) pr -> { });
        Map<String, Boolean> p = probe(l, a);
        assertEquals(Set.of(), names(p, false), p.toString());
        assertEquals(documented(AssetLoader.class, "<h2>After close</h2>"), names(p, true), "the javadoc's list");
        assertNotEquals(0, names(p, true).size());
        assertEquals(0, l.inFlight());
    }
}
