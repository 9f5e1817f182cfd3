/**
 * Connection reuse over a mixed run on a fresh DatabaseWrapper (legacy, pool of 5), 64 callers, in two phases:
 * 1. every call drawn from 80 % point reads and 20 % saveChatMessage;
 * 2. one caller runs db.transaction with 5 messages, back to back, while the 63 others keep reading
 *    (a read during a transaction needs a second connection: this is where the pool opens more).
 * Transactions run in their own phase so the connections the pool opens for them show on their own.
 * Reuse is `db.stats()` reuseRate = 1 - connectionsOpened / connectionsAcquired, after both phases.
 */
import { DatabaseWrapper } from '@pkg/core';
import { mulberry32 } from '@pkg/testkit';
import { type Dataset, KEY_MASK, type Key } from '../dataset.js';
import { fmt, fmtInt, progress } from '../log.js';
import { concurrentRound } from '../measure.js';
import { messageFactory } from './writes-common.js';

export interface ReuseResult {
  reuseRate: number;
  connectionsOpened: number;
  connectionsAcquired: number;
  calls: number;
  errors: number;
  mix: { reads: number; writes: number; transactions: number };
}

export async function runReuse(data: Dataset, phaseMs: number): Promise<ReuseResult> {
  const db = new DatabaseWrapper({ dbPath: data.copyMain('reuse.db') });
  await db.ready();
  const next = messageFactory(data, 3_000_000);
  const rand = mulberry32(1234);
  const mix = { reads: 0, writes: 0, transactions: 0 };
  const read = (i: number) => {
    mix.reads++;
    return db.getChatMessageByMessageId(data.keys[i & KEY_MASK] as Key);
  };

  await concurrentRound(
    (i) => {
      if (rand() < 0.8) return read(i);
      mix.writes++;
      return db.saveChatMessage(next());
    },
    { inFlight: 64, durationMs: phaseMs },
  );

  let transacting = true;
  const transactions = (async () => {
    const deadline = performance.now() + phaseMs;
    while (performance.now() < deadline) {
      mix.transactions++;
      const first = next();
      await db.transaction({ chatId: first.chatId }, async (tx) => {
        await tx.saveChatMessage(first);
        for (let k = 0; k < 4; k++) await tx.saveChatMessage({ ...next(), chatId: first.chatId });
      });
    }
    transacting = false;
  })();
  let i = 0;
  const reader = async () => {
    while (transacting) await read(i++);
  };
  await Promise.all([transactions, ...Array.from({ length: 63 }, reader)]);

  const s = (await db.stats()).default;
  await db.close();
  if (s === undefined) throw new Error('no stats for source "default"');
  const result: ReuseResult = {
    reuseRate: s.reuseRate,
    connectionsOpened: s.connectionsOpened,
    connectionsAcquired: s.connectionsAcquired,
    calls: s.calls,
    errors: s.errors,
    mix,
  };
  progress(
    `reuse: ${fmt(result.reuseRate * 100, 3)} % (${result.connectionsOpened} opened / ${fmtInt(result.connectionsAcquired)} acquired) ` +
      `over ${fmtInt(result.calls)} calls (${fmtInt(mix.reads)} reads, ${fmtInt(mix.writes)} writes, ` +
      `${fmtInt(mix.transactions)} transactions of 5), ${result.errors} errors`,
  );
  return result;
}
