import { defineOperation, type EngineContext, type Plan } from '@pkg/broker/operation';
import { BOT_PLANS } from '../engines/registry.js';
import {
  type AddDelayedTaskArgs,
  type AddMediaAttachmentArgs,
  CACHE_TYPES,
  type CacheEntry,
  type CacheStorageEntry,
  type CacheType,
  type ClaimDelayedTasksArgs,
  type ClearCacheArgs,
  type DelayedTask,
  type GetCacheEntryArgs,
  type GetMediaAttachmentArgs,
  MEDIA_STATUSES,
  type MediaAttachment,
  type ReleaseDelayedTasksArgs,
  type SetCacheEntryArgs,
  type SetCacheStorageArgs,
  type UnsetCacheStorageArgs,
  type UpdateDelayedTaskArgs,
  type UpdateMediaAttachmentArgs,
} from '../types.js';
import { type CatalogStatement, perEngine, readAll, readOne, runText, STAMPS, writeOne } from './statement.js';
import { TASK_COLUMNS, TASK_ROWS } from './task-statements.js';
import { requireInteger, requireNumber, requireOneOf, requireString } from './values.js';

// The catalog of system-wide data.
const INSERT_MEDIA = `INSERT INTO media_attachments (file_unique_id, file_id, file_size, media_type, metadata, status,
  mime_type, local_url, prompt, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const MEDIA: CatalogStatement = { text: 'SELECT * FROM media_attachments WHERE file_unique_id = ?', dates: STAMPS };
const INSERT_TASK = 'INSERT INTO delayed_tasks (id, delayed_ts, function, kwargs) VALUES (?, ?, ?, ?)';
const UPDATE_TASK = 'UPDATE delayed_tasks SET is_done = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?';
/** In insertion order, as the bot's unordered scan returns them (not by delayed_ts). */
const PENDING_TASKS: CatalogStatement = {
  text: `SELECT ${TASK_COLUMNS} FROM delayed_tasks t WHERE t.is_done = FALSE ORDER BY t.rowid`,
  ...TASK_ROWS,
};
const RELEASE_TASKS = 'DELETE FROM delayed_task_claims WHERE owner = ?';
/** `limit` left out: every task (a LIMIT every engine takes). */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

const CACHE_STORAGE: CatalogStatement = {
  // Ties on updated_at (same second) in rowid order: SQLite scans the table in rowid order and its sort
  // keeps it for equal keys; the server engines' cache_storage has a rowid identity column for the same order.
  text: perEngine(
    (d) =>
      `SELECT namespace, ${d.identifier('key')}, value, updated_at FROM cache_storage ORDER BY updated_at DESC, rowid`,
  ),
  dates: ['updated_at'],
};
// The bot's INSERT OR REPLACE; cache_storage has no created_at to reset.
const SET_CACHE_STORAGE = perEngine((d) =>
  d.upsert({
    table: 'cache_storage',
    columns: ['namespace', 'key', 'value'],
    key: ['namespace', 'key'],
    onConflict: { value: 'inserted', updated_at: 'now' },
  }),
);
const UNSET_CACHE_STORAGE = perEngine(
  (d) => `DELETE FROM cache_storage WHERE namespace = ? AND ${d.identifier('key')} = ?`,
);

/** The statements of one cache table (`cache_<cacheType>`). */
function cacheStatements(table: string) {
  return {
    entry: {
      text: perEngine((d) => `SELECT * FROM ${table} WHERE ${d.identifier('key')} = ?`),
      dates: STAMPS,
    } satisfies CatalogStatement,
    /** Fresh: at most `?` seconds old, now - ttl cut to the second (SQLite's datetime() drops the fraction). */
    fresh: {
      text: perEngine(
        (d) => `SELECT * FROM ${table} WHERE ${d.identifier('key')} = ? AND updated_at >= ${d.secondsAgo('?')}`,
      ),
      dates: STAMPS,
    } satisfies CatalogStatement,
    set: perEngine((d) =>
      d.upsert({ table, columns: ['key', 'data'], key: ['key'], onConflict: { data: 'inserted', updated_at: 'now' } }),
    ),
    clear: `DELETE FROM ${table}`,
  };
}

/** Each cache type's statements, built once. Table names come from a closed list, never the caller's text. */
const CACHES = Object.fromEntries(CACHE_TYPES.map((type) => [type, cacheStatements(`cache_${type}`)])) as Record<
  CacheType,
  ReturnType<typeof cacheStatements>
>;

/** The statements of the table of `cacheType` (checked against the closed list). */
function cacheOf(cacheType: unknown, op: string): ReturnType<typeof cacheStatements> {
  return CACHES[requireOneOf(cacheType, CACHE_TYPES, op, 'cacheType')];
}

/** Columns updateMediaAttachment may set, by argument name. */
const MEDIA_FIELDS = {
  status: 'status',
  metadata: 'metadata',
  mimeType: 'mime_type',
  localUrl: 'local_url',
  prompt: 'prompt',
  description: 'description',
  fileId: 'file_id',
  fileSize: 'file_size',
} as const;

/** System-wide data (media, delayed tasks, caches): the default source unless a read names another. */
export const systemOperations = {
  /** The bot's defaults: status 'new', media type 'image'; fileId is required. */
  addMediaAttachment: defineOperation('write', (a: AddMediaAttachmentArgs) => {
    const op = 'addMediaAttachment';
    return writeOne(INSERT_MEDIA, [
      requireString(a.fileUniqueId, op, 'fileUniqueId'),
      requireString(a.fileId, op, 'fileId'),
      a.fileSize ?? null,
      requireString(a.mediaType ?? 'image', op, 'mediaType'),
      a.metadata ?? '{}',
      requireOneOf(a.status ?? 'new', MEDIA_STATUSES, op, 'status'),
      a.mimeType ?? null,
      a.localUrl ?? null,
      a.prompt ?? null,
      a.description ?? null,
    ]);
  }),

  /**
   * Sets the fields given; null or undefined leaves a column as it is (the bot's None). True when
   * the statement ran, whether or not the attachment exists (the bot's answer).
   */
  updateMediaAttachment: defineOperation('write', (a: UpdateMediaAttachmentArgs) => {
    const op = 'updateMediaAttachment';
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [arg, column] of Object.entries(MEDIA_FIELDS)) {
      const value = (a as unknown as Record<string, unknown>)[arg];
      if (value === undefined || value === null) continue;
      if (arg === 'status') requireOneOf(value, MEDIA_STATUSES, op, 'status');
      sets.push(`${column} = ?`);
      params.push(value);
    }
    params.push(requireString(a.mediaId, op, 'mediaId'));
    const sql = `UPDATE media_attachments SET ${sets.map((s) => `${s}, `).join('')}updated_at = CURRENT_TIMESTAMP WHERE file_unique_id = ?`;
    return writeOne(sql, params);
  }),

  getMediaAttachment: defineOperation('read', (a: GetMediaAttachmentArgs) =>
    readOne<MediaAttachment>(MEDIA, [requireString(a.mediaId, 'getMediaAttachment', 'mediaId')]),
  ),

  addDelayedTask: defineOperation('write', (a: AddDelayedTaskArgs) => {
    const op = 'addDelayedTask';
    return writeOne(INSERT_TASK, [
      requireString(a.taskId, op, 'taskId'),
      requireNumber(a.delayedTS, op, 'delayedTS'),
      requireString(a.function, op, 'function'),
      requireString(a.kwargs, op, 'kwargs'),
    ]);
  }),

  updateDelayedTask: defineOperation('write', (a: UpdateDelayedTaskArgs, e) =>
    writeOne(UPDATE_TASK, [e.flag(a.isDone === true), requireString(a.id, 'updateDelayedTask', 'id')]),
  ),

  /** In insertion order, as the bot's unordered scan returns them (not by delayed_ts). */
  getPendingDelayedTasks: defineOperation('read', (_a: Record<string, never>) =>
    readAll<DelayedTask>(PENDING_TASKS, []),
  ),

  /**
   * Claims pending tasks for `owner`: the free ones and those it already holds (a restarted process with
   * the same owner gets its tasks back), in insertion order, up to `limit`. Processes sharing a database
   * never get the same task. How a claim stays disjoint differs per engine (the file's write lock, row
   * locks with SKIP LOCKED): the engine's plan (engines/<name>/plans.ts) does it.
   */
  claimDelayedTasks: defineOperation('write', (a: ClaimDelayedTasksArgs, e: EngineContext): Plan<DelayedTask[]> => {
    const op = 'claimDelayedTasks';
    const owner = requireString(a.owner, op, 'owner');
    const limit = a.limit == null ? NO_LIMIT : requireInteger(a.limit, op, 'limit');
    return BOT_PLANS[e.engine].claimDelayedTasks(owner, limit);
  }),

  /** Hands every task `owner` claimed back (an operator's step for a process that is gone for good). */
  releaseDelayedTasks: defineOperation('write', function* (a: ReleaseDelayedTasksArgs, e: EngineContext): Plan<true> {
    const owner = requireString(a.owner, 'releaseDelayedTasks', 'owner');
    yield { atomic: [runText(BOT_PLANS[e.engine].ensureClaimsTable, []), runText(RELEASE_TASKS, [owner])] };
    return true;
  }),

  getCacheStorage: defineOperation('read', (_a: Record<string, never>) =>
    readAll<CacheStorageEntry>(CACHE_STORAGE, []),
  ),

  setCacheStorage: defineOperation('write', (a: SetCacheStorageArgs) => {
    const op = 'setCacheStorage';
    return writeOne(SET_CACHE_STORAGE, [
      requireString(a.namespace, op, 'namespace'),
      requireString(a.key, op, 'key'),
      requireString(a.value, op, 'value'),
    ]);
  }),

  unsetCacheStorage: defineOperation('write', (a: UnsetCacheStorageArgs) => {
    const op = 'unsetCacheStorage';
    return writeOne(UNSET_CACHE_STORAGE, [
      requireString(a.namespace, op, 'namespace'),
      requireString(a.key, op, 'key'),
    ]);
  }),

  getCacheEntry: defineOperation('read', function* (a: GetCacheEntryArgs): Plan<CacheEntry | null> {
    const op = 'getCacheEntry';
    const cache = cacheOf(a.cacheType, op);
    const key = requireString(a.key, op, 'key');
    const ttl = a.ttl == null ? null : requireNumber(a.ttl, op, 'ttl');
    // As the bot: ttl <= 0 can never be fresh; an entry exactly ttl seconds old still is.
    if (ttl !== null && ttl <= 0) return null;
    if (ttl === null) return yield* readOne<CacheEntry>(cache.entry, [key]);
    return yield* readOne<CacheEntry>(cache.fresh, [key, ttl]);
  }),

  setCacheEntry: defineOperation('write', (a: SetCacheEntryArgs) => {
    const op = 'setCacheEntry';
    return writeOne(cacheOf(a.cacheType, op).set, [requireString(a.key, op, 'key'), requireString(a.data, op, 'data')]);
  }),

  /** The bot returns nothing here; true keeps every write's answer alike. */
  clearCache: defineOperation('write', (a: ClearCacheArgs) => writeOne(cacheOf(a.cacheType, 'clearCache').clear, [])),
};
