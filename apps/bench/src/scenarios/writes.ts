/**
 * Writes through saveChatMessage (insert + three counter upserts in one transaction), against direct
 * better-sqlite3 running the same statements with the same pragmas (WAL; synchronous as each side reports it, NORMAL for both since the broker sets it on every WAL connection):
 * - single: one message per transaction, awaited one after the other;
 * - inflight64 (broker only): 64 saveChatMessage calls in flight, each its own transaction, against direct's
 *   "single" loop (the same work on one thread with no hand-off);
 * - batch100: one db.transaction holding 100 saveChatMessage calls issued together (direct: one outer
 *   transaction around 100 of the per-message transactions, which better-sqlite3 nests as savepoints,
 *   exactly as the worker does).
 * Each contender writes into its own copy of the 100k-row file. No target; reported as ops/s and ratio.
 */
import { DatabaseWrapper, type SaveChatMessageArgs } from '@pkg/core';
import Database from 'better-sqlite3';
import type { Dataset } from '../dataset.js';
import { fmtInt, progress } from '../log.js';
import { collectGarbage, concurrentRound, type RoundResult, type Summary, summarize, syncRound } from '../measure.js';
import { directInsertParams, messageFactory } from './writes-common.js';

export interface WriteCell {
  contender: 'broker' | 'direct';
  mode: 'single' | 'inflight64' | 'batch100';
  summary: Summary;
}

export interface WritesResult {
  cells: WriteCell[];
  synchronous: { broker: number; direct: number };
}

const INSERT = `INSERT INTO chat_messages (chat_id, message_id, date, user_id, reply_id, thread_id, root_message_id,
        message_text, message_type, message_category, quote_text, media_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const COUNT_USER =
  'UPDATE chat_users SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP WHERE chat_id = ? AND user_id = ?';
const CHAT_STATS = `INSERT INTO chat_stats (chat_id, date, messages_count) VALUES (?, ?, 1)
       ON CONFLICT (chat_id, date) DO UPDATE SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP`;
const USER_STATS = `INSERT INTO chat_user_stats (chat_id, user_id, date, messages_count) VALUES (?, ?, ?, 1)
       ON CONFLICT (chat_id, user_id, date) DO UPDATE SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP`;

function openDirectWriter(path: string) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(INSERT);
  const countUser = db.prepare(COUNT_USER);
  const chatStats = db.prepare(CHAT_STATS);
  const userStats = db.prepare(USER_STATS);
  const save = db.transaction((a: SaveChatMessageArgs) => {
    const date = a.date as string;
    const day = `${date.slice(0, 10)} 00:00:00`;
    insert.run(directInsertParams(a, date));
    countUser.run(a.chatId, a.userId);
    chatStats.run(a.chatId, day);
    userStats.run(a.chatId, a.userId, day);
  });
  const saveMany = db.transaction((messages: SaveChatMessageArgs[]) => {
    for (const m of messages) save.immediate(m);
  });
  return { db, save, saveMany };
}

export async function runWrites(
  data: Dataset,
  opts: { rounds: number; roundMs: number; warmupMs: number },
): Promise<WritesResult> {
  const broker = new DatabaseWrapper({ dbPath: data.copyMain('writes-broker.db') });
  await broker.ready();
  const direct = openDirectWriter(data.copyMain('writes-direct.db'));
  const brokerMsg = messageFactory(data, 10_000_000);
  const directMsg = messageFactory(data, 10_000_000);
  const batchOf = (next: () => SaveChatMessageArgs, chatId: number) =>
    Array.from({ length: 100 }, () => ({ ...next(), chatId }));

  const plans: Array<{
    contender: WriteCell['contender'];
    mode: WriteCell['mode'];
    round(ms: number): Promise<RoundResult>;
  }> = [
    {
      contender: 'direct',
      mode: 'single',
      round: async (ms) => syncRound(() => direct.save.immediate(directMsg()), ms, { checkEvery: 16 }),
    },
    {
      contender: 'broker',
      mode: 'single',
      round: (ms) => concurrentRound(() => broker.saveChatMessage(brokerMsg()), { inFlight: 1, durationMs: ms }),
    },
    {
      contender: 'broker',
      mode: 'inflight64',
      round: (ms) => concurrentRound(() => broker.saveChatMessage(brokerMsg()), { inFlight: 64, durationMs: ms }),
    },
    {
      contender: 'direct',
      mode: 'batch100',
      round: async (ms) =>
        syncRound((i) => direct.saveMany.immediate(batchOf(directMsg, data.chatIds[i % 10] as number)), ms, {
          checkEvery: 1,
          opsPerStep: 100,
        }),
    },
    {
      contender: 'broker',
      mode: 'batch100',
      round: (ms) =>
        concurrentRound(
          (i) => {
            const chatId = data.chatIds[i % 10] as number;
            const batch = batchOf(brokerMsg, chatId);
            return broker.transaction({ chatId }, async (tx) => {
              await Promise.all(batch.map((m) => tx.saveChatMessage(m)));
            });
          },
          { inFlight: 1, durationMs: ms, opsPerCall: 100 },
        ),
    },
  ];

  for (const p of plans) await p.round(opts.warmupMs);
  const results = plans.map(() => [] as RoundResult[]);
  for (let r = 0; r < opts.rounds; r++) {
    for (const [idx, p] of plans.entries()) {
      collectGarbage();
      results[idx]?.push(await p.round(opts.roundMs));
    }
    progress(
      `writes round ${r + 1}/${opts.rounds}: ${plans
        .map((p, idx) => `${p.contender}/${p.mode}=${fmtInt(results[idx]?.[r]?.opsPerSec ?? Number.NaN)}`)
        .join(' ')} msg/s`,
    );
  }
  const brokerSync = (await broker.query({ sql: 'PRAGMA synchronous' }).catch(() => [])) as Array<{
    synchronous?: number;
  }>;
  const synchronous = {
    broker: brokerSync[0]?.synchronous ?? Number.NaN,
    direct: direct.db.pragma('synchronous', { simple: true }) as number,
  };
  await broker.close();
  direct.db.close();
  return {
    cells: plans.map((p, idx) => ({ contender: p.contender, mode: p.mode, summary: summarize(results[idx] ?? []) })),
    synchronous,
  };
}
