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
import mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import type { EngineHarness } from './engines.js';
import { databaseOf, freshMysqlSource } from './mysql-databases.js';
import { pgClient } from './pg-harness.js';

/** What a test may do to the server of an engine (one the test owns). */
export interface ServerFaults {
  /** A clean restart (PostgreSQL: `pg_ctl restart -m fast`): every session ends, the server comes back. */
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
  // Sources are databases; the fault server is this file's own (a source's URL carries no password).
  const databases: string[] = [];
  const fresh = (serverUrl: () => string) => (label: string) => {
    const source = freshMysqlSource(serverUrl(), label, false);
    databases.push(databaseOf(source));
    return source;
  };
  const admin = (serverUrl: string) => {
    const u = new URL(serverUrl);
    return mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      supportBigNumbers: true,
    });
  };
  const messageIdsAt = (serverUrl: () => string) => async (source: SourceConfigInput, chatId: number) => {
    const c = await admin(serverUrl());
    try {
      const [rows] = await c.query(`SELECT message_id FROM \`${databaseOf(source)}\`.chat_messages WHERE chat_id = ?`, [
        chatId,
      ]);
      return new Set((rows as Array<{ message_id: string }>).map((r) => r.message_id));
    } finally {
      await c.end();
    }
  };
  // A server named by BOTDB_TEST_MYSQL_URL is not ours to restart: the server faults are skipped there.
  if (process.env[MYSQL_URL_ENV]) {
    return {
      engine: 'mysql',
      fresh: fresh(() => h.url as string),
      messageIds: messageIdsAt(() => h.url as string),
      server: null,
      serverSkip: `server faults skipped: ${MYSQL_URL_ENV} names a server this test does not own (unset it to let the test start its own)`,
    };
  }
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
    fresh: fresh(() => own().url),
    messageIds: messageIdsAt(() => own().url),
    server: {
      restart: () => own().restart('fast'),
      stop: () => own().stopServer('immediate'),
      start: () => own().startServer(),
      // The library's sessions are those using the databases of this file's sources (an admin session uses none).
      terminateSessions: async () => {
        const c = await admin(own().url);
        try {
          const [rows] = await c.query(
            'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB IN (?) AND ID <> CONNECTION_ID()',
            [databases],
          );
          let ended = 0;
          for (const { id } of rows as Array<{ id: number }>) {
            try {
              await c.query(`KILL CONNECTION ${Number(id)}`);
              ended++;
            } catch {
              // already gone
            }
          }
          return ended;
        } finally {
          await c.end();
        }
      },
    },
    serverSkip: '',
  };
}
