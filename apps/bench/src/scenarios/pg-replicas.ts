/**
 * Reads of a PostgreSQL source with 0, 1 and 2 streaming replicas (issue #19): point reads
 * (getChatMessageByMessageId) at 64 in flight, ops/s, latency, main-thread busy time per read and the share the
 * replicas served. On a throwaway primary with two standbys (@pkg/testkit startTestPgReplication; or
 * BOTDB_TEST_PG_PRIMARY_URL + BOTDB_TEST_PG_REPLICA_URLS). Every server runs on this machine, so they compete
 * with the bot for its cores: more replicas add servers, not cores.
 */
import { performance } from 'node:perf_hooks';
import { type DatabaseSourceStats, DatabaseWrapper } from '@pkg/core';
import { pgReplicationTestAvailable, startTestPgReplication } from '@pkg/testkit';
import postgres from 'postgres';
import { KEY_MASK, type Key } from '../dataset.js';
import { fmt, fmtInt, progress } from '../log.js';
import { collectGarbage, concurrentRound, median, type RoundResult, type Summary, summarize } from '../measure.js';
import { buildPgDataset } from './pg-dataset.js';

export interface ReplicaReadCell {
  replicas: number;
  /** Whether one writer wrote (setChatSetting, 1 in flight) all along: reads then follow this process's writes. */
  withWrites: boolean;
  summary: Summary;
  /** Main-thread busy time per read (event-loop utilisation), median over rounds. */
  mainBusyUsPerOp: number;
  /** Share of the reads the replicas served (the rest: the primary). */
  replicaShare: number;
}

export interface ReplicaReadsResult {
  origin: 'throwaway' | 'env';
  cells: ReplicaReadCell[];
}

const IN_FLIGHT = 64;
const POOL_SIZE = 5;

function statsOf(all: Record<string, DatabaseSourceStats>): DatabaseSourceStats {
  return all.pg as DatabaseSourceStats;
}

/** Null when no replication set can be had here (the caller prints why). */
export async function runReplicaReads(opts: {
  rounds: number;
  roundMs: number;
  warmupMs: number;
}): Promise<ReplicaReadsResult | null> {
  if (!pgReplicationTestAvailable()) return null;
  const set = await startTestPgReplication({ standbys: 2 });
  const schema = `bench_rep_${process.pid.toString(36)}_${Date.now().toString(36)}`;
  const admin = postgres(set.primaryUrl, { max: 1, idle_timeout: 0, connect_timeout: 30, onnotice: () => {} });
  const open = (replicas: string[]) =>
    new DatabaseWrapper({
      config: {
        default: 'pg',
        sources: { pg: { type: 'postgresql', url: set.primaryUrl, schema, poolSize: POOL_SIZE, replicas } },
      },
    });
  try {
    const seed = open([]);
    const data = await buildPgDataset(seed, async () => {
      const rows = await admin.unsafe(`SELECT count(*)::int AS n FROM "${schema}".chat_messages`);
      return Number(rows[0]?.n ?? 0);
    });
    await seed.close();
    const keys = data.keys;
    const cells: ReplicaReadCell[] = [];
    for (const n of [0, 1, 2].filter((k) => k <= set.replicaUrls.length)) {
      const db = open(set.replicaUrls.slice(0, n));
      try {
        await db.ready();
        // The replicas count once they have replayed the dataset (the background poll says so).
        const until = Date.now() + 60_000;
        while (!(statsOf(await db.stats()).replicas ?? []).every((r) => r.state === 'ok' && r.lagMs === 0)) {
          if (Date.now() > until) throw new Error('bench: the replicas did not catch up within 60 s');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const call = (i: number) => db.getChatMessageByMessageId(keys[i & KEY_MASK] as Key);
        collectGarbage();
        await concurrentRound(call, { inFlight: IN_FLIGHT, durationMs: opts.warmupMs });
        // Reads alone; then (with replicas) reads while this process writes, where per-source read-your-writes
        // sends a read to the primary until a replica has replayed the latest write.
        for (const withWrites of n === 0 ? [false] : [false, true]) {
          let writing = withWrites;
          let written = 0;
          const writer = (async () => {
            while (writing) await db.setChatSetting({ chatId: 42, key: 'bench', value: String(written++) });
          })();
          const before = statsOf(await db.stats());
          const rounds: RoundResult[] = [];
          const busy: number[] = [];
          try {
            for (let r = 0; r < opts.rounds; r++) {
              collectGarbage();
              const elu0 = performance.eventLoopUtilization();
              const res = await concurrentRound(call, { inFlight: IN_FLIGHT, durationMs: opts.roundMs });
              busy.push((performance.eventLoopUtilization(elu0).active * 1000) / res.ops);
              rounds.push(res);
            }
          } finally {
            writing = false;
            await writer;
          }
          const after = statsOf(await db.stats());
          const served = (s: DatabaseSourceStats) => (s.replicas ?? []).reduce((a, x) => a + x.reads, 0);
          const replicaReads = served(after) - served(before);
          const primaryReads = (after.primaryReads ?? 0) - (before.primaryReads ?? 0);
          const total = replicaReads + primaryReads;
          const cell: ReplicaReadCell = {
            replicas: n,
            withWrites,
            summary: summarize(rounds),
            mainBusyUsPerOp: median(busy),
            replicaShare: total === 0 ? 0 : replicaReads / total,
          };
          cells.push(cell);
          progress(
            `replicas ${n}${withWrites ? ` + ${fmtInt(written)} writes` : ''}: ${fmtInt(cell.summary.opsPerSec)} reads/s x${IN_FLIGHT}, ` +
              `main ${fmt(cell.mainBusyUsPerOp, 2)} us/read, ${fmt(cell.replicaShare * 100, 0)}% on replicas`,
          );
        }
      } finally {
        await db.close();
      }
    }
    return { origin: set.origin, cells };
  } finally {
    await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end({ timeout: 5 }).catch(() => undefined);
    await set.stop();
  }
}

export function replicaTable(cells: readonly ReplicaReadCell[]): string {
  const base = cells.find((c) => c.replicas === 0)?.summary.opsPerSec ?? Number.NaN;
  return [
    '| replicas | this process writes | reads/s x64 | p50 us | p99 us | main us/read | on replicas | vs 0 replicas |',
    '|---------:|:-------------------:|------------:|-------:|-------:|-------------:|------------:|--------------:|',
    ...cells.map(
      (c) =>
        `| ${c.replicas} | ${c.withWrites ? 'yes (1 in flight)' : 'no'} | ${fmtInt(c.summary.opsPerSec)} | ${fmt(c.summary.latencyUs?.p50 ?? Number.NaN)} | ` +
        `${fmt(c.summary.latencyUs?.p99 ?? Number.NaN)} | ${fmt(c.mainBusyUsPerOp, 2)} | ${fmt(c.replicaShare * 100, 0)}% | ` +
        `${fmt(c.summary.opsPerSec / base, 2)}x |`,
    ),
  ].join('\n');
}
