/**
 * The schema version lives where the existing bot keeps it: `settings.db-migration-version`
 * (text) and `settings.db-migration-last-run` (ISO time of the last run). A new file, and a
 * writable bot file at versions 0-5, get the bot's own steps up to 6 in one transaction; a
 * failure leaves the file as it was. Readonly sources are never migrated.
 */
import type { PrepareResult, SqliteConnection, SqliteSourceSpec } from '@pkg/broker';
import { MigrationError, NotABotDatabaseError, SchemaTooNewError, SourceOpenError } from '@pkg/errors';
import { LAST_RUN_KEY, V6_TABLES, VERSION_KEY } from '../../schema/bot-schema.js';
import { BOT_STEPS } from './bot-steps.js';

export interface Migration {
  version: number;
  description: string;
  up(db: SqliteConnection): void;
}

/**
 * Our migrations, oldest first: the bot's own steps 1-6 (see bot-steps.ts), so a bot file at
 * any version 0-5 is upgraded exactly as the bot would upgrade it, and a new file gets the
 * version-6 schema by the same path the bot takes.
 */
export const MIGRATIONS: readonly Migration[] = BOT_STEPS.map((step) => ({
  version: step.version,
  description: step.description,
  up(db: SqliteConnection) {
    for (const sql of step.statements) db.exec(sql);
  },
}));

export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

function tableNames(db: SqliteConnection): Set<string> {
  const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

export function readSchemaVersion(db: SqliteConnection): number | null {
  if (!tableNames(db).has('settings')) return null;
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(VERSION_KEY) as { value: string } | undefined;
  if (row === undefined) return null;
  const version = Number.parseInt(row.value, 10);
  return Number.isNaN(version) ? null : version;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Python's datetime.now().isoformat(), as the bot writes it: local time, microseconds, no zone. */
function isoNow(): string {
  const d = new Date();
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  // Python leaves out the fraction when it is zero.
  return d.getMilliseconds() === 0 ? `${date}T${time}` : `${date}T${time}.${pad(d.getMilliseconds(), 3)}000`;
}

/** What `on-newer-schema` asked for (config; core passes it as spec.moduleOptions.onNewerSchema). */
function allowsNewerWrites(spec: SqliteSourceSpec): boolean {
  return spec.moduleOptions?.onNewerSchema === 'allow-writes';
}

/**
 * Checks (and for a writable source, migrates) a source's schema when its worker opens it.
 * Readonly sources are never migrated.
 */
export function prepareSchema(
  db: SqliteConnection,
  spec: SqliteSourceSpec,
  migrations: readonly Migration[] = MIGRATIONS,
): PrepareResult {
  const latest = Math.max(...migrations.map((m) => m.version));
  const tables = tableNames(db);
  let version = readSchemaVersion(db);

  if (version === null) {
    // The bot reads a missing marker as version 0 and runs every step (IF NOT EXISTS keeps the
    // tables of a file from before its migration system). A file with none of its tables is
    // someone else's: refused, unless it is empty (a new file).
    const botTables = V6_TABLES.filter((t) => tables.has(t));
    if ((tables.size > 0 && botTables.length === 0) || (spec.readonly && tables.size === 0)) {
      const missing = V6_TABLES.filter((t) => !tables.has(t));
      throw new NotABotDatabaseError(spec.name, spec.path, missing.length > 0 ? missing : [`settings.${VERSION_KEY}`]);
    }
    version = 0;
  }

  if (version > latest) {
    if (allowsNewerWrites(spec)) return {};
    return { refuseWrites: new SchemaTooNewError(spec.name, spec.path, version, latest).toJSON() };
  }
  if (version < latest) {
    if (spec.readonly) {
      throw new SourceOpenError(
        spec.name,
        spec.path,
        `the file is at schema version ${version}, older than ${latest}, and a readonly source is never migrated`,
        `open it once as a writable source (or with the bot) to migrate it to version ${latest}, then set readonly = true again`,
      );
    }
    migrate(db, spec, version, migrations);
  }
  const present = tableNames(db);
  const missing = V6_TABLES.filter((t) => !present.has(t));
  if (missing.length > 0) {
    throw new NotABotDatabaseError(spec.name, spec.path, missing);
  }
  return {};
}

/** Runs every migration above `from` and records the version, all in one transaction. */
function migrate(db: SqliteConnection, spec: SqliteSourceSpec, from: number, migrations: readonly Migration[]): void {
  const pending = migrations.filter((m) => m.version > from);
  let current = from;
  try {
    // All or nothing (the bot commits step by step; a half-migrated file helps no one). After each
    // step the marker is written as the bot's setSetting writes it.
    db.transaction(() => {
      for (const m of pending) {
        current = m.version;
        m.up(db);
        const write = db.prepare(
          'INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP)',
        );
        write.run(VERSION_KEY, String(m.version));
        write.run(LAST_RUN_KEY, isoNow());
      }
    }).immediate();
  } catch (e) {
    throw new MigrationError(spec.name, spec.path, current, e instanceof Error ? e.message : String(e));
  }
}
