/**
 * Point reads by key: every contender, every in-flight level, in one run. Rounds are interleaved (round 1
 * of every cell, then round 2 ...) so a noisy neighbour on the shared machine hits all contenders alike;
 * each cell reports the median round. Main-thread busy time per read comes from eventLoopUtilization.
 */
import { performance } from 'node:perf_hooks';
import { SPIN_US } from '../bench-spin.js';
import { openBroker, openBrokerTwoSources } from '../contenders/broker.js';
import { startBatchReader, startEcho } from '../contenders/comlink.js';
import { openDirect } from '../contenders/direct.js';
import { openNodeSqlite3 } from '../contenders/node-sqlite3.js';
import { startPiscina } from '../contenders/piscina.js';
import { startRawReader } from '../contenders/raw.js';
import type { AsyncReader } from '../contenders/types.js';
import type { Dataset } from '../dataset.js';
import { fmt, fmtInt, progress } from '../log.js';
import {
  collectGarbage,
  concurrentRound,
  median,
  type RoundResult,
  type Summary,
  summarize,
  syncRound,
  timedEach,
  timedInGroups,
} from '../measure.js';
import { cpuMark, cpuSince } from '../thread-cpu.js';

export type ContenderId =
  | 'direct'
  | 'directUncached'
  | 'nodeSqlite3'
  | 'comlinkEcho'
  | 'comlinkSql1'
  | 'comlinkBatch64'
  | 'rawSql'
  | 'piscina1'
  | 'piscina2'
  | 'broker'
  | 'brokerTwoSources'
  | 'brokerQueue1'
  | 'brokerQueue4'
  | 'brokerSpin';

export const CONTENDER_LABELS: Record<ContenderId, string> = {
  direct: 'better-sqlite3 direct (main thread)',
  directUncached: 'better-sqlite3 direct, prepare per read',
  nodeSqlite3: 'node-sqlite3',
  comlinkEcho: 'bare Comlink echo (no SQL)',
  comlinkSql1: 'Comlink, 1 read per message',
  comlinkBatch64: 'Comlink, 64 reads per message',
  rawSql: 'raw postMessage + SQL (1 worker)',
  piscina1: 'piscina, 1 thread',
  piscina2: 'piscina, 2 threads',
  broker: 'DatabaseWrapper (broker, 2 batches)',
  brokerTwoSources: 'DatabaseWrapper, 2 sources',
  brokerQueue1: 'DatabaseWrapper, 1 batch in flight',
  brokerQueue4: 'DatabaseWrapper, 4 batches in flight',
  brokerSpin: `DatabaseWrapper, worker spins ${SPIN_US} us`,
};

export interface ReadCell {
  id: ContenderId;
  /** Reads in flight; 1 for the synchronous loops. */
  inFlight: number;
  sync: boolean;
  summary: Summary;
  /** Main-thread busy time (event loop utilisation) per read, median over rounds. */
  mainBusyUsPerRead: number;
  /** Main-thread CPU time per read (Linux thread counters), median over rounds; NaN elsewhere. */
  mainCpuUsPerRead: number;
  /** CPU time of the rest of the process per read (the contender's workers, V8's helper threads), median. */
  otherCpuUsPerRead: number;
  /** Broker only: calls per Comlink message, median over rounds. */
  callsPerBatch?: number;
}

export interface ReadsResult {
  cells: ReadCell[];
  /** Direct better-sqlite3, each read timed alone. */
  directEachUs: { p50: number; p99: number };
  /** Converting one row's four timestamp columns to Date (what the worker does per read). */
  dateConversionNsPerRow: number;
}

interface CellPlan {
  id: ContenderId;
  inFlight: number;
  sync: boolean;
  round(durationMs: number): Promise<RoundResult>;
  batches?: () => Promise<{ calls: number; batches: number }>;
}

const STORED = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;
function toDate(value: unknown): Date {
  if (typeof value !== 'string') return new Date(Number.NaN);
  if (STORED.test(value)) return new Date(`${value.slice(0, 10)}T${value.slice(11)}Z`);
  return new Date(value);
}

/**
 * The broker returns the same row as the direct read, with its timestamps as Dates: checked on 256 keys one at
 * a time, and on 256 more with 64 in flight (the worker then answers a batch's point reads with one statement).
 */
async function checkSameRows(direct: ReturnType<typeof openDirect>, broker: AsyncReader): Promise<void> {
  const together: unknown[] = [];
  for (let base = 256; base < 512; base += 64) {
    together.push(...(await Promise.all(Array.from({ length: 64 }, (_, k) => broker.call(base + k)))));
  }
  for (let i = 0; i < 512; i++) {
    const raw = direct.read(i) as Record<string, unknown> | undefined;
    const got = (i < 256 ? await broker.call(i) : together[i - 256]) as Record<string, unknown> | null;
    if (raw === undefined || got === null) throw new Error(`key ${i}: no row (direct ${raw}, broker ${got})`);
    for (const [col, value] of Object.entries(raw)) {
      const b = got[col];
      const same = b instanceof Date ? value !== null && b.getTime() === toDate(value).getTime() : b === value;
      if (!same) throw new Error(`key ${i}: column ${col} differs: direct ${String(value)} broker ${String(b)}`);
    }
  }
}

export async function runReads(
  data: Dataset,
  opts: { rounds: number; roundMs: number; warmupMs: number },
): Promise<ReadsResult> {
  const keys = data.keys;
  // Copied before any contender opens the file (a copy refuses a file with a live WAL).
  const twoCopies: [string, string] = [data.copyMain('reads-two-a.db'), data.copyMain('reads-two-b.db')];
  const direct = openDirect(data.mainPath, keys);
  const nodeSqlite3 = await openNodeSqlite3(data.mainPath, keys);
  const echo = await startEcho(keys);
  const batch = await startBatchReader(data.mainPath, keys, 64);
  const sql1 = await startBatchReader(data.mainPath, keys, 1);
  const broker = await openBroker(data.mainPath, keys);
  const brokerQ1 = await openBroker(data.mainPath, keys, { maxBatchesInFlight: 1 });
  const brokerQ4 = await openBroker(data.mainPath, keys, { maxBatchesInFlight: 4 });
  const brokerSpin = await openBroker(data.mainPath, keys, { spinUs: SPIN_US });
  const raw = await startRawReader(data.mainPath, keys);
  const piscina1 = await startPiscina(data.mainPath, keys, 1);
  const piscina2 = await startPiscina(data.mainPath, keys, 2);
  const brokerTwo = await openBrokerTwoSources(twoCopies, data.chatIds, keys);
  await checkSameRows(direct, broker);
  await checkSameRows(direct, brokerTwo);
  progress('reads: contenders open; broker rows match direct rows (same SQL, Dates converted in the worker)');

  const asyncCell = (
    id: ContenderId,
    reader: AsyncReader,
    calls: number,
    counters?: CellPlan['batches'],
  ): CellPlan => ({
    id,
    inFlight: calls * reader.opsPerCall,
    sync: false,
    round: (durationMs) =>
      concurrentRound((i) => reader.call(i), { inFlight: calls, durationMs, opsPerCall: reader.opsPerCall }),
    batches: counters,
  });
  const syncCell = (id: ContenderId, read: (i: number) => unknown): CellPlan => ({
    id,
    inFlight: 1,
    sync: true,
    round: async (durationMs) => syncRound((i) => void read(i), durationMs),
  });
  const plans: CellPlan[] = [
    syncCell('direct', direct.read),
    syncCell('directUncached', direct.readUncached),
    ...[1, 64, 1024].map((n) => asyncCell('nodeSqlite3', nodeSqlite3, n)),
    ...[1, 64, 1024].map((n) => asyncCell('comlinkEcho', echo, n)),
    asyncCell('comlinkSql1', sql1, 1),
    asyncCell('comlinkSql1', sql1, 64),
    asyncCell('comlinkBatch64', batch, 1),
    asyncCell('comlinkBatch64', batch, 2),
    asyncCell('rawSql', raw, 1),
    asyncCell('rawSql', raw, 64),
    asyncCell('piscina1', piscina1, 1),
    asyncCell('piscina1', piscina1, 64),
    asyncCell('piscina2', piscina2, 1),
    asyncCell('piscina2', piscina2, 64),
    ...[1, 64, 1024].map((n) => asyncCell('broker', broker, n, broker.counters)),
    asyncCell('brokerTwoSources', brokerTwo, 64, brokerTwo.counters),
    asyncCell('brokerQueue1', brokerQ1, 64, brokerQ1.counters),
    asyncCell('brokerQueue4', brokerQ4, 64, brokerQ4.counters),
    ...[1, 64].map((n) => asyncCell('brokerSpin', brokerSpin, n, brokerSpin.counters)),
  ];
  const name = (p: CellPlan) => `${CONTENDER_LABELS[p.id]} x${p.inFlight}`;

  for (const p of plans) {
    collectGarbage();
    await p.round(opts.warmupMs);
  }
  progress(`reads: ${plans.length} cells warmed up; ${opts.rounds} interleaved rounds of ${opts.roundMs} ms`);

  const results = plans.map(() => ({
    rounds: [] as RoundResult[],
    busy: [] as number[],
    mainCpu: [] as number[],
    otherCpu: [] as number[],
    perBatch: [] as number[],
  }));
  for (let r = 0; r < opts.rounds; r++) {
    for (const [idx, p] of plans.entries()) {
      collectGarbage();
      const before = p.batches ? await p.batches() : undefined;
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = cpuMark();
      const res = await p.round(opts.roundMs);
      const cpu = cpuSince(cpu0);
      const elu = performance.eventLoopUtilization(elu0);
      const after = p.batches ? await p.batches() : undefined;
      const slot = results[idx] as (typeof results)[number];
      slot.rounds.push(res);
      slot.busy.push((elu.active * 1000) / res.ops);
      slot.mainCpu.push(cpu.mainUs / res.ops);
      slot.otherCpu.push(cpu.otherUs / res.ops);
      if (before && after) slot.perBatch.push((after.calls - before.calls) / (after.batches - before.batches));
    }
    const line = plans
      .map((p, idx) => `${p.id}x${p.inFlight}=${fmtInt(results[idx]?.rounds[r]?.opsPerSec ?? Number.NaN)}`)
      .join(' ');
    progress(`reads round ${r + 1}/${opts.rounds}: ${line}`);
  }

  const directEachUs = timedEach((i) => void direct.read(i), 50_000);
  const sampleRows = Array.from({ length: 64 }, (_, i) => direct.read(i) as Record<string, unknown>);
  const conv = timedInGroups(
    (i) => {
      const r = sampleRows[i & 63] as Record<string, unknown>;
      return (
        toDate(r.date).getTime() +
        toDate(r.created_at).getTime() +
        (r.media_created_at == null ? 0 : toDate(r.media_created_at).getTime()) +
        (r.media_updated_at == null ? 0 : toDate(r.media_updated_at).getTime())
      );
    },
    { groups: 2000, groupSize: 64 },
  );

  direct.close();
  await Promise.all([
    nodeSqlite3.close(),
    echo.close(),
    batch.close(),
    sql1.close(),
    brokerQ1.close(),
    brokerQ4.close(),
    brokerSpin.close(),
    broker.close(),
    raw.close(),
    piscina1.close(),
    piscina2.close(),
    brokerTwo.close(),
  ]);

  const cells: ReadCell[] = plans.map((p, idx) => {
    const slot = results[idx] as (typeof results)[number];
    const cell: ReadCell = {
      id: p.id,
      inFlight: p.inFlight,
      sync: p.sync,
      summary: summarize(slot.rounds),
      mainBusyUsPerRead: median(slot.busy),
      mainCpuUsPerRead: median(slot.mainCpu),
      otherCpuUsPerRead: median(slot.otherCpu),
    };
    if (slot.perBatch.length > 0) cell.callsPerBatch = median(slot.perBatch);
    progress(
      `reads: ${name(p)}: ${fmtInt(cell.summary.opsPerSec)} ops/s` +
        (cell.summary.latencyUs
          ? `, p50 ${fmt(cell.summary.latencyUs.p50)} us, p99 ${fmt(cell.summary.latencyUs.p99)} us`
          : ''),
    );
    return cell;
  });
  return { cells, directEachUs, dateConversionNsPerRow: conv.p50Ns };
}

export function findCell(result: ReadsResult, id: ContenderId, inFlight: number): ReadCell | undefined {
  return result.cells.find((c) => c.id === id && c.inFlight === inFlight);
}
