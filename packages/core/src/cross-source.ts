/**
 * Cross-source reads (getUserChats, getAllGroupChats): one call per source, merged on the main
 * thread as the answers arrive. A source that cannot answer (not open, gone, its worker given up,
 * or no answer within the read's time bound) is skipped, and the answer says so: the rows carry a
 * `sources` report, so a bot can tell "no chats" from "no chats in the sources that answered"
 * without a racy side channel.
 */
import type { ErrorCode } from '@pkg/errors';
import type { ChatInfo } from './types.js';

/** A source left out of a cross-source read, and why. */
export interface SkippedSource {
  source: string;
  /**
   * The code the source answered with (SOURCE_OPEN_FAILED, SOURCE_UNAVAILABLE or SOURCE_CRASHED), or
   * QUERY_TIMEOUT: it had not answered when the read's `cross-source-timeout` ran out.
   */
  code: ErrorCode;
  message: string;
}

/** Which sources a cross-source read covered. */
export interface CrossSourceReport {
  /** Sources whose rows are in the answer, in merge order (the default first). */
  answered: readonly string[];
  /** Sources that were asked and could not answer; empty when the answer is complete. */
  skipped: readonly SkippedSource[];
  /**
   * Per shard group (present when a group is configured): which of its shards answered and which were
   * skipped, so a bot can tell that a group's answer is partial.
   */
  shards?: Readonly<Record<string, { answered: readonly string[]; skipped: readonly string[] }>>;
}

/**
 * Rows of a cross-source read. `sources` is not enumerable: the rows compare, spread and
 * serialise as a plain array.
 */
export type CrossSourceRows<T> = T[] & { readonly sources: CrossSourceReport };

/** One source's answer to a cross-source read, handed on as soon as it arrives. */
export interface CrossSourcePart<R> {
  source: string;
  /** The source's place in merge order (the default is 0). */
  index: number;
  rows: R;
}

/**
 * Merges chat lists as the sources answer, so a read over many sources holds the merged chats, not
 * every source's answer. By chat id; a chat present in several sources is taken from the source that
 * owns it, else from the first in merge order, whatever order the answers came in.
 */
export class ChatMerge {
  /** The only answer so far, kept as the source gave it (one source answers in its own order). */
  private only: CrossSourcePart<ChatInfo[]> | null = null;
  private readonly best = new Map<number, { index: number; owned: boolean; row: ChatInfo }>();
  private readonly answered: Array<{ source: string; index: number }> = [];

  constructor(
    private readonly ownerOf: (chatId: number) => string,
    private readonly groupOf: (source: string) => string | undefined = () => undefined,
  ) {}

  add(part: CrossSourcePart<ChatInfo[]>): void {
    this.answered.push({ source: part.source, index: part.index });
    if (this.answered.length === 1) {
      this.only = part;
      return;
    }
    if (this.only !== null) {
      this.fold(this.only);
      this.only = null;
    }
    this.fold(part);
  }

  /** The merged rows, carrying the report of which sources answered and which were skipped. */
  finish(skipped: SkippedSource[]): CrossSourceRows<ChatInfo> {
    const answered = [...this.answered].sort((a, b) => a.index - b.index).map((a) => a.source);
    const rows =
      this.only !== null
        ? this.only.rows
        : [...this.best.values()].map((b) => b.row).sort((a, b) => a.chat_id - b.chat_id);
    const sources: CrossSourceReport = { answered, skipped };
    const shards = this.byGroup(answered, skipped);
    if (shards !== undefined) sources.shards = shards;
    return Object.defineProperty(rows, 'sources', { value: sources, enumerable: false }) as CrossSourceRows<ChatInfo>;
  }

  private byGroup(answered: readonly string[], skipped: readonly SkippedSource[]): CrossSourceReport['shards'] {
    let out: Record<string, { answered: string[]; skipped: string[] }> | undefined;
    const entry = (source: string) => {
      const group = this.groupOf(source);
      if (group === undefined) return undefined;
      out ??= {};
      out[group] ??= { answered: [], skipped: [] };
      return out[group];
    };
    for (const source of answered) entry(source)?.answered.push(source);
    for (const s of skipped) entry(s.source)?.skipped.push(s.source);
    return out;
  }

  private fold({ source, index, rows }: CrossSourcePart<ChatInfo[]>): void {
    for (const row of rows) {
      const owned = this.ownerOf(row.chat_id) === source;
      const seen = this.best.get(row.chat_id);
      if (seen === undefined || (owned && !seen.owned) || (owned === seen.owned && index < seen.index)) {
        this.best.set(row.chat_id, { index, owned, row });
      }
    }
  }
}
