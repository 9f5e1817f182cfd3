/**
 * `pnpm bench:mysql`: a MySQL/MariaDB source through the library (DatabaseWrapper -> broker -> the source's
 * worker: reads on the pool, writes in order on one writer connection) against mysql2 used directly on the main
 * thread, on the same server, database, keys and SQL (mysql-peer.ts). The server: BOTDB_BENCH_MYSQL_URL, else
 * BOTDB_TEST_MYSQL_URL or a throwaway MariaDB from the machine's binaries (@pkg/testkit); none: one line saying
 * how to enable it, exit 0. Every run fills a fresh database through the library and drops it after. Writes
 * results/mysql-latest.json; exits non-zero when a target is missed. BENCH_ROUNDS / BENCH_ROUND_MS shorten a
 * run while developing.
 */
import os from 'node:os';
import { connectMysql } from '@pkg/broker/engines';
import { DatabaseWrapper } from '@pkg/core';
import { mariaDbTestAvailable, startTestMariaDb } from '@pkg/testkit';
import mysql, { type Pool } from 'mysql2/promise';
import { SPIN_US } from './bench-spin.js';
import { engineFigures, engineTargets, rssAddedBy } from './engine-targets.js';
import { fmt, fmtInt, progress } from './log.js';
import { hasGc } from './measure.js';
import { mysqlPeer } from './mysql-peer.js';
import { machine, type Target, target, targetsTable, writeJson } from './report.js';
import { cellTable, type PgCell, type PgContender, runPgCells, runStall, type StallResult } from './scenarios/pg.js';
import { buildPgDataset, type PgDataset } from './scenarios/pg-dataset.js';

const BENCH_URL_ENV = 'BOTDB_BENCH_MYSQL_URL';
/** Where the source's password goes (the configuration refuses one inside url). */
const PASSWORD_ENV = 'BOTDB_BENCH_MYSQL_PASSWORD';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const WARMUP_MS = Math.min(400, ROUND_MS);
/** The library's default pool; the direct peer gets the same. */
const POOL_SIZE = 5;

const LABELS: Record<PgContender, string> = {
  library: 'DatabaseWrapper, MySQL source',
  librarySpin: `DatabaseWrapper, MySQL source, worker spins ${SPIN_US} us`,
  direct: 'mysql2 direct (main thread)',
};

interface Server {
  url: string;
  origin: 'env' | 'throwaway' | 'test-env';
  stop(): Promise<void>;
}

async function openServer(): Promise<Server | null> {
  const url = process.env[BENCH_URL_ENV];
  if (url) return { url, origin: 'env', stop: async () => {} };
  if (!mariaDbTestAvailable()) return null;
  const server = await startTestMariaDb();
  return { url: server.url, origin: server.origin === 'env' ? 'test-env' : 'throwaway', stop: () => server.stop() };
}

function adminPool(url: string): Pool {
  const u = new URL(url);
  return mysql.createPool({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    connectionLimit: 1,
  });
}

async function main(): Promise<number> {
  const server = await openServer();
  if (server === null) {
    console.log(
      `MySQL bench skipped: no server. To enable it, set ${BENCH_URL_ENV}=mysql://user:password@host:port/ ` +
        '(a user that may create databases), or install MariaDB (apt-get install mariadb-server) for a throwaway server.',
    );
    return 0;
  }
  const host = machine();
  const database = `bench_${process.pid.toString(36)}_${Date.now().toString(36)}`;
  const admin = adminPool(server.url);
  let db: DatabaseWrapper | null = null;
  let spinDb: DatabaseWrapper | null = null;
  let direct: Pool | null = null;
  try {
    const [versionRows] = await admin.query('SELECT VERSION() AS v');
    const serverVersion = String((versionRows as Array<{ v: string }>)[0]?.v ?? 'unknown');
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
    const sourceUrl = new URL(server.url);
    const password = decodeURIComponent(sourceUrl.password);
    sourceUrl.password = '';
    sourceUrl.pathname = `/${database}`;
    if (password !== '') process.env[PASSWORD_ENV] = password;
    progress(
      `machine: ${host.cpus} x ${host.model}, node ${host.node}, load ${host.loadAvgAtStart.join(' ')}; ${serverVersion} ` +
        `(${server.origin === 'throwaway' ? 'throwaway server, innodb_flush_log_at_trx_commit=2' : `from ${server.origin === 'env' ? BENCH_URL_ENV : 'BOTDB_TEST_MYSQL_URL'}`}); ` +
        `database ${database}; ${ROUNDS} rounds of ${ROUND_MS} ms per cell${hasGc ? ', GC between rounds' : ''}`,
    );

    const passwordEnv = password === '' ? null : PASSWORD_ENV;
    const config = {
      default: 'my',
      sources: {
        my: {
          type: 'mysql' as const,
          url: sourceUrl.toString(),
          poolSize: POOL_SIZE,
          ...(passwordEnv === null ? {} : { passwordEnv }),
        },
      },
    };
    db = new DatabaseWrapper({ config });
    const memoryPerSourceMB = await rssAddedBy(() => (db as DatabaseWrapper).ready());
    const pool = connectMysql({
      name: 'bench-direct',
      url: sourceUrl.toString(),
      passwordEnv,
      readonly: false,
      timeoutMs: 30_000,
      poolSize: POOL_SIZE,
    });
    direct = pool;
    await pool.query('SELECT 1');
    const data: PgDataset = await buildPgDataset(db, async () => {
      const [rows] = await pool.query('SELECT COUNT(*) AS n FROM chat_messages');
      return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
    });

    const peer = await mysqlPeer(pool);
    spinDb = new DatabaseWrapper({ config, broker: { spinUs: SPIN_US } });
    await spinDb.ready();
    const opts = { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS };
    const cells = await runPgCells(db, peer, data, opts, spinDb);
    const stall = await runStall(db, peer, data, 7);

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

    // The issue's design claims: the worker spares the main thread per read, and a big read stalls it less.
    const engines = { mysql: engineFigures(ratios, mainUs64, memoryPerSourceMB) };
    const targets: Target[] = [
      target('main-thread us per read x64: library < direct', mainUs64.library, '<', mainUs64.direct, 'us', 2),
      ...engineTargets('mysql', engines.mysql),
      target(
        `event-loop max delay, ${fmtInt(stall.rows)}-row read: library < direct`,
        stall.library.maxMs,
        '<',
        stall.direct.maxMs,
        'ms',
        2,
      ),
    ];

    console.log(
      `\nMySQL source vs mysql2 on the main thread (${ROUNDS} rounds x ${ROUND_MS} ms, median; ` +
        `same server, database, keys and SQL; pool of ${POOL_SIZE} each)\n`,
    );
    console.log(cellTable(cells, LABELS));
    console.log(
      '\n* main us/op: main-thread busy time per call (event-loop utilisation). library/direct: ops/s ratio at the same ' +
        'in-flight count. Writes: saveChatMessage (insert + 3 counter upserts in one transaction); the library runs ' +
        'every write in turn on one writer connection, the direct peer runs each transaction on a connection of its pool of 5.',
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
    console.log('\nTargets\n');
    console.log(targetsTable(targets));

    const failed = targets.filter((t) => !t.pass);
    const file = writeJson(new URL('../results/', import.meta.url), 'mysql-latest.json', {
      timestamp: new Date().toISOString(),
      machine: host,
      loadAvgAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
      server: { origin: server.origin, version: serverVersion },
      settings: { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS, gcBetweenRounds: hasGc, poolSize: POOL_SIZE },
      dataset: { chats: data.chats, messages: data.messages, users: data.userIds.length, keys: data.keys.length },
      ratios,
      engines,
      memoryPerSourceMB,
      mainThreadUsPerRead64: mainUs64,
      stall,
      cells: cells.map((c) => ({ ...c, label: LABELS[c.contender] })),
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
    await direct?.end().catch(() => undefined);
    await admin
      .query(`DROP DATABASE IF EXISTS \`${database}\``)
      .catch((e) => console.error(`dropping database ${database} failed:`, e));
    await admin.end().catch(() => undefined);
    await server.stop().catch((e) => console.error('stopping the MariaDB server failed:', e));
  }
}

function stallTable(stall: StallResult): string {
  const row = (name: string, s: StallResult['library']) =>
    `| ${name.padEnd(36)} | ${fmt(s.maxMs, 2).padStart(12)} | ${fmt(s.p99Ms, 2).padStart(12)} | ${fmt(s.worstMaxMs, 2).padStart(14)} | ${fmt(s.readMs, 1).padStart(13)} | ${fmt(s.busyMs, 1).padStart(12)} |`;
  return [
    `| ${'contender'.padEnd(36)} | max delay ms | p99 delay ms | worst max (ms) | read time ms | main busy ms |`,
    `|:${'-'.repeat(37)}|${'-'.repeat(13)}:|${'-'.repeat(13)}:|${'-'.repeat(15)}:|${'-'.repeat(14)}:|${'-'.repeat(13)}:|`,
    row(LABELS.library, stall.library),
    row(LABELS.direct, stall.direct),
  ].join('\n');
}

// Ctrl-C: exit through process.exit, so the throwaway server's exit hook stops it.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
