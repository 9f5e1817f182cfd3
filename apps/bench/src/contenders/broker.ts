/**
 * The library under test: DatabaseWrapper (legacy dbPath constructor) -> router -> broker -> source worker.
 * The point read is `getChatMessageByMessageId`, which returns the row with its timestamps as Dates.
 */
import { DatabaseWrapper } from '@pkg/core';
import { KEY_MASK, type Key } from '../dataset.js';
import type { AsyncReader } from './types.js';

export interface BrokerReader extends AsyncReader {
  readonly db: DatabaseWrapper;
  /** Comlink messages sent so far to the source (calls / batches = coalescing factor). */
  counters(): Promise<{ calls: number; batches: number }>;
}

export async function openBroker(
  path: string,
  keys: readonly Key[],
  options: { maxBatchesInFlight?: number; spinUs?: number } = {},
): Promise<BrokerReader> {
  const db = new DatabaseWrapper({
    dbPath: path,
    broker: Object.keys(options).length === 0 ? undefined : options,
  });
  await db.ready();
  return {
    db,
    opsPerCall: 1,
    call: (i) => db.getChatMessageByMessageId(keys[i & KEY_MASK] as Key),
    async counters() {
      const s = (await db.stats()).default;
      return { calls: s?.calls ?? 0, batches: s?.batches ?? 0 };
    },
    close: () => db.close(),
  };
}

/**
 * The same read over two sources (two copies of the file, two workers): the chats alternate between them by
 * `chatMapping`, so the 64 reads in flight split about evenly.
 */
export async function openBrokerTwoSources(
  paths: [string, string],
  chatIds: readonly number[],
  keys: readonly Key[],
): Promise<BrokerReader> {
  const chatMapping: Record<string, string> = {};
  for (const [i, chatId] of chatIds.entries()) chatMapping[String(chatId)] = i % 2 === 0 ? 'a' : 'b';
  const db = new DatabaseWrapper({
    config: { default: 'a', sources: { a: { path: paths[0] }, b: { path: paths[1] } }, chatMapping },
  });
  await db.ready();
  return {
    db,
    opsPerCall: 1,
    call: (i) => db.getChatMessageByMessageId(keys[i & KEY_MASK] as Key),
    async counters() {
      const s = await db.stats();
      return {
        calls: (s.a?.calls ?? 0) + (s.b?.calls ?? 0),
        batches: (s.a?.batches ?? 0) + (s.b?.batches ?? 0),
      };
    },
    close: () => db.close(),
  };
}
