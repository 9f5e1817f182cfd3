import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { REFERENCE_CHAT_IDS } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { json, makeWorkspace, primaryConfig, runCli, type Workspace, writeConfig } from './helpers.js';

interface CheckJson {
  ok: boolean;
  config: string | null;
  sources: {
    name: string;
    type: string;
    path: string;
    mode: string;
    size: number | null;
    schemaVersion: number | null;
    chats: number | null;
    messages: number | null;
    status: string;
    note?: string;
  }[];
  problems: { code: string; source?: string; message: string; issues?: { key: string }[] }[];
}

describe('botdb check', () => {
  let ws: Workspace;
  afterEach(() => ws?.dir.cleanup());

  it('prints every source: type, path, mode, schema version, size, chats and messages', async () => {
    ws = makeWorkspace();
    const r = await runCli(['check', '--config', ws.config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('primary');
    expect(r.stdout).toContain('type sqlite, writable');
    expect(r.stdout).toContain('type sqlite, readonly');
    expect(r.stdout).toContain(ws.archive);
    expect(r.stdout).toMatch(/schema version 6, 5 chats, \d+ messages/);
    expect(r.stdout).toMatch(/size \d+\.\d KiB/);
    expect(r.stdout).toContain('OK: 2 source(s) checked');
    // Not a terminal: no colour codes in captured output, even under CI=true.
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('--json gives the same facts for scripts, on stdout only', async () => {
    ws = makeWorkspace();
    const r = await runCli(['check', '--json'], { env: { BOTDB_CONFIG: ws.config } });
    expect(r.code, r.stderr).toBe(0);
    const body = json<CheckJson>(r);
    expect(body.ok).toBe(true);
    expect(body.config).toBe(ws.config);
    expect(body.problems).toEqual([]);
    expect(body.sources.map((s) => [s.name, s.type, s.mode, s.status])).toEqual([
      ['primary', 'sqlite', 'writable', 'ok'],
      ['archive', 'sqlite', 'readonly', 'ok'],
    ]);
    for (const s of body.sources) {
      expect(s.schemaVersion).toBe(6);
      expect(s.chats).toBe(REFERENCE_CHAT_IDS.length);
      expect(s.messages).toBeGreaterThan(0);
      expect(s.size).toBeGreaterThan(0);
    }
  });

  it('an invalid configuration exits 1 naming the key and its fix', async () => {
    ws = makeWorkspace();
    const bad = writeConfig(
      ws.dir,
      `[database]
default = "primary"
[database.sources.primary]
path = "bot.db"
pool-size = 0
`,
      'bad.toml',
    );
    const text = await runCli(['check', '--config', bad]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('CONFIG_INVALID');
    expect(text.stdout).toContain('pool-size');
    const r = await runCli(['check', '--config', bad, '--json']);
    expect(r.code).toBe(1);
    const body = json<CheckJson>(r);
    expect(body.ok).toBe(false);
    expect(body.config).toBe(bad);
    expect(body.problems[0]?.code).toBe('CONFIG_INVALID');
    expect(body.problems[0]?.issues?.map((i) => i.key).join(' ')).toContain('pool-size');
  });

  it('lists every source that cannot open, each with its typed code', async () => {
    ws = makeWorkspace();
    writeFileSync(ws.dir.file('notes.db'), 'these are notes, not a database');
    const cfg = primaryConfig(
      ws.dir,
      `[database.sources.gone]
path = "missing.db"
readonly = true
[database.sources.notes]
path = "notes.db"
readonly = true
`,
      'broken.toml',
    );
    const r = await runCli(['check', '--config', cfg, '--json']);
    expect(r.code).toBe(1);
    const body = json<CheckJson>(r);
    const bySource = Object.fromEntries(body.problems.map((p) => [p.source, p.code]));
    expect(bySource).toEqual({ gone: 'SOURCE_OPEN_FAILED', notes: 'SOURCE_OPEN_FAILED' });
    expect(body.problems.map((p) => p.source)).toEqual(['gone', 'notes']);
    expect(body.problems[0]?.message).toContain('does not exist');
    expect(body.problems[1]?.message).toContain('not an SQLite database');
    expect(body.sources.find((s) => s.name === 'primary')?.status).toBe('ok');
    const text = await runCli(['check', '--config', cfg]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('[gone]');
    expect(text.stdout).toContain('[notes]');
    expect(text.stdout).toContain('2 problem(s) found');
  });

  it('does not create the file of a writable source that does not exist yet', async () => {
    ws = makeWorkspace();
    const cfg = writeConfig(
      ws.dir,
      `[database]
default = "fresh"
[database.sources.fresh]
path = "fresh.db"
`,
      'fresh.toml',
    );
    const r = await runCli(['check', '--config', cfg, '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(json<CheckJson>(r).sources[0]?.status).toBe('not-created');
    const { existsSync } = await import('node:fs');
    expect(existsSync(ws.dir.file('fresh.db'))).toBe(false);
  });

  it('never writes: a 0-byte file and a foreign SQLite file of writable sources are reported, left byte for byte as they were', async () => {
    ws = makeWorkspace();
    writeFileSync(ws.dir.file('empty.db'), '');
    const foreign = new Database(ws.dir.file('foreign.db'));
    foreign.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (1)');
    foreign.close();
    const files = ['empty.db', 'foreign.db', 'bot.db'].map((f) => ws.dir.file(f));
    // An mtime in the past, so that any write would show.
    const past = new Date('2020-01-01T00:00:00Z');
    for (const f of files) utimesSync(f, past, past);
    const before = files.map((f) => ({ bytes: readFileSync(f), mtimeMs: statSync(f).mtimeMs }));
    const cfg = primaryConfig(
      ws.dir,
      `[database.sources.empty]
path = "empty.db"
[database.sources.foreign]
path = "foreign.db"
`,
      'writable.toml',
    );
    const r = await runCli(['check', '--config', cfg, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const body = json<CheckJson>(r);
    expect(Object.fromEntries(body.problems.map((p) => [p.source, p.code]))).toEqual({
      empty: 'NOT_A_BOT_DATABASE',
      foreign: 'NOT_A_BOT_DATABASE',
    });
    expect(body.sources.find((s) => s.name === 'primary')?.status).toBe('ok');
    files.forEach((f, i) => {
      expect(readFileSync(f).equals(before[i]?.bytes as Buffer), f).toBe(true);
      expect(statSync(f).mtimeMs, f).toBe(before[i]?.mtimeMs);
    });
  });

  it('a writable file at an older schema version is reported as the bot will migrate it, and left unmigrated', async () => {
    ws = makeWorkspace();
    const old = new Database(ws.primary);
    old.prepare(`UPDATE settings SET value = '5' WHERE key = 'db-migration-version'`).run();
    old.close();
    const past = new Date('2020-01-01T00:00:00Z');
    utimesSync(ws.primary, past, past);
    const bytes = readFileSync(ws.primary);
    const r = await runCli(['check', '--config', ws.config, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const primary = json<CheckJson>(r).sources.find((s) => s.name === 'primary');
    expect(primary).toMatchObject({ status: 'ok', schemaVersion: 5, messages: expect.any(Number) });
    expect(primary?.note).toContain('migrates it to 6');
    expect(readFileSync(ws.primary).equals(bytes)).toBe(true);
    expect(statSync(ws.primary).mtimeMs).toBe(past.getTime());
  });
});
