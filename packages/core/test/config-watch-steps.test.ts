/**
 * Issue #16 item 5: a configuration file saved in steps. Editors and `cp` write a file in pieces, and a
 * piece can be a valid prefix (here: cut after `[database.sources.a]`, so source b and every chat's
 * mapping are missing). `watchConfig` must never apply such a prefix while writes go on: it waits until
 * the file is stable, and a prefix that lingers is still refused because it drops a source chats are
 * mapped to. Every write must land in its chat's source.
 */
import { writeFileSync } from 'node:fs';
import { DatabaseWrapper, type LogFields, loadConfig } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ON_A = -601;
const ON_B = -602;

const PREFIX = `[database]
default = "main"
[database.sources.main]
path = "main.db"
[database.sources.a]
path = "a.db"
`;
const REST = `[database.sources.b]
path = "b.db"
[database.chatMapping]
${ON_A} = "a"
${ON_B} = "b"
`;
/** The whole file, with source c added so its application can be seen. */
const NEXT = `${PREFIX}[database.sources.c]\npath = "c.db"\n${REST}`;

let dir: TempDir;
let db: DatabaseWrapper | undefined;
beforeEach(() => {
  dir = createTempDir('core-config-watch-steps-');
});
afterEach(async () => {
  await db?.close();
  db = undefined;
  dir.cleanup();
});

/** Chat ids of the settings rows in a file, with their count. */
function chatsIn(file: string): Record<string, number> {
  const sqlite = new Database(file, { readonly: true });
  try {
    const rows = sqlite.prepare('SELECT chat_id, count(*) AS n FROM chat_settings GROUP BY chat_id').all() as {
      chat_id: number;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [String(r.chat_id), r.n]));
  } finally {
    sqlite.close();
  }
}

/** Writes for both chats, one after another per chat, until stopped; resolves with how many each made. */
function writeUntil(db: DatabaseWrapper, stop: () => boolean): Promise<number[]> {
  return Promise.all(
    [ON_A, ON_B].map(async (chatId) => {
      let n = 0;
      while (!stop()) {
        await db.setChatSetting({ chatId, key: String(n), value: 'v' });
        n++;
      }
      return n;
    }),
  );
}

type Logs = Array<[string, LogFields, string]>;

/**
 * A wrapper opened on the whole file, watching it with `settleMs`, with writes for both chats going on
 * until `stop()`, which resolves with how many each chat made.
 */
async function watchedUnderWrites(settleMs: number) {
  const file = dir.file('botdb.config.toml');
  const logs: Logs = [];
  writeFileSync(file, PREFIX + REST);
  const opened = new DatabaseWrapper({
    config: (await loadConfig({ path: file, env: {} })).config,
    logger: {
      warn: (f, m) => logs.push(['warn', f, m]),
      error: (f, m) => logs.push(['error', f, m]),
      info: (f, m) => logs.push(['info', f, m]),
    },
  });
  db = opened;
  await opened.ready();
  opened.watchConfig(file, { debounceMs: 20, settleMs });
  let stopped = false;
  const writing = writeUntil(opened, () => stopped);
  const stop = () => {
    stopped = true;
    return writing;
  };
  return { file, logs, db: opened, stop };
}

/** Every write landed in its chat's source, none in the default. */
function expectEveryWriteAtHome([onA, onB]: number[]): void {
  expect(onA).toBeGreaterThan(0);
  expect(chatsIn(dir.file('a.db'))).toEqual({ [ON_A]: onA });
  expect(chatsIn(dir.file('b.db'))).toEqual({ [ON_B]: onB });
  expect(chatsIn(dir.file('main.db'))).toEqual({});
}

const events = (logs: Logs, event: string) => logs.filter(([, f]) => f.event === event);

describe('watchConfig and a file written in steps', () => {
  it('refuses settle options out of range without throwing: the watcher.ready rejects and the log says it', async () => {
    const { file, logs, db: current, stop } = await watchedUnderWrites(50);
    await stop();
    let negative: ReturnType<typeof current.watchConfig> | undefined;
    let fractional: ReturnType<typeof current.watchConfig> | undefined;
    expect(() => {
      negative = current.watchConfig(file, { settleMs: -1 });
      fractional = current.watchConfig(file, { maxSettleMs: 1.5 });
    }).not.toThrow();
    await expect(negative?.ready).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('options.settleMs'),
    });
    await expect(fractional?.ready).rejects.toThrow(/options\.maxSettleMs/);
    expect(events(logs, 'config-watch-invalid').map(([level, f]) => [level, f.code])).toEqual([
      ['error', 'INVALID_ARGUMENT'],
      ['error', 'INVALID_ARGUMENT'],
    ]);
    negative?.close();
    fractional?.close();
    const fine = current.watchConfig(file);
    await expect(fine.ready).resolves.toBeUndefined();
    fine.close();
  }, 60_000);

  it('never applies a valid prefix that is followed by the rest within the settle time', async () => {
    const { file, logs, db: current, stop } = await watchedUnderWrites(2_000);
    writeFileSync(file, PREFIX);
    await new Promise((resolve) => setTimeout(resolve, 150));
    writeFileSync(file, NEXT);
    await vi.waitFor(() => expect(current.sources).toContain('c'), { timeout: 30_000, interval: 50 });
    const counts = await stop();

    // One reconfiguration: the whole file's, adding c and removing nothing.
    expect(events(logs, 'reconfigured').map(([, f]) => [f.added, f.removed])).toEqual([[['c'], []]]);
    expect(events(logs, 'reconfigure-rejected')).toEqual([]);
    expect(current.routeFor({ chatId: ON_B }).source).toBe('b');
    await current.close();
    expectEveryWriteAtHome(counts);
  }, 60_000);

  it('refuses a prefix that stays long enough to settle, because it drops a source chats are mapped to', async () => {
    const { file, logs, db: current, stop } = await watchedUnderWrites(50);
    writeFileSync(file, PREFIX);
    await vi.waitFor(() => expect(events(logs, 'reconfigure-rejected')).toHaveLength(1), {
      timeout: 30_000,
      interval: 50,
    });
    expect(events(logs, 'reconfigure-rejected')[0]?.[2]).toMatch(
      /source "b" would be removed, but chat -602 is mapped to it/,
    );
    // A prefix cut right after the table's header does not even validate.
    writeFileSync(file, `${PREFIX}[database.sources.b]\n`);
    await vi.waitFor(() => expect(events(logs, 'config-reload-failed')).toHaveLength(1), {
      timeout: 30_000,
      interval: 50,
    });
    writeFileSync(file, NEXT);
    await vi.waitFor(() => expect(current.sources).toContain('c'), { timeout: 30_000, interval: 50 });
    const counts = await stop();

    expect(events(logs, 'reconfigured').map(([, f]) => [f.added, f.removed])).toEqual([[['c'], []]]);
    await current.close();
    expectEveryWriteAtHome(counts);
  }, 60_000);
});
