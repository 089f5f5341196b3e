// lib/host.mjs - how the assets module (assets.mjs) works with a Walloc's blocks without being
// part of the allocator: Walloc[HOST](client) attaches a client and returns the internal calls it
// may make. Not part of the API (the package's "exports" do not name this file).
//
// A client tells the Walloc, through these methods:
//   holder(handle)       what holds a live block (e.g. 'asset "a.bin"'), so free() refuses it;
//   pending(handle)      what owns a block outside the block table (a load in flight), for errors;
//   released(tier, by, keepIf)  after resetTier/fastCompactTier released (part of) a tier: its
//                        blocks not kept by keepIf(handle, size) are gone;
//   destroyed()          after destroy().
// The Walloc answers with: live() (DestroyedError after destroy), heap() and memoryBuffer()
// (linear memory now), block(what, h) and blockKey(h) (a live block's size * 4 + tier),
// holder(h) (any client's), addBlock(h, size, tier) (a load's block joins the table),
// sample(siteOf), allocRaw(size, tier, site) and freeRaw(h, size) (a load's block, outside the
// table), footprint(tier, size) (walloc_block_size).
export const HOST = Symbol('Walloc host');
