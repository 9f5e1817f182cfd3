import { defineOperation, type EngineContext, type Plan, type StatementText } from '@pkg/broker/operation';
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
import { allRows, type CatalogStatement, readAll, readOne, runText, STAMPS, writeOne } from './statement.js';
import { requireInteger, requireNumber, requireOneOf, requireString } from './values.js';

// The catalog of system-wide data.
const INSERT_MEDIA = `INSERT INTO media_attachments (file_unique_id, file_id, file_size, media_type, metadata, status,
  mime_type, local_url, prompt, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const MEDIA: CatalogStatement = { text: 'SELECT * FROM media_attachments WHERE file_unique_id = ?', dates: STAMPS };
const INSERT_TASK = 'INSERT INTO delayed_tasks (id, delayed_ts, function, kwargs) VALUES (?, ?, ?, ?)';
const UPDATE_TASK = 'UPDATE delayed_tasks SET is_done = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?';
/** delayed_tasks' columns without PostgreSQL's `rowid` (see postgres-v6.ts), in the table's order. */
const TASK_COLUMNS = 't.id, t.delayed_ts, t.function, t.kwargs, t.is_done, t.created_at, t.updated_at';
const TASK_ROWS = { dates: STAMPS, flags: ['is_done'] } as const;
/** In insertion order, as the bot's unordered scan returns them (not by delayed_ts). */
const PENDING_TASKS: CatalogStatement = {
  text: `SELECT ${TASK_COLUMNS} FROM delayed_tasks t WHERE t.is_done = FALSE ORDER BY t.rowid`,
  ...TASK_ROWS,
};

/**
 * The library's own table of task claims (not the bot's). On SQLite a file gains it only when claims are
 * used (the bot ignores tables it does not know); PostgreSQL has it in the v6 DDL, and creating it here too
 * covers a schema made before it was added.
 */
const ENSURE_CLAIMS: StatementText = {
  sqlite: `CREATE TABLE IF NOT EXISTS delayed_task_claims (task_id TEXT PRIMARY KEY, owner TEXT NOT NULL,
  claimed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
  postgresql: `CREATE TABLE IF NOT EXISTS delayed_task_claims (task_id TEXT COLLATE "C" PRIMARY KEY,
  owner TEXT COLLATE "C" NOT NULL, claimed_at TIMESTAMPTZ(0) DEFAULT CURRENT_TIMESTAMP)`,
};
/** Pending tasks free or already the owner's, first `limit` in insertion order: the ones a claim takes. */
const CLAIMABLE = `SELECT t.id, c.owner AS claimed_by FROM delayed_tasks t
  LEFT JOIN delayed_task_claims c ON c.task_id = t.id
  WHERE t.is_done = FALSE AND (c.owner IS NULL OR c.owner = ?) ORDER BY t.rowid LIMIT ?`;
/** SQLite, inside BEGIN IMMEDIATE (no other process runs between these statements). */
const CLAIM_SQLITE = `INSERT INTO delayed_task_claims (task_id, owner)
  SELECT id, ? FROM (${CLAIMABLE}) WHERE claimed_by IS NULL`;
const OWNED_TASKS: CatalogStatement = {
  text: `SELECT ${TASK_COLUMNS} FROM delayed_tasks t JOIN delayed_task_claims c ON c.task_id = t.id
  WHERE c.owner = ? AND t.is_done = FALSE ORDER BY t.rowid LIMIT ?`,
  ...TASK_ROWS,
};
/**
 * PostgreSQL, one statement: the tasks picked are locked (SKIP LOCKED: another process's pick is passed
 * over, not waited for), the free ones claimed, and only the tasks this statement claimed or the owner
 * already held come back. A task another process claimed and committed after this statement's snapshot
 * hits the claims' key and is not returned (ON CONFLICT DO NOTHING returns no row for it).
 */
const CLAIM_POSTGRES: CatalogStatement = {
  text: `WITH picked AS (${CLAIMABLE.replace('ORDER BY t.rowid LIMIT ?', 'ORDER BY t.rowid LIMIT ? FOR UPDATE OF t SKIP LOCKED')}),
  claimed AS (INSERT INTO delayed_task_claims (task_id, owner) SELECT id, ? FROM picked WHERE claimed_by IS NULL
    ON CONFLICT (task_id) DO NOTHING RETURNING task_id)
  SELECT ${TASK_COLUMNS} FROM delayed_tasks t
  WHERE t.id IN (SELECT task_id FROM claimed) OR t.id IN (SELECT id FROM picked WHERE claimed_by IS NOT NULL)
  ORDER BY t.rowid`,
  ...TASK_ROWS,
};
const RELEASE_TASKS = 'DELETE FROM delayed_task_claims WHERE owner = ?';
/** `limit` left out: every task (a LIMIT both engines take). */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

const CACHE_STORAGE: CatalogStatement = {
  // Ties on updated_at (same second) in rowid order: SQLite scans the table in rowid order and its sort
  // keeps it for equal keys; PostgreSQL's cache_storage has a rowid identity column for the same order.
  text: 'SELECT namespace, key, value, updated_at FROM cache_storage ORDER BY updated_at DESC, rowid',
  dates: ['updated_at'],
};
// The bot's INSERT OR REPLACE; cache_storage has no created_at to reset.
const SET_CACHE_STORAGE = `INSERT INTO cache_storage (namespace, key, value) VALUES (?, ?, ?)
  ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = CURRENT_TIMESTAMP`;
const UNSET_CACHE_STORAGE = 'DELETE FROM cache_storage WHERE namespace = ? AND key = ?';

/** The cache statements name their table `cache_<cacheType>`; each cache type gets its own copy. */
const CACHE_TABLE = 'cache_<cacheType>';
const CACHE_ENTRY: CatalogStatement = { text: 'SELECT * FROM cache_<cacheType> WHERE key = ?', dates: STAMPS };
/** Fresh: at most `?` seconds old, now - ttl cut to the second (SQLite's datetime() drops the fraction). */
const FRESH_CACHE_ENTRY: CatalogStatement = {
  text: {
    sqlite: `SELECT * FROM cache_<cacheType> WHERE key = ? AND updated_at >= datetime('now', '-' || ? || ' seconds')`,
    postgresql: `SELECT * FROM cache_<cacheType> WHERE key = ?
  AND updated_at >= date_trunc('second', CURRENT_TIMESTAMP - make_interval(secs => ?))`,
  },
  dates: STAMPS,
};
const SET_CACHE_ENTRY = `INSERT INTO cache_<cacheType> (key, data) VALUES (?, ?)
  ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated_at = CURRENT_TIMESTAMP`;
const CLEAR_CACHE_ENTRIES = 'DELETE FROM cache_<cacheType>';

const inTable = (text: string, type: CacheType) => text.replace(CACHE_TABLE, `cache_${type}`);
function perCacheType(s: CatalogStatement): Record<CacheType, CatalogStatement> {
  const copy = (type: CacheType): CatalogStatement => ({
    ...s,
    text:
      typeof s.text === 'string'
        ? inTable(s.text, type)
        : { sqlite: inTable(s.text.sqlite, type), postgresql: inTable(s.text.postgresql, type) },
  });
  return Object.fromEntries(CACHE_TYPES.map((type) => [type, copy(type)])) as Record<CacheType, CatalogStatement>;
}
/** Each statement above, per cache type, built once. Table names come from a closed list, never the caller's text. */
const CACHES = new Map<CatalogStatement | string, Record<CacheType, CatalogStatement>>([
  [CACHE_ENTRY, perCacheType(CACHE_ENTRY)],
  [FRESH_CACHE_ENTRY, perCacheType(FRESH_CACHE_ENTRY)],
  [SET_CACHE_ENTRY, perCacheType({ text: SET_CACHE_ENTRY })],
  [CLEAR_CACHE_ENTRIES, perCacheType({ text: CLEAR_CACHE_ENTRIES })],
]);

/** `statement` (a catalog entry above, or its text) for the table of `cacheType`. */
function forCache(statement: CatalogStatement | string, cacheType: unknown, op: string): CatalogStatement {
  return (CACHES.get(statement) as Record<CacheType, CatalogStatement>)[
    requireOneOf(cacheType, CACHE_TYPES, op, 'cacheType')
  ];
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
   * never get the same task. The claim is one statement on PostgreSQL (row locks, SKIP LOCKED) and one
   * IMMEDIATE transaction on SQLite (the file's write lock serialises processes), hence the two bodies.
   */
  claimDelayedTasks: defineOperation('write', function* (a: ClaimDelayedTasksArgs, e: EngineContext): Plan<
    DelayedTask[]
  > {
    const op = 'claimDelayedTasks';
    const owner = requireString(a.owner, op, 'owner');
    const limit = a.limit == null ? NO_LIMIT : requireInteger(a.limit, op, 'limit');
    if (e.engine === 'postgresql') {
      const [, rows] = (yield {
        atomic: [runText(ENSURE_CLAIMS, []), allRows(CLAIM_POSTGRES, [owner, limit, owner])],
      }) as [unknown, DelayedTask[]];
      return rows;
    }
    const [, , rows] = (yield {
      atomic: [
        runText(ENSURE_CLAIMS, []),
        runText(CLAIM_SQLITE, [owner, owner, limit]),
        allRows(OWNED_TASKS, [owner, limit]),
      ],
    }) as [unknown, unknown, DelayedTask[]];
    return rows;
  }),

  /** Hands every task `owner` claimed back (an operator's step for a process that is gone for good). */
  releaseDelayedTasks: defineOperation('write', function* (a: ReleaseDelayedTasksArgs): Plan<true> {
    const owner = requireString(a.owner, 'releaseDelayedTasks', 'owner');
    yield { atomic: [runText(ENSURE_CLAIMS, []), runText(RELEASE_TASKS, [owner])] };
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
    const entry = forCache(CACHE_ENTRY, a.cacheType, op);
    const key = requireString(a.key, op, 'key');
    const ttl = a.ttl == null ? null : requireNumber(a.ttl, op, 'ttl');
    // As the bot: ttl <= 0 can never be fresh; an entry exactly ttl seconds old still is.
    if (ttl !== null && ttl <= 0) return null;
    if (ttl === null) return yield* readOne<CacheEntry>(entry, [key]);
    return yield* readOne<CacheEntry>(forCache(FRESH_CACHE_ENTRY, a.cacheType, op), [key, ttl]);
  }),

  setCacheEntry: defineOperation('write', (a: SetCacheEntryArgs) => {
    const op = 'setCacheEntry';
    return writeOne(forCache(SET_CACHE_ENTRY, a.cacheType, op).text, [
      requireString(a.key, op, 'key'),
      requireString(a.data, op, 'data'),
    ]);
  }),

  /** The bot returns nothing here; true keeps every write's answer alike. */
  clearCache: defineOperation('write', (a: ClearCacheArgs) =>
    writeOne(forCache(CLEAR_CACHE_ENTRIES, a.cacheType, 'clearCache').text, []),
  ),
};
