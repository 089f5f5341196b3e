// lib/status.mjs - the core's status codes, their text (the core's own, walloc_status_str), and
// the errors every face of the module throws.

/** walloc_status values (stable numbers from walloc.h). */
export const Status = Object.freeze({
  OK: 0, INVALID_ARGUMENT: 1, INVALID_TIER: 2, INVALID_HANDLE: 3, OUT_OF_BOUNDS: 4,
  OUT_OF_MEMORY: 5, DOUBLE_FREE: 6, SIZE_MISMATCH: 7, NOT_A_BLOCK: 8, INVALID_CONFIG: 9,
  INVALID_SIZE: 10,
});

// Each status's text as the core says it (walloc_status_str), decoded once, from the first
// module instantiated: every module is built from the same core.
const STATUS_TEXT = [];

/**
 * Reads the core's text of every status through the walloc_status_str export of x, whose linear
 * memory is `buffer` (an ArrayBuffer or a SharedArrayBuffer: decoded byte by byte, as TextDecoder
 * refuses shared memory; the texts are ASCII). Once per process.
 */
export function learnStatusText(x, buffer) {
  if (STATUS_TEXT.length !== 0) return;
  const u8 = new Uint8Array(buffer);
  for (const status of Object.values(Status)) {
    let at = x.walloc_status_str(status) >>> 0, text = '';
    while (u8[at] !== 0) text += String.fromCharCode(u8[at++]);
    STATUS_TEXT[status] = text;
  }
}

/** The core's text of status ("invalid configuration", ...), or "status N" for another number. */
export function statusText(status) { return STATUS_TEXT[status] ?? `status ${status}`; }

/** Thrown by every call on an instance after its destroy() (loads reject with it; in-flight
 *  loads reject with an AssetLoadError whose cause it is). */
export class DestroyedError extends Error {
  constructor(message = 'Walloc: this instance was destroyed') {
    super(message);
    this.name = 'DestroyedError';
  }
}

/** Error for a failed core call that is not a caller mistake. */
export class WallocError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'WallocError';
    this.status = status;
  }
}

/** The error a status means at `what`: TypeError for a bad argument, RangeError (with .status)
 *  for a wrong value, WallocError otherwise (out of memory). */
export function statusError(what, status) {
  const text = statusText(status);
  switch (status) {
    case Status.INVALID_ARGUMENT: return new TypeError(`${what}: ${text}`);
    case Status.INVALID_TIER: case Status.INVALID_HANDLE: case Status.OUT_OF_BOUNDS:
    case Status.DOUBLE_FREE: case Status.SIZE_MISMATCH: case Status.NOT_A_BLOCK:
    case Status.INVALID_CONFIG: case Status.INVALID_SIZE:
      return Object.assign(new RangeError(`${what}: ${text}`), { status });
    default: return new WallocError(`${what}: ${text}`, status);
  }
}
