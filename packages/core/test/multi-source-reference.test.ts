/**
 * Another bot's database (the reference file) opened readonly as `external_bot` beside a
 * writable primary and a readonly archive: aggregates include every source without duplicates,
 * writes to its chats are refused, and its file is byte-identical afterwards.
 */
import { DatabaseWrapper, ReadonlySourceError } from '@pkg/core';
import {
  createTempDir,
  fileSha256,
  type MultiSourceLayout,
  multiSourceLayout,
  readReferenceExpected,
  readReferenceWrites,
  replay,
  type TempDir,
  withLibraryTieOrder,
} from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asStored, collectReferenceReads, populate } from './helpers.js';

/** The bot's answers, with the library's deliberate same-second order (docs/migration-guide.md). */
const expected = withLibraryTieOrder(readReferenceExpected());
const writes = readReferenceWrites();

describe('primary + readonly archive + the reference file as readonly external_bot', () => {
  let dir: TempDir;
  let layout: MultiSourceLayout;
  let db: DatabaseWrapper;
  let externalHash: string;
  let archiveHash: string;

  beforeAll(async () => {
    dir = createTempDir('core-multi-');
    layout = multiSourceLayout(dir.path);
    await populate(layout.paths.archive, layout.archiveOps);
    externalHash = fileSha256(layout.paths.external);
    archiveHash = fileSha256(layout.paths.archive);
    db = new DatabaseWrapper({ config: layout.config });
    await replay(db, layout.primaryOps);
  }, 120_000);
  afterAll(async () => {
    await db.close();
    expect(fileSha256(layout.paths.external)).toBe(externalHash);
    expect(fileSha256(layout.paths.archive)).toBe(archiveHash);
    dir.cleanup();
  });

  it('routes the reference chats to external_bot, which answers as the bot did', async () => {
    expect(db.routeFor({ chatId: -1001000000011 })).toEqual({
      source: 'external_bot',
      reason: 'chatMapping',
      readonly: true,
    });
    const reads = await collectReferenceReads(db, expected, writes, { dataSource: 'external_bot' });
    expect(reads).toEqual(expected);
  });

  it('getAllGroupChats merges all three sources, one row per chat, ordered by chat id', async () => {
    const all = await db.getAllGroupChats();
    const ids = all.map((c) => c.chat_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const perSource = await Promise.all(
      ['primary', 'archive', 'external_bot'].map((dataSource) => db.getAllGroupChats({ dataSource })),
    );
    const union = new Set(perSource.flat().map((c) => c.chat_id));
    expect(new Set(ids)).toEqual(union);
    for (const part of perSource) expect(part.length).toBeGreaterThan(0);
  });

  it('getUserChats finds a user’s chats in every source', async () => {
    const chats = await db.getUserChats({ userId: layout.sharedUserId });
    const ids = chats.map((c) => c.chat_id);
    expect(ids.some((id) => layout.chats.primary.includes(id))).toBe(true);
    expect(ids.some((id) => layout.chats.archive.includes(id))).toBe(true);
    expect(ids.filter((id) => layout.chats.external.includes(id)).sort()).toEqual(
      (asStored(expected.perUser['5001003']?.getUserChats) as { chat_id: number }[]).map((c) => c.chat_id).sort(),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('getSpamMessages reads one source as the bot does: the default, or the one dataSource names', async () => {
    const external = await db.getSpamMessages({ dataSource: 'external_bot' });
    expect(external).toHaveLength(expected.getSpamMessages.length);
    const own = await db.getSpamMessages({ limit: 100_000 });
    expect(own).toEqual(await db.getSpamMessages({ dataSource: 'primary', limit: 100_000 }));
    const externalKeys = new Set(external.map((r) => `${r.chat_id}:${r.message_id}`));
    expect(own.some((r) => externalKeys.has(`${r.chat_id}:${r.message_id}`))).toBe(false);
    const limited = await db.getSpamMessages({ dataSource: 'external_bot', limit: 10 });
    expect(limited).toEqual(external.slice(0, 10));
  });

  it('refuses writes for chats mapped to the readonly sources', async () => {
    await expect(
      db.saveChatMessage({ date: new Date(), chatId: -1001000000010, userId: 5001004, messageId: 99999 }),
    ).rejects.toBeInstanceOf(ReadonlySourceError);
    await expect(
      db.setChatSetting({ chatId: layout.chats.archive[0] as number, key: 'k', value: 'v' }),
    ).rejects.toMatchObject({
      code: 'READONLY_SOURCE',
      details: { source: 'archive' },
    });
  });
});
