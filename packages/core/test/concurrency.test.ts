/**
 * 2,000 calls in flight at once over three sources (writes, point reads, cross-source reads):
 * every call settles, and the data afterwards is exactly what the writes imply.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SOURCES = ['primary', 'second', 'third'] as const;
const CHATS_PER_SOURCE = 4;
const chatId = (s: number, c: number) => -(1000 + s * 100 + c);

describe('2,000 concurrent mixed calls over three sources', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;

  beforeAll(async () => {
    dir = createTempDir('core-concurrency-');
    const chatMapping: Record<string, string> = {};
    SOURCES.forEach((name, s) => {
      for (let c = 0; c < CHATS_PER_SOURCE; c++) chatMapping[String(chatId(s, c))] = name;
    });
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: Object.fromEntries(SOURCES.map((n) => [n, { path: dir.file(`${n}.db`) }])),
        chatMapping,
      },
    });
    const setup: Promise<unknown>[] = [];
    SOURCES.forEach((_, s) => {
      for (let c = 0; c < CHATS_PER_SOURCE; c++) {
        setup.push(db.updateChatInfo({ chatId: chatId(s, c), type: 'group', title: `chat ${s}/${c}` }));
        setup.push(db.updateChatUser({ chatId: chatId(s, c), userId: 42, username: '@u', fullName: 'U' }));
      }
    });
    await Promise.all(setup);
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  it('settles every call and leaves consistent data', async () => {
    const calls: Promise<unknown>[] = [];
    const written = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const s = i % SOURCES.length;
      const c = Math.floor(i / SOURCES.length) % CHATS_PER_SOURCE;
      const chat = chatId(s, c);
      switch (i % 5) {
        case 0:
        case 1: {
          written.set(chat, (written.get(chat) ?? 0) + 1);
          const date = new Date(Date.UTC(2025, 0, 1, 0, 0, 0) + i * 1000);
          calls.push(db.saveChatMessage({ date, chatId: chat, userId: 42, messageId: i, messageText: `m${i}` }));
          break;
        }
        case 2:
          calls.push(db.getChatInfo({ chatId: chat }).then((info) => expect(info?.title).toBe(`chat ${s}/${c}`)));
          break;
        case 3:
          calls.push(db.getAllGroupChats().then((all) => expect(all).toHaveLength(SOURCES.length * CHATS_PER_SOURCE)));
          break;
        default:
          calls.push(db.setChatSetting({ chatId: chat, key: `k${i % 7}`, value: String(i) }));
      }
    }
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);

    for (const [chat, count] of written) {
      const user = await db.getChatUser({ chatId: chat, userId: 42 });
      expect(user?.messages_count).toBe(count);
      const messages = await db.getChatMessagesSince({ chatId: chat });
      expect(messages).toHaveLength(count);
    }
    const userChats = await db.getUserChats({ userId: 42 });
    expect(userChats.map((c) => c.chat_id)).toEqual([...written.keys()].sort((a, b) => a - b));
    const stats = await db.stats();
    for (const name of SOURCES) expect(stats[name]?.errors).toBe(0);
  });
});
