/** What `botdb` needs from the SQLite engine (the contract is ../tools.ts). */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SourceOpenError } from '@pkg/errors';
import { SCHEMA_VERSION } from '../../schema/bot-schema.js';
import { STANDARD_FIGURE_QUERIES } from '../tool-helpers.js';
import type { EngineTools, FileReport, LocalFacts } from '../tools.js';
import { verifyFile } from './file-check.js';
import { openSqliteReader, openSqliteWriter } from './move.js';
import { sqliteOnline } from './online.js';
import { copySqliteOnline, sqliteFiles } from './online-copy.js';

function sizeOf(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function local(spec: { name: string; path: string }): LocalFacts {
  const size = sizeOf(spec.path);
  const folder = dirname(spec.path);
  return {
    exists: size !== null,
    size,
    walSize: sizeOf(`${spec.path}-wal`),
    // The bot's open creates a missing file, but not the folder it would go in.
    cannotCreate:
      size !== null || existsSync(folder)
        ? null
        : new SourceOpenError(
            spec.name,
            spec.path,
            `the folder ${folder} does not exist, so the file cannot be created`,
            `create the folder, or correct [database.sources.${spec.name}] path.`,
          ),
  };
}

/** A SQLite file checked on disk, readonly (integrity, bot schema, figures); never rejects. */
export async function verifySqliteFile(
  file: string,
  options: { timeoutMs?: number; integrity?: boolean } = {},
): Promise<FileReport> {
  return verifyFile(file, {
    ...(options.integrity === undefined ? {} : { integrity: options.integrity }),
    ...(options.timeoutMs === undefined ? {} : { busyTimeoutMs: options.timeoutMs }),
  });
}

export const sqliteTools: EngineTools<'sqlite'> = {
  online: sqliteOnline,
  place: (spec) => ({ type: 'sqlite', path: spec.path, location: spec.path, fields: {} }),
  sameData: (a, b) => resolve(a.path) === resolve(b.path),
  local,
  notCreated: (spec) => ({
    checkNote: `the file does not exist yet; the bot creates it (schema version ${SCHEMA_VERSION}) on first open`,
    statsMessage: `${spec.path} does not exist; stats opens existing files only (opening would create it). Fix: check the path, or let the bot create it.`,
  }),
  async olderSchema(spec) {
    if (spec.readonly) return null;
    const file = verifyFile(spec.path, { integrity: false, busyTimeoutMs: spec.timeoutMs });
    if (file.schemaVersion === null || file.schemaVersion >= SCHEMA_VERSION) return null;
    return { schemaVersion: file.schemaVersion, chats: file.chats, messages: file.messages };
  },
  figureQueries: STANDARD_FIGURE_QUERIES,
  openReader: openSqliteReader,
  openWriter: openSqliteWriter,
  backup: {
    kind: 'file',
    files: sqliteFiles,
    copy: copySqliteOnline,
    verify: verifySqliteFile,
  },
};
