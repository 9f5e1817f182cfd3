/**
 * `botdb move` into (and out of) PostgreSQL, through the built bin in a child process, against the test
 * server of pg-global-setup.ts: every row of every table compared at SQL level, normalised (instants as ISO
 * text, flags as booleans), and the reference reads answered through the library afterwards.
 */
import { DatabaseWrapper, migratePostgresV6 } from '@pkg/core';
import { collectReferenceReads, readReferenceExpected, readReferenceWrites } from '@pkg/testkit';
import Database from 'better-sqlite3';
import type { Sql } from 'postgres';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  ARCHIVED_CHAT,
  json,
  killOnceRowsLand,
  type MoveJson,
  makeWorkspace,
  runCli,
  type Workspace,
} from './helpers.js';
import { describePostgres, fileSchema, pgClient } from './pg-harness.js';

/** The settings keys each database keeps for itself. */
const OWN_KEYS = ['db-migration-version', 'db-migration-last-run'];
/** Tables the bot reads in insertion order: PostgreSQL gives them an identity `rowid`. */
/** The tables core's PostgreSQL DDL gives an identity rowid (PG_ROWID_TABLES): their insertion order is kept. */
const ORDERED = ['delayed_tasks', 'spam_messages', 'chat_summarization_cache', 'cache_storage'];

/** A SQLite timestamp text (`YYYY-MM-DD HH:MM:SS`, UTC) as an ISO instant; written here independently of the CLI. */
const isoOfSqlite = (text: string): string => new Date(`${text.replace(' ', 'T')}Z`).toISOString();

interface PgColumn {
  name: string;
  type: string;
}

async function pgColumns(sql: Sql, table: string): Promise<PgColumn[]> {
  return [
    ...(await sql.unsafe<PgColumn[]>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table],
    )),
  ];
}

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

/**
 * Every row of `table` in both databases, normalised to JSON text, in the same order: the SQLite rowid order
 * and the PostgreSQL identity order for an insertion-ordered table, else sorted.
 */
async function bothSides(
  file: string,
  sql: Sql,
  table: string,
  chatId?: number,
): Promise<{ sqlite: string[]; pg: string[]; ordered: boolean }> {
  const cols = await pgColumns(sql, table);
  const ordered = cols.some((c) => c.name === 'rowid');
  const copied = cols.filter((c) => c.name !== 'rowid');
  const list = copied.map((c) => `"${c.name}"`).join(', ');
  const filters: string[] = [];
  if (table === 'settings') filters.push(`key NOT IN ('${OWN_KEYS.join("', '")}')`);
  if (chatId !== undefined) filters.push(`chat_id = ${chatId}`);
  const where = filters.length === 0 ? '' : ` WHERE ${filters.join(' AND ')}`;
  const db = new Database(file, { readonly: true });
  const lite = db.prepare(`SELECT ${list} FROM "${table}"${where} ORDER BY rowid`).raw().all() as unknown[][];
  db.close();
  const pgRows = (await sql
    .unsafe(`SELECT ${list} FROM "${table}"${where}${ordered ? ' ORDER BY rowid' : ''}`)
    .values()) as unknown[][];
  const norm = (row: unknown[], from: 'sqlite' | 'pg'): string =>
    JSON.stringify(
      row.map((v, i) => {
        const type = copied[i]?.type ?? '';
        if (v === null) return null;
        if (type.startsWith('timestamp')) return from === 'pg' ? (v as Date).toISOString() : isoOfSqlite(v as string);
        if (type === 'boolean') return from === 'pg' ? v : v === 1;
        return v;
      }),
    );
  const a = lite.map((r) => norm(r, 'sqlite'));
  const b = pgRows.map((r) => norm(r, 'pg'));
  return ordered ? { sqlite: a, pg: b, ordered } : { sqlite: a.sort(), pg: b.sort(), ordered };
}

async function pgCount(sql: Sql, table: string, chatId?: number): Promise<number> {
  const rows = await sql.unsafe<{ n: number }[]>(
    `SELECT count(*) AS n FROM "${table}"${chatId === undefined ? '' : ` WHERE chat_id = ${chatId}`}`,
  );
  return Number(rows[0]?.n);
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

describePostgres('botdb move to PostgreSQL', (url) => {
  const clients: Sql[] = [];
  const schemas: { drop(): Promise<void> }[] = [];
  const workspaces: Workspace[] = [];

  /** A workspace whose config adds the PostgreSQL source "pg" (a schema of its own) and a client of it. */
  function setup(extra = ''): { ws: Workspace; sql: Sql; schema: string } {
    const schema = fileSchema(url, 'move_pg');
    schemas.push(schema);
    const ws = makeWorkspace(
      `[database.sources.pg]\ntype = "postgresql"\nurl = "${url}"\nschema = "${schema.name}"\n${extra}`,
    );
    workspaces.push(ws);
    const sql = pgClient(url, schema.name);
    clients.push(sql);
    return { ws, sql, schema: schema.name };
  }

  /**
   * The v6 schema created ahead of the move, its insertion-ordered tables with the identity `rowid` the
   * library's DDL gives them (IF NOT EXISTS: a no-op once it does); the move then finds the tables there.
   */
  async function withIdentityRowids(sql: Sql, schema: string): Promise<void> {
    const admin = pgClient(url, null);
    clients.push(admin);
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
    await migratePostgresV6(sql, { source: 'pg', where: schema });
    for (const t of ORDERED) {
      await sql.unsafe(`ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS rowid BIGINT GENERATED ALWAYS AS IDENTITY`);
    }
  }

  const moveArgs = (config: string, what: string[], to = 'pg', from = 'archive') => [
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

  beforeAll(() => {
    expect(url).toMatch(/^postgres/);
  });
  afterEach(() => {
    for (const w of workspaces.splice(0)) w.dir.cleanup();
  });
  afterAll(async () => {
    for (const c of clients) await c.end({ timeout: 5 });
    for (const s of schemas) await s.drop();
  });

  it('moves the whole reference database (process in Asia/Tokyo): every row of every table equals the source, every read matches the bot’s; a re-run copies nothing', async () => {
    const { ws, sql, schema } = setup();
    await withIdentityRowids(sql, schema);
    // System-wide bayes rows (chat_id NULL in the key: NULLs never conflict) must not double on the re-run.
    const w = new Database(ws.archive);
    w.prepare("INSERT INTO bayes_tokens (token, chat_id, spam_count) VALUES ('free', NULL, 3), ('free', ?, 1)").run(
      ARCHIVED_CHAT,
    );
    w.prepare('INSERT INTO bayes_classes (chat_id, is_spam, message_count) VALUES (NULL, 1, 7), (?, 0, 2)').run(
      ARCHIVED_CHAT,
    );
    w.close();
    // So that insertion order is checked, not granted: in the source it is not the key's order.
    const src = new Database(ws.archive, { readonly: true });
    const byRowid = src.prepare('SELECT message_id FROM spam_messages ORDER BY rowid').pluck().all();
    const byKey = src
      .prepare('SELECT message_id FROM spam_messages ORDER BY chat_id, user_id, message_id')
      .pluck()
      .all();
    src.close();
    expect(byRowid).not.toEqual(byKey);

    const r = await runCli(moveArgs(ws.config, ['--all']), { env: { TZ: 'Asia/Tokyo' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<MoveJson>(r);
    expect(body.ok).toBe(true);
    const chats = new Database(ws.archive, { readonly: true })
      .prepare('SELECT chat_id FROM chat_info ORDER BY chat_id')
      .pluck()
      .all() as number[];
    expect(body.chats).toEqual(chats);
    expect(body.chatMapping).toEqual(chats.map((id) => `${id} = "pg"`));
    expect(body.copied).toBeGreaterThan(2000);

    const tables = sqliteTables(ws.archive);
    expect(tables.length).toBeGreaterThan(20);
    let rows = 0;
    for (const t of tables) {
      const sides = await bothSides(ws.archive, sql, t);
      expect(sides.pg, t).toEqual(sides.sqlite);
      expect(sides.ordered, t).toBe(ORDERED.includes(t));
      rows += sides.sqlite.length;
    }
    expect(rows).toBe(body.copied);
    // Its own schema version and migration time stay; nothing of the source's.
    const own = await sql.unsafe<{ key: string; value: string }[]>(
      `SELECT key, value FROM settings WHERE key IN ('${OWN_KEYS.join("', '")}') ORDER BY key`,
    );
    expect(own.map((x) => x.key)).toEqual(['db-migration-last-run', 'db-migration-version']);
    // And through the library: the PostgreSQL source answers every read of the bot's reference as the bot did.
    const db = new DatabaseWrapper({
      config: { default: 'pg', sources: { pg: { type: 'postgresql', url, schema } } },
    });
    try {
      const expected = readReferenceExpected();
      expect(await collectReferenceReads(db, expected, readReferenceWrites())).toEqual(expected);
    } finally {
      await db.close();
    }

    const again = await runCli(moveArgs(ws.config, ['--all']));
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const second = json<MoveJson>(again);
    expect(second.copied).toBe(0);
    for (const t of second.tables) {
      expect(t.alreadyPresent, t.table).toBe(t.source);
      expect(t.destination, t.table).toBe(t.source);
      expect(t.destinationBefore, t.table).toBe(t.source);
    }
    expect(await pgCount(sql, 'bayes_tokens')).toBe(2);
    expect(await pgCount(sql, 'bayes_classes')).toBe(2);
    // Same counts (settings: the source's keys, its two own keys standing for the source's).
    for (const t of tables) expect(await pgCount(sql, t), t).toBe(sqliteCount(ws.archive, t));
  });

  it('moves one negative-id group chat: only its rows, equal to the source, and the chatMapping line to add', async () => {
    const { ws, sql } = setup();
    const r = await runCli(moveArgs(ws.config, ['--chat', String(ARCHIVED_CHAT)]).filter((a) => a !== '--json'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('[database.chatMapping]');
    expect(r.stdout).toContain(`${ARCHIVED_CHAT} = "pg"`);
    for (const t of [
      'chat_info',
      'chat_users',
      'chat_messages',
      'chat_settings',
      'chat_topics',
      'spam_messages',
      'chat_summarization_cache',
    ]) {
      const sides = await bothSides(ws.archive, sql, t, ARCHIVED_CHAT);
      expect(sides.sqlite.length, t).toBeGreaterThan(0);
      expect(sides.pg, t).toEqual(sides.sqlite);
      // Only that chat.
      expect(await pgCount(sql, t), t).toBe(sides.sqlite.length);
    }
    expect(await pgCount(sql, 'media_attachments')).toBe(0);
  });

  it('a run killed midway, then re-run, completes with the counts of the source and no duplicates', async () => {
    const { ws, sql } = setup();
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
    const started = (await sql<{ now: Date }[]>`SELECT now()`)[0]?.now ?? new Date(0);
    await killOnceRowsLand(args, () => pgCount(sql, 'chat_messages', ARCHIVED_CHAT));
    // A COMMIT the killed process had sent may still be applied after its death: count once the server has
    // ended its sessions (application_name botdb:pg, opened since the test began), or the re-run finds more
    // rows than were counted. Bounded: another test's sessions of that name only delay the count.
    for (let waited = 0; waited < 10_000; waited += 50) {
      const [row] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'botdb:pg' AND datname = current_database() AND backend_start >= ${started}`;
      if (row?.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const afterKill = await pgCount(sql, 'chat_messages', ARCHIVED_CHAT);
    expect(afterKill).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(total);

    const r = await runCli(moveArgs(ws.config, ['--chat', String(ARCHIVED_CHAT)]));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<MoveJson>(r);
    const messages = body.tables.find((t) => t.table === 'chat_messages');
    expect(messages).toMatchObject({ source: total, destinationBefore: afterKill, destination: total });
    expect(messages?.copied).toBe(total - afterKill);
    for (const t of body.tables) expect(t.destination, t.table).toBe(t.source);
    expect(await pgCount(sql, 'chat_messages')).toBe(total);
  }, 40_000);

  it('moves back out of PostgreSQL into a new SQLite file: every row equals the original, text for text', async () => {
    const { ws, sql, schema } = setup('[database.sources.back]\npath = "back.db"\n');
    await withIdentityRowids(sql, schema);
    expect((await runCli(moveArgs(ws.config, ['--all']))).code).toBe(0);
    const r = await runCli(moveArgs(ws.config, ['--all'], 'back', 'pg'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const back = ws.dir.file('back.db');
    const a = new Database(ws.archive, { readonly: true });
    const b = new Database(back, { readonly: true });
    for (const t of sqliteTables(ws.archive)) {
      const q = `SELECT * FROM "${t}"${t === 'settings' ? ` WHERE key NOT IN ('${OWN_KEYS.join("', '")}')` : ''} ORDER BY rowid`;
      const rowsA = a.prepare(q).all();
      const rowsB = b.prepare(q).all();
      // Insertion-ordered tables keep their order; the others only their rows.
      const sort = (rows: unknown[]) => (ORDERED.includes(t) ? rows : rows.map((x) => JSON.stringify(x)).sort());
      expect(sort(rowsB), t).toEqual(sort(rowsA));
    }
    a.close();
    b.close();
  });

  it('stops on a value its column cannot take (QUERY_FAILED naming table, column, value), and on a server it cannot reach', async () => {
    const { ws } = setup();
    const db = new Database(ws.archive);
    db.prepare(
      "UPDATE chat_messages SET date = 'last tuesday' WHERE chat_id = ? AND message_id = (SELECT min(message_id) FROM chat_messages WHERE chat_id = ?)",
    ).run(ARCHIVED_CHAT, ARCHIVED_CHAT);
    db.close();
    const r = await runCli(moveArgs(ws.config, ['--chat', String(ARCHIVED_CHAT)]));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const problem = json<MoveJson>(r).problems[0];
    expect(problem?.code).toBe('QUERY_FAILED');
    expect(problem?.message).toContain('chat_messages');
    expect(problem?.message).toContain('column date');
    expect(problem?.message).toContain('"last tuesday"');

    // Port 1 of 127.0.0.1: nothing listens there.
    const off = makeWorkspace(
      '[database.sources.off]\ntype = "postgresql"\nurl = "postgres://bot@127.0.0.1:1/botdb"\npassword-env = "BOTDB_TEST_OFF_PW"\ntimeout = 5.0\n',
    );
    workspaces.push(off);
    const down = await runCli(moveArgs(off.config, ['--all'], 'off'), { env: { BOTDB_TEST_OFF_PW: 'secret' } });
    expect(down.code, down.stdout + down.stderr).toBe(1);
    const unreachable = json<MoveJson>(down).problems[0];
    expect(unreachable?.code).toBe('SOURCE_UNAVAILABLE');
    expect(unreachable?.message).toContain('127.0.0.1:1');
    expect(unreachable?.message).not.toContain('secret');
  });

  it('refuses a readonly PostgreSQL destination and an unset password-env with typed problems, writing nothing', async () => {
    const { ws } = setup('password-env = "BOTDB_TEST_UNSET_PASSWORD"\n');
    const r = await runCli(moveArgs(ws.config, ['--all']), { env: { BOTDB_TEST_UNSET_PASSWORD: undefined } });
    expect(r.code).toBe(1);
    const problem = json<MoveJson>(r).problems[0];
    expect(problem?.code).toBe('SOURCE_OPEN_FAILED');
    expect(problem?.message).toContain('BOTDB_TEST_UNSET_PASSWORD');

    const ro = setup('readonly = true\n');
    const refused = await runCli(moveArgs(ro.ws.config, ['--all']));
    expect(refused.code).toBe(1);
    expect(json<MoveJson>(refused).problems[0]?.code).toBe('READONLY_SOURCE');
    const exists = await ro.sql.unsafe('SELECT 1 FROM pg_namespace WHERE nspname = $1', [ro.schema]);
    expect(exists.length).toBe(0);
  });
});
