/**
 * MySQL databases for the engine loop (engines.ts) and the fault suite (engine-faults.ts): the library never
 * creates a MySQL database (the URL names one), so a test's "fresh" source needs one made first. `fresh` is
 * synchronous in the harness, so the database is made by a short child process; the reference data is copied
 * in by the engine tools `botdb move` uses.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { normalizeConfig, type SourceConfigInput } from '@pkg/config';
import { REFERENCE, testSchemaName } from '@pkg/testkit';
import { type Row, type SourceSpec, sourceSpecOf, type TableShape, toolsOf } from '../src/engines/index.js';
import { LAST_RUN_KEY, VERSION_KEY } from '../src/schema/bot-schema.js';

const MYSQL2 = createRequire(import.meta.url).resolve('mysql2/promise');

/** Env variable the harness puts a BOTDB_TEST_MYSQL_URL password in (the config refuses one inside url). */
export const MYSQL_PASSWORD_ENV = 'BOTDB_TEST_MYSQL_PASSWORD';

const CREATE = `
const mysql = require(process.env.M);
(async () => {
  const u = new URL(process.env.U);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306),
    user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  try { await c.query(process.env.Q); } finally { await c.end(); }
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

/** Runs one statement on the server of `serverUrl` (no database), synchronously. */
export function mysqlAdminSync(serverUrl: string, statement: string): void {
  execFileSync(process.execPath, ['-e', CREATE], {
    env: { ...process.env, M: MYSQL2, U: serverUrl, Q: statement },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
}

/** A new database on the server, and the source that names it (the URL's password moved to an env variable). */
export function freshMysqlSource(serverUrl: string, label: string, readonly: boolean): SourceConfigInput {
  const name = testSchemaName(label);
  mysqlAdminSync(serverUrl, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  return mysqlSource(serverUrl, name, readonly);
}

export function mysqlSource(serverUrl: string, database: string, readonly: boolean): SourceConfigInput {
  const url = new URL(serverUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  url.pathname = `/${database}`;
  if (password !== '') process.env[MYSQL_PASSWORD_ENV] = password;
  return {
    type: 'mysql',
    url: url.toString(),
    readonly,
    ...(password === '' ? {} : { passwordEnv: MYSQL_PASSWORD_ENV }),
  } as SourceConfigInput;
}

/** The database a MySQL source names. */
export function databaseOf(source: SourceConfigInput): string {
  return decodeURIComponent(new URL((source as { url: string }).url).pathname.slice(1));
}

function specOf(input: SourceConfigInput): SourceSpec {
  const { config } = normalizeConfig({ default: 'main', sources: { main: input } }, { baseDir: process.cwd() });
  return sourceSpecOf(config, 'main');
}

/** Fills the (empty) database of `source` with every row of the bot's reference file, as `botdb move` does. */
export async function copyReferenceIntoMysql(source: SourceConfigInput): Promise<void> {
  const from = specOf({ path: REFERENCE.db, readonly: true });
  const to = specOf({ ...source, readonly: false } as SourceConfigInput);
  const reader = await toolsOf(from).openReader(from);
  const writer = await toolsOf(to).openWriter(to);
  try {
    const tables = new Map((await reader.tables()).map((t) => [t.name, t]));
    for (const dest of await writer.tables()) {
      const src = tables.get(dest.name);
      if (src === undefined) continue;
      const table: TableShape = { ...dest, columns: dest.columns.filter((c) => src.columns.includes(c)) };
      const scope = dest.name === 'settings' ? { exclude: { column: 'key', values: [VERSION_KEY, LAST_RUN_KEY] } } : {};
      let after: Row | null = null;
      for (;;) {
        const page = await reader.page(table, scope, ['rowid'], after, 500);
        if (page.length === 0) break;
        await writer.insertMissing(
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
}
