/**
 * `botdb shards plan`: which chats sit on a source other than the one the configuration places them on,
 * found in the data itself (each source of the group is read, readonly), with their row counts. Where a
 * chat belongs is the new configuration's answer without its pending `previous` membership: chatMapping,
 * else the group's hash over its `sources` (Router.targetOf). Where it is now is the source holding its
 * rows; a chat found on several sources (an interrupted move) is taken from the source the running
 * routing sends it to (recorded placement, else the `previous` hash).
 */
import type { DatabaseConfig } from '@pkg/config';
import { type PlacementLookup, Router } from '@pkg/core';
import type { MoveReader } from '@pkg/core/engines';
import { engineSource, isMissingWritable } from '../sources.js';

export interface ShardMove {
  chatId: number;
  from: string;
  to: string;
  /** Rows of the chat on `from`, over every per-chat table. */
  rows: number;
  /** A move interrupted earlier (its placement 'moving' or 'switched'): apply finishes it. */
  unfinished?: boolean;
}

/** A move recorded as not finished: the chat's placement row is 'moving' (to `to`) or 'switched'. */
export interface UnfinishedMove {
  from: string;
  to: string;
}

export interface ShardBalance {
  source: string;
  /** Chats and rows on the source now. */
  chats: number;
  rows: number;
  /** After the plan's moves. */
  chatsAfter: number;
  rowsAfter: number;
}

export interface ShardPlan {
  group: string;
  sources: string[];
  previous: string[] | null;
  /** Chats found over the scanned sources. */
  chats: number;
  moves: ShardMove[];
  balance: ShardBalance[];
}

/** The sources a plan reads: the group's, its previous members', in configuration order. */
export function scannedSources(config: DatabaseConfig): string[] {
  const group = config.defaultGroup === undefined ? undefined : config.shards?.[config.defaultGroup];
  if (group === undefined) return [config.default];
  const named = new Set([...group.sources, ...(group.previous ?? [])]);
  return Object.keys(config.sources).filter((n) => named.has(n));
}

/** Rows per chat on one source, over its per-chat tables, read in the reader's snapshot. */
export async function chatRows(reader: MoveReader): Promise<Map<number, number>> {
  const rows = new Map<number, number>();
  for (const table of await reader.tables()) {
    if (!table.chatScoped) continue;
    for (const id of await reader.chatIds(table)) {
      if (typeof id !== 'number') continue;
      rows.set(id, (rows.get(id) ?? 0) + (await reader.count(table, { chatId: id })));
    }
  }
  return rows;
}

/**
 * The plan for `config`. `placementOf`: the recorded placements, when known, so a chat present on two
 * sources is taken from where the bot reads it. Throws when a source cannot be read (with its error).
 */
export async function planShards(
  config: DatabaseConfig,
  placementOf?: PlacementLookup,
  unfinished: ReadonlyMap<number, UnfinishedMove> = new Map(),
): Promise<ShardPlan> {
  const router = new Router(config, undefined, { placementOf });
  const names = scannedSources(config);
  const found = new Map<string, Map<number, number>>();
  for (const name of names) {
    // A source added to the group and not opened yet (no file) holds no chats.
    if (isMissingWritable(config, name)) continue;
    const { spec, tools } = engineSource(config, name);
    const reader = await tools.openReader(spec);
    try {
      found.set(name, await chatRows(reader));
    } finally {
      await reader.close();
    }
  }
  const where = new Map<number, string[]>();
  for (const [source, chats] of found) {
    for (const chat of chats.keys()) where.set(chat, [...(where.get(chat) ?? []), source]);
  }
  const moves: ShardMove[] = [];
  const balance = new Map<string, ShardBalance>(
    names.map((n) => {
      const chats = found.get(n) ?? new Map<number, number>();
      const rows = [...chats.values()].reduce((a, b) => a + b, 0);
      return [n, { source: n, chats: chats.size, rows, chatsAfter: chats.size, rowsAfter: rows }];
    }),
  );
  for (const [chatId, sources] of [...where].sort((a, b) => a[0] - b[0])) {
    // A move killed half-way (e.g. after its switch, before the old copy's removal) is finished first.
    const open = unfinished.get(chatId);
    if (open !== undefined) {
      moves.push({
        chatId,
        from: open.from,
        to: open.to,
        rows: found.get(open.from)?.get(chatId) ?? 0,
        unfinished: true,
      });
      continue;
    }
    const to = router.targetOf(chatId);
    const routed = router.ownerOf(chatId);
    const from = sources.includes(routed) ? routed : (sources[0] as string);
    if (from === to) continue;
    const rows = found.get(from)?.get(chatId) ?? 0;
    moves.push({ chatId, from, to, rows });
    const a = balance.get(from);
    const b = balance.get(to);
    if (a !== undefined) {
      a.chatsAfter--;
      a.rowsAfter -= rows;
    }
    if (b !== undefined) {
      b.chatsAfter++;
      b.rowsAfter += rows;
    }
  }
  const group = config.defaultGroup === undefined ? undefined : config.shards?.[config.defaultGroup];
  return {
    group: config.defaultGroup ?? '',
    sources: group?.sources ?? [config.default],
    previous: group?.previous ?? null,
    chats: where.size,
    moves,
    balance: [...balance.values()],
  };
}
