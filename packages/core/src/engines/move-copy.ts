/**
 * The engine-agnostic copy of `botdb move` and of the online move (placement/mover.ts): plan (what, counted
 * in one snapshot), copy in pages, verify. The reader and writer are the engines' own (tools.ts).
 */
import { LAST_RUN_KEY, VERSION_KEY } from '../schema/bot-schema.js';
import {
  FENCE_TABLE,
  type MoveReader,
  type MoveWriter,
  PLACEMENT_TABLE,
  type Row,
  type Scope,
  type TableShape,
} from './tools.js';

/** The settings keys that belong to each database (its schema version and last migration run), never copied. */
export const SCHEMA_KEYS = [VERSION_KEY, LAST_RUN_KEY] as const;

/** The library's own tables of the online move: each database's own, never copied. */
const LIBRARY_TABLES: ReadonlySet<string> = new Set([PLACEMENT_TABLE, FENCE_TABLE, 'botdb_fence_guard']);

/** One table and chat (or a whole system table) to copy. */
export interface Step {
  table: TableShape;
  /** The chat, null for a table's system-wide rows (chat_id NULL); undefined for the whole table. */
  chatId: number | null | undefined;
  scope: Scope;
  source: number;
  destinationBefore: number;
}

/** What one step did. */
export interface StepResult {
  table: string;
  chatId: number | null | undefined;
  /** Rows the source holds (in its snapshot). */
  source: number;
  destinationBefore: number;
  copied: number;
  alreadyPresent: number;
  destination: number;
  ok: boolean;
}

/**
 * The tables both sides have, with the columns both have (a destination column the source lacks keeps its
 * default; identity columns are in neither list). The key is the destination's, else the source's (a
 * PostgreSQL table whose key allows NULL has a UNIQUE constraint instead of a primary key). A table the bot
 * reads in insertion order on either side is copied in the source's rowid order, so that order survives.
 */
export async function commonTables(reader: MoveReader, writer: MoveWriter): Promise<TableShape[]> {
  const src = new Map((await reader.tables()).map((t) => [t.name, t]));
  return (await writer.tables())
    .filter((t) => src.has(t.name) && !LIBRARY_TABLES.has(t.name))
    .map((t) => {
      const s = src.get(t.name) as TableShape;
      const columns = t.columns.filter((c) => s.columns.includes(c));
      const primaryKey = t.primaryKey.length > 0 ? t.primaryKey : s.primaryKey;
      return {
        ...t,
        columns,
        primaryKey,
        copyInInsertionOrder: s.rowid && (s.insertionOrdered || t.insertionOrdered),
      };
    })
    .filter((t) => t.primaryKey.length > 0 && t.primaryKey.every((k) => t.columns.includes(k)));
}

function scopeOf(table: TableShape, chatId: number | null | undefined): Scope {
  const scope: Scope = chatId === undefined ? {} : { chatId };
  if (table.name === 'settings') scope.exclude = { column: 'key', values: SCHEMA_KEYS };
  return scope;
}

/**
 * The steps: with `chats`, every chat-scoped table for each chat; with `all`, every chat-scoped table for
 * each chat_id it holds (NULL included: system-wide bayes rows) and every other table whole. A table copied
 * in insertion order is copied whole with `all`: the bot reads it across chats in that order.
 */
export async function plan(
  reader: MoveReader,
  writer: MoveWriter,
  tables: TableShape[],
  chats: readonly number[] | 'all',
): Promise<Step[]> {
  const steps: Step[] = [];
  for (const table of tables) {
    let ids: (number | null | undefined)[];
    if (chats === 'all')
      ids = table.chatScoped && !table.copyInInsertionOrder ? await reader.chatIds(table) : [undefined];
    else if (table.chatScoped) ids = [...chats];
    else continue;
    for (const chatId of ids) {
      const scope = scopeOf(table, chatId);
      steps.push({
        table,
        chatId,
        scope,
        source: await reader.count(table, scope),
        destinationBefore: await writer.count(table, scope),
      });
    }
  }
  return steps;
}

/**
 * Every chat a whole-source copy moved: the chats of its per-chat steps, and those of the tables it copied
 * whole for their insertion order (a chat whose only rows are there still needs its mapping line).
 */
export async function chatsOf(reader: MoveReader, tables: TableShape[], steps: Step[]): Promise<number[]> {
  const ids = new Set<number>();
  for (const s of steps) if (typeof s.chatId === 'number') ids.add(s.chatId);
  for (const t of tables) {
    if (!t.chatScoped || !t.copyInInsertionOrder) continue;
    for (const id of await reader.chatIds(t)) if (typeof id === 'number') ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Copies one step page by page: each page is one destination transaction of at most `batch` rows, keyed
 * by the primary key, so a kill loses at most the page in flight and a re-run inserts only what is missing.
 * Pages follow the key within the chat (chat_id = ?), or the source's rowid for a table copied in insertion
 * order; either way the first page has no lower bound, so negative chat ids and rowids are as reachable as any.
 */
export async function copyStep(
  reader: MoveReader,
  writer: MoveWriter,
  step: Step,
  batch: number,
  onRows: (n: number) => void,
): Promise<StepResult> {
  const { table, scope } = step;
  // Within a chat the chat_id column is fixed: order by the rest of the key.
  const orderBy = table.copyInInsertionOrder
    ? ['rowid']
    : table.primaryKey.filter((k) => !(k === 'chat_id' && step.chatId !== undefined));
  // Where each order column is in a page's rows: among the columns, else appended after them (rowid).
  const extra = orderBy.filter((k) => !table.columns.includes(k));
  const keyAt = orderBy.map((k) =>
    table.columns.includes(k) ? table.columns.indexOf(k) : table.columns.length + extra.indexOf(k),
  );
  let copied = 0;
  let read = 0;
  let after: Row | null = null;
  for (;;) {
    // With no key left to order by (chat_info: the key is the chat), the scope holds at most one row: one page.
    const limit = orderBy.length === 0 ? Number.MAX_SAFE_INTEGER : batch;
    const rows = await reader.page(table, scope, orderBy, after, limit);
    if (rows.length === 0) break;
    copied += await writer.insertMissing(
      table,
      extra.length === 0 ? rows : rows.map((r) => r.slice(0, table.columns.length)),
    );
    read += rows.length;
    onRows(rows.length);
    if (rows.length < limit) break;
    const last = rows[rows.length - 1] as Row;
    after = keyAt.map((i) => last[i]);
  }
  const destination = await writer.count(table, scope);
  return {
    table: table.name,
    chatId: step.chatId,
    source: step.source,
    destinationBefore: step.destinationBefore,
    copied,
    alreadyPresent: read - copied,
    destination,
    // Every source row is in the destination: equal counts, or more when the destination had rows of its own.
    ok: step.destinationBefore === 0 ? destination === step.source : destination >= step.source,
  };
}
