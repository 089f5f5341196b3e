// lib/status.mjs - the core's status codes, their text, and the errors every face of the module
// throws.

/** walloc_status values (stable numbers from walloc.h). */
export const Status = Object.freeze({
  OK: 0, INVALID_ARGUMENT: 1, INVALID_TIER: 2, INVALID_HANDLE: 3, OUT_OF_BOUNDS: 4,
  OUT_OF_MEMORY: 5, DOUBLE_FREE: 6, SIZE_MISMATCH: 7, NOT_A_BLOCK: 8, INVALID_CONFIG: 9,
  INVALID_SIZE: 10,
});

const STATUS_TEXT = ['ok', 'invalid argument', 'invalid tier', 'invalid handle', 'out of bounds',
  'out of memory', 'double free', 'size mismatch', 'not a block', 'invalid configuration',
  'invalid size'];

/** The text of status ("invalid configuration", ...), or "status N" for another number. */
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
