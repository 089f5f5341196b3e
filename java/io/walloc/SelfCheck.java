package io.walloc;

/**
 * {@code java -jar walloc.jar} (or {@code java -cp walloc.jar io.walloc.SelfCheck}): loads the
 * native library, allocates, writes and reads back a block in every tier with every allocation
 * sampled by a profile, checks the profile's figures, and prints where the library came from and
 * whether the profile's JFR events are available. Exit status 0 on success.
 *
 * <p>Thread safety: a program entry point; not meant to be called concurrently.
 */
public final class SelfCheck {
    private SelfCheck() {}

    /**
     * Runs the check.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        try (Walloc w = Walloc.create(WallocConfig.builder().capacity(1L << 20).profile(1).build())) {
            byte[] data = new byte[100];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7 + 1);
            }
            for (Tier t : Tier.values()) {
                try (Block b = w.allocateBlock(data.length, t)) {
                    b.write(0, data);
                    if (!java.util.Arrays.equals(data, b.read(0, data.length))) {
                        throw new AssertionError("read-back mismatch in tier " + t);
                    }
                }
            }
            ProfileSnapshot p = w.profile();
            for (Tier t : Tier.values()) {
                AllocationSite.Counts c = p.total(t);
                if (c.allocations() != 1 || c.liveBlocks() != 0) {
                    throw new AssertionError("profile of tier " + t + ": " + c + ", expected 1 sample, none live");
                }
            }
            System.out.println("walloc self-check ok: library " + NativeLoader.loadedFrom() + " ("
                    + NativeLoader.platform() + "); allocation profile ok, JFR events "
                    + (Profiler.jfrEvents() ? "available" : "not available (no jdk.jfr)"));
        }
    }
}
