/**
 * `botdb` finds a PostgreSQL password where the library's workers do: password-env, else PGPASSWORD, else
 * ~/.pgpass (or the file PGPASSFILE names). Proved on a throwaway cluster of this file's own whose pg_hba
 * demands a password (scram-sha-256) from the bot's role over TCP: without the file the login is refused,
 * with it `botdb move` (its own connection, no worker) and `botdb check` (the library's worker) get in.
 * A password-auth server needs its own cluster: the shared test server (and BOTDB_TEST_PG_URL) trusts.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTempDir,
  findPostgresBinDir,
  PG_MISSING_REASON,
  startTestCluster,
  type TempDir,
  type TestPostgresCluster,
} from '@pkg/testkit';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVED_CHAT, json, type MoveJson, makeWorkspace, runCli, type Workspace } from './helpers.js';
import { pgClient } from './pg-harness.js';

const ROLE = 'botdb_pgpass';
const PASSWORD = 'pgpass-s3cret';
const SCHEMA = 'pgpass_bot';

function body(): void {
  let cluster: TestPostgresCluster;
  let admin: Sql;
  let home: TempDir;
  let ws: Workspace;
  /** The bot's URL: the role, no password (the configuration refuses one). */
  let url: string;

  beforeAll(async () => {
    cluster = await startTestCluster();
    admin = pgClient(cluster.url, null);
    await admin.unsafe(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
    // The schema exists and is the role's: the move creates only the tables in it.
    await admin.unsafe(`CREATE SCHEMA ${SCHEMA} AUTHORIZATION ${ROLE}`);
    // The role must log in with its password over TCP; the admin keeps trust (first matching line wins).
    const hba = join(cluster.dataDir, 'pg_hba.conf');
    writeFileSync(
      hba,
      `host all ${ROLE} 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\nlocal all all trust\n`,
    );
    await admin.unsafe('SELECT pg_reload_conf()');
    expect(readFileSync(hba, 'utf8')).toContain('scram-sha-256');

    url = cluster.url.replace('postgres://postgres@', `postgres://${ROLE}@`);
    home = createTempDir('botdb-pgpass-');
    ws = makeWorkspace(
      `[database.sources.pg]\ntype = "postgresql"\nurl = "${url}"\nschema = "${SCHEMA}"\ntimeout = 10.0\n`,
    );
  });

  afterAll(async () => {
    await admin?.end({ timeout: 5 });
    await cluster?.stop();
    home?.cleanup();
    ws?.dir.cleanup();
  });

  /** libpq's line: host:port:database:user:password, in a file only its owner may read (else it is ignored). */
  function passFile(path: string, password: string): string {
    const { hostname, port } = new URL(url);
    writeFileSync(path, `${hostname}:${port}:postgres:${ROLE}:${password}\n`);
    chmodSync(path, 0o600);
    return path;
  }

  /** No password anywhere but where the test puts it. */
  const env = (extra: Record<string, string>) => ({
    PGPASSWORD: undefined,
    PGPASSFILE: undefined,
    HOME: home.path,
    ...extra,
  });

  const move = (extra: Record<string, string>) =>
    runCli(
      ['move', '--from', 'archive', '--to', 'pg', '--chat', String(ARCHIVED_CHAT), '--config', ws.config, '--json'],
      {
        env: env(extra),
      },
    );

  it('the server refuses the role without its password: SOURCE_OPEN_FAILED naming ~/.pgpass', async () => {
    const r = await move({ PGPASSFILE: passFile(home.file('wrong.pgpass'), 'not-the-password') });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const problem = json<MoveJson>(r).problems[0];
    expect(problem?.code).toBe('SOURCE_OPEN_FAILED');
    expect(problem?.message).toContain('~/.pgpass');
    expect(r.stdout + r.stderr).not.toContain('not-the-password');
  });

  it('botdb move logs in with the password of the file PGPASSFILE names', async () => {
    const r = await move({ PGPASSFILE: passFile(home.file('botdb.pgpass'), PASSWORD) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<MoveJson>(r);
    expect(body.copied).toBeGreaterThan(0);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const [row] = await admin.unsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${SCHEMA}.chat_messages WHERE chat_id = $1`,
      [ARCHIVED_CHAT],
    );
    expect(row?.n).toBeGreaterThan(0);
  });

  it('botdb move and botdb check log in with ~/.pgpass', async () => {
    passFile(join(home.path, '.pgpass'), PASSWORD);
    const again = await move({});
    expect(again.code, again.stdout + again.stderr).toBe(0);
    // Everything was there from the previous test: verified, nothing copied twice.
    expect(json<MoveJson>(again).copied).toBe(0);

    const check = await runCli(['check', '--config', ws.config, '--json'], { env: env({}) });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const sources = json<{ sources: { name: string; status: string; chats: number }[] }>(check).sources;
    expect(sources.find((s) => s.name === 'pg')).toMatchObject({ status: 'ok', chats: 1 });
  });
}

describe('botdb and ~/.pgpass on a server that demands a password', () => {
  if (findPostgresBinDir() !== null) body();
  else if (process.env.CI === 'true') {
    it('PostgreSQL is available (required under CI=true)', () => {
      throw new Error(`CI=true requires PostgreSQL binaries for this test: ${PG_MISSING_REASON}`);
    });
  } else it.skip(`PostgreSQL password tests skipped: ${PG_MISSING_REASON}`, () => {});
});
