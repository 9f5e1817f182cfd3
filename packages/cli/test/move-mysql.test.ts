/**
 * `botdb move` into MySQL/MariaDB and on to PostgreSQL, through the built bin in a child process, against the
 * test servers of the global setups: every row of every table compared at SQL level with the SQLite original
 * (MySQL keeps the bot's own forms: UTC timestamp text, 0/1 flags), a re-run copies nothing, a run killed
 * midway resumes, and the reference reads are answered through the library from the MySQL copy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DatabaseWrapper } from '@pkg/core';
import { collectReferenceReads, readReferenceExpected, readReferenceWrites } from '@pkg/testkit';
import Database from 'better-sqlite3';
import type { Pool } from 'mysql2/promise';
import type { Sql } from 'postgres';
import { afterAll, afterEach, expect, it } from 'vitest';
import {
  ARCHIVED_CHAT,
  json,
  killOnceRowsLand,
  type MoveJson,
  makeWorkspace,
  runCli,
  type Workspace,
} from './helpers.js';
import { describeMariaDb, mysqlPool, testDatabase } from './mysql-harness.js';
import { describePostgres, fileSchema, pgClient } from './pg-harness.js';

/** The settings keys each database keeps for itself. */
const OWN_KEYS = ['db-migration-version', 'db-migration-last-run'];
/** The tables core's MySQL DDL gives an auto-increment rowid: their insertion order is kept. */
const ORDERED = ['delayed_tasks', 'spam_messages', 'chat_summarization_cache', 'cache_storage'];

function sqliteTables(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
}

function sqliteRows(file: string, table: string, columns: string[], where: string): unknown[][] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"${where} ORDER BY rowid`)
      .raw()
      .all() as unknown[][];
  } finally {
    db.close();
  }
}

function sqliteCount(path: string, table: string, chatId?: number): number {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(`SELECT count(*) FROM "${table}"${chatId === undefined ? '' : ` WHERE chat_id = ${chatId}`}`)
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
}

function filters(table: string, chatId: number | undefined, quote: (s: string) => string): string {
  const parts: string[] = [];
  if (table === 'settings') parts.push(`${quote('key')} NOT IN ('${OWN_KEYS.join("', '")}')`);
  if (chatId !== undefined) parts.push(`chat_id = ${chatId}`);
  return parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`;
}

/** Every row of `table` in SQLite and in MySQL, as JSON text, in insertion order (ordered tables) or sorted. */
async function sqliteAndMysql(
  file: string,
  pool: Pool,
  table: string,
  chatId?: number,
): Promise<{ sqlite: string[]; mysql: string[]; ordered: boolean }> {
  const [cols] = (await pool.query(
    `SELECT COLUMN_NAME AS c, EXTRA AS e FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  )) as unknown as [{ c: string; e: string }[]];
  const ordered = cols.some((c) => c.c === 'rowid' && /auto_increment/i.test(c.e));
  const copied = cols.filter((c) => !(c.c === 'rowid' && ordered)).map((c) => c.c);
  const lite = sqliteRows(
    file,
    table,
    copied,
    filters(table, chatId, (s) => `"${s}"`),
  );
  const [my] = (await pool.query({
    sql: `SELECT ${copied.map((c) => `\`${c}\``).join(', ')} FROM \`${table}\`${filters(table, chatId, (s) => `\`${s}\``)}${ordered ? ' ORDER BY rowid' : ''}`,
    rowsAsArray: true,
  })) as unknown as [unknown[][]];
  const a = lite.map((r) => JSON.stringify(r));
  const b = my.map((r) => JSON.stringify(r));
  return ordered ? { sqlite: a, mysql: b, ordered } : { sqlite: a.sort(), mysql: b.sort(), ordered };
}

async function mysqlCount(pool: Pool, table: string, chatId?: number): Promise<number> {
  const [rows] = (await pool.query(
    `SELECT COUNT(*) AS n FROM \`${table}\`${chatId === undefined ? '' : ` WHERE chat_id = ${chatId}`}`,
  )) as unknown as [{ n: number }[]];
  return Number(rows[0]?.n);
}

describeMariaDb('botdb move to MySQL/MariaDB', (serverUrl) => {
  const pools: Pool[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const workspaces: Workspace[] = [];

  async function setup(extra = ''): Promise<{ ws: Workspace; pool: Pool; url: string }> {
    const db = await testDatabase(serverUrl, 'move_my');
    cleanups.push(db.drop);
    const ws = makeWorkspace(`[database.sources.my]\n${db.toml}${extra}`);
    workspaces.push(ws);
    const pool = mysqlPool(serverUrl, db.name);
    pools.push(pool);
    return { ws, pool, url: db.url };
  }

  const moveArgs = (config: string, what: string[], to = 'my', from = 'archive') => [
    'move',
    '--from',
    from,
    '--to',
    to,
    ...what,
    '--config',
    config,
    '--json',
  ];

  afterEach(() => {
    for (const w of workspaces.splice(0)) w.dir.cleanup();
  });
  afterAll(async () => {
    for (const p of pools) await p.end();
    for (const c of cleanups) await c();
  });

  it('moves the whole reference database (process in Asia/Tokyo): every row of every table equals the source; a re-run copies nothing', async () => {
    const { ws, pool, url } = await setup();
    // Global classifier rows (NULL chat_id in the key) must not double on the re-run; text keys differing
    // only in case, accent or a trailing space stay distinct rows.
    const w = new Database(ws.archive);
    w.prepare("INSERT INTO bayes_tokens (token, chat_id, spam_count) VALUES ('free', NULL, 3), ('free', ?, 1)").run(
      ARCHIVED_CHAT,
    );
    w.prepare('INSERT INTO bayes_classes (chat_id, is_spam, message_count) VALUES (NULL, 1, 7), (?, 0, 2)').run(
      ARCHIVED_CHAT,
    );
    w.prepare(
      "INSERT INTO cache_storage (namespace, key, value) VALUES ('ns', 'k', '1'), ('ns', 'K', '2'), ('ns', 'k ', '3'), ('ns', 'ќ', '4')",
    ).run();
    w.close();

    const r = await runCli(moveArgs(ws.config, ['--all']), { env: { TZ: 'Asia/Tokyo' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<MoveJson>(r);
    expect(body.ok).toBe(true);
    expect(body.copied).toBeGreaterThan(2000);

    const tables = sqliteTables(ws.archive);
    expect(tables.length).toBeGreaterThan(20);
    let rows = 0;
    for (const t of tables) {
      const sides = await sqliteAndMysql(ws.archive, pool, t);
      expect(sides.mysql, t).toEqual(sides.sqlite);
      expect(sides.ordered, t).toBe(ORDERED.includes(t));
      rows += sides.sqlite.length;
    }
    expect(rows).toBe(body.copied);
    const [own] = (await pool.query(
      `SELECT \`key\` FROM settings WHERE \`key\` IN ('${OWN_KEYS.join("', '")}') ORDER BY \`key\``,
    )) as unknown as [{ key: string }[]];
    expect(own.map((x) => x.key)).toEqual(['db-migration-last-run', 'db-migration-version']);

    const again = await runCli(moveArgs(ws.config, ['--all']));
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const second = json<MoveJson>(again);
    expect(second.copied).toBe(0);
    for (const t of second.tables) {
      expect(t.alreadyPresent, t.table).toBe(t.source);
      expect(t.destination, t.table).toBe(t.source);
    }
    expect(await mysqlCount(pool, 'bayes_tokens')).toBe(2);
    expect(await mysqlCount(pool, 'bayes_classes')).toBe(2);
    for (const t of tables) expect(await mysqlCount(pool, t), t).toBe(sqliteCount(ws.archive, t));
    expect(url).toMatch(/^mysql:/);
  });

  it('a SQLite bot moved to MySQL with botdb move reads every reference answer back through the library', async () => {
    const { ws, url } = await setup();
    const r = await runCli(moveArgs(ws.config, ['--all'], 'my', 'primary'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const db = new DatabaseWrapper({ config: { default: 'my', sources: { my: { type: 'mysql', url } } } });
    try {
      const expected = readReferenceExpected();
      expect(await collectReferenceReads(db, expected, readReferenceWrites())).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it('a run killed midway, then re-run, completes with the counts of the source and no duplicates', async () => {
    const { ws, pool } = await setup();
    const db = new Database(ws.archive);
    const insert = db.prepare(
      `INSERT INTO chat_messages (chat_id, message_id, date, user_id, message_text) VALUES (?, ?, '2025-01-01 00:00:00', 100100, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run(ARCHIVED_CHAT, `bulk${String(i).padStart(6, '0')}`, 'x'.repeat(200));
    })();
    db.close();
    const total = sqliteCount(ws.archive, 'chat_messages', ARCHIVED_CHAT);
    const args = moveArgs(ws.config, ['--chat', String(ARCHIVED_CHAT), '--batch', '10']).filter((a) => a !== '--json');
    await killOnceRowsLand(args, () => mysqlCount(pool, 'chat_messages', ARCHIVED_CHAT));
    // A COMMIT the killed process had sent may still be applied after its death: count once the server has
    // ended its sessions on this database (every other one is the killed move's), or the re-run finds more
    // rows than were counted. Bounded.
    for (let waited = 0; waited < 10_000; waited += 50) {
      const [rows] = (await pool.query(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()',
      )) as unknown as [{ n: number }[]];
      if (Number(rows[0]?.n) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const afterKill = await mysqlCount(pool, 'chat_messages', ARCHIVED_CHAT);
    expect(afterKill).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(total);

    const r = await runCli(moveArgs(ws.config, ['--chat', String(ARCHIVED_CHAT)]));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<MoveJson>(r);
    const messages = body.tables.find((t) => t.table === 'chat_messages');
    expect(messages).toMatchObject({ source: total, destinationBefore: afterKill, destination: total });
    expect(messages?.copied).toBe(total - afterKill);
    for (const t of body.tables) expect(t.destination, t.table).toBe(t.source);
  }, 60_000);

  describePostgres('and on to PostgreSQL', (pgUrl) => {
    it('SQLite -> MySQL -> PostgreSQL: every row reaches PostgreSQL equal to the SQLite original, verified by counts', async () => {
      const schema = fileSchema(pgUrl, 'move_my_pg');
      cleanups.push(schema.drop);
      const { ws } = await setup(
        `[database.sources.pg]\ntype = "postgresql"\nurl = "${pgUrl}"\nschema = "${schema.name}"\n`,
      );
      expect((await runCli(moveArgs(ws.config, ['--all']))).code).toBe(0);
      const r = await runCli(moveArgs(ws.config, ['--all'], 'pg', 'my'));
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const body = json<MoveJson>(r);
      for (const t of body.tables) expect(t.destination, t.table).toBe(t.source);

      const sql = pgClient(pgUrl, schema.name);
      try {
        for (const t of sqliteTables(ws.archive)) {
          const cols = await pgColumnTypes(sql, t);
          const names = cols.filter((c) => c.name !== 'rowid').map((c) => c.name);
          const lite = sqliteRows(
            ws.archive,
            t,
            names,
            filters(t, undefined, (s) => `"${s}"`),
          );
          const pg = (await sql
            .unsafe(
              `SELECT ${names.map((c) => `"${c}"`).join(', ')} FROM "${t}"${filters(t, undefined, (s) => `"${s}"`)}${ORDERED.includes(t) ? ' ORDER BY rowid' : ''}`,
            )
            .values()) as unknown[][];
          const types = cols.filter((c) => c.name !== 'rowid').map((c) => c.type);
          const norm = (row: unknown[], from: 'sqlite' | 'pg') =>
            JSON.stringify(
              row.map((v, i) => {
                const type = types[i] ?? '';
                if (v === null) return null;
                if (type.startsWith('timestamp')) {
                  return from === 'pg'
                    ? (v as Date).toISOString()
                    : new Date(`${String(v).replace(' ', 'T')}Z`).toISOString();
                }
                if (type === 'boolean') return from === 'pg' ? v : v === 1;
                return v;
              }),
            );
          const a = lite.map((x) => norm(x, 'sqlite'));
          const b = pg.map((x) => norm(x, 'pg'));
          expect(ORDERED.includes(t) ? b : b.sort(), t).toEqual(ORDERED.includes(t) ? a : a.sort());
        }
      } finally {
        await sql.end({ timeout: 5 });
      }
    });
  });

  it('route names a chat mapped to a MySQL source by its URL (no password), without opening it', async () => {
    const { ws, url } = await setup();
    // The workspace's mapping gets a chat of the MySQL source's own.
    const toml = ws.dir.file('route.toml');
    writeFileSync(
      toml,
      readFileSync(ws.config, 'utf8').replace('[database.chatMapping]\n', '[database.chatMapping]\n-1009 = "my"\n'),
    );
    const r = await runCli(['route', '-1009', '--config', toml, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<{ read: Record<string, unknown>; write: Record<string, unknown> }>(r);
    expect(body.read).toMatchObject({ source: 'my', reason: 'chatMapping', refused: false });
    expect(body.write).toMatchObject({ source: 'my', refused: false });
    expect(JSON.stringify(body)).toContain(url);
  });

  it('check reports a MySQL source filled by botdb move: type, location, version 6 and its counts', async () => {
    const { ws, url } = await setup();
    expect((await runCli(moveArgs(ws.config, ['--all']))).code).toBe(0);
    const r = await runCli(['check', '--config', ws.config, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const my = (json<{ sources: Record<string, unknown>[] }>(r).sources ?? []).find((s) => s.name === 'my');
    expect(my).toMatchObject({ type: 'mysql', location: url, schemaVersion: 6, status: 'ok' });
  });

  it('stats opens a MySQL source filled by botdb move and reports it beside the others', async () => {
    const { ws } = await setup();
    expect((await runCli(moveArgs(ws.config, ['--all']))).code).toBe(0);
    const r = await runCli(['stats', '--config', ws.config, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const sources = json<{ sources: Record<string, Record<string, unknown>> }>(r).sources;
    expect(Object.keys(sources)).toContain('my');
    expect(sources.my, JSON.stringify(sources.my)).toMatchObject({ readonly: false });
  });

  it('stops on a key longer than its MySQL column (QUERY_FAILED naming table, column and limit), nothing cut', async () => {
    const { ws, pool } = await setup();
    const db = new Database(ws.archive);
    db.prepare('INSERT INTO chat_settings (chat_id, key, value) VALUES (?, ?, ?)').run(
      ARCHIVED_CHAT,
      'k'.repeat(513),
      'v',
    );
    db.close();
    const r = await runCli(moveArgs(ws.config, ['--chat', String(ARCHIVED_CHAT)]));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const problem = json<MoveJson>(r).problems[0];
    expect(problem?.code).toBe('QUERY_FAILED');
    expect(problem?.message).toContain('writing chat_settings');
    expect(problem?.message).toContain('column "key" holds on MySQL: at most 512 characters');
    const [rows] = (await pool.query(
      'SELECT COUNT(*) AS n FROM chat_settings WHERE CHAR_LENGTH(`key`) >= 512',
    )) as unknown as [{ n: number }[]];
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('backup prints the mariadb-dump command (nothing is run), the password from the environment', async () => {
    const { ws } = await setup();
    const r = await runCli(['backup', 'my', ws.dir.file('my.backup'), '--config', ws.config, '--json']);
    expect(r.stdout + r.stderr).toContain('BACKUP_NOT_SUPPORTED');
    expect(r.stdout + r.stderr).toContain('mariadb-dump --single-transaction --default-character-set=utf8mb4');
    expect(r.stdout + r.stderr).toContain('my.sql');
  });
});

async function pgColumnTypes(sql: Sql, table: string): Promise<{ name: string; type: string }[]> {
  return [
    ...(await sql.unsafe<{ name: string; type: string }[]>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table],
    )),
  ];
}
