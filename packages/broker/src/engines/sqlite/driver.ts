/**
 * better-sqlite3, loaded at the first SQLite open. It is an optional dependency: a PostgreSQL-only bot
 * installs and runs where its native build was skipped or failed, and a SQLite source then fails with
 * SOURCE_OPEN_FAILED naming the package and the fix. The broker's SQLite workers and the `botdb`
 * command open every SQLite file through `openSqlite` (`@pkg/broker/sqlite-driver`, not part of the
 * main entry point, whose declarations name no driver type).
 */
import { SourceOpenError } from '@pkg/errors';
import type Database from 'better-sqlite3';
import { lazyDriver } from '../lazy-driver.js';
import { BINDING_FIX, bindingProblem } from './open-errors.js';

const loadBetterSqlite3 = lazyDriver<typeof Database>('better-sqlite3');
let driver: typeof Database | Error | undefined;

function sqliteDriver(): typeof Database | Error {
  if (driver === undefined) {
    try {
      driver = loadBetterSqlite3();
    } catch (e) {
      driver = e instanceof Error ? e : new Error(String(e));
    }
  }
  return driver;
}

const BUILD = 'it compiles from source when no prebuilt binary fits this Node: needs python3, make and g++';

/**
 * `new Database(contents ?? path, options)`, or a SourceOpenError when the driver is missing or its
 * native binding is not built. `source` and `path` name the file in the message.
 */
export function openSqlite(
  source: string,
  path: string,
  options: Database.Options,
  contents?: Buffer,
): Database.Database {
  const Driver = sqliteDriver();
  const fail = (reason: string, fix: string) => new SourceOpenError(source, path, reason, fix);
  if (Driver instanceof Error) {
    throw fail(
      `the SQLite driver better-sqlite3 is not installed (${firstLine(Driver)})`,
      `npm install better-sqlite3 (${BUILD}); a bot with only PostgreSQL sources does not need it`,
    );
  }
  try {
    return new Driver(contents ?? path, options);
  } catch (e) {
    // The binding loads in the constructor; any other error (a bad path...) is the caller's to explain.
    const binding = bindingProblem(firstLine(e), String((e as { code?: unknown } | null)?.code ?? ''));
    if (binding === null) throw e;
    throw fail(binding, BINDING_FIX);
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
