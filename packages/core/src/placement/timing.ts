/**
 * The placement's time bounds, which the guarantees in docs/operations.md are stated in. A process refreshes
 * its cached placement in the background once it is REFRESH_MS old; a call that finds it older than STALE_MS
 * waits for a fresh read first. The old copy of a moved chat is removed DRAIN_MS after the switch, so a read
 * routed by a placement read before the switch has had STALE_MS plus a margin to run.
 */
export const REFRESH_MS = 1_000;
export const STALE_MS = 2_000;
export const DRAIN_MS = STALE_MS + 2_000;
/** A write refused by a fence polls the placement this often while it waits for the switch. */
export const POLL_MS = 50;
/** Default bound of a move's waits and of a fenced write's wait. */
export const MOVE_TIMEOUT_MS = 30_000;
