/**
 * System-wide data as the bot routes it: the writes the bot lets name a source (setSetting,
 * setCacheEntry, clearCache, setCacheStorage) write a writable dataSource and are refused on a
 * readonly one; every other write still refuses dataSource. Spam of every chat is read from one
 * source (dataSource, else the default), not merged.
 */
import { DatabaseWrapper, InvalidArgumentError, ReadonlySourceError } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate } from './helpers.js';

const spam = (chatId: number, messageId: number, text: string) =>
  ['addSpamMessage', { chatId, userId: 7, messageId, messageText: text, spamReason: 'auto', score: 1 }] as const;

describe('system-wide writes and reads', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;

  beforeAll(async () => {
    dir = createTempDir('core-routing-system-');
    await populate(dir.file('primary.db'), [spam(-1, 1, 'buy now'), spam(-1, 2, 'cheap')]);
    await populate(dir.file('other.db'), [spam(-2, 1, 'buy now'), spam(-2, 2, 'buy now'), spam(-2, 3, 'x')]);
    await populate(dir.file('archive.db'), [spam(-3, 1, 'buy now')]);
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: {
          primary: { path: dir.file('primary.db') },
          other: { path: dir.file('other.db') },
          archive: { path: dir.file('archive.db'), readonly: true },
        },
        chatMapping: { '-2': 'other', '-3': 'archive' },
      },
    });
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  it('setSetting, setCacheEntry, clearCache and setCacheStorage write the writable source they name', async () => {
    await db.setSetting({ key: 'where', value: 'other', dataSource: 'other' });
    expect(await db.getSetting({ key: 'where', dataSource: 'other' })).toBe('other');
    expect(await db.getSetting({ key: 'where' })).toBeNull();

    await db.setCacheEntry({ key: 'k', data: 'on other', cacheType: 'weather', dataSource: 'other' });
    await db.setCacheEntry({ key: 'k', data: 'on primary', cacheType: 'weather' });
    expect((await db.getCacheEntry({ key: 'k', cacheType: 'weather', dataSource: 'other' }))?.data).toBe('on other');
    expect(await db.clearCache({ cacheType: 'weather', dataSource: 'other' })).toBe(true);
    expect(await db.getCacheEntry({ key: 'k', cacheType: 'weather', dataSource: 'other' })).toBeNull();
    expect((await db.getCacheEntry({ key: 'k', cacheType: 'weather' }))?.data).toBe('on primary');

    await db.setCacheStorage({ namespace: 'ns', key: 'k', value: 'v', dataSource: 'other' });
    expect((await db.getCacheStorage({ dataSource: 'other' })).map((e) => e.value)).toEqual(['v']);
    expect(await db.getCacheStorage()).toEqual([]);
  });

  it('refuses them on a readonly source with READONLY_SOURCE', async () => {
    const attempts = [
      db.setSetting({ key: 'k', value: 'v', dataSource: 'archive' }),
      db.setCacheEntry({ key: 'k', data: 'd', cacheType: 'weather', dataSource: 'archive' }),
      db.clearCache({ cacheType: 'weather', dataSource: 'archive' }),
      db.setCacheStorage({ namespace: 'ns', key: 'k', value: 'v', dataSource: 'archive' }),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toBeInstanceOf(ReadonlySourceError);
      await expect(attempt).rejects.toMatchObject({ details: { source: 'archive' } });
    }
  });

  it('inside a transaction they must name the transaction’s source', async () => {
    await db.transaction({ dataSource: 'other' }, async (tx) => {
      await tx.setSetting({ key: 'in-tx', value: '1', dataSource: 'other' });
      await expect(tx.setSetting({ key: 'in-tx', value: '1' })).rejects.toMatchObject({
        code: 'CROSS_SOURCE_TRANSACTION',
      });
    });
    expect(await db.getSetting({ key: 'in-tx', dataSource: 'other' })).toBe('1');
  });

  it('every other write still refuses dataSource', async () => {
    const args = { namespace: 'ns', key: 'k', dataSource: 'other' };
    // @ts-expect-error unsetCacheStorage does not take dataSource
    await expect(db.unsetCacheStorage(args)).rejects.toBeInstanceOf(InvalidArgumentError);
    const media = { fileUniqueId: 'u', fileId: 'f', mediaType: 'image', dataSource: 'other' };
    // @ts-expect-error addMediaAttachment does not take dataSource
    await expect(db.addMediaAttachment(media)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('getSpamMessages and getSpamMessagesByText read one source: the default, or dataSource', async () => {
    const keys = (rows: { chat_id: number; message_id: string }[]) => rows.map((r) => `${r.chat_id}:${r.message_id}`);
    expect(keys(await db.getSpamMessages())).toEqual(['-1:1', '-1:2']);
    expect(keys(await db.getSpamMessages({ dataSource: 'other', limit: 2 }))).toEqual(['-2:1', '-2:2']);
    expect(keys(await db.getSpamMessagesByText({ text: 'buy now' }))).toEqual(['-1:1']);
    expect(keys(await db.getSpamMessagesByText({ text: 'buy now', dataSource: 'archive' }))).toEqual(['-3:1']);
  });
});
