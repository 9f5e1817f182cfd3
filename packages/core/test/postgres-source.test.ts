/**
 * What only a PostgreSQL source has to prove: several processes creating one schema at once, readonly
 * enforced by the server, transactions on reserved connections seen by other sessions only once
 * committed, counters exact under concurrent writers, and the server's errors as the library's codes.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SourceConfigInput } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import { testSchemaName } from '@pkg/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { V6_TABLES } from '../src/schema/bot-schema.js';
import { createFileSchema, describePostgres, pgClient } from './pg-harness.js';

const CORE_DIR = fileURLToPath(new URL('..', import.meta.url));

function pgSource(url: string, schema: string, extra: Record<string, unknown> = {}): SourceConfigInput {
  const parsed = new URL(url);
  if (parsed.password !== '') {
    process.env.BOTDB_TEST_PG_PASSWORD = decodeURIComponent(parsed.password);
    parsed.password = '';
    extra = { passwordEnv: 'BOTDB_TEST_PG_PASSWORD', ...extra };
  }
  return { type: 'postgresql', url: parsed.toString(), schema, ...extra } as SourceConfigInput;
}

function wrapper(source: SourceConfigInput): DatabaseWrapper {
  return new DatabaseWrapper({ config: { default: 'main', sources: { main: source } } });
}

/** Runs a bot process that opens the source and closes it; resolves with its exit code and stderr. */
function openInChildProcess(source: SourceConfigInput): Promise<{ code: number | null; stderr: string }> {
  const script = `
    import { DatabaseWrapper } from '@pkg/core';
    const db = new DatabaseWrapper({ config: { default: 'main', sources: { main: ${JSON.stringify(source)} } } });
    try { await db.ready(); } finally { await db.close(); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: CORE_DIR,
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describePostgres('a PostgreSQL source', (url) => {
  let schema: { name: string; drop(): Promise<void> };
  let db: DatabaseWrapper;
  beforeAll(async () => {
    schema = await createFileSchema(url, 'pg-source');
    db = wrapper(pgSource(url, schema.name));
    await db.ready();
  });
  afterAll(async () => {
    await db?.close();
    await schema?.drop();
  });

  it('is created once when several bot processes open one empty schema at the same moment', async () => {
    const name = testSchemaName('pg-race');
    const admin = pgClient(url, null);
    try {
      const source = pgSource(url, name);
      const results = await Promise.all([1, 2, 3, 4].map(() => openInChildProcess(source)));
      for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
      const tables = await admin`
        SELECT count(*)::int AS n FROM information_schema.tables
        WHERE table_schema = ${name} AND table_name IN ${admin(V6_TABLES as string[])}`;
      expect(tables[0]?.n).toBe(V6_TABLES.length);
      const markers = await admin.unsafe(`SELECT value FROM "${name}".settings WHERE key = 'db-migration-version'`);
      expect(markers).toEqual([{ value: '6' }]);
    } finally {
      await admin.unsafe(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await admin.end({ timeout: 5 });
    }
  }, 120_000);

  it('runs a readonly source in read-only sessions: the server itself refuses a write', async () => {
    const ro = new DatabaseWrapper({
      config: {
        default: 'main',
        sources: { main: pgSource(url, schema.name), replica: pgSource(url, schema.name, { readonly: true }) },
      },
    });
    try {
      const [setting] = (await ro.query({
        sql: "SELECT current_setting('default_transaction_read_only') AS ro",
        dataSource: 'replica',
      })) as { ro: string }[];
      expect(setting?.ro).toBe('on');
      // Past the library's own routing check: SQL that writes, sent to the replica, is refused by PostgreSQL
      // (25006); through db.query that is the raw-SQL contract's INVALID_ARGUMENT, as on SQLite.
      await expect(
        ro.query({ sql: "INSERT INTO settings (key, value) VALUES ('x', 'y') RETURNING key", dataSource: 'replica' }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { argument: 'sql' } });
      await expect(ro.setSetting({ key: 'x', value: 'y' })).resolves.toBe(true);
    } finally {
      await ro.close();
    }
  });

  it('keeps a transaction on its own connection: other sessions see its writes only after COMMIT', async () => {
    const other = pgClient(url, schema.name);
    try {
      await db.transaction({ chatId: -100500 }, async (tx) => {
        await tx.setChatSetting({ chatId: -100500, key: 'model', value: 'x' });
        const seen = await other`SELECT value FROM chat_settings WHERE chat_id = ${-100500}`;
        expect(seen).toEqual([]);
        expect(await tx.getChatSetting({ chatId: -100500, setting: 'model' })).toBe('x');
      });
      expect(await other`SELECT value FROM chat_settings WHERE chat_id = ${-100500}`).toEqual([{ value: 'x' }]);
      await expect(
        db.transaction({ chatId: -100501 }, async (tx) => {
          await tx.setChatSetting({ chatId: -100501, key: 'model', value: 'x' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await db.getChatSetting({ chatId: -100501, setting: 'model' })).toBeNull();
    } finally {
      await other.end({ timeout: 5 });
    }
  });

  it('keeps the message counters exact when two bot processes save into one chat at once', async () => {
    const chatId = -1009000000001;
    const second = wrapper(pgSource(url, schema.name));
    try {
      await db.updateChatUser({ chatId, userId: 7, username: '@u', fullName: 'U' });
      const save = (w: DatabaseWrapper, from: number) =>
        Array.from({ length: 150 }, (_, i) =>
          w.saveChatMessage({ chatId, userId: 7, messageId: from + i, date: '2025-03-01 12:00:00', messageText: 't' }),
        );
      await Promise.all([...save(db, 0), ...save(second, 1000)]);
      expect((await db.getChatUser({ chatId, userId: 7 }))?.messages_count).toBe(300);
      const [stats] = (await db.query({
        sql: 'SELECT (SELECT sum(messages_count) FROM chat_stats WHERE chat_id = $1)::int AS chat, (SELECT sum(messages_count) FROM chat_user_stats WHERE chat_id = $1)::int AS member',
        params: [chatId],
      })) as { chat: number; member: number }[];
      expect(stats).toEqual({ chat: 300, member: 300 });
    } finally {
      await second.close();
    }
  }, 60_000);

  it('reports a duplicate key as QUERY_FAILED with the SQLSTATE and constraint: true', async () => {
    const chatId = -1009000000002;
    await db.updateChatUser({ chatId, userId: 1, username: '@a', fullName: 'A' });
    await db.saveChatMessage({ chatId, userId: 1, messageId: 1, date: '2025-03-01 12:00:00' });
    await expect(
      db.saveChatMessage({ chatId, userId: 1, messageId: 1, date: '2025-03-01 12:00:00' }),
    ).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      details: { sqlstate: '23505', constraint: true },
    });
    // The failed save changed no counter: the message and its counters land together or not at all.
    expect((await db.getChatUser({ chatId, userId: 1 }))?.messages_count).toBe(1);
  });

  it('answers each call of a batch with its own result when failures finish out of order', async () => {
    // One tick, one batch: the slow failure finishes last, the fast one first.
    const [slow, ok, fast] = await Promise.allSettled([
      db.query({ sql: 'SELECT 1 / (count(*) - count(*)) AS v FROM (SELECT pg_sleep(0.3)) s' }),
      db.query({ sql: 'SELECT 2 AS v' }),
      db.query({ sql: 'SELEC 3' }),
    ]);
    expect(slow).toMatchObject({
      status: 'rejected',
      reason: { code: 'QUERY_FAILED', details: { sqlstate: '22012' } },
    });
    expect(ok).toEqual({ status: 'fulfilled', value: [{ v: 2 }] });
    expect(fast).toMatchObject({
      status: 'rejected',
      reason: { code: 'QUERY_FAILED', details: { sqlstate: '42601' } },
    });
  });

  it('opens a new connection for a transaction or db.query while the writer holds the only open one', async () => {
    // A fresh source: its one open connection becomes the writer; the next reserve() must connect anew.
    const fresh = wrapper(pgSource(url, schema.name, { timeout: 5 }));
    try {
      await fresh.updateChatUser({ chatId: -100600, userId: 1, username: '@a', fullName: 'A' });
      expect(await fresh.query({ sql: 'SELECT 1 AS x' })).toEqual([{ x: 1 }]);
      const user = await fresh.transaction({ chatId: -100600 }, (tx) => tx.getChatUser({ chatId: -100600, userId: 1 }));
      expect(user?.username).toBe('@a');
    } finally {
      await fresh.close();
    }
  });

  it('stops a statement at the source timeout with QUERY_TIMEOUT, and the source keeps working', async () => {
    const slow = wrapper(pgSource(url, schema.name, { timeout: 1 }));
    try {
      await expect(slow.query({ sql: 'SELECT pg_sleep(5)' })).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      expect(await slow.getSetting({ key: 'db-migration-version' })).toBe('6');
    } finally {
      await slow.close();
    }
  });

  it('fails to open with SOURCE_OPEN_FAILED naming the server (never the password) when it is unreachable', async () => {
    const parsed = new URL(url);
    parsed.port = '1';
    const gone = wrapper(pgSource(parsed.toString(), 'public', { timeout: 2 }));
    try {
      const error = await gone.ready().then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(error?.code).toBe('SOURCE_OPEN_FAILED');
      expect(error?.message).toContain(':1/');
    } finally {
      await gone.close();
    }
  });

  it('fails to open with SOURCE_OPEN_FAILED when password-env names a variable that is not set', async () => {
    const w = wrapper(pgSource(url, schema.name, { passwordEnv: 'BOTDB_TEST_NOT_SET_ANYWHERE' }));
    try {
      await expect(w.ready()).rejects.toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringContaining('BOTDB_TEST_NOT_SET_ANYWHERE'),
      });
    } finally {
      await w.close();
    }
  });
});
