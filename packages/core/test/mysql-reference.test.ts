/**
 * The bot's own reference file moved into MySQL by the engine tools `botdb move` uses (the SQLite reader, the
 * MySQL writer: insertion order kept, values converted), then every reference read answered from MySQL by
 * core's operations (driven statement by statement, mysql-plans.ts), exactly as the bot answered them — also
 * with the process in another time zone. (The CLI's move-mysql test runs the command itself.)
 */

import { connectMysql } from '@pkg/broker/engines';
import { normalizeConfig, type SourceConfigInput } from '@pkg/config';
import { copyReferenceDb, createTempDir, readReferenceExpected, readReferenceWrites } from '@pkg/testkit';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Row, type SourceSpec, sourceSpecOf, type TableShape, toolsOf } from '../src/engines/index.js';
import { LAST_RUN_KEY, VERSION_KEY } from '../src/schema/bot-schema.js';
import { collectReferenceReads } from './helpers.js';
import { createTestDatabase, describeMariaDb } from './mysql-harness.js';
import { operationsOn } from './mysql-plans.js';

function specOf(input: SourceConfigInput): SourceSpec {
  const { config } = normalizeConfig({ default: 'main', sources: { main: input } }, { baseDir: process.cwd() });
  return sourceSpecOf(config, 'main');
}

/** Every table the destination has, copied in the source's rowid order, page by page (the move's loop, reduced). */
async function copyAll(from: SourceSpec, to: SourceSpec): Promise<number> {
  const reader = await toolsOf(from).openReader(from);
  const writer = await toolsOf(to).openWriter(to);
  let copied = 0;
  try {
    const source = new Map((await reader.tables()).map((t) => [t.name, t]));
    for (const dest of await writer.tables()) {
      const src = source.get(dest.name);
      if (src === undefined) continue;
      const table: TableShape = { ...dest, columns: dest.columns.filter((c) => src.columns.includes(c)) };
      const scope = dest.name === 'settings' ? { exclude: { column: 'key', values: [VERSION_KEY, LAST_RUN_KEY] } } : {};
      let after: Row | null = null;
      for (;;) {
        const page = await reader.page(table, scope, ['rowid'], after, 100);
        if (page.length === 0) break;
        copied += await writer.insertMissing(
          table,
          page.map((r) => r.slice(0, table.columns.length)),
        );
        after = [(page.at(-1) as Row)[table.columns.length]];
      }
    }
  } finally {
    await reader.close();
    await writer.close();
  }
  return copied;
}

describeMariaDb('the reference file moved into MySQL', (serverUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  const dir = createTempDir('core-mysql-reference-');
  const password = decodeURIComponent(new URL(serverUrl).password);
  if (password !== '') process.env.BOTDB_TEST_MYSQL_REF_PW = password;

  beforeAll(async () => {
    db = await createTestDatabase(serverUrl, 'mysql-reference');
    const url = new URL(db.url);
    url.password = '';
    const mysqlSpec = specOf({
      type: 'mysql',
      url: url.toString(),
      ...(password === '' ? {} : { passwordEnv: 'BOTDB_TEST_MYSQL_REF_PW' }),
    } as SourceConfigInput);
    const sqliteSpec = specOf({ path: copyReferenceDb(dir.path, 'bot.db'), readonly: true });
    expect(await copyAll(sqliteSpec, mysqlSpec)).toBeGreaterThan(2000);
    pool = connectMysql({ ...(mysqlSpec as Parameters<typeof connectMysql>[0]), poolSize: 1 });
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    dir.cleanup();
  });

  it('answers every reference read as the bot did', async () => {
    const expected = readReferenceExpected();
    expect(await collectReferenceReads(operationsOn(pool) as never, expected, readReferenceWrites())).toEqual(expected);
  }, 60_000);

  it('and so with the process in Asia/Tokyo (timestamps are UTC text on the server, instants in the API)', async () => {
    const before = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      const expected = readReferenceExpected();
      expect(await collectReferenceReads(operationsOn(pool) as never, expected, readReferenceWrites())).toEqual(
        expected,
      );
    } finally {
      process.env.TZ = before;
    }
  }, 60_000);
});
