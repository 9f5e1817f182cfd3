/**
 * db.reconfigure under traffic: 2,000 writes (and reads) in flight while the configuration changes.
 * Every call must settle with success or an expected typed error, and every row must be in the file
 * the configuration in force when the call was made routes it to: the swap happens at once, between
 * calls, so the calls made before reconfigure() use the old configuration and those after the new.
 */
import { writeFileSync } from 'node:fs';
import { type DatabaseConfigInput, DatabaseWrapper, type LogFields, loadConfig } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const CHAT = -500;
const HALF = 1000;

let dir: TempDir;
let db: DatabaseWrapper | undefined;
beforeEach(() => {
  dir = createTempDir('core-reconfigure-');
});
afterEach(async () => {
  await db?.close();
  db = undefined;
  dir.cleanup();
});

const quiet = { warn: () => undefined };

function config(
  sources: DatabaseConfigInput['sources'],
  chatMapping: Record<string, string> = {},
): DatabaseConfigInput {
  return { default: 'main', sources, chatMapping };
}

/** The chat setting keys stored in a file for CHAT, read directly with SQLite. */
function keysIn(file: string): number[] {
  const sqlite = new Database(file, { readonly: true });
  try {
    const rows = sqlite.prepare('SELECT key FROM chat_settings WHERE chat_id = ?').all(CHAT) as { key: string }[];
    return rows.map((r) => Number(r.key)).sort((a, b) => a - b);
  } finally {
    sqlite.close();
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Issues 2 * HALF writes for CHAT (key = call number) with a read after every tenth, calling
 * `change` between the two halves without awaiting it. Returns where each write was routed at
 * call time, and the settled outcomes.
 */
async function trafficAround<T>(db: DatabaseWrapper, change: () => Promise<T>) {
  const routed: string[] = [];
  const calls: Promise<unknown>[] = [];
  let changed: Promise<T> | undefined;
  for (let i = 0; i < 2 * HALF; i++) {
    if (i === HALF) changed = change();
    routed.push(db.routeFor({ chatId: CHAT }).source);
    calls.push(db.setChatSetting({ chatId: CHAT, key: String(i), value: 'v' }));
    if (i % 10 === 0) calls.push(db.getChatSettings({ chatId: CHAT }));
  }
  const outcomes = await Promise.allSettled(calls);
  return { routed, outcomes, changed: (await changed) as T };
}

describe('db.reconfigure under concurrent traffic', () => {
  it('swaps the chat mapping between calls: the first half lands in a.db, the second in b.db, none lost', async () => {
    const sources = {
      main: { path: dir.file('main.db') },
      a: { path: dir.file('a.db') },
      b: { path: dir.file('b.db') },
    };
    db = new DatabaseWrapper({ config: config(sources, { [CHAT]: 'a' }), logger: quiet });
    await db.ready();
    const { routed, outcomes, changed } = await trafficAround(db, () =>
      (db as DatabaseWrapper).reconfigure(config(sources, { [CHAT]: 'b' })),
    );
    expect(changed).toEqual({ added: [], removed: [], replaced: [] });
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(routed.slice(0, HALF).every((s) => s === 'a')).toBe(true);
    expect(routed.slice(HALF).every((s) => s === 'b')).toBe(true);
    await db.close();
    expect(keysIn(dir.file('a.db'))).toEqual(range(0, HALF));
    expect(keysIn(dir.file('b.db'))).toEqual(range(HALF, 2 * HALF));
    expect(keysIn(dir.file('main.db'))).toEqual([]);
  });

  it('starts an added source: calls routed to it queue until its worker is up', async () => {
    const main = { path: dir.file('main.db') };
    db = new DatabaseWrapper({ config: config({ main }), logger: quiet });
    await db.ready();
    const { outcomes, changed } = await trafficAround(db, () =>
      (db as DatabaseWrapper).reconfigure(config({ main, fresh: { path: dir.file('fresh.db') } }, { [CHAT]: 'fresh' })),
    );
    expect(changed).toEqual({ added: ['fresh'], removed: [], replaced: [] });
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(db.sources).toEqual(['main', 'fresh']);
    expect((await db.stats()).fresh?.state).toBe('running');
    await db.close();
    expect(keysIn(dir.file('main.db'))).toEqual(range(0, HALF));
    expect(keysIn(dir.file('fresh.db'))).toEqual(range(HALF, 2 * HALF));
  });

  it('drains a removed source: the calls it holds finish, an open transaction commits, then it closes', async () => {
    const main = { path: dir.file('main.db') };
    db = new DatabaseWrapper({
      config: config({ main, old: { path: dir.file('old.db') } }, { [CHAT]: 'old' }),
      logger: quiet,
    });
    await db.ready();
    // A transaction open on the source when it is removed: removal waits for it.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tx = db.transaction({ chatId: CHAT }, async (t) => {
      await held;
      await t.setChatSetting({ chatId: CHAT, key: '-1', value: 'in transaction' });
    });
    await vi.waitFor(async () =>
      expect((await (db as DatabaseWrapper).stats()).old?.connectionsAcquired).toBeGreaterThan(0),
    );
    let reconfigured = false;
    const { outcomes, changed } = await trafficAround(db, () => {
      const p = (db as DatabaseWrapper).reconfigure(config({ main }), { allowDroppingMappedSources: true });
      p.then(() => {
        reconfigured = true;
      });
      // The removal is still waiting for the transaction: release it only after all calls are issued.
      setTimeout(release, 50);
      return p;
    });
    await tx;
    expect(reconfigured).toBe(true);
    expect(changed).toEqual({ added: [], removed: ['old'], replaced: [] });
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(db.sources).toEqual(['main']);
    expect(Object.keys(await db.stats())).toEqual(['main']);
    await expect(db.getChatSettings({ chatId: CHAT, dataSource: 'old' })).resolves.toBeDefined(); // falls back, warned
    await db.close();
    expect(keysIn(dir.file('old.db'))).toEqual([-1, ...range(0, HALF)]);
    expect(keysIn(dir.file('main.db'))).toEqual(range(HALF, 2 * HALF));
  });

  it('replaces a source whose path changed only after its calls finish; calls made meanwhile go to the new file', async () => {
    const main = { path: dir.file('main.db') };
    db = new DatabaseWrapper({
      config: config({ main, s: { path: dir.file('s1.db') } }, { [CHAT]: 's' }),
      logger: quiet,
    });
    await db.ready();
    const { routed, outcomes, changed } = await trafficAround(db, () =>
      (db as DatabaseWrapper).reconfigure(config({ main, s: { path: dir.file('s2.db') } }, { [CHAT]: 's' })),
    );
    expect(changed).toEqual({ added: [], removed: [], replaced: ['s'] });
    expect(routed.every((s) => s === 's')).toBe(true);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(db.config.sources.s?.path).toBe(dir.file('s2.db'));
    await db.close();
    expect(keysIn(dir.file('s1.db'))).toEqual(range(0, HALF));
    expect(keysIn(dir.file('s2.db'))).toEqual(range(HALF, 2 * HALF));
  });

  it('a source turned readonly: writes made before finish in its file, writes after are READONLY_SOURCE', async () => {
    const main = { path: dir.file('main.db') };
    const file = dir.file('s.db');
    db = new DatabaseWrapper({ config: config({ main, s: { path: file } }, { [CHAT]: 's' }), logger: quiet });
    await db.ready();
    const { outcomes, changed } = await trafficAround(db, () =>
      (db as DatabaseWrapper).reconfigure(config({ main, s: { path: file, readonly: true } }, { [CHAT]: 's' })),
    );
    expect(changed.replaced).toEqual(['s']);
    const rejected = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(HALF);
    expect(new Set(rejected.map((r) => r.reason.code))).toEqual(new Set(['READONLY_SOURCE']));
    // Reads of the chat still work, from the readonly worker.
    expect(Object.keys(await db.getChatSettings({ chatId: CHAT }))).toHaveLength(HALF);
    expect((await db.stats()).s?.readonly).toBe(true);
    await db.close();
    expect(keysIn(file)).toEqual(range(0, HALF));
  });

  it('rejects an invalid configuration whole: CONFIG_INVALID, the running one stays, calls go on', async () => {
    const sources = { main: { path: dir.file('main.db') }, a: { path: dir.file('a.db') } };
    const errors: Array<[LogFields, string]> = [];
    db = new DatabaseWrapper({
      config: config(sources, { [CHAT]: 'a' }),
      logger: { warn: () => undefined, error: (f, m) => errors.push([f, m]) },
    });
    await db.ready();
    const before = db.config;
    const { outcomes } = await trafficAround(db, async () => {
      // A valid mapping change next to a bad source: nothing of it may apply.
      const bad = config({ ...sources, c: { path: dir.file('c.db'), poolSize: 0 } }, { [CHAT]: 'main' });
      await expect((db as DatabaseWrapper).reconfigure(bad)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(db.config).toBe(before);
    expect(db.sources).toEqual(['main', 'a']);
    expect(db.routeFor({ chatId: CHAT }).source).toBe('a');
    expect(errors).toEqual([
      [
        { event: 'reconfigure-rejected', code: 'CONFIG_INVALID' },
        expect.stringMatching(/new configuration rejected, the running one stays: .*pool/s),
      ],
    ]);
    await db.close();
    expect(keysIn(dir.file('a.db'))).toEqual(range(0, 2 * HALF));
  });

  it('refuses to map a chat to a misspelt source, naming the chat, the source and the closest name (issue #16 item 5)', async () => {
    const sources = { main: { path: dir.file('main.db') }, archive: { path: dir.file('archive.db') } };
    db = new DatabaseWrapper({ config: config(sources, { [CHAT]: 'archive' }), logger: quiet });
    await db.ready();
    const { outcomes } = await trafficAround(db, async () => {
      const error = await (db as DatabaseWrapper).reconfigure(config(sources, { [CHAT]: 'archve' })).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      const issue = (error as { issues: Array<{ key: string; message: string; fix: string }> }).issues[0];
      expect(issue?.key).toBe(`database.chatMapping.${CHAT}`);
      expect(issue?.message).toContain(`chat ${CHAT} is mapped to source "archve"`);
      expect(issue?.fix).toContain('Did you mean "archive"?');
    });
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(db.routeFor({ chatId: CHAT }).source).toBe('archive');
    await db.close();
    // Every write stayed with the chat's source: none went to the default.
    expect(keysIn(dir.file('archive.db'))).toEqual(range(0, 2 * HALF));
    expect(keysIn(dir.file('main.db'))).toEqual([]);
    // At construction too, not only on reconfigure.
    expect(() => new DatabaseWrapper({ config: config(sources, { [CHAT]: 'archve' }), logger: quiet })).toThrow(
      /chat -500 is mapped to source "archve"/,
    );
  });

  it('refuses to remove a source chats are mapped to, unless the code says allowDroppingMappedSources', async () => {
    const sources = { main: { path: dir.file('main.db') }, a: { path: dir.file('a.db') } };
    db = new DatabaseWrapper({ config: config(sources, { [CHAT]: 'a', '-501': 'a' }), logger: quiet });
    await db.ready();
    const { outcomes } = await trafficAround(db, async () => {
      await expect((db as DatabaseWrapper).reconfigure(config({ main: sources.main }))).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(
          /database\.sources\.a: source "a" would be removed, but chats -500, -501 are mapped to it .*allowDroppingMappedSources/s,
        ),
      });
    });
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(db.sources).toEqual(['main', 'a']);
    expect(keysIn(dir.file('a.db'))).toEqual(range(0, 2 * HALF));
    await expect(
      db.reconfigure(config({ main: sources.main }), { allowDropping: true } as never),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Unmapping first, then removing, needs no flag; so does the flag itself.
    await expect(db.reconfigure(config(sources))).resolves.toMatchObject({ removed: [] });
    await expect(db.reconfigure(config({ main: sources.main }))).resolves.toMatchObject({ removed: ['a'] });
    await db.reconfigure(config(sources, { [CHAT]: 'a' }));
    await expect(
      db.reconfigure(config({ main: sources.main }), { allowDroppingMappedSources: true }),
    ).resolves.toMatchObject({ removed: ['a'] });
    expect(db.routeFor({ chatId: CHAT }).source).toBe('main');
  });

  it('retries a source that failed to open, even unchanged, once its file is there', async () => {
    const main = { path: dir.file('main.db') };
    const archive = { path: dir.file('archive.db'), readonly: true };
    const cfg = config({ main, archive }, { [CHAT]: 'archive' });
    db = new DatabaseWrapper({ config: cfg, logger: quiet });
    await expect(db.ready()).rejects.toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
    expect((await db.stats()).archive?.state).toBe('unavailable');
    // The operator puts the file in place and applies the same configuration again.
    const seed = new DatabaseWrapper({ dbPath: archive.path });
    await seed.setChatSetting({ chatId: CHAT, key: '7', value: 'archived' });
    await seed.close();
    await expect(db.reconfigure(cfg)).resolves.toEqual({ added: [], removed: [], replaced: ['archive'] });
    expect((await db.stats()).archive?.state).toBe('running');
    expect(await db.getChatSettings({ chatId: CHAT })).toEqual({ '7': 'archived' });
    // A healthy source with an unchanged spec is left alone.
    await expect(db.reconfigure(cfg)).resolves.toEqual({ added: [], removed: [], replaced: [] });
  });

  it('runs reconfigurations one at a time, in the order asked', async () => {
    const main = { path: dir.file('main.db') };
    db = new DatabaseWrapper({ config: config({ main }), logger: quiet });
    const x = { path: dir.file('x.db') };
    const results = await Promise.all([
      db.reconfigure(config({ main, x })),
      db.reconfigure(config({ main, x: { ...x, poolSize: 2 } })),
      db.reconfigure(config({ main })),
    ]);
    expect(results.map((r) => [r.added, r.replaced, r.removed])).toEqual([
      [['x'], [], []],
      [[], ['x'], []],
      [[], [], ['x']],
    ]);
    expect(db.sources).toEqual(['main']);
  });
});

describe('db.watchConfig', () => {
  it('applies a changed file, and logs and ignores one that does not load or validate', async () => {
    const file = dir.file('botdb.config.toml');
    const toml = (mapped: string, extra = '') =>
      `[database]\ndefault = "main"\n[database.sources.main]\npath = "main.db"\n[database.sources.a]\npath = "a.db"\n${extra}[database.chatMapping]\n${CHAT} = "${mapped}"\n`;
    writeFileSync(file, toml('main'));
    const errors: Array<[LogFields, string]> = [];
    db = new DatabaseWrapper({
      config: (await loadConfig({ path: file, env: {} })).config,
      logger: { warn: () => undefined, error: (f, m) => errors.push([f, m]) },
    });
    await db.ready();
    const watcher = db.watchConfig(file, { debounceMs: 30 });
    expect(watcher.file).toBe(file);
    const current = db as DatabaseWrapper;

    writeFileSync(file, toml('a'));
    await vi.waitFor(() => expect(current.routeFor({ chatId: CHAT }).source).toBe('a'), { timeout: 5000 });

    writeFileSync(file, '[database\n');
    await vi.waitFor(() => expect(errors.map(([f]) => f.event)).toContain('config-reload-failed'), { timeout: 5000 });
    expect(current.routeFor({ chatId: CHAT }).source).toBe('a');

    // Validated on load (strict), so a bad value is refused before reconfigure is asked.
    writeFileSync(file, toml('main', '[database.sources.bad]\npath = "bad.db"\npool-size = 0\n'));
    await vi.waitFor(() => expect(errors).toHaveLength(2), { timeout: 5000 });
    expect(errors.map(([f]) => f)).toEqual([
      expect.objectContaining({ event: 'config-reload-failed', file, code: 'CONFIG_INVALID' }),
      expect.objectContaining({ event: 'config-reload-failed', file, code: 'CONFIG_INVALID' }),
    ]);
    expect(errors[1]?.[1]).toMatch(/pool-size/);
    expect(current.routeFor({ chatId: CHAT }).source).toBe('a');
    expect(current.sources).toEqual(['main', 'a']);

    watcher.close();
    writeFileSync(file, toml('main'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(current.routeFor({ chatId: CHAT }).source).toBe('a');
  });
});
