package io.walloc.assets;

import io.walloc.Block;
import io.walloc.Tier;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The blocks of loads in flight of one {@link AssetRegistry}: each open {@link Reservation}'s
 * block, who reserved it, and the waits of reservations that found a full budget.
 *
 * <p>Guarded by the registry's lock (passed in), so that a block leaves this set in the same
 * critical section that registers its asset: {@link AssetRegistry#compact} always sees it as
 * one or the other.
 */
final class Reservations {
    private final Object lock;
    private final Map<Block, Thread> reservedBy = new IdentityHashMap<>();
    private final Map<Block, Reservation> owners = new IdentityHashMap<>();
    private long changes; // blocks registered or released so far: what waiting reservations watch
    private boolean stopped;

    Reservations(Object lock) {
        this.lock = lock;
    }

    /** A block just taken for the calling thread (under its tier's lock: compaction sees it). */
    void add(Block b) {
        synchronized (lock) {
            reservedBy.put(b, Thread.currentThread());
        }
    }

    /** r now holds b (a new reservation, or one whose block was replaced by growth). */
    void own(Block b, Reservation r) {
        synchronized (lock) {
            owners.put(b, r);
        }
    }

    /** b was registered or given back; waiting reservations try again. False if it was not here. */
    boolean remove(Block b) {
        synchronized (lock) {
            owners.remove(b);
            if (reservedBy.remove(b) == null) {
                return false;
            }
            changes++;
            lock.notifyAll();
            return true;
        }
    }

    /** The open reservation whose block starts at handle h, or null. */
    Reservation at(long h) {
        synchronized (lock) {
            for (Map.Entry<Block, Reservation> e : owners.entrySet()) {
                if (e.getKey().handle() == h && reservedBy.containsKey(e.getKey())) {
                    return e.getValue();
                }
            }
            return null;
        }
    }

    /** The blocks reserved in tier now (a snapshot). */
    java.util.List<Block> blocks(Tier tier) {
        synchronized (lock) {
            return reservedBy.keySet().stream().filter(b -> b.tier() == tier).toList();
        }
    }

    /** How many blocks are reserved in tier. */
    int count(Tier tier) {
        return blocks(tier).size();
    }

    /** The number of changes so far: pass it to {@link #awaitChange}. */
    long changes() {
        synchronized (lock) {
            return changes;
        }
    }

    /**
     * Waits until a reserved block registers or is released after {@code seen} changes (true),
     * unless no block of the tier is reserved by another thread, the deadline passed, the wait is
     * interrupted or the registry closed (false: waiting cannot help).
     */
    boolean awaitChange(Tier tier, long seen, long deadline) {
        Thread me = Thread.currentThread();
        synchronized (lock) {
            while (changes == seen) {
                boolean others = false;
                for (Map.Entry<Block, Thread> p : reservedBy.entrySet()) {
                    others |= p.getKey().tier() == tier && p.getValue() != me;
                }
                long left = deadline - System.nanoTime();
                if (stopped || !others || left <= 0) {
                    return stopped; // closed: the next try says so
                }
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** The registry closed: waiting reservations give up. */
    void stopWaits() {
        synchronized (lock) {
            stopped = true;
            lock.notifyAll();
        }
    }
}
