/**
 * The reference reads, asked of any data layer: every read the reference expected file records, with the
 * same arguments, answered in the expected file's shape (Dates as stored UTC text). Used by the core tests
 * (each engine) and the CLI's move tests (reads after a move).
 */
import type { ReferenceExpected, ReferenceWrites } from './reference.js';
import type { JsonRow } from './types.js';

// biome-ignore lint/suspicious/noExplicitAny: each read takes its own argument object; only the method names matter here.
type Read = (args: any) => Promise<unknown>;

/** The reads `collectReferenceReads` asks (a DatabaseWrapper has them all). */
export type ReferenceReader = Record<
  | 'getChatInfo'
  | 'getChatMessageByMessageId'
  | 'getChatMessagesByRootId'
  | 'getChatMessagesByUser'
  | 'getChatMessagesSince'
  | 'getChatSetting'
  | 'getChatSettings'
  | 'getChatSummarization'
  | 'getChatTopics'
  | 'getChatUser'
  | 'getChatUserByUsername'
  | 'getChatUsers'
  | 'getSpamMessagesByUserId'
  | 'getUserData'
  | 'getUserChats'
  | 'getAllGroupChats'
  | 'getCacheEntry'
  | 'getCacheStorage'
  | 'getMediaAttachment'
  | 'getPendingDelayedTasks'
  | 'getSettings'
  | 'getSpamMessages',
  Read
>;

const pad = (n: number) => String(n).padStart(2, '0');

/** Date -> the stored text `YYYY-MM-DD HH:MM:SS` (UTC), so rows compare with the reference JSON. */
export function storedText(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

/** Deep copy with every Date as stored text, and (optionally) wall-clock columns removed. */
export function asStored(value: unknown, dropWallClock = false): unknown {
  if (value instanceof Date) return storedText(value);
  if (Array.isArray(value)) return value.map((v) => asStored(v, dropWallClock));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (dropWallClock && WALL_CLOCK.has(k)) continue;
      out[k] = asStored(v, dropWallClock);
    }
    return out;
  }
  return value;
}

const WALL_CLOCK = new Set(['created_at', 'updated_at', 'media_created_at', 'media_updated_at']);

type Reads = Record<string, unknown>;

/**
 * Asks `db` every read the reference expected file records, with the same arguments, and
 * returns the answers in the expected file's shape (Dates as stored text).
 * The arguments are recovered from the expected file's keys and the writes' shape.
 */
export async function collectReferenceReads(
  db: ReferenceReader,
  expected: ReferenceExpected,
  writes: ReferenceWrites,
  options: { dataSource?: string } = {},
): Promise<Reads> {
  const ds = options.dataSource === undefined ? {} : { dataSource: options.dataSource };
  const perChat: Reads = {};
  for (const [chatKey, exp] of Object.entries(expected.perChat)) {
    const chatId = Number(chatKey);
    const firstMember = writes.shape.members[chatKey]?.[0]?.[0] as number;
    const summary = exp.getChatSummarization as Record<string, unknown>;
    const out: Reads = {
      getChatInfo: await db.getChatInfo({ chatId, ...ds }),
      getChatMessageByMessageId: await byKey(Object.keys(exp.getChatMessageByMessageId as object), (messageId) =>
        db.getChatMessageByMessageId({ chatId, messageId, ...ds }),
      ),
      getChatMessagesByRootId: await byKey(Object.keys(exp.getChatMessagesByRootId as object), (rootMessageId) =>
        db.getChatMessagesByRootId({ chatId, rootMessageId, ...ds }),
      ),
      'getChatMessagesByUser(limit=10)': await db.getChatMessagesByUser({
        chatId,
        userId: firstMember,
        limit: 10,
        ...ds,
      }),
      'getChatMessagesSince(limit=20)': await db.getChatMessagesSince({ chatId, limit: 20, ...ds }),
      'getChatSetting(model)': await db.getChatSetting({ chatId, setting: 'model', ...ds }),
      getChatSettings: await db.getChatSettings({ chatId, ...ds }),
      getChatSummarization: await db.getChatSummarization({
        chatId,
        topicId: summary.topic_id as number | null,
        firstMessageId: summary.first_message_id as string,
        lastMessageId: summary.last_message_id as string,
        prompt: summary.prompt as string,
        ...ds,
      }),
      getChatTopics: await db.getChatTopics({ chatId, ...ds }),
      getChatUser: await byKey(Object.keys(exp.getChatUser as object), (userId) =>
        db.getChatUser({ chatId, userId: Number(userId), ...ds }),
      ),
      getChatUserByUsername: await byKey(Object.keys(exp.getChatUserByUsername as object), (username) =>
        db.getChatUserByUsername({ chatId, username, ...ds }),
      ),
      'getChatUsers(limit=50)': await db.getChatUsers({ chatId, limit: 50, ...ds }),
      getSpamMessagesByUserId: await db.getSpamMessagesByUserId({ chatId, userId: firstMember, ...ds }),
      getUserData: await byKey(Object.keys(exp.getUserData as object), (userId) =>
        db.getUserData({ chatId, userId: Number(userId), ...ds }),
      ),
    };
    perChat[chatKey] = out;
  }
  const perUser: Reads = {};
  for (const userKey of Object.keys(expected.perUser)) {
    perUser[userKey] = { getUserChats: await db.getUserChats({ userId: Number(userKey), ...ds }) };
  }
  const cacheTypeOf = new Map(
    writes.ops.filter(([m]) => m === 'setCacheEntry').map(([, a]) => [a.key as string, a.cacheType as string]),
  );
  return asStored({
    getAllGroupChats: await db.getAllGroupChats(ds),
    getCacheEntry: await byKey(Object.keys(expected.getCacheEntry), (key) =>
      db.getCacheEntry({ key, cacheType: cacheTypeOf.get(key) as 'weather', ...ds }),
    ),
    getCacheStorage: await db.getCacheStorage(ds),
    getMediaAttachment: await byKey(Object.keys(expected.getMediaAttachment), (mediaId) =>
      db.getMediaAttachment({ mediaId, ...ds }),
    ),
    getPendingDelayedTasks: await db.getPendingDelayedTasks(ds),
    getSettings: withoutLastRun((await db.getSettings(ds)) as Record<string, string>),
    getSpamMessages: await db.getSpamMessages(ds),
    perChat,
    perUser,
  }) as Reads;
}

async function byKey(keys: string[], read: (key: string) => Promise<unknown>): Promise<Reads> {
  const out: Reads = {};
  for (const k of keys) out[k] = await read(k);
  return out;
}

/**
 * The expected file leaves out `db-migration-last-run` (a wall-clock value the bot rewrites on
 * every migration run); everything else in settings is compared.
 */
function withoutLastRun(settings: Record<string, string>): Record<string, string> {
  const { 'db-migration-last-run': _lastRun, ...rest } = settings;
  return rest;
}

/**
 * The reads with wall-clock columns removed, for comparing a replayed file. Lists the bot orders
 * by updated_at (getChatUsers, getCacheStorage) are compared as sets: a replay touches rows in
 * other seconds than the bot did, so their order is wall-clock too.
 */
export function withoutWallClock(reads: unknown): unknown {
  return sortWallClockOrdered(asStored(reads, true));
}

const ORDERED_BY_UPDATED_AT = new Set(['getChatUsers(limit=50)', 'getCacheStorage']);

/** JSON with keys sorted, so two rows with the same values compare equal whatever their column order. */
function canonical(row: unknown): string {
  return JSON.stringify(Object.entries(row as object).sort(([a], [b]) => a.localeCompare(b)));
}

function sortWallClockOrdered(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => sortWallClockOrdered(v));
    if (!ORDERED_BY_UPDATED_AT.has(key)) return items;
    return items.sort((a, b) => canonical(a).localeCompare(canonical(b)));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sortWallClockOrdered(v, k)]));
  }
  return value;
}

/**
 * The bot's expected answers with the library's one deliberate difference in message order applied
 * (docs/migration-guide.md): messages of the same second come in message-id order, compared as numbers,
 * in the read's direction (newest-first lists: the higher id first; getChatMessagesByRootId: the lower),
 * where the bot left them in SQLite's scan order. Only runs of equal `date` are reordered, so any other
 * difference still fails the comparison. (The reference data has no same-second messages today.)
 */
export function withLibraryTieOrder(expected: ReferenceExpected): ReferenceExpected {
  const perChat: ReferenceExpected['perChat'] = {};
  for (const [chat, reads] of Object.entries(expected.perChat)) {
    perChat[chat] = {
      ...reads,
      'getChatMessagesByUser(limit=10)': sameSecondByMessageId(reads['getChatMessagesByUser(limit=10)'], -1),
      'getChatMessagesSince(limit=20)': sameSecondByMessageId(reads['getChatMessagesSince(limit=20)'], -1),
      getChatMessagesByRootId: Object.fromEntries(
        Object.entries(reads.getChatMessagesByRootId).map(([root, rows]) => [root, sameSecondByMessageId(rows, 1)]),
      ),
    };
  }
  return { ...expected, perChat };
}

/** Rows (already in date order) with each run of equal dates sorted by numeric message id, `direction` 1 or -1. */
function sameSecondByMessageId(rows: JsonRow[], direction: 1 | -1): JsonRow[] {
  const id = (r: JsonRow) => String(r.message_id);
  const byId = (a: JsonRow, b: JsonRow) =>
    direction * (id(a).length - id(b).length || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
  const out: JsonRow[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i + 1;
    while (j < rows.length && (rows[j] as JsonRow).date === (rows[i] as JsonRow).date) j++;
    out.push(...rows.slice(i, j).sort(byId));
    i = j;
  }
  return out;
}
