/** Shared by the core tests: turning API rows back into the reference's stored-text shape. */
import type { DatabaseWrapper } from '@pkg/core';
import { replay, type WriteOp } from '@pkg/testkit';

export { asStored, collectReferenceReads, storedText, withoutWallClock } from '@pkg/testkit';

/** Replays recorded writes through the public API. */
export function replayInto(db: DatabaseWrapper, ops: readonly WriteOp[]): Promise<void> {
  return replay(db, ops);
}

/** Fills a file with `ops` through a writable legacy wrapper, then closes it. */
export async function populate(path: string, ops: readonly WriteOp[]): Promise<void> {
  const { DatabaseWrapper } = await import('@pkg/core');
  const db = new DatabaseWrapper({ dbPath: path });
  try {
    await replay(db, ops);
  } finally {
    await db.close();
  }
}
