/**
 * Bot traffic for the online-move tests: lanes of saveChatMessage into many chats, recording every
 * acknowledged message, and the checks afterwards (each acknowledged message once, in the chat's source,
 * counters exact), read per source with raw SQL so nothing routes.
 */
import type { DatabaseWrapper } from '@pkg/core';

export const USERS = [11, 12, 13];
const DAY = Date.UTC(2025, 5, 1, 0, 0, 0);

/** Acknowledged messages: chat -> message ids (one writer's, or merged). */
export type Acked = Map<number, string[]>;

export async function seedChats(db: DatabaseWrapper, chats: readonly number[]): Promise<void> {
  for (const chatId of chats) {
    await db.updateChatInfo({ chatId, type: 'group', title: `chat ${chatId}` });
    for (const userId of USERS) await db.updateChatUser({ chatId, userId, username: `@u${userId}`, fullName: 'U' });
  }
}

export interface Traffic {
  stop(): Promise<{ acked: Acked; errors: unknown[] }>;
  /** Acknowledged writes so far. */
  count(): number;
}

/** `lanes` loops writing round-robin into `chats` until stopped; message ids start with `prefix`. */
export function startTraffic(db: DatabaseWrapper, chats: readonly number[], prefix: string, lanes = 6): Traffic {
  const acked: Acked = new Map();
  const errors: unknown[] = [];
  let stopped = false;
  let i = 0;
  let n = 0;
  const lane = async () => {
    while (!stopped) {
      const k = i++;
      const chatId = chats[k % chats.length] as number;
      const userId = USERS[Math.floor(k / chats.length) % USERS.length] as number;
      const messageId = `${prefix}-${k}`;
      try {
        await db.saveChatMessage({ date: new Date(DAY + k * 1000), chatId, userId, messageId, messageText: `m${k}` });
        const list = acked.get(chatId) ?? [];
        list.push(messageId);
        acked.set(chatId, list);
        n++;
      } catch (e) {
        errors.push(e);
        // A broken run must end, not spin: the test reports the errors.
        if (errors.length >= 20) stopped = true;
      }
    }
  };
  const running = Promise.all(Array.from({ length: lanes }, lane));
  return {
    count: () => n,
    async stop() {
      stopped = true;
      await running;
      return { acked, errors };
    },
  };
}

export function mergeAcked(...all: Acked[]): Acked {
  const out: Acked = new Map();
  for (const a of all) for (const [chat, ids] of a) out.set(chat, [...(out.get(chat) ?? []), ...ids]);
  return out;
}

/** The user of a message id `${prefix}-${k}` (as startTraffic chose it). */
export function userOf(messageId: string, chats: number): number {
  const k = Number(messageId.slice(messageId.lastIndexOf('-') + 1));
  return USERS[Math.floor(k / chats) % USERS.length] as number;
}

export interface ChatCheck {
  chatId: number;
  /** Where the chat's rows must be, and nowhere else. */
  owner: string;
  /** Every acknowledged message id of the chat, each with the traffic's chat count (for its user). */
  ids: { id: string; chats: number }[];
}

/** Per chat: the message ids in each source, and the users' messages_count in the owner. */
export async function inspect(db: DatabaseWrapper, sources: readonly string[], chatId: number) {
  const where: Record<string, string[]> = {};
  for (const s of sources) {
    const rows = (await db.query({
      sql: `SELECT message_id FROM chat_messages WHERE chat_id = ${chatId}`,
      dataSource: s,
    })) as { message_id: unknown }[];
    where[s] = rows.map((r) => String(r.message_id));
  }
  return where;
}

export async function countersOf(db: DatabaseWrapper, source: string, chatId: number): Promise<Map<number, number>> {
  const rows = (await db.query({
    sql: `SELECT user_id, messages_count FROM chat_users WHERE chat_id = ${chatId}`,
    dataSource: source,
  })) as { user_id: unknown; messages_count: unknown }[];
  return new Map(rows.map((r) => [Number(r.user_id), Number(r.messages_count)]));
}

/** Problems found (empty: every acknowledged message once, in the owner only, counters exact). */
export async function verify(db: DatabaseWrapper, sources: readonly string[], checks: ChatCheck[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of checks) {
    const where = await inspect(db, sources, c.chatId);
    for (const s of sources) {
      const ids = where[s] ?? [];
      if (s !== c.owner) {
        if (ids.length > 0) problems.push(`chat ${c.chatId}: ${ids.length} message(s) left in ${s}`);
        continue;
      }
      const stored = new Set(ids);
      if (stored.size !== ids.length) problems.push(`chat ${c.chatId}: duplicate messages in ${s}`);
      const acked = c.ids.map((x) => x.id);
      const missing = acked.filter((id) => !stored.has(id));
      if (missing.length > 0)
        problems.push(
          `chat ${c.chatId}: ${missing.length} acknowledged message(s) missing in ${s}: ${missing.slice(0, 5)}`,
        );
      if (ids.length !== acked.length)
        problems.push(`chat ${c.chatId}: ${ids.length} stored in ${s}, ${acked.length} acknowledged`);
      const expected = new Map<number, number>();
      for (const x of c.ids) {
        const u = userOf(x.id, x.chats);
        expected.set(u, (expected.get(u) ?? 0) + 1);
      }
      const counters = await countersOf(db, s, c.chatId);
      for (const u of USERS) {
        if ((counters.get(u) ?? 0) !== (expected.get(u) ?? 0)) {
          problems.push(
            `chat ${c.chatId} user ${u}: messages_count ${counters.get(u)} in ${s}, ${expected.get(u) ?? 0} acknowledged`,
          );
        }
      }
    }
  }
  return problems;
}

/** `verify` for traffic over `chats`: each chat's acknowledged messages, expected once in `owner(chatId)`. */
export function verifyAcked(
  db: DatabaseWrapper,
  sources: readonly string[],
  chats: readonly number[],
  owner: (chatId: number) => string,
  acked: Acked,
): Promise<string[]> {
  return verify(
    db,
    sources,
    chats.map((chatId) => ({
      chatId,
      owner: owner(chatId),
      ids: (acked.get(chatId) ?? []).map((id) => ({ id, chats: chats.length })),
    })),
  );
}
