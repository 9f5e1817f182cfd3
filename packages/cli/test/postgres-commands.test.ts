/**
 * check, route, stats and backup on PostgreSQL sources, through the built bin in a child process, against
 * the test server of pg-global-setup.ts. The data is written by the library itself (a DatabaseWrapper on
 * the same source), so check reads what a bot would have left.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { DatabaseWrapper, SCHEMA_VERSION } from '@pkg/core';
import type { Sql } from 'postgres';
import { afterAll, afterEach, expect, it } from 'vitest';
import { json, makeWorkspace, runCli, type Workspace } from './helpers.js';
import { describePostgres, fileSchema, pgClient } from './pg-harness.js';

interface Problem {
  code: string;
  source?: string;
  message: string;
}
interface CheckSource {
  name: string;
  type: string;
  path: string | null;
  location: string;
  url?: string;
  schema?: string;
  mode: string;
  exists: boolean | null;
  size: number | null;
  schemaVersion: number | null;
  chats: number | null;
  messages: number | null;
  status: string;
  note?: string;
}
interface CheckJson {
  ok: boolean;
  sources: CheckSource[];
  problems: Problem[];
}
interface Leg {
  source: string;
  type: string;
  path: string | null;
  location: string;
  url?: string;
  schema?: string;
  readonly: boolean;
  refused: boolean;
  error?: { code: string };
}

/** Port 1 of 127.0.0.1: nothing listens there. (The config refuses a password in a URL; it comes from password-env.) */
const UNREACHABLE = 'postgres://bot@127.0.0.1:1/botdb';
const ENV_SECRET = 'env-secret-5678';

describePostgres('botdb check, route, stats and backup on PostgreSQL sources', (url) => {
  const schemas: { name: string; drop(): Promise<void> }[] = [];
  const clients: Sql[] = [];
  let ws: Workspace | undefined;
  afterEach(() => ws?.dir.cleanup());
  afterAll(async () => {
    for (const c of clients) await c.end({ timeout: 5 });
    for (const s of schemas) await s.drop();
  });

  function schema(label: string): string {
    const s = fileSchema(url, label);
    schemas.push(s);
    return s.name;
  }

  /** The schema filled as a bot would: the library creates it, one chat and one message are saved. */
  async function filledByTheLibrary(name: string): Promise<void> {
    const db = new DatabaseWrapper({
      config: { default: 'main', sources: { main: { type: 'postgresql', url, schema: name } } },
    });
    try {
      await db.updateChatInfo({ chatId: -1001234567890, type: 'supergroup', title: 'cli test' });
      await db.saveChatMessage({
        date: new Date(),
        chatId: -1001234567890,
        userId: 42,
        messageId: 7,
        messageText: 'hi',
      });
    } finally {
      await db.close();
    }
  }

  async function schemaExists(name: string): Promise<boolean> {
    const sql = pgClient(url, null);
    clients.push(sql);
    const rows = await sql.unsafe('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]);
    return rows.length > 0;
  }

  it('check reports a PostgreSQL source filled by the library: type, location, version 6 and its counts', async () => {
    const name = schema('cli_check_pg');
    await filledByTheLibrary(name);
    ws = makeWorkspace(`[database.sources.shared]\ntype = "postgresql"\nurl = "${url}"\nschema = "${name}"\n`);

    const text = await runCli(['check', '--config', ws.config]);
    expect(text.code, text.stdout + text.stderr).toBe(0);
    const location = `${url} schema ${name}`;
    expect(text.stdout).toContain(`type postgresql, writable, ${location}`);
    expect(text.stdout).toMatch(/shared[^\n]*\n[^\n]*\n\s+schema version 6, 1 chats, 1 messages/);
    expect(text.stdout).toContain('OK: 3 source(s) checked');

    const r = await runCli(['check', '--config', ws.config, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const shared = json<CheckJson>(r).sources.find((s) => s.name === 'shared');
    expect(shared).toMatchObject({
      type: 'postgresql',
      path: null,
      location,
      url,
      schema: name,
      mode: 'writable',
      exists: true,
      size: null,
      schemaVersion: SCHEMA_VERSION,
      chats: 1,
      messages: 1,
      status: 'ok',
    });
    expect(SCHEMA_VERSION).toBe(6);
    // The SQLite sources keep their fields.
    expect(json<CheckJson>(r).sources.find((s) => s.name === 'primary')).toMatchObject({
      type: 'sqlite',
      path: ws.primary,
      location: ws.primary,
      exists: true,
    });
  });

  it('check never creates a schema: a writable empty one is "not-created", a readonly one is a problem', async () => {
    const writable = schema('cli_check_empty_rw');
    const readonly = schema('cli_check_empty_ro');
    ws = makeWorkspace(
      `[database.sources.fresh]\ntype = "postgresql"\nurl = "${url}"\nschema = "${writable}"\n` +
        `[database.sources.replica]\ntype = "postgresql"\nurl = "${url}"\nschema = "${readonly}"\nreadonly = true\n`,
    );
    const r = await runCli(['check', '--config', ws.config, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const body = json<CheckJson>(r);
    expect(body.sources.find((s) => s.name === 'fresh')).toMatchObject({
      status: 'not-created',
      exists: false,
      schemaVersion: null,
    });
    expect(body.sources.find((s) => s.name === 'fresh')?.note).toContain('the bot creates them');
    expect(body.sources.find((s) => s.name === 'replica')).toMatchObject({ status: 'failed', exists: false });
    expect(body.problems.map((p) => [p.code, p.source])).toEqual([['SOURCE_OPEN_FAILED', 'replica']]);
    expect(body.problems[0]?.message).toContain(readonly);
    expect(await schemaExists(writable)).toBe(false);
    expect(await schemaExists(readonly)).toBe(false);
  });

  it('check on an unreachable server: SOURCE_OPEN_FAILED naming it, exit 1, no password printed', async () => {
    ws = makeWorkspace(
      `[database.sources.down]\ntype = "postgresql"\nurl = "${UNREACHABLE}"\npassword-env = "BOTDB_TEST_CLI_PG_PASSWORD"\ntimeout = 5.0\n`,
    );
    const env = { BOTDB_TEST_CLI_PG_PASSWORD: ENV_SECRET };
    const text = await runCli(['check', '--config', ws.config], { env });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('type postgresql, writable, postgres://bot@127.0.0.1:1/botdb schema public');
    expect(text.stdout).toContain('1 problem(s) found');
    const r = await runCli(['check', '--config', ws.config, '--json'], { env });
    expect(r.code).toBe(1);
    const body = json<CheckJson>(r);
    expect(body.ok).toBe(false);
    expect(body.sources.find((s) => s.name === 'down')).toMatchObject({ status: 'failed', exists: null });
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]?.source).toBe('down');
    expect(body.problems[0]?.code).toBe('SOURCE_OPEN_FAILED');
    expect(body.problems[0]?.message).toContain('cannot reach the server');
    expect(body.problems[0]?.message).toContain('127.0.0.1:1');
    for (const out of [text.stdout, text.stderr, r.stdout, r.stderr]) {
      expect(out).not.toContain(ENV_SECRET);
    }
  });

  it('route prints the location of a PostgreSQL source, in text and JSON', async () => {
    const name = schema('cli_route_pg');
    ws = makeWorkspace(
      `[database.sources.shared]\ntype = "postgresql"\nurl = "${UNREACHABLE}"\nschema = "${name}"\nreadonly = true\n`,
    );
    // chatMapping of the workspace ends the file: map one more chat by appending under it.
    const cfg = ws.config;
    appendFileSync(cfg, '100100 = "shared"\n');
    const location = `postgres://bot@127.0.0.1:1/botdb schema ${name}`;

    const text = await runCli(['route', '100100', '--config', cfg]);
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toContain(location);
    expect(text.stdout).toContain('refused');

    const r = await runCli(['route', '100100', '--config', cfg, '--json']);
    expect(r.code).toBe(0);
    const body = json<{ read: Leg; write: Leg }>(r);
    for (const leg of [body.read, body.write]) {
      expect(leg).toMatchObject({
        source: 'shared',
        type: 'postgresql',
        path: null,
        location,
        url: 'postgres://bot@127.0.0.1:1/botdb',
        schema: name,
      });
    }
    expect(body.write.refused).toBe(true);
    // A SQLite leg keeps its path.
    const sqlite = json<{ read: Leg }>(await runCli(['route', '5', '--config', cfg, '--json']));
    expect(sqlite.read).toMatchObject({ source: 'primary', type: 'sqlite', path: ws.primary, location: ws.primary });
  });

  it('stats opens a PostgreSQL source, and refuses (SOURCE_MISSING) a writable one whose schema is empty', async () => {
    const filled = schema('cli_stats_pg');
    await filledByTheLibrary(filled);
    ws = makeWorkspace(`[database.sources.shared]\ntype = "postgresql"\nurl = "${url}"\nschema = "${filled}"\n`);
    const r = await runCli(['stats', '--config', ws.config, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const sources = json<{ sources: Record<string, unknown> }>(r).sources;
    expect(Object.keys(sources).sort()).toEqual(['archive', 'primary', 'shared']);

    const empty = schema('cli_stats_empty');
    const ws2 = makeWorkspace(`[database.sources.fresh]\ntype = "postgresql"\nurl = "${url}"\nschema = "${empty}"\n`);
    try {
      const missing = await runCli(['stats', '--config', ws2.config, '--json']);
      expect(missing.code).toBe(1);
      const problems = json<{ problems: Problem[] }>(missing).problems;
      expect(problems.map((p) => [p.code, p.source])).toEqual([['SOURCE_MISSING', 'fresh']]);
      expect(await schemaExists(empty)).toBe(false);
    } finally {
      ws2.dir.cleanup();
    }
  });

  it('backup refuses a PostgreSQL source with the pg_dump command and the move alternative, writing nothing', async () => {
    const name = schema('cli_backup_pg');
    ws = makeWorkspace(
      `[database.sources.shared]\ntype = "postgresql"\nurl = "${url}"\nschema = "${name}"\npassword-env = "BOTDB_TEST_CLI_PG_PASSWORD"\n`,
    );
    // Asked for a .db name, the suggested dump goes to a .sql name: a dump is no SQLite file.
    const file = ws.dir.file('shared.db');
    const env = { BOTDB_TEST_CLI_PG_PASSWORD: ENV_SECRET };
    const text = await runCli(['backup', 'shared', file, '--config', ws.config], { env });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('BACKUP_NOT_SUPPORTED');
    expect(text.stdout).toContain(`pg_dump --schema=${name} ${url} > ${ws.dir.file('shared.sql')} `);
    expect(text.stdout).not.toContain(`> ${file}`);
    expect(text.stdout).toContain('PGPASSWORD="$BOTDB_TEST_CLI_PG_PASSWORD"');
    expect(text.stdout).toContain('botdb move --from shared --to <sqlite source>');

    const r = await runCli(['backup', 'shared', file, '--config', ws.config, '--json'], { env });
    expect(r.code).toBe(1);
    const body = json<{ ok: boolean; problems: Problem[] }>(r);
    expect(body.ok).toBe(false);
    expect(body.problems.map((p) => [p.code, p.source])).toEqual([['BACKUP_NOT_SUPPORTED', 'shared']]);
    for (const out of [text.stdout, text.stderr, r.stdout, r.stderr]) expect(out).not.toContain(ENV_SECRET);
    expect(existsSync(file)).toBe(false);
    expect(await schemaExists(name)).toBe(false);
  });
});
