// lib/asset-budgets.mjs - an asset registry's per-tier budgets: how many live bytes a tier may
// hold before its least recently used assets are evicted (as the Java registry's setBudget).

import { TIER_NAMES, NULL_HANDLE } from './checks.mjs';
import { WallocError, Status } from './status.mjs';

// How long a load waits for other loads' blocks to leave a full budget (as the Java registry).
const ROOM_WAIT_MS = 10000;

/**
 * The budgets of one registry. `registry` answers liveBytes(t) (the tier's live bytes),
 * footprint(t, size), evictLeastUsed(t) (true when it evicted one) and loadsIn(t) (true when a
 * load in flight holds a block of the tier).
 */
export class Budgets {
  #bytes = [-1, -1, -1];
  #waiters = [];
  evictions = 0;

  constructor(registry) { this.registry = registry; }

  get(t) { return this.#bytes[t]; }
  set(t, bytes) { this.#bytes[t] = bytes; }
  clear(t) { this.#bytes[t] = -1; this.wake(); }
  has(t) { return this.#bytes[t] >= 0; }

  /** Evicts tier t's least recently used assets until it is within its budget; how many. */
  enforce(t) {
    let n = 0;
    while (this.has(t) && this.registry.liveBytes(t) > this.#bytes[t] && this.evictOne(t)) n++;
    return n;
  }

  evictOne(t) {
    if (!this.registry.evictLeastUsed(t)) return false;
    this.evictions++;
    return true;
  }

  /** Makes room under tier t's budget for a block of size bytes by evicting the tier's least
   *  recently used assets: true when it fits, false when only blocks of loads in flight stand in
   *  the way; throws when the budget cannot take it. */
  roomFor(t, size, what) {
    const budget = this.#bytes[t];
    if (budget < 0) return true;
    const need = this.registry.footprint(t, size);
    if (need > budget) {
      throw new WallocError(`${what}: ${size} bytes (${need} with size-class rounding) is larger than the budget of tier ${TIER_NAMES[t]} (${budget} bytes)`, Status.OUT_OF_MEMORY);
    }
    for (;;) {
      const live = this.registry.liveBytes(t);
      if (live + need <= budget) return true;
      if (this.evictOne(t)) continue;
      if (this.registry.loadsIn(t)) return false;
      throw new WallocError(`${what}: the budget of tier ${TIER_NAMES[t]} (${budget} bytes) cannot take ${need} more bytes: ${live} bytes are live and none of them is an asset to evict`, Status.OUT_OF_MEMORY);
    }
  }

  /** A load waits here until tier t's budget has room for size bytes (see setBudget). */
  async waitForRoom(load, t, size) {
    const deadline = Date.now() + ROOM_WAIT_MS;
    while (!this.roomFor(t, size, `load "${load.path}"`)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new WallocError(`the budget of tier ${TIER_NAMES[t]} stayed full of other loads' blocks for ${ROOM_WAIT_MS / 1000} s`, Status.OUT_OF_MEMORY);
      }
      let timer;
      await load.race(new Promise((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      })).finally(() => clearTimeout(timer));
      load.check();
    }
  }

  /** alloc() until it gives a block, evicting tier t's least recently used assets while the tier
   *  has a budget and no room; NULL_HANDLE when there is none. */
  allocate(t, alloc) {
    let h = alloc();
    while (h === NULL_HANDLE && this.has(t) && this.evictOne(t)) h = alloc();
    return h;
  }

  /** Something left a tier (an eviction, a load's block given back or registered): waiting
   *  loads look again. */
  wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
