/**
 * The faults a server engine can suffer, as a small interface per engine, so the fault suite
 * (engine-faults.test.ts) is written once and a new engine (MySQL, Redis) joins it by adding its entry:
 * where its sources live, how to count what reached the database, and its server actions.
 */
import type { SourceConfigInput } from '@pkg/config';
import {
  MYSQL_URL_ENV,
  PG_URL_ENV,
  startTestCluster,
  startTestMariaDbServer,
  type TestMariaDbServer,
  type TestPostgresCluster,
  testSchemaName,
} from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import { type EngineHarness, mysqlAdmin } from './engines.js';
import { mysqlPool } from './mysql-harness.js';
import { pgClient } from './pg-harness.js';

/** What a test may do to the server of an engine (one the test owns). */
export interface ServerFaults {
  /** A clean restart (PostgreSQL: `pg_ctl restart -m fast`; MariaDB: SIGTERM): every session ends, the server comes back. */
  restart(): Promise<void>;
  /** Ends the library's own sessions of `source` at the server; resolves with how many were ended. */
  terminateSessions(source: string): Promise<number>;
  /** The server goes down abruptly (PostgreSQL: `pg_ctl stop -m immediate`) until `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface FaultTarget {
  readonly engine: EngineHarness['engine'];
  /** A new, empty source (on a server of the file's own for a server engine). */
  fresh(label: string): SourceConfigInput;
  /** The message ids of `chatId` in the database, read around the library. */
  messageIds(source: SourceConfigInput, chatId: number): Promise<Set<string>>;
  /** Server actions, or null with `serverSkip` saying why (no server, or one the test does not own). */
  readonly server: ServerFaults | null;
  readonly serverSkip: string;
}

/** The fault target for one engine of `describeEngines`; registers the hooks that start and remove its server. */
export function faultTarget(h: EngineHarness): FaultTarget {
  if (h.engine === 'sqlite') return sqliteTarget(h);
  if (h.engine === 'mysql') return mysqlTarget(h);
  return postgresTarget(h);
}

function sqliteTarget(h: EngineHarness): FaultTarget {
  return {
    engine: 'sqlite',
    fresh: (label) => h.fresh(label),
    messageIds: async (source, chatId) => {
      const db = new Database((source as { path: string }).path, { readonly: true });
      try {
        const rows = db.prepare('SELECT message_id FROM chat_messages WHERE chat_id = ?').all(chatId) as Array<{
          message_id: string;
        }>;
        return new Set(rows.map((r) => r.message_id));
      } finally {
        db.close();
      }
    },
    server: null,
    serverSkip: 'SQLite has no server: restarts, terminated sessions and outages do not apply',
  };
}

function postgresTarget(h: EngineHarness): FaultTarget {
  // Read with the server's own URL (a source's URL carries no password).
  const messageIdsAt = (adminUrl: () => string) => async (source: SourceConfigInput, chatId: number) => {
    const sql = pgClient(adminUrl(), (source as { schema: string }).schema);
    try {
      const rows = await sql.unsafe<Array<{ message_id: string }>>(
        'SELECT message_id FROM chat_messages WHERE chat_id = $1',
        [chatId],
      );
      return new Set(rows.map((r) => r.message_id));
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
  // A server named by BOTDB_TEST_PG_URL is not ours to restart: the server faults are skipped there.
  if (process.env[PG_URL_ENV]) {
    return {
      engine: 'postgresql',
      fresh: (label) => h.fresh(label),
      messageIds: messageIdsAt(() => h.url as string),
      server: null,
      serverSkip: `server faults skipped: ${PG_URL_ENV} names a server this test does not own (unset it to let the test start its own)`,
    };
  }
  // A cluster of this file's own: stopping it never disturbs the files sharing the global one.
  let cluster: TestPostgresCluster | null = null;
  const own = (): TestPostgresCluster => {
    if (cluster === null) throw new Error('the fault cluster has not started (beforeAll)');
    return cluster;
  };
  beforeAll(async () => {
    cluster = await startTestCluster({ crashSafe: true });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);
  return {
    engine: 'postgresql',
    fresh: (label) =>
      ({ type: 'postgresql', url: own().url, schema: testSchemaName(label), readonly: false }) as SourceConfigInput,
    messageIds: messageIdsAt(() => own().url),
    server: {
      restart: () => own().restart('fast'),
      stop: () => own().stopServer('immediate'),
      start: () => own().startServer(),
      terminateSessions: async (source) => {
        const admin = pgClient(own().url, null);
        try {
          const rows = await admin.unsafe<Array<{ ended: boolean }>>(
            'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1',
            [`botdb:${source}`],
          );
          return rows.filter((r) => r.ended).length;
        } finally {
          await admin.end({ timeout: 5 });
        }
      },
    },
    serverSkip: '',
  };
}

function mysqlTarget(h: EngineHarness): FaultTarget {
  const databaseOf = (source: SourceConfigInput) => new URL((source as { url: string }).url).pathname.slice(1);
  const messageIdsAt = (serverUrl: () => string) => async (source: SourceConfigInput, chatId: number) => {
    const pool = mysqlPool(serverUrl(), databaseOf(source), { connectionLimit: 1 });
    try {
      const [rows] = await pool.query('SELECT message_id FROM chat_messages WHERE chat_id = ?', [chatId]);
      return new Set((rows as Array<{ message_id: string }>).map((r) => r.message_id));
    } finally {
      await pool.end();
    }
  };
  // A server named by BOTDB_TEST_MYSQL_URL is not ours to restart: the server faults are skipped there.
  if (process.env[MYSQL_URL_ENV]) {
    return {
      engine: 'mysql',
      fresh: (label) => h.fresh(label),
      messageIds: messageIdsAt(() => h.url as string),
      server: null,
      serverSkip: `server faults skipped: ${MYSQL_URL_ENV} names a server this test does not own (unset it to let the test start its own)`,
    };
  }
  // A server of this file's own: stopping it never disturbs the files sharing the global one.
  let server: TestMariaDbServer | null = null;
  const own = (): TestMariaDbServer => {
    if (server === null) throw new Error('the fault server has not started (beforeAll)');
    return server;
  };
  beforeAll(async () => {
    server = await startTestMariaDbServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  }, 120_000);
  return {
    engine: 'mysql',
    fresh: (label) => {
      const name = testSchemaName(label);
      mysqlAdmin(own().url, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
      const url = new URL(own().url);
      url.pathname = `/${name}`;
      return { type: 'mysql', url: url.toString(), readonly: false } as SourceConfigInput;
    },
    messageIds: messageIdsAt(() => own().url),
    server: {
      restart: () => own().restart('fast'),
      stop: () => own().stopServer('immediate'),
      start: () => own().startServer(),
      // The library's sessions: every session on a database (this file's server serves only its own sources).
      terminateSessions: async () => {
        const admin = mysqlPool(own().url, null, { connectionLimit: 1 });
        try {
          const [rows] = await admin.query(
            "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB IS NOT NULL AND COMMAND <> 'Daemon' AND ID <> CONNECTION_ID()",
          );
          let ended = 0;
          for (const { id } of rows as Array<{ id: number }>) {
            await admin.query(`KILL CONNECTION ${Number(id)}`).then(
              () => ended++,
              () => undefined,
            );
          }
          return ended;
        } finally {
          await admin.end();
        }
      },
    },
    serverSkip: '',
  };
}
