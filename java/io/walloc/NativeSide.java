package io.walloc;

/**
 * The native side of an instance: the core, destroyed at close (its RAM goes back at once, its
 * address range once no view over it is reachable either: {@link Region}), and the handle
 * {@code w} with its call gate, which calls made after close still read, freed only once the
 * Walloc is unreachable (a Cleaner action; it references no Walloc).
 */
final class NativeSide implements Runnable {
    private final long w;
    private final Gate gate;
    private final Region region;
    private boolean destroyed; // guarded by this

    NativeSide(long w, Gate gate, Region region) {
        this.w = w;
        this.gate = gate;
        this.region = region;
    }

    /** Destroys the core, once; the gate is closed. */
    synchronized void destroy() {
        if (!destroyed) {
            destroyed = true;
            WallocNative.destroyKeepRegion(w);
            region.instanceDestroyed();
        }
    }

    /** The Walloc is unreachable: no call can be in flight or come. */
    @Override
    public void run() {
        gate.close(() -> { }); // no Block is left to tell
        destroy();
        WallocNative.release(w);
    }
}
