/**
 * `pnpm bench:pg`: a PostgreSQL source through the library (DatabaseWrapper -> broker -> the source's worker,
 * which pipelines a batch's calls) against the `postgres` driver used directly on the main thread, on the
 * same server, schema, keys and SQL. The server: BOTDB_BENCH_PG_URL, else a throwaway cluster from the
 * machine's binaries (@pkg/testkit); neither: one line saying how to enable it, exit 0. Every run fills a
 * fresh schema through the library and drops it after. Then reads with 0, 1 and 2 streaming replicas on a
 * throwaway primary with two standbys (scenarios/pg-replicas.ts; BENCH_PG_REPLICAS=0 skips it). Writes
 * results/pg-latest.json; exits non-zero when a target is missed. BENCH_ROUNDS / BENCH_ROUND_MS shorten a run
 * while developing.
 */
import os from 'node:os';
import { PG_INT8_EXACT } from '@pkg/broker';
import { DatabaseWrapper } from '@pkg/core';
import { postgresTestAvailable, startTestPostgres } from '@pkg/testkit';
import postgres, { type Sql } from 'postgres';
import { SPIN_US } from './bench-spin.js';
import { engineFigures, engineTargets, rssAddedBy } from './engine-targets.js';
import { fmt, fmtInt, progress } from './log.js';
import { hasGc } from './measure.js';
import { assertSamePgSqlAsCore } from './pg-sql.js';
import { machine, type Target, target, targetsTable, writeJson } from './report.js';
import {
  CELL_LABELS,
  cellTable,
  type PgCell,
  type PgContender,
  pgPeer,
  runPgCells,
  runStall,
  type StallResult,
} from './scenarios/pg.js';
import { buildPgDataset, type PgDataset } from './scenarios/pg-dataset.js';
import { type ReplicaReadsResult, replicaTable, runReplicaReads } from './scenarios/pg-replicas.js';

const BENCH_URL_ENV = 'BOTDB_BENCH_PG_URL';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const WARMUP_MS = Math.min(400, ROUND_MS);
/** The library's default pool; the direct peer gets the same. */
const POOL_SIZE = 5;

interface Server {
  url: string;
  origin: 'env' | 'throwaway' | 'test-env';
  stop(): Promise<void>;
}

/** BOTDB_BENCH_PG_URL, else a throwaway cluster (or BOTDB_TEST_PG_URL, as the tests take it); null: none here. */
async function openServer(): Promise<Server | null> {
  const url = process.env[BENCH_URL_ENV];
  if (url) return { url, origin: 'env', stop: async () => {} };
  if (!postgresTestAvailable()) return null;
  const pg = await startTestPostgres();
  return { url: pg.url, origin: pg.origin === 'env' ? 'test-env' : 'throwaway', stop: () => pg.stop() };
}

/** The direct peer: the worker's driver settings (int8 parser, UTC sessions, search_path), on the main thread. */
function openDirect(url: string, schema: string): Sql {
  return postgres(url, {
    max: POOL_SIZE,
    idle_timeout: 0,
    connect_timeout: 30,
    onnotice: () => {},
    types: { bigint: PG_INT8_EXACT },
    connection: {
      application_name: 'botdb-bench:direct',
      TimeZone: 'UTC',
      search_path: schema,
      statement_timeout: 30_000,
    },
    // The parser's type differs from the default Sql's; the cells only pass numbers and strings.
  }) as unknown as Sql;
}

function adminClient(url: string): Sql {
  return postgres(url, { max: 1, idle_timeout: 0, connect_timeout: 30, onnotice: () => {} });
}

async function main(): Promise<number> {
  await assertSamePgSqlAsCore();
  const server = await openServer();
  if (server === null) {
    console.log(
      `PostgreSQL bench skipped: no server. To enable it, set ${BENCH_URL_ENV}=postgres://user@host:port/db ` +
        '(a role that may create schemas), or install PostgreSQL (apt-get install postgresql) for a throwaway cluster.',
    );
    return 0;
  }
  const host = machine();
  const schema = `bench_${process.pid.toString(36)}_${Date.now().toString(36)}`;
  const admin = adminClient(server.url);
  let db: DatabaseWrapper | null = null;
  let spinDb: DatabaseWrapper | null = null;
  let direct: Sql | null = null;
  try {
    const [versionRow] = await admin.unsafe('SHOW server_version');
    const serverVersion = String(versionRow?.server_version ?? 'unknown');
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
    progress(
      `machine: ${host.cpus} x ${host.model}, node ${host.node}, load ${host.loadAvgAtStart.join(' ')}; PostgreSQL ` +
        `${serverVersion} (${server.origin === 'throwaway' ? 'throwaway cluster, fsync=off, synchronous_commit=off' : `from ${server.origin === 'env' ? BENCH_URL_ENV : 'BOTDB_TEST_PG_URL'}`}); ` +
        `schema ${schema}; ${ROUNDS} rounds of ${ROUND_MS} ms per cell${hasGc ? ', GC between rounds' : ''}`,
    );

    const config = {
      default: 'pg',
      sources: { pg: { type: 'postgresql' as const, url: server.url, schema, poolSize: POOL_SIZE } },
    };
    db = new DatabaseWrapper({ config });
    const memoryPerSourceMB = await rssAddedBy(() => (db as DatabaseWrapper).ready());
    direct = openDirect(server.url, schema);
    await direct.unsafe('SELECT 1');
    const sql = direct;
    const data: PgDataset = await buildPgDataset(db, async () => {
      const rows = (await sql.unsafe('SELECT count(*)::int AS n FROM chat_messages')) as unknown as Array<{
        n: number;
      }>;
      return rows[0]?.n ?? 0;
    });

    const peer = pgPeer(direct);
    spinDb = new DatabaseWrapper({ config, broker: { spinUs: SPIN_US } });
    await spinDb.ready();
    const opts = { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS };
    const cells = await runPgCells(db, peer, data, opts, spinDb);
    const stall = await runStall(db, peer, data, 7);
    const replicaReads: ReplicaReadsResult | null =
      process.env.BENCH_PG_REPLICAS === '0'
        ? null
        : await runReplicaReads({ rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS });

    const cell = (kind: PgCell['kind'], contender: PgCell['contender'], inFlight: number) =>
      cells.find((c) => c.kind === kind && c.contender === contender && c.inFlight === inFlight);
    const ratio = (kind: PgCell['kind'], inFlight: number, library: PgContender = 'library') =>
      (cell(kind, library, inFlight)?.summary.opsPerSec ?? Number.NaN) /
      (cell(kind, 'direct', inFlight)?.summary.opsPerSec ?? Number.NaN);
    const ratios = {
      reads1: ratio('read', 1),
      reads1Spin: ratio('read', 1, 'librarySpin'),
      reads64Spin: ratio('read', 64, 'librarySpin'),
      reads64: ratio('read', 64),
      writes1: ratio('write', 1),
      writes64: ratio('write', 64),
    };
    const mainUs64 = {
      library: cell('read', 'library', 64)?.mainBusyUsPerOp ?? Number.NaN,
      direct: cell('read', 'direct', 64)?.mainBusyUsPerOp ?? Number.NaN,
    };

    // Only the issue's design claims: the worker spares the main thread per read, and a big read stalls it less.
    const engines = { postgresql: engineFigures(ratios, mainUs64, memoryPerSourceMB) };
    const targets: Target[] = [
      target('main-thread us per read x64: library < direct', mainUs64.library, '<', mainUs64.direct, 'us', 2),
      ...engineTargets('postgresql', engines.postgresql),
      target(
        `event-loop max delay, ${fmtInt(stall.rows)}-row read: library < direct`,
        stall.library.maxMs,
        '<',
        stall.direct.maxMs,
        'ms',
        2,
      ),
    ];

    // With replicas caught up and no writes, every read outside a transaction may go to a replica: the routing
    // must send them there under load (the speed they give depends on the machine: no target on it).
    for (const c of replicaReads?.cells ?? []) {
      if (c.replicas > 0 && !c.withWrites) {
        targets.push(target(`reads x64 served by ${c.replicas} replica(s)`, c.replicaShare * 100, '>=', 99, '%', 1));
      }
    }
    console.log(
      `\nPostgreSQL source vs the postgres driver on the main thread (${ROUNDS} rounds x ${ROUND_MS} ms, median; ` +
        `same server, schema, keys and SQL; pool of ${POOL_SIZE} each)\n`,
    );
    console.log(cellTable(cells));
    console.log(
      '\n* main us/op: main-thread busy time per call (event-loop utilisation). library/direct: ops/s ratio at the same ' +
        'in-flight count. Writes: saveChatMessage (insert + 3 counter upserts in one transaction); the library runs ' +
        'every write on one writer connection, the direct peer runs sql.begin on its pool of 5.',
    );
    console.log(
      `\nEvent loop while a ${fmtInt(stall.rows)}-row read (getChatMessagesSince, limit 10000) is answered, median of ` +
        `${stall.reps} reads each (resolution 1 ms):\n`,
    );
    console.log(stallTable(stall));
    console.log(
      `\nRatios library/direct (ops/s): reads x1 ${fmt(ratios.reads1, 2)} (worker spinning ${SPIN_US} us: ` +
        `${fmt(ratios.reads1Spin, 2)}), reads x64 ${fmt(ratios.reads64, 2)} (spinning: ${fmt(ratios.reads64Spin, 2)}), ` +
        `writes x1 ${fmt(ratios.writes1, 2)}, writes x64 ${fmt(ratios.writes64, 2)} (no target).`,
    );
    if (replicaReads === null) {
      console.log(
        '\nReplica reads skipped (BENCH_PG_REPLICAS=0, or no pg_basebackup/psql here: apt-get install postgresql).',
      );
    } else {
      console.log(
        `\nPoint reads (getChatMessageByMessageId) x64 with 0, 1 and 2 streaming replicas (${replicaReads.origin} set, ` +
          `median of ${ROUNDS} rounds; every server on this machine):\n`,
      );
      console.log(replicaTable(replicaReads.cells));
      console.log(
        '\n* main us/read: main-thread busy time per read. A replica adds a server, not a core: on a small machine ' +
          'the servers and the bot share the same cores (no target).',
      );
    }
    console.log('\nTargets\n');
    console.log(targetsTable(targets));

    const failed = targets.filter((t) => !t.pass);
    const file = writeJson(new URL('../results/', import.meta.url), 'pg-latest.json', {
      timestamp: new Date().toISOString(),
      machine: host,
      loadAvgAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
      server: { origin: server.origin, version: serverVersion },
      settings: {
        rounds: ROUNDS,
        roundMs: ROUND_MS,
        warmupMs: WARMUP_MS,
        gcBetweenRounds: hasGc,
        poolSize: POOL_SIZE,
      },
      dataset: { chats: data.chats, messages: data.messages, users: data.userIds.length, keys: data.keys.length },
      ratios,
      engines,
      memoryPerSourceMB,
      mainThreadUsPerRead64: mainUs64,
      stall,
      replicaReads,
      cells: cells.map((c) => ({ ...c, label: CELL_LABELS[c.contender] })),
      targets,
      passed: failed.length === 0,
    });
    console.log(
      `\nLoad average at the start ${host.loadAvgAtStart.join(' ')}, at the end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}.`,
    );
    console.log(`\n${failed.length === 0 ? 'All targets met' : `${failed.length} target(s) missed`}; wrote ${file}`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await db?.close().catch((e) => console.error('closing the library failed:', e));
    await spinDb?.close().catch((e) => console.error('closing the spinning library failed:', e));
    await direct?.end({ timeout: 5 }).catch(() => undefined);
    await admin
      .unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      .catch((e) => console.error(`dropping schema ${schema} failed:`, e));
    await admin.end({ timeout: 5 }).catch(() => undefined);
    await server.stop().catch((e) => console.error('stopping the PostgreSQL cluster failed:', e));
  }
}

function stallTable(stall: StallResult): string {
  const row = (name: string, s: StallResult['library']) =>
    `| ${name.padEnd(36)} | ${fmt(s.maxMs, 2).padStart(12)} | ${fmt(s.p99Ms, 2).padStart(12)} | ${fmt(s.worstMaxMs, 2).padStart(14)} | ${fmt(s.readMs, 1).padStart(13)} | ${fmt(s.busyMs, 1).padStart(12)} |`;
  return [
    `| ${'contender'.padEnd(36)} | max delay ms | p99 delay ms | worst max (ms) | read time ms | main busy ms |`,
    `|:${'-'.repeat(37)}|${'-'.repeat(13)}:|${'-'.repeat(13)}:|${'-'.repeat(15)}:|${'-'.repeat(14)}:|${'-'.repeat(13)}:|`,
    row(CELL_LABELS.library, stall.library),
    row(CELL_LABELS.direct, stall.direct),
  ].join('\n');
}

// Ctrl-C: exit through process.exit, so the throwaway cluster's exit hook stops it.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
