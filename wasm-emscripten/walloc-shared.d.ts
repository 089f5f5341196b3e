// Type declarations of walloc-shared.mjs ('walloc/shared'): shared mode's error class. The rest
// of shared mode is reached through Walloc.create({ shared: true }) and Walloc.attach() and
// declared in walloc.d.ts (SharedWalloc, SharedBlockView, Shareable, SharedCreateOptions).
export type { SharedWalloc, SharedBlockView, Shareable, SharedCreateOptions } from './walloc.js';

/** resetTier / fastCompactTier of a shared instance while a call of any Worker is inside that
 *  tier: nothing was changed. Try again when the tier is quiet. */
export declare class TierBusyError extends Error {
  readonly name: 'TierBusyError';
  readonly tier: 0 | 1 | 2;
}
