/**
 * A multi-source DatabaseWrapper for the routing and event-loop scenarios:
 * - "slow": a small writable file, where the 2-second query runs;
 * - "main": a copy of the 100k-row file, the default (the dataset's chats are not mapped, so they land here);
 * - "archive": a small readonly file.
 * 1,000 synthetic chats are mapped across the three, so routing looks chats up in a realistic map.
 */
import { DatabaseWrapper } from '@pkg/core';
import type { Dataset } from '../dataset.js';

export const MAPPED_CHATS = 1000;
export const SOURCE_ORDER = ['slow', 'main', 'archive'] as const;
export type MultiSourceName = (typeof SOURCE_ORDER)[number];

/** Chat ids 5_000_000 + n, mapped round-robin to slow, main, archive. */
export function mappedChat(n: number): { chatId: number; source: MultiSourceName } {
  return { chatId: 5_000_000 + n, source: SOURCE_ORDER[n % 3] as MultiSourceName };
}

export async function openMultiSource(data: Dataset): Promise<DatabaseWrapper> {
  const chatMapping: Record<string, string> = {};
  for (let n = 0; n < MAPPED_CHATS; n++) {
    const { chatId, source } = mappedChat(n);
    chatMapping[String(chatId)] = source;
  }
  const db = new DatabaseWrapper({
    config: {
      default: 'main',
      sources: {
        slow: { path: data.copyTemplate('multi-slow.db') },
        main: { path: data.copyMain('multi-main.db') },
        archive: { path: data.copyTemplate('multi-archive.db'), readonly: true },
      },
      chatMapping,
    },
  });
  await db.ready();
  return db;
}
