/**
 * Adding a shard never moves data by itself: a running bot refuses a configuration that would hash its
 * unplaced chats over a different membership, accepts the grown group with the old membership as
 * `previous` (every chat still routed where its data is), and then the dropping of `previous`.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('reconfiguring a shard group', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  const sources = () => Object.fromEntries(['s1', 's2', 's3', 's4'].map((s) => [s, { path: dir.file(`${s}.db`) }]));
  const group = (members: string[], previous?: string[]) => ({
    default: 'chats',
    sources: sources(),
    shards: { chats: previous === undefined ? { sources: members } : { sources: members, previous } },
  });
  const ids = Array.from({ length: 200 }, (_, i) => -1_000_000 - i * 13);

  beforeAll(() => {
    dir = createTempDir('core-shard-reconfigure-');
    db = new DatabaseWrapper({ config: group(['s1', 's2', 's3']) });
  });
  afterAll(async () => {
    await db?.close();
    dir?.cleanup();
  });

  it('refuses a grown group without previous, naming the key and the fix', async () => {
    const before = ids.map((chatId) => db.routeFor({ chatId }).source);
    const refused = await db.reconfigure(group(['s1', 's2', 's3', 's4'])).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(String((refused as Error).message)).toContain('database.shards.chats');
    expect(String((refused as Error).message)).toContain('previous = ["s1", "s2", "s3"]');
    expect(ids.map((chatId) => db.routeFor({ chatId }).source)).toEqual(before);
  });

  it('accepts it with previous (routing unchanged), then the removal of previous', async () => {
    const before = ids.map((chatId) => db.routeFor({ chatId }).source);
    await db.reconfigure(group(['s1', 's2', 's3', 's4'], ['s1', 's2', 's3']));
    expect(ids.map((chatId) => db.routeFor({ chatId }).source)).toEqual(before);
    await db.reconfigure(group(['s1', 's2', 's3', 's4']));
    const after = ids.map((chatId) => db.routeFor({ chatId }).source);
    expect(after.filter((s) => s === 's4').length).toBeGreaterThan(0);
  });
});

describe('a shard added while the bot was stopped', () => {
  let dir: TempDir;
  const open = (members: string[], previous?: string[]) =>
    new DatabaseWrapper({
      config: {
        default: 'chats',
        sources: Object.fromEntries(['s1', 's2', 's3', 's4'].map((s) => [s, { path: dir.file(`${s}.db`) }])),
        shards: { chats: previous === undefined ? { sources: members } : { sources: members, previous } },
      },
    });
  const started = async (db: DatabaseWrapper) => {
    try {
      await db.ready();
      return 'ok';
    } catch (e) {
      return (e as { code?: string }).code;
    } finally {
      await db.close();
    }
  };

  beforeAll(() => {
    dir = createTempDir('core-shard-restart-');
  });
  afterAll(() => dir?.cleanup());

  it('is refused by ready() without previous, accepted with it, and previous may then be dropped', async () => {
    expect(await started(open(['s1', 's2', 's3']))).toBe('ok');
    // The membership the first process recorded on the system source refuses a re-hash in one step.
    expect(await started(open(['s1', 's2', 's3', 's4']))).toBe('CONFIG_INVALID');
    expect(await started(open(['s1', 's2', 's3', 's4'], ['s1', 's2', 's3']))).toBe('ok');
    expect(await started(open(['s1', 's2', 's3', 's4']))).toBe('ok');
    expect(await started(open(['s1', 's2', 's3', 's4']))).toBe('ok');
  });
});
