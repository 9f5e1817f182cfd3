/** The engine-agnostic copy of `botdb move`: plan (what, counted in one snapshot), copy in pages, verify. */
import { VERSION_KEY } from '@pkg/core';
import type { MoveReader, MoveWriter, Scope, TableShape } from './engine.js';

/**
 * The settings keys that belong to each file (its schema version and last migration run), never copied.
 * LAST_RUN_KEY is not exported by @pkg/core, so its text is repeated here.
 */
export const SCHEMA_KEYS = [VERSION_KEY, 'db-migration-last-run'] as const;

/** One table and chat (or a whole system table) to copy. */
export interface Step {
  table: TableShape;
  /** The chat, null for a table's system-wide rows (chat_id NULL); undefined for a table without chat_id. */
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

/** The tables both files have, with the columns both have (a destination column the source lacks keeps its default). */
export function commonTables(reader: MoveReader, writer: MoveWriter): TableShape[] {
  const src = new Map(reader.tables().map((t) => [t.name, t]));
  return writer
    .tables()
    .filter((t) => src.has(t.name) && t.primaryKey.length > 0)
    .map((t) => {
      const s = src.get(t.name) as TableShape;
      return { ...t, columns: t.columns.filter((c) => s.columns.includes(c)) };
    });
}

function scopeOf(table: TableShape, chatId: number | null | undefined): Scope {
  const scope: Scope = chatId === undefined ? {} : { chatId };
  if (table.name === 'settings') scope.exclude = { column: 'key', values: SCHEMA_KEYS };
  return scope;
}

/**
 * The steps: with `chats`, every chat-scoped table for each chat; with `all`, every chat-scoped table for
 * each chat_id it holds (NULL included: system-wide bayes rows) and every other table whole.
 */
export function plan(
  reader: MoveReader,
  writer: MoveWriter,
  tables: TableShape[],
  chats: readonly number[] | 'all',
): Step[] {
  const steps: Step[] = [];
  for (const table of tables) {
    let ids: (number | null | undefined)[];
    if (chats === 'all') ids = table.chatScoped ? reader.chatIds(table) : [undefined];
    else if (table.chatScoped) ids = [...chats];
    else continue;
    for (const chatId of ids) {
      const scope = scopeOf(table, chatId);
      steps.push({
        table,
        chatId,
        scope,
        source: reader.count(table, scope),
        destinationBefore: writer.count(table, scope),
      });
    }
  }
  return steps;
}

/**
 * Copies one step page by page: each page is one destination transaction of at most `batch` rows, keyed
 * by the primary key, so a kill loses at most the page in flight and a re-run inserts only what is missing.
 * Pages follow the key within the chat (chat_id = ?), so negative chat ids are as reachable as any.
 */
export function copyStep(
  reader: MoveReader,
  writer: MoveWriter,
  step: Step,
  batch: number,
  onRows: (n: number) => void,
): StepResult {
  const { table, scope } = step;
  // Within a chat the chat_id column is fixed: order by the rest of the key.
  const orderBy = table.primaryKey.filter((k) => !(k === 'chat_id' && step.chatId !== undefined));
  const keyAt = orderBy.map((k) => table.columns.indexOf(k));
  let copied = 0;
  let read = 0;
  let after: unknown[] | null = null;
  for (;;) {
    // With no key left to order by (chat_info: the key is the chat), the scope holds at most one row: one page.
    const limit = orderBy.length === 0 ? Number.MAX_SAFE_INTEGER : batch;
    const rows = reader.page(table, scope, orderBy, after, limit);
    if (rows.length === 0) break;
    copied += writer.insertMissing(table, rows);
    read += rows.length;
    onRows(rows.length);
    if (rows.length < limit) break;
    const last = rows[rows.length - 1] as unknown[];
    after = keyAt.map((i) => last[i]);
  }
  const destination = writer.count(table, scope);
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
