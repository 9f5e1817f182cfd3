import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  chatIdsOf,
  generateSampleChats,
  MESSAGE_CATEGORIES,
  MESSAGE_TYPES,
  REFERENCE,
  readReferenceWrites,
  SPAM_REASONS,
  type WriteOp,
} from '../src/index.js';

const argsOf = (ops: readonly WriteOp[], method: string): Record<string, unknown>[] =>
  ops.filter(([m]) => m === method).map(([, args]) => args);

/** Parameter names the reference writes use, per method. */
function referenceParameters(): Map<string, Set<string>> {
  const params = new Map<string, Set<string>>();
  for (const [method, args] of readReferenceWrites().ops) {
    const names = params.get(method) ?? new Set<string>();
    for (const key of Object.keys(args)) names.add(key);
    params.set(method, names);
  }
  return params;
}

/** The backtick-quoted enumeration following `label` in the reference README. */
function readmeEnum(label: string): string[] {
  const readme = readFileSync(REFERENCE.readme, 'utf8').replace(/\s+/g, ' ');
  const match = new RegExp(`${label} \`([^\`]+)\``).exec(readme);
  if (!match?.[1]) throw new Error(`no enumeration for ${label} in the README`);
  return match[1].split(' ');
}

describe('generateSampleChats', () => {
  it('is deterministic: same options give deep-equal output', () => {
    const options = { seed: 42, chats: 4, usersPerChat: 3, messagesPerChat: 30 };
    expect(generateSampleChats(options)).toEqual(generateSampleChats({ ...options }));
  });

  it('depends on the seed', () => {
    const a = generateSampleChats({ seed: 1 });
    const b = generateSampleChats({ seed: 2 });
    expect(a.ops).not.toEqual(b.ops);
    expect(a.chats.map((c) => c.users)).not.toEqual(b.chats.map((c) => c.users));
  });

  it('uses only method names and parameter names found in the reference writes', () => {
    const params = referenceParameters();
    const { ops } = generateSampleChats({ seed: 7, chats: 6, messagesPerChat: 80 });
    const used = new Set<string>();
    for (const [method, args] of ops) {
      used.add(method);
      const allowed = params.get(method);
      expect(allowed, `method ${method}`).toBeDefined();
      for (const key of Object.keys(args)) expect(allowed?.has(key), `${method}.${key}`).toBe(true);
    }
    for (const method of ['updateChatInfo', 'updateChatUser', 'saveChatMessage', 'setChatSetting', 'addUserData']) {
      expect(used).toContain(method);
    }
    expect(used).toContain('addSpamMessage');
  });

  it('announces every user with updateChatUser in a chat before their first message there', () => {
    const { ops, chats } = generateSampleChats({ seed: 3, chats: 5, usersPerChat: 5, sharedUserIds: [42] });
    const known = new Set<string>();
    let messages = 0;
    for (const [method, args] of ops) {
      const key = `${String(args.chatId)}/${String(args.userId)}`;
      if (method === 'updateChatUser') known.add(key);
      if (method === 'saveChatMessage') {
        messages++;
        expect(known.has(key), `message ${JSON.stringify(args)} before its user`).toBe(true);
      }
    }
    expect(messages).toBe(5 * 50);
    for (const chat of chats) {
      const members = argsOf(ops, 'updateChatUser')
        .filter((a) => a.chatId === chat.chatId)
        .map((a) => a.userId);
      expect(members).toEqual(chat.users);
    }
  });

  it('writes messages in the reference format', () => {
    const types = readmeEnum('message type');
    const categories = readmeEnum('message category');
    expect([...MESSAGE_TYPES].sort()).toEqual([...types].sort());
    expect([...MESSAGE_CATEGORIES].sort()).toEqual([...categories].sort());
    expect([...SPAM_REASONS].sort()).toEqual(readmeEnum('spam reason').sort());

    const { ops, chats } = generateSampleChats({ seed: 11, chats: 3, messagesPerChat: 120 });
    const messages = argsOf(ops, 'saveChatMessage');
    let lastDate = '';
    const ids = new Map<unknown, Set<unknown>>();
    let replies = 0;
    let threads = 0;
    for (const m of messages) {
      expect(m.date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(String(m.date) >= lastDate).toBe(true);
      lastDate = String(m.date);
      expect(typeof m.messageId).toBe('number');
      expect(types).toContain(m.messageType);
      expect(categories).toContain(m.messageCategory);
      const seen = ids.get(m.chatId) ?? new Set();
      expect(m.messageId).toBe(seen.size + 1);
      if (m.replyId !== null) {
        replies++;
        expect(seen.has(m.replyId)).toBe(true);
        expect(seen.has(m.rootMessageId)).toBe(true);
      } else {
        expect(m.rootMessageId).toBeNull();
      }
      if (m.threadId !== null) threads++;
      seen.add(m.messageId);
      ids.set(m.chatId, seen);
    }
    expect(replies).toBeGreaterThan(0);
    expect(threads).toBeGreaterThan(0);
    expect(messages[0]?.date).toMatch(/^2025-11-01 08:0/);
    expect(chats.map((c) => c.type)).toEqual(['group', 'supergroup', 'private']);
  });

  it('gives groups negative ids from chatIdBase and private chats positive ids', () => {
    const def = generateSampleChats({ seed: 1, chats: 3 });
    expect(def.chats.map((c) => c.chatId)).toEqual([-1002000000000, -1002000000001, 1002002]);
    const other = generateSampleChats({ seed: 1, chats: 6, chatIdBase: -1003000000000 });
    for (const chat of other.chats) {
      expect(chat.chatId > 0).toBe(chat.type === 'private');
      expect(chat.users.length).toBe(chat.type === 'private' ? 1 : 4);
    }
    expect(chatIdsOf(other.ops)).toEqual(other.chats.map((c) => c.chatId));
  });

  it('records spam for a message that was saved, in every chat', () => {
    const { ops, chats } = generateSampleChats({ seed: 5, chats: 4, messagesPerChat: 10 });
    const saved = new Map(argsOf(ops, 'saveChatMessage').map((m) => [`${m.chatId}/${m.messageId}`, m]));
    const spam = argsOf(ops, 'addSpamMessage');
    for (const s of spam) {
      const message = saved.get(`${s.chatId}/${s.messageId}`);
      expect(message?.userId).toBe(s.userId);
      expect(message?.messageText).toBe(s.messageText);
    }
    expect(new Set(spam.map((s) => s.chatId))).toEqual(new Set(chats.map((c) => c.chatId)));
  });

  it('applies startDate and rejects bad options', () => {
    const { ops } = generateSampleChats({ seed: 1, startDate: '2024-02-29' });
    expect(argsOf(ops, 'saveChatMessage')[0]?.date).toMatch(/^2024-02-29 00:0/);
    expect(() => generateSampleChats({ seed: 1, startDate: '2023-02-29' })).toThrow(RangeError);
    expect(() => generateSampleChats({ seed: 1, chatIdBase: 5 })).toThrow(/chatIdBase/);
    expect(() => generateSampleChats({ seed: 1.5 })).toThrow(/seed/);
    expect(() => generateSampleChats({ seed: 1, chats: 0 })).toThrow(/chats/);
  });
});
