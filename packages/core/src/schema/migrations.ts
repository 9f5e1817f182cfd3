/**
 * The schema version lives where the existing bot keeps it: `settings.db-migration-version`
 * (text) and `settings.db-migration-last-run` (ISO time of the last run). A new file gets the
 * version-6 schema and the marker in one transaction; a failure leaves the file as it was.
 */
import type { PrepareResult, SourceSpec } from '@pkg/broker';
import { MigrationError, NotABotDatabaseError, SchemaTooNewError } from '@pkg/errors';
import type { Database } from 'better-sqlite3';
import { SCHEMA_V6, V6_TABLES } from './schema-v6.js';

export const VERSION_KEY = 'db-migration-version';
export const LAST_RUN_KEY = 'db-migration-last-run';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

/**
 * Our migrations, oldest first. Version 6 is the baseline: it creates the whole schema the
 * existing bot has at version 6 (files of versions 1-5 are upgraded by the bot itself).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 6,
    description: 'baseline: the existing bot schema, version 6',
    up(db) {
      for (const sql of SCHEMA_V6) db.exec(sql);
    },
  },
];

export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

function tableNames(db: Database): Set<string> {
  const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

export function readSchemaVersion(db: Database): number | null {
  if (!tableNames(db).has('settings')) return null;
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(VERSION_KEY) as { value: string } | undefined;
  if (row === undefined) return null;
  const version = Number.parseInt(row.value, 10);
  return Number.isNaN(version) ? null : version;
}

/** Python's datetime.isoformat() of a UTC time, as the bot writes it. */
function isoNow(): string {
  return new Date().toISOString().replace('Z', '000');
}

/**
 * Checks (and for a writable source, migrates) a source's schema when its worker opens it.
 * Readonly sources are never migrated.
 */
export function prepareSchema(
  db: Database,
  spec: SourceSpec,
  migrations: readonly Migration[] = MIGRATIONS,
): PrepareResult {
  const latest = Math.max(...migrations.map((m) => m.version));
  const tables = tableNames(db);
  const version = readSchemaVersion(db);

  if (version === null) {
    const isEmpty = tables.size === 0;
    if (!isEmpty || spec.readonly) {
      const missing = V6_TABLES.filter((t) => !tables.has(t));
      throw new NotABotDatabaseError(
        spec.name,
        spec.path,
        missing.length > 0 ? missing : ['settings.db-migration-version'],
      );
    }
    migrate(db, spec, 0, migrations);
    return {};
  }

  if (version > latest) {
    return { refuseWrites: new SchemaTooNewError(spec.name, spec.path, version, latest).toJSON() };
  }
  if (version < latest && !spec.readonly) {
    const baseline = migrations[0]?.version ?? latest;
    if (version < baseline) {
      throw new MigrationError(
        spec.name,
        spec.path,
        latest,
        `the file is at version ${version}, older than this library's baseline (${baseline}); open it once with the bot to upgrade it`,
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
function migrate(db: Database, spec: SourceSpec, from: number, migrations: readonly Migration[]): void {
  const pending = migrations.filter((m) => m.version > from);
  const target = Math.max(...migrations.map((m) => m.version));
  let current = from;
  try {
    db.transaction(() => {
      for (const m of pending) {
        current = m.version;
        m.up(db);
      }
      const write = db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = CURRENT_TIMESTAMP',
      );
      write.run(VERSION_KEY, String(target));
      write.run(LAST_RUN_KEY, isoNow());
    }).immediate();
  } catch (e) {
    throw new MigrationError(spec.name, spec.path, current, e instanceof Error ? e.message : String(e));
  }
}
