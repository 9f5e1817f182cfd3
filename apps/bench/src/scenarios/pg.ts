/**
 * The PostgreSQL cells: point reads (getChatMessageByMessageId) and saveChatMessage, library vs the `postgres`
 * driver on the main thread, 1 and 64 in flight (closed loops). Rounds are interleaved (round 1 of every cell,
 * then round 2 ...) and each cell reports its median round; main-thread busy time per call comes from
 * eventLoopUtilization, as in the SQLite reads. Then the stall: the event-loop delay histogram while one
 * 10,000-row read is answered, library and direct alternating.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { toDate } from '@pkg/broker';
import type { DatabaseWrapper, SaveChatMessageArgs } from '@pkg/core';
import type { Sql } from 'postgres';
import { SPIN_US } from '../bench-spin.js';
import { KEY_MASK, type Key } from '../dataset.js';
import { fmt, fmtInt, progress } from '../log.js';
import { collectGarbage, concurrentRound, median, type RoundResult, type Summary, summarize } from '../measure.js';
import { PG } from '../pg-sql.js';
import type { PgDataset } from './pg-dataset.js';
import { directInsertParams, messageFactory, type Posters } from './writes-common.js';

const posters = (data: PgDataset): Posters => ({ chatIds: data.chats.map((c) => c.chatId), userIds: data.userIds });

/** `librarySpin`: the same source opened with `broker.spinUs` (reads only). */
export type PgContender = 'library' | 'librarySpin' | 'direct';

export const CELL_LABELS: Record<PgContender, string> = {
  library: 'DatabaseWrapper, PostgreSQL source',
  librarySpin: `DatabaseWrapper, PostgreSQL source, worker spins ${SPIN_US} us`,
  direct: 'postgres driver direct (main thread)',
};

export interface PgCell {
  kind: 'read' | 'write';
  contender: PgContender;
  inFlight: number;
  summary: Summary;
  /** Main-thread busy time per call (event-loop utilisation), median over rounds. */
  mainBusyUsPerOp: number;
}

export interface StallStats {
  /** Medians over the reads of each read's histogram max / p99. */
  maxMs: number;
  p99Ms: number;
  /** The largest max of any read. */
  worstMaxMs: number;
  /** Median wall time of one read. */
  readMs: number;
  /** Median main-thread busy time during one read (event-loop utilisation x wall time). */
  busyMs: number;
}

export interface StallResult {
  rows: number;
  reps: number;
  library: StallStats;
  direct: StallStats;
}

/** saveChatMessage's four statements in one transaction, pipelined (sql.begin with an array), as the worker does. */
function directSave(sql: Sql, a: SaveChatMessageArgs): Promise<unknown> {
  const stored = a.date as string;
  const date = toDate(stored);
  const day = toDate(`${stored.slice(0, 10)} 00:00:00`);
  const opts = { prepare: true };
  return sql.begin((tx) => [
    tx.unsafe(PG.insertMessage, directInsertParams(a, date) as never[], opts),
    tx.unsafe(PG.countUserMessage, [a.chatId, a.userId], opts),
    tx.unsafe(PG.countChatDay, [a.chatId, day] as never[], opts),
    tx.unsafe(PG.countUserDay, [a.chatId, a.userId, day] as never[], opts),
  ]);
}

function directRead(sql: Sql, k: Key): Promise<unknown> {
  return sql.unsafe(PG.pointRead, [k.chatId, k.messageId], { prepare: true }).then((rows) => rows[0] ?? null);
}

/** The library's rows equal the direct driver's, column by column (Dates by instant), on 256 keys. */
async function checkSameRows(db: DatabaseWrapper, sql: Sql, keys: readonly Key[]): Promise<void> {
  const lib = await Promise.all(keys.slice(0, 256).map((k) => db.getChatMessageByMessageId(k)));
  for (let i = 0; i < 256; i++) {
    const raw = (await directRead(sql, keys[i] as Key)) as Record<string, unknown> | null;
    const got = lib[i] as unknown as Record<string, unknown> | null;
    if (raw === null || got === null) throw new Error(`key ${i}: no row (direct ${raw}, library ${got})`);
    for (const [col, value] of Object.entries(raw)) {
      const b = got[col];
      const same = value instanceof Date && b instanceof Date ? value.getTime() === b.getTime() : b === value;
      if (!same) throw new Error(`key ${i}: column ${col} differs: direct ${String(value)}, library ${String(b)}`);
    }
  }
}

/** The direct peer of a server engine's cells: its driver on the main thread, running the library's statements. */
export interface DirectPeer {
  /** For progress lines: `pg`, `mysql`. */
  readonly tag: string;
  read(k: Key): Promise<unknown>;
  save(a: SaveChatMessageArgs): Promise<unknown>;
  /** getChatMessagesSince({ chatId, limit }) in the library's SQL. */
  since(chatId: number, limit: number): Promise<unknown[]>;
  /** Throws unless the library's rows equal the peer's on these keys. */
  checkSameRows(db: DatabaseWrapper, keys: readonly Key[]): Promise<void>;
}

export function pgPeer(sql: Sql): DirectPeer {
  return {
    tag: 'pg',
    read: (k) => directRead(sql, k),
    save: (a) => directSave(sql, a),
    since: (chatId, limit) => sql.unsafe(PG.sinceByChat, [chatId, limit], { prepare: true }) as Promise<unknown[]>,
    checkSameRows: (db, keys) => checkSameRows(db, sql, keys),
  };
}

export async function runPgCells(
  db: DatabaseWrapper,
  peer: DirectPeer,
  data: PgDataset,
  opts: { rounds: number; roundMs: number; warmupMs: number },
  /** The same source opened with `broker.spinUs`: its reads join the library's as `librarySpin`. */
  spinDb?: DatabaseWrapper,
): Promise<PgCell[]> {
  const keys = data.keys;
  await peer.checkSameRows(db, keys);
  progress(`${peer.tag}: the library rows match the direct rows on 256 keys (same SQL, same server)`);
  const libMsg = messageFactory(posters(data), 10_000_000);
  const directMsg = messageFactory(posters(data), 20_000_000);
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
      call: (i: number) => peer.read(keys[i & KEY_MASK] as Key),
    },
    ...(spinDb === undefined
      ? []
      : [
          {
            kind: 'read' as const,
            contender: 'librarySpin' as const,
            inFlight,
            call: (i: number) => spinDb.getChatMessageByMessageId(keys[i & KEY_MASK] as Key),
          },
        ]),
  ]);
  const writes: Plan[] = [1, 64].flatMap((inFlight) => [
    { kind: 'write' as const, contender: 'library' as const, inFlight, call: () => db.saveChatMessage(libMsg()) },
    { kind: 'write' as const, contender: 'direct' as const, inFlight, call: () => peer.save(directMsg()) },
  ]);

  const cells: PgCell[] = [];
  // Reads first, then writes: the writes grow the tables the reads would otherwise read in a changing state.
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
        `${peer.tag} ${plans[0]?.kind}s round ${r + 1}/${opts.rounds}: ${plans
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

/** One big read under the event-loop delay histogram (1 ms resolution). */
async function stallOf(
  read: () => Promise<unknown[]>,
): Promise<{ maxMs: number; p99Ms: number; ms: number; busyMs: number; rows: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const rows = await read();
  const ms = performance.now() - t0;
  const busyMs = performance.eventLoopUtilization(elu0).active;
  h.disable();
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, ms, busyMs, rows: rows.length };
}

export async function runStall(
  db: DatabaseWrapper,
  peer: DirectPeer,
  data: PgDataset,
  reps: number,
): Promise<StallResult> {
  const limit = 10_000;
  const chatId = data.bigChatId;
  const lib = () => db.getChatMessagesSince({ chatId, limit });
  const direct = () => peer.since(chatId, limit);
  // Warm-up (statements prepared, code paths compiled), then the reads alternate so noise hits both alike.
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
  const rows = runs.library[0]?.rows ?? 0;
  for (const run of [...runs.library, ...runs.direct]) {
    if (run.rows !== limit) throw new Error(`stall: a read returned ${run.rows} rows, not ${limit}`);
  }
  const stats = (xs: Awaited<ReturnType<typeof stallOf>>[]): StallStats => ({
    maxMs: median(xs.map((x) => x.maxMs)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
    worstMaxMs: Math.max(...xs.map((x) => x.maxMs)),
    readMs: median(xs.map((x) => x.ms)),
    busyMs: median(xs.map((x) => x.busyMs)),
  });
  const result = { rows, reps, library: stats(runs.library), direct: stats(runs.direct) };
  progress(
    `${peer.tag} stall (${fmtInt(rows)} rows): library max ${fmt(result.library.maxMs, 2)} ms p99 ${fmt(result.library.p99Ms, 2)} ms; ` +
      `direct max ${fmt(result.direct.maxMs, 2)} ms p99 ${fmt(result.direct.p99Ms, 2)} ms`,
  );
  return result;
}

export function cellTable(cells: readonly PgCell[], labels: Record<PgContender, string> = CELL_LABELS): string {
  const header = [
    'contender',
    'call',
    'in flight',
    'ops/s (median)',
    'p50 us',
    'p99 us',
    'main us/op',
    'library/direct',
  ];
  const rows = cells.map((c) => {
    const peer = cells.find((d) => d.kind === c.kind && d.inFlight === c.inFlight && d.contender === 'direct');
    const r = peer === undefined ? Number.NaN : c.summary.opsPerSec / peer.summary.opsPerSec;
    return [
      labels[c.contender],
      c.kind === 'read' ? 'getChatMessageByMessageId' : 'saveChatMessage',
      String(c.inFlight),
      fmtInt(c.summary.opsPerSec),
      fmt(c.summary.latencyUs?.p50 ?? Number.NaN),
      fmt(c.summary.latencyUs?.p99 ?? Number.NaN),
      fmt(c.mainBusyUsPerOp, 2),
      c.contender === 'direct' ? '1.00x' : `${fmt(r, 2)}x`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((s, i) => (i >= 2 ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}
