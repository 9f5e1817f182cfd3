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
import { type SourceSpec, sourceSpecOf } from '../src/engines/index.js';
import { copyWithMoveTools } from './engines.js';
import { collectReferenceReads } from './helpers.js';
import { createTestDatabase, describeMariaDb } from './mysql-harness.js';
import { operationsOn } from './mysql-plans.js';

function specOf(input: SourceConfigInput): SourceSpec {
  const { config } = normalizeConfig({ default: 'main', sources: { main: input } }, { baseDir: process.cwd() });
  return sourceSpecOf(config, 'main');
}

/** Every table the destination has, copied in the source's rowid order, page by page (the move's loop, reduced). */
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
    expect(await copyWithMoveTools(sqliteSpec, mysqlSpec)).toBeGreaterThan(2000);
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
