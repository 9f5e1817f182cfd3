/**
 * Cross-source reads (getUserChats, getAllGroupChats): one call per source, merged on the main
 * thread. A source that cannot answer (not open, gone, its worker given up) is skipped, and the
 * answer says so: the rows carry a `sources` report, so a bot can tell "no chats" from "no chats
 * in the sources that answered" without a racy side channel.
 */
import type { ErrorCode } from '@pkg/errors';
import type { ChatInfo } from './types.js';

/** A source left out of a cross-source read, and why. */
export interface SkippedSource {
  source: string;
  /** The code the source answered with (SOURCE_OPEN_FAILED, SOURCE_UNAVAILABLE or SOURCE_CRASHED). */
  code: ErrorCode;
  message: string;
}

/** Which sources a cross-source read covered. */
export interface CrossSourceReport {
  /** Sources whose rows are in the answer, in merge order (the default first). */
  answered: readonly string[];
  /** Sources that were asked and could not answer; empty when the answer is complete. */
  skipped: readonly SkippedSource[];
}

/**
 * Rows of a cross-source read. `sources` is not enumerable: the rows compare, spread and
 * serialise as a plain array.
 */
export type CrossSourceRows<T> = T[] & { readonly sources: CrossSourceReport };

/** Each source's answer, and the sources that gave none. */
export interface CrossSourceParts<R> {
  parts: Array<{ source: string; rows: R }>;
  skipped: SkippedSource[];
}

/**
 * By chat id; a chat present in several sources is taken from the source that owns it. The rows
 * carry the report of which sources answered.
 */
export function mergeChats(
  answers: CrossSourceParts<ChatInfo[]>,
  ownerOf: (chatId: number) => string,
): CrossSourceRows<ChatInfo> {
  const { parts, skipped } = answers;
  const sources: CrossSourceReport = { answered: parts.map((p) => p.source), skipped };
  return Object.defineProperty(byOwner(parts, ownerOf), 'sources', {
    value: sources,
    enumerable: false,
  }) as CrossSourceRows<ChatInfo>;
}

function byOwner(parts: Array<{ source: string; rows: ChatInfo[] }>, ownerOf: (chatId: number) => string): ChatInfo[] {
  if (parts.length === 1) return parts[0]?.rows ?? [];
  const best = new Map<number, { source: string; row: ChatInfo }>();
  for (const { source, rows } of parts) {
    for (const row of rows) {
      const seen = best.get(row.chat_id);
      if (seen === undefined || (seen.source !== ownerOf(row.chat_id) && source === ownerOf(row.chat_id))) {
        best.set(row.chat_id, { source, row });
      }
    }
  }
  return [...best.values()].map((b) => b.row).sort((a, b) => a.chat_id - b.chat_id);
}
