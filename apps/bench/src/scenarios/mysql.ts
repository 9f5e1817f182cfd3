/**
 * The MySQL cells, as the PostgreSQL ones (scenarios/pg.ts): point reads (getChatMessageByMessageId) and
 * saveChatMessage, library vs mysql2 on the main thread, 1 and 64 in flight (closed loops), rounds interleaved,
 * median round per cell, main-thread busy time per call from eventLoopUtilization; then the event-loop delay
 * while one 10,000-row read is answered. The direct peer runs the library's own texts for MySQL (core's built
 * statements, the dialect's message order) on a pool opened by the library's connectMysql (same sessions: UTC,
 * strict, READ COMMITTED, exact BIGINT), and turns the rows' timestamps into Dates as the library does.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toDate } from '@pkg/broker';
import { DIALECTS } from '@pkg/broker/operation';
import type { DatabaseWrapper, SaveChatMessageArgs } from '@pkg/core';
import type { Pool } from 'mysql2/promise';
import { KEY_MASK, type Key } from '../dataset.js';
import { fmt, fmtInt, progress } from '../log.js';
import { collectGarbage, concurrentRound, median, type RoundResult, summarize } from '../measure.js';
import { POINT_READ_SQL, SELECT_MESSAGE } from '../sql.js';
import type { PgCell, StallResult, StallStats } from './pg.js';
import type { PgDataset } from './pg-dataset.js';
import { directInsertParams, messageFactory, type Posters } from './writes-common.js';

export const MYSQL_CELL_LABELS: Record<PgCell['contender'], string> = {
  library: 'DatabaseWrapper, MySQL source',
  direct: 'mysql2 direct (main thread)',
};

/** The texts the direct peer runs: the library's MySQL texts, read from the built core. */
export interface MysqlTexts {
  pointRead: string;
  sinceByChat: string;
  save: readonly string[];
}

const mysqlOf = (t: unknown): string =>
  typeof t === 'string' ? t : String((t as Record<string, string> | undefined)?.mysql ?? '');

export async function mysqlTexts(): Promise<MysqlTexts> {
  const coreIndex = fileURLToPath(import.meta.resolve('@pkg/core'));
  const statements = (await import(
    pathToFileURL(coreIndex.replace(/index\.js$/, 'operations/message-statements.js')).href
  )) as Record<string, unknown>;
  const d = DIALECTS.mysql;
  const save = ['INSERT_MESSAGE', 'COUNT_USER_MESSAGE', 'COUNT_CHAT_DAY', 'COUNT_USER_DAY'].map((name) => {
    const text = mysqlOf(statements[name]);
    if (text === '')
      throw new Error(`core's message-statements.js has no ${name}: update apps/bench/src/scenarios/mysql.ts`);
    return text;
  });
  return {
    pointRead: POINT_READ_SQL,
    sinceByChat: `${SELECT_MESSAGE} WHERE m.chat_id = ? ORDER BY m.date DESC, ${d.charLength('m.message_id')} DESC, m.message_id DESC LIMIT ?`,
    save,
  };
}

/** The columns the library turns into Dates (the catalog's `dates` of the message read). */
const DATE_COLUMNS = ['date', 'created_at', 'updated_at', 'media_created_at', 'media_updated_at'];

function withDates(row: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (row === undefined) return null;
  for (const c of DATE_COLUMNS) {
    const v = row[c];
    if (typeof v === 'string') row[c] = toDate(v);
  }
  return row;
}

function directRead(pool: Pool, texts: MysqlTexts, k: Key): Promise<unknown> {
  return pool
    .query(texts.pointRead, [k.chatId, k.messageId])
    .then(([rows]) => withDates((rows as Record<string, unknown>[])[0]));
}

/** saveChatMessage's four statements in one transaction on a connection of the pool (mysql2 runs them in turn). */
async function directSave(pool: Pool, texts: MysqlTexts, a: SaveChatMessageArgs): Promise<unknown> {
  const stored = a.date as string;
  const day = `${stored.slice(0, 10)} 00:00:00`;
  const conn = await pool.getConnection();
  try {
    await conn.query('START TRANSACTION');
    const params = [directInsertParams(a, stored), [a.chatId, a.userId], [a.chatId, day], [a.chatId, a.userId, day]];
    for (let i = 0; i < 4; i++) await conn.query(texts.save[i] as string, params[i]);
    await conn.query('COMMIT');
    return true;
  } catch (e) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    conn.release();
  }
}

async function checkSameRows(db: DatabaseWrapper, pool: Pool, texts: MysqlTexts, keys: readonly Key[]): Promise<void> {
  const lib = await Promise.all(keys.slice(0, 256).map((k) => db.getChatMessageByMessageId(k)));
  for (let i = 0; i < 256; i++) {
    const raw = (await directRead(pool, texts, keys[i] as Key)) as Record<string, unknown> | null;
    const got = lib[i] as unknown as Record<string, unknown> | null;
    if (raw === null || got === null) throw new Error(`key ${i}: no row (direct ${raw}, library ${got})`);
    for (const col of ['chat_id', 'message_id', 'user_id', 'message_text', 'username', 'date']) {
      const value = raw[col];
      const b = got[col];
      const same = value instanceof Date && b instanceof Date ? value.getTime() === b.getTime() : b === value;
      if (!same) throw new Error(`key ${i}: column ${col} differs: direct ${String(value)}, library ${String(b)}`);
    }
  }
}

export async function runMysqlCells(
  db: DatabaseWrapper,
  pool: Pool,
  texts: MysqlTexts,
  data: PgDataset,
  opts: { rounds: number; roundMs: number; warmupMs: number },
): Promise<PgCell[]> {
  const keys = data.keys;
  await checkSameRows(db, pool, texts, keys);
  progress('mysql: the library rows match the direct rows on 256 keys (same SQL, same server)');
  const posters: Posters = { chatIds: data.chats.map((c) => c.chatId), userIds: data.userIds };
  const libMsg = messageFactory(posters, 10_000_000);
  const directMsg = messageFactory(posters, 20_000_000);
  type Plan = Omit<PgCell, 'summary' | 'mainBusyUsPerOp'> & { call(i: number): Promise<unknown> };
  const reads: Plan[] = [1, 64].flatMap((inFlight) => [
    {
      kind: 'read' as const,
      contender: 'library' as const,
      inFlight,
      call: (i: number) => db.getChatMessageByMessageId(keys[i & KEY_MASK] as Key),
    },
    {
      kind: 'read' as const,
      contender: 'direct' as const,
      inFlight,
      call: (i: number) => directRead(pool, texts, keys[i & KEY_MASK] as Key),
    },
  ]);
  const writes: Plan[] = [1, 64].flatMap((inFlight) => [
    { kind: 'write' as const, contender: 'library' as const, inFlight, call: () => db.saveChatMessage(libMsg()) },
    {
      kind: 'write' as const,
      contender: 'direct' as const,
      inFlight,
      call: () => directSave(pool, texts, directMsg()),
    },
  ]);
  const cells: PgCell[] = [];
  for (const plans of [reads, writes]) {
    const round = (p: Plan, durationMs: number) => concurrentRound(p.call, { inFlight: p.inFlight, durationMs });
    for (const p of plans) {
      collectGarbage();
      await round(p, opts.warmupMs);
    }
    const results = plans.map(() => ({ rounds: [] as RoundResult[], busy: [] as number[] }));
    for (let r = 0; r < opts.rounds; r++) {
      for (const [idx, p] of plans.entries()) {
        collectGarbage();
        const elu0 = performance.eventLoopUtilization();
        const res = await round(p, opts.roundMs);
        const elu = performance.eventLoopUtilization(elu0);
        const slot = results[idx] as (typeof results)[number];
        slot.rounds.push(res);
        slot.busy.push((elu.active * 1000) / res.ops);
      }
      progress(
        `mysql ${plans[0]?.kind}s round ${r + 1}/${opts.rounds}: ${plans
          .map((p, idx) => `${p.contender}x${p.inFlight}=${fmtInt(results[idx]?.rounds[r]?.opsPerSec ?? Number.NaN)}`)
          .join(' ')} ops/s`,
      );
    }
    for (const [idx, p] of plans.entries()) {
      const slot = results[idx] as (typeof results)[number];
      cells.push({
        kind: p.kind,
        contender: p.contender,
        inFlight: p.inFlight,
        summary: summarize(slot.rounds),
        mainBusyUsPerOp: median(slot.busy),
      });
    }
  }
  return cells;
}

/**
 * One big read under the event-loop delay histogram (1 ms resolution), and the main thread's busy time while it
 * is answered (event-loop utilisation): mysql2 parses the answer as each chunk of the socket arrives, in many
 * short turns, so its longest stall is short while its total main-thread time is the whole parse.
 */
async function stallOf(
  read: () => Promise<unknown[]>,
): Promise<{ maxMs: number; p99Ms: number; ms: number; busyMs: number; rows: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const rows = await read();
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  h.disable();
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, ms, busyMs: elu.active, rows: rows.length };
}

/** The stall's figures, and the main thread's busy time during the read (median). */
export interface MysqlStallStats extends StallStats {
  busyMs: number;
}

export interface MysqlStallResult extends StallResult {
  library: MysqlStallStats;
  direct: MysqlStallStats;
}

export async function runMysqlStall(
  db: DatabaseWrapper,
  pool: Pool,
  texts: MysqlTexts,
  data: PgDataset,
  reps: number,
): Promise<MysqlStallResult> {
  const limit = 10_000;
  const chatId = data.bigChatId;
  const lib = () => db.getChatMessagesSince({ chatId, limit });
  const direct = () =>
    pool.query(texts.sinceByChat, [chatId, limit]).then(([rows]) => {
      const out = rows as Record<string, unknown>[];
      for (const row of out) withDates(row);
      return out;
    });
  await stallOf(lib);
  await stallOf(direct);
  const runs = {
    library: [] as Awaited<ReturnType<typeof stallOf>>[],
    direct: [] as Awaited<ReturnType<typeof stallOf>>[],
  };
  for (let r = 0; r < reps; r++) {
    collectGarbage();
    runs.library.push(await stallOf(lib));
    collectGarbage();
    runs.direct.push(await stallOf(direct));
  }
  for (const run of [...runs.library, ...runs.direct]) {
    if (run.rows !== limit) throw new Error(`stall: a read returned ${run.rows} rows, not ${limit}`);
  }
  const stats = (xs: Awaited<ReturnType<typeof stallOf>>[]): MysqlStallStats => ({
    busyMs: median(xs.map((x) => x.busyMs)),
    maxMs: median(xs.map((x) => x.maxMs)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
    worstMaxMs: Math.max(...xs.map((x) => x.maxMs)),
    readMs: median(xs.map((x) => x.ms)),
  });
  const result = { rows: limit, reps, library: stats(runs.library), direct: stats(runs.direct) };
  progress(
    `mysql stall (${fmtInt(limit)} rows): library max ${fmt(result.library.maxMs, 2)} ms p99 ${fmt(result.library.p99Ms, 2)} ms; ` +
      `direct max ${fmt(result.direct.maxMs, 2)} ms p99 ${fmt(result.direct.p99Ms, 2)} ms; main-thread busy ` +
      `${fmt(result.library.busyMs, 1)} vs ${fmt(result.direct.busyMs, 1)} ms`,
  );
  return result;
}
