import { defineOperation } from '@pkg/broker/operation';
import {
  type AddDelayedTaskArgs,
  type AddMediaAttachmentArgs,
  CACHE_TYPES,
  type CacheEntry,
  type CacheStorageEntry,
  type CacheType,
  type ClearCacheArgs,
  type DelayedTask,
  type GetCacheEntryArgs,
  type GetMediaAttachmentArgs,
  MEDIA_STATUSES,
  type MediaAttachment,
  type SetCacheEntryArgs,
  type SetCacheStorageArgs,
  type UnsetCacheStorageArgs,
  type UpdateDelayedTaskArgs,
  type UpdateMediaAttachmentArgs,
} from '../types.js';
import { fixBooleans, fixTimestamps, requireNumber, requireOneOf, requireString } from './values.js';

/** Table names come from a closed list, never from the caller's text. */
function cacheTable(cacheType: unknown, op: string): `cache_${CacheType}` {
  return `cache_${requireOneOf(cacheType, CACHE_TYPES, op, 'cacheType')}`;
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
  addMediaAttachment: defineOperation('write', (ctx, a: AddMediaAttachmentArgs): true => {
    const op = 'addMediaAttachment';
    ctx
      .statement(
        `INSERT INTO media_attachments (file_unique_id, file_id, file_size, media_type, metadata, status,
           mime_type, local_url, prompt, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      );
    return true;
  }),

  /**
   * Sets the fields given; null or undefined leaves a column as it is (the bot's None). True when
   * the statement ran, whether or not the attachment exists (the bot's answer).
   */
  updateMediaAttachment: defineOperation('write', (ctx, a: UpdateMediaAttachmentArgs): true => {
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
    ctx.statement(sql).run(params);
    return true;
  }),

  getMediaAttachment: defineOperation('read', (ctx, a: GetMediaAttachmentArgs): MediaAttachment | null => {
    const row = ctx
      .statement('SELECT * FROM media_attachments WHERE file_unique_id = ?')
      .get(requireString(a.mediaId, 'getMediaAttachment', 'mediaId'));
    return row === undefined
      ? null
      : fixTimestamps<MediaAttachment>(row as Record<string, unknown>, 'created_at', 'updated_at');
  }),

  addDelayedTask: defineOperation('write', (ctx, a: AddDelayedTaskArgs): true => {
    const op = 'addDelayedTask';
    ctx
      .statement('INSERT INTO delayed_tasks (id, delayed_ts, function, kwargs) VALUES (?, ?, ?, ?)')
      .run(
        requireString(a.taskId, op, 'taskId'),
        requireNumber(a.delayedTS, op, 'delayedTS'),
        requireString(a.function, op, 'function'),
        requireString(a.kwargs, op, 'kwargs'),
      );
    return true;
  }),

  updateDelayedTask: defineOperation('write', (ctx, a: UpdateDelayedTaskArgs): true => {
    ctx
      .statement('UPDATE delayed_tasks SET is_done = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?')
      .run(a.isDone ? 1 : 0, requireString(a.id, 'updateDelayedTask', 'id'));
    return true;
  }),

  /** In insertion order, as the bot's unordered scan returns them (not by delayed_ts). */
  getPendingDelayedTasks: defineOperation('read', (ctx, _a: Record<string, never>): DelayedTask[] =>
    ctx
      .statement('SELECT * FROM delayed_tasks WHERE is_done = 0 ORDER BY rowid')
      .all()
      .map((row) => {
        const r = row as Record<string, unknown>;
        fixBooleans(r, 'is_done');
        return fixTimestamps<DelayedTask>(r, 'created_at', 'updated_at');
      }),
  ),

  getCacheStorage: defineOperation('read', (ctx, _a: Record<string, never>): CacheStorageEntry[] =>
    ctx
      .statement('SELECT namespace, key, value, updated_at FROM cache_storage ORDER BY updated_at DESC')
      .all()
      .map((r) => fixTimestamps<CacheStorageEntry>(r as Record<string, unknown>, 'updated_at')),
  ),

  setCacheStorage: defineOperation('write', (ctx, a: SetCacheStorageArgs): true => {
    const op = 'setCacheStorage';
    ctx
      .statement(
        'INSERT OR REPLACE INTO cache_storage (namespace, key, value, updated_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)',
      )
      .run(
        requireString(a.namespace, op, 'namespace'),
        requireString(a.key, op, 'key'),
        requireString(a.value, op, 'value'),
      );
    return true;
  }),

  unsetCacheStorage: defineOperation('write', (ctx, a: UnsetCacheStorageArgs): true => {
    const op = 'unsetCacheStorage';
    ctx
      .statement('DELETE FROM cache_storage WHERE namespace = ? AND key = ?')
      .run(requireString(a.namespace, op, 'namespace'), requireString(a.key, op, 'key'));
    return true;
  }),

  getCacheEntry: defineOperation('read', (ctx, a: GetCacheEntryArgs): CacheEntry | null => {
    const op = 'getCacheEntry';
    const table = cacheTable(a.cacheType, op);
    const key = requireString(a.key, op, 'key');
    const ttl = a.ttl == null ? null : requireNumber(a.ttl, op, 'ttl');
    // As the bot: ttl <= 0 can never be fresh; an entry exactly ttl seconds old still is.
    if (ttl !== null && ttl <= 0) return null;
    const row =
      ttl !== null
        ? ctx
            .statement(`SELECT * FROM ${table} WHERE key = ? AND updated_at >= datetime('now', ?)`)
            .get(key, `-${ttl} seconds`)
        : ctx.statement(`SELECT * FROM ${table} WHERE key = ?`).get(key);
    return row === undefined
      ? null
      : fixTimestamps<CacheEntry>(row as Record<string, unknown>, 'created_at', 'updated_at');
  }),

  setCacheEntry: defineOperation('write', (ctx, a: SetCacheEntryArgs): true => {
    const op = 'setCacheEntry';
    ctx
      .statement(
        `INSERT INTO ${cacheTable(a.cacheType, op)} (key, data) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated_at = CURRENT_TIMESTAMP`,
      )
      .run(requireString(a.key, op, 'key'), requireString(a.data, op, 'data'));
    return true;
  }),

  /** The bot returns nothing here; true keeps every write's answer alike. */
  clearCache: defineOperation('write', (ctx, a: ClearCacheArgs): true => {
    ctx.statement(`DELETE FROM ${cacheTable(a.cacheType, 'clearCache')}`).run();
    return true;
  }),
};
