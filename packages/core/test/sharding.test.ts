/**
 * A bot on a group of three SQLite shards (real files, real workers): each chat's writes land on its hash
 * owner and nowhere else; a recorded placement overrides the hash; settings and media live on the system
 * source, and messages read from another shard get their media columns from it; cross-chat reads merge over
 * the group and say which shards answered.
 */
import { DatabaseWrapper, type PlacementLookup } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RendezvousGroup } from '../src/shard-hash.js';

const SHARDS = ['s1', 's2', 's3'];
const chatIds = Array.from({ length: 30 }, (_, i) => -1_001_000_000_000 - i * 31);

/** The wrapper with its placement seam reachable (the moves helper's placement cache fills it). */
class PlacedWrapper extends DatabaseWrapper {
  place(lookup: PlacementLookup | undefined): void {
    this.placementLookup = lookup;
  }
}

describe('a bot on a group of three SQLite shards', () => {
  let dir: TempDir;
  let db: PlacedWrapper;
  const hash = new RendezvousGroup(SHARDS);

  beforeAll(async () => {
    dir = createTempDir('core-sharding-');
    db = new PlacedWrapper({
      config: {
        default: 'chats',
        system: 'meta',
        sources: {
          meta: { path: dir.file('meta.db') },
          ...Object.fromEntries(SHARDS.map((s) => [s, { path: dir.file(`${s}.db`) }])),
        },
        shards: { chats: { sources: SHARDS } },
      },
    });
    await db.ready();
    for (const chatId of chatIds) await db.updateChatInfo({ chatId, type: 'supergroup', title: `chat ${chatId}` });
  });
  afterAll(async () => {
    await db?.close();
    dir?.cleanup();
  });

  it('writes each chat to its hash owner, and to no other shard', async () => {
    const spread = new Set<string>();
    for (const chatId of chatIds) {
      const owner = hash.pick(chatId);
      spread.add(owner);
      expect(db.routeFor({ chatId })).toEqual({ source: owner, reason: 'hash', readonly: false, group: 'chats' });
      for (const s of [...SHARDS, 'meta']) {
        const row = await db.getChatInfo({ chatId, dataSource: s });
        expect(row === null ? null : s).toBe(s === owner ? owner : null);
      }
      expect((await db.getChatInfo({ chatId }))?.title).toBe(`chat ${chatId}`);
    }
    expect(spread.size).toBe(3);
  });

  it('keeps settings and media on the system source and fills media into messages read from a shard', async () => {
    await db.setSetting({ key: 'shard-test', value: 'on' });
    expect(await db.getSetting({ key: 'shard-test', dataSource: 'meta' })).toBe('on');
    expect(await db.getSetting({ key: 'shard-test', dataSource: 's1' })).toBeNull();
    const chatId = chatIds[0] as number;
    await db.addMediaAttachment({ fileUniqueId: 'photo-1', fileId: 'file-1', mediaType: 'image' });
    await db.updateChatUser({ chatId, userId: 7, username: 'u7', fullName: 'User Seven' });
    await db.saveChatMessage({
      chatId,
      messageId: 1,
      userId: 7,
      date: new Date(),
      messageText: 'look',
      mediaId: 'photo-1',
    });
    const [message] = await db.getChatMessagesSince({ chatId });
    expect(message?.media_file_id).toBe('file-1');
    expect(await db.getMediaAttachment({ mediaId: 'photo-1', dataSource: hash.pick(chatId) })).toBeNull();
  });

  it('merges cross-chat reads over the group and reports which shards answered', async () => {
    const chats = await db.getAllGroupChats();
    expect(chats.map((c) => c.chat_id).sort((a, b) => a - b)).toEqual([...chatIds].sort((a, b) => a - b));
    expect(chats.sources.shards).toEqual({ chats: { answered: SHARDS, skipped: [] } });
    expect(chats.sources.answered).toEqual(['s1', 'meta', 's2', 's3']);
  });

  it("reports each shard's chats and rows (db.shardStats, and db.stats once measured)", async () => {
    const figures = await db.shardStats();
    expect(Object.keys(figures).sort()).toEqual(SHARDS);
    const expected = new Map(SHARDS.map((s) => [s, 0]));
    for (const chatId of chatIds) expected.set(hash.pick(chatId), (expected.get(hash.pick(chatId)) ?? 0) + 1);
    for (const s of SHARDS) {
      expect(figures[s]).toMatchObject({ group: 'chats', chats: expected.get(s) });
      expect(figures[s]?.rows).toBeGreaterThanOrEqual(expected.get(s) as number);
    }
    const stats = await db.stats();
    expect(stats.s2?.shard).toEqual(figures.s2);
    expect(stats.meta?.shard).toBeUndefined();
  });

  it('routes a chat with a recorded placement there, ahead of the hash', async () => {
    const chatId = chatIds.find((id) => hash.pick(id) !== 's3') as number;
    db.place((id) => (id === chatId ? 's3' : undefined));
    try {
      expect(db.routeFor({ chatId })).toMatchObject({ source: 's3', reason: 'placement', group: 'chats' });
      await db.updateChatInfo({ chatId, type: 'supergroup', title: 'placed' });
      expect((await db.getChatInfo({ chatId, dataSource: 's3' }))?.title).toBe('placed');
      expect((await db.getChatInfo({ chatId, dataSource: hash.pick(chatId) }))?.title).toBe(`chat ${chatId}`);
    } finally {
      db.place(undefined);
    }
  });
});
