import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SourceSpec } from '@pkg/broker';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spec } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/open-sources.mjs', import.meta.url));
/** Root ignores file permissions: the scenario runs as `nobody` then, as the current user otherwise. */
const AS_OTHER_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

type Outcome = { ready: 'ok' | { code: string; message: string }; call?: unknown };

function openInChild(specs: SourceSpec[]): Record<string, Outcome> {
  const run = spawnSync(process.execPath, [CHILD, JSON.stringify(specs)], {
    ...AS_OTHER_USER,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}

function makeDb(path: string, wal: boolean): void {
  const db = new Database(path);
  if (wal) db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('x', 'stored')`);
  db.close();
}

describe('sources on read-only files and folders (run as another user)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-perm-');
    chmodSync(dir.path, 0o777);
  });
  afterEach(() => {
    if (existsSync(dir.file('ro'))) chmodSync(dir.file('ro'), 0o755);
    dir.cleanup();
  });

  it('fails ready() with SOURCE_OPEN_FAILED naming the cause and the fix, instead of failing every write later', () => {
    makeDb(dir.file('file444-wal.db'), true);
    makeDb(dir.file('file444.db'), false);
    chmodSync(dir.file('file444-wal.db'), 0o444);
    chmodSync(dir.file('file444.db'), 0o444);
    mkdirSync(dir.file('ro'));
    makeDb(dir.file('ro/wal.db'), true);
    makeDb(dir.file('ro/journal.db'), false);
    chmodSync(dir.file('ro/wal.db'), 0o666);
    chmodSync(dir.file('ro/journal.db'), 0o666);
    chmodSync(dir.file('ro'), 0o555);
    const out = openInChild([
      spec('file444wal', dir.file('file444-wal.db')),
      spec('file444', dir.file('file444.db')),
      spec('rofolderwal', dir.file('ro/wal.db')),
      spec('rofolder', dir.file('ro/journal.db')),
      spec('rofoldernew', dir.file('ro/new.db')),
    ]);
    for (const name of ['file444wal', 'file444']) {
      expect(out[name]?.ready).toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringMatching(
          /cannot be written \(SQLITE_READONLY.*Fix: give the bot’s user write permission/,
        ),
      });
    }
    for (const name of ['rofolderwal', 'rofolder']) {
      expect(out[name]?.ready).toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringMatching(/folder is read-only.*SQLITE_READONLY_DIRECTORY.*Fix: make the folder writable/),
      });
    }
    expect(out.rofoldernew?.ready).toMatchObject({
      code: 'SOURCE_OPEN_FAILED',
      message: expect.stringContaining('SQLITE_CANTOPEN'),
    });
  });

  it('a readonly source on the same files opens and reads', () => {
    makeDb(dir.file('file444.db'), false);
    chmodSync(dir.file('file444.db'), 0o444);
    mkdirSync(dir.file('ro'));
    makeDb(dir.file('ro/journal.db'), false);
    chmodSync(dir.file('ro'), 0o555);
    const out = openInChild([
      spec('file444', dir.file('file444.db'), { readonly: true }),
      spec('rofolder', dir.file('ro/journal.db'), { readonly: true }),
    ]);
    expect(out.file444).toEqual({ ready: 'ok', call: { ok: 1 } });
    expect(out.rofolder).toEqual({ ready: 'ok', call: { ok: 1 } });
  });

  it('a readonly WAL-mode archive in a read-only folder (no -shm) opens from memory; one with unmerged WAL data says why not', () => {
    mkdirSync(dir.file('ro'));
    makeDb(dir.file('ro/archive.db'), true);
    // A WAL file whose changes are not in the main file yet: copied while its writer is still open.
    const live = new Database(dir.file('live.db'));
    live.pragma('journal_mode = WAL');
    live.pragma('wal_autocheckpoint = 0');
    live.exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('x', 'in wal')`);
    copyFileSync(dir.file('live.db'), dir.file('ro/unmerged.db'));
    copyFileSync(dir.file('live.db-wal'), dir.file('ro/unmerged.db-wal'));
    live.close();
    chmodSync(dir.file('ro'), 0o555);
    const before = readdirSync(dir.file('ro')).sort();
    const out = openInChild([
      spec('archive', dir.file('ro/archive.db'), { readonly: true }),
      spec('unmerged', dir.file('ro/unmerged.db'), { readonly: true }),
    ]);
    expect(out.archive).toEqual({ ready: 'ok', call: { ok: 1 } });
    expect(out.unmerged?.ready).toMatchObject({
      code: 'SOURCE_OPEN_FAILED',
      message: expect.stringMatching(/-wal file holds changes not yet in the main file.*SQLITE_.*Fix: checkpoint/),
    });
    expect(readdirSync(dir.file('ro')).sort()).toEqual(before);
  });
});
