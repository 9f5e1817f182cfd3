/**
 * Routing, in order: an explicit dataSource on a read; else the chat's chatMapping entry; else
 * the default. Writes route by chat only and never reach a readonly source.
 * An unknown dataSource (fallback or refusal): routing-unknown-source.test.ts.
 */
import { DatabaseWrapper, InvalidArgumentError, ReadonlySourceError } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate } from './helpers.js';

const MAPPED = -1001;
const UNMAPPED = -2002;

describe('routing', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;

  beforeAll(async () => {
    dir = createTempDir('core-routing-');
    // Each source knows the same chats under a different title, so a read shows where it went.
    for (const name of ['primary', 'other', 'archive']) {
      await populate(dir.file(`${name}.db`), [
        ['updateChatInfo', { chatId: MAPPED, type: 'group', title: `${name} copy` }],
        ['updateChatInfo', { chatId: UNMAPPED, type: 'group', title: `${name} copy` }],
      ]);
    }
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: {
          primary: { path: dir.file('primary.db') },
          other: { path: dir.file('other.db') },
          archive: { path: dir.file('archive.db'), readonly: true },
        },
        chatMapping: { [String(MAPPED)]: 'other', '-3003': 'archive' },
      },
    });
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  const titleOf = async (args: { chatId: number; dataSource?: string }) => (await db.getChatInfo(args))?.title;

  it('tier 1: an explicit dataSource wins over the mapping and the default', async () => {
    expect(await titleOf({ chatId: MAPPED, dataSource: 'archive' })).toBe('archive copy');
    expect(await titleOf({ chatId: UNMAPPED, dataSource: 'other' })).toBe('other copy');
    expect(db.routeFor({ chatId: MAPPED, dataSource: 'archive' })).toEqual({
      source: 'archive',
      reason: 'dataSource',
      readonly: true,
    });
  });

  it('tier 2: a mapped chat reads from its source', async () => {
    expect(await titleOf({ chatId: MAPPED })).toBe('other copy');
    expect(db.routeFor({ chatId: MAPPED })).toMatchObject({ source: 'other', reason: 'chatMapping' });
  });

  it('tier 3: an unmapped chat reads from the default source', async () => {
    expect(await titleOf({ chatId: UNMAPPED })).toBe('primary copy');
    expect(db.routeFor({ chatId: UNMAPPED })).toMatchObject({ source: 'primary', reason: 'default' });
    expect(db.routeFor({})).toMatchObject({ source: 'primary', reason: 'default' });
  });

  it('writes go to the chat’s source and ignore nothing silently', async () => {
    await db.setChatSetting({ chatId: MAPPED, key: 'k', value: 'v' });
    expect(await db.getChatSetting({ chatId: MAPPED, setting: 'k', dataSource: 'other' })).toBe('v');
    expect(await db.getChatSetting({ chatId: MAPPED, setting: 'k', dataSource: 'primary' })).toBeNull();
  });

  it('refuses a write to a readonly source, naming the source, the chat and the fix', async () => {
    const attempt = db.setChatSetting({ chatId: -3003, key: 'k', value: 'v' });
    await expect(attempt).rejects.toBeInstanceOf(ReadonlySourceError);
    await expect(attempt).rejects.toMatchObject({
      code: 'READONLY_SOURCE',
      message: expect.stringMatching(/setChatSetting.*-3003.*"archive".*readonly.*Fix/s),
    });
    expect(() => db.routeFor({ chatId: -3003, write: true })).toThrow(ReadonlySourceError);
  });

  it('refuses dataSource on a write at run time (it is also a type error)', async () => {
    const args = { chatId: UNMAPPED, key: 'k', value: 'v', dataSource: 'other' };
    // @ts-expect-error writes do not accept dataSource
    await expect(db.setChatSetting(args)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await db.getChatSetting({ chatId: UNMAPPED, setting: 'k', dataSource: 'other' })).toBeNull();
  });

  it('cross-source reads ask every source and keep one row per chat, from the chat’s own source', async () => {
    const groups = await db.getAllGroupChats();
    expect(groups.map((c) => [c.chat_id, c.title])).toEqual([
      [UNMAPPED, 'primary copy'],
      [MAPPED, 'other copy'],
    ]);
    const fromArchive = await db.getAllGroupChats({ dataSource: 'archive' });
    expect(fromArchive.map((c) => c.title)).toEqual(['archive copy', 'archive copy']);
  });

  it('messages of a chat on another source carry their media, which lives in the default source', async () => {
    await db.addMediaAttachment({ fileUniqueId: 'pic-1', fileId: 'f1', mediaType: 'image', status: 'done' });
    await db.updateChatUser({ chatId: MAPPED, userId: 5, username: '@m', fullName: 'M' });
    await db.saveChatMessage({
      date: '2025-02-01 10:00:00',
      chatId: MAPPED,
      userId: 5,
      messageId: 77,
      mediaId: 'pic-1',
    });
    const msg = await db.getChatMessageByMessageId({ chatId: MAPPED, messageId: 77 });
    expect(msg).toMatchObject({
      media_id: 'pic-1',
      media_file_unique_id: 'pic-1',
      media_file_id: 'f1',
      media_status: 'done',
    });
    expect(msg?.media_created_at).toBeInstanceOf(Date);
    const [byUser] = await db.getChatMessagesByUser({ chatId: MAPPED, userId: 5 });
    expect(byUser?.media_media_type).toBe('image');
  });
});
