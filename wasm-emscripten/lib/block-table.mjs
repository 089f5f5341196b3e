// lib/block-table.mjs - the JavaScript face's table of live blocks.

/**
 * Live blocks known to the wrapper: handle -> size * 4 + tier, and an id that no other block of
 * this table ever gets (a handle is not an identity: a freed or reset block's handle soon comes
 * back for someone else). Open addressing with linear probing and backward-shift deletion over
 * typed arrays, because a Map is much slower under the allocate/free churn of an allocator (its
 * deletes leave holes that force rehashes; figures in bench/wasm/NOTES.md, "Per JS call").
 * Callers pass valid handles (integers below NULL_HANDLE); an empty slot never matches.
 */
export class BlockTable {
  constructor(capacity = 1024) { this.#init(capacity); }
  #keys; #vals; #ids; #mask; #lastId = 0; size = 0;
  #init(cap) {
    this.#keys = new Uint32Array(cap); this.#vals = new Float64Array(cap); this.#ids = new Float64Array(cap);
    this.#mask = cap - 1; this.size = 0;
  }
  #slot(h) { return Math.imul((h >>> 3) ^ (h >>> 17), 0x9E3779B1) >>> 0 & this.#mask; }
  #find(h) {
    const keys = this.#keys, k = (h + 1) >>> 0, mask = this.#mask;
    for (let i = this.#slot(h); ; i = (i + 1) & mask) {
      const x = keys[i];
      if (x === 0) return -1;
      if (x === k) return i;
    }
  }
  get(h) { const i = this.#find(h); return i < 0 ? undefined : this.#vals[i]; }
  /** The block's id, undefined when h is not live. */
  idOf(h) { const i = this.#find(h); return i < 0 ? undefined : this.#ids[i]; }
  has(h) { return this.#find(h) >= 0; }
  /** Adds a new block (h must not be live); returns its id. */
  add(h, v) { const id = ++this.#lastId; this.#insert(h, v, id); return id; }
  #insert(h, v, id) {
    if ((this.size + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys, k = (h + 1) >>> 0, mask = this.#mask;
    let i = this.#slot(h);
    for (; keys[i] !== 0 && keys[i] !== k; i = (i + 1) & mask);
    if (keys[i] === 0) { keys[i] = k; this.size++; }
    this.#vals[i] = v;
    this.#ids[i] = id;
  }
  delete(h) {
    const keys = this.#keys, vals = this.#vals, ids = this.#ids, mask = this.#mask;
    let i = this.#find(h);
    if (i < 0) return false;
    // Backward-shift: move later entries of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const home = this.#slot(keys[j] - 1);
      if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
        keys[i] = keys[j]; vals[i] = vals[j]; ids[i] = ids[j]; i = j;
      }
    }
    keys[i] = 0;
    this.size--;
    return true;
  }
  #grow() {
    const keys = this.#keys, vals = this.#vals, ids = this.#ids;
    this.#init(keys.length * 2);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.#insert(keys[i] - 1, vals[i], ids[i]);
  }
  clear() { this.#init(1024); }
  /** [handle, value] pairs (a snapshot: safe to delete while iterating it). */
  entries() {
    const out = [], keys = this.#keys, vals = this.#vals;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) out.push([keys[i] - 1, vals[i]]);
    return out;
  }
}
