/**
 * A shard group's balance as metrics: each shard's chats and rows, labelled with its group, once measured
 * (db.shardStats(); db.stats() refreshes them in the background). Real files, a real wrapper.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBotdbMetrics } from '../src/index.js';

describe('shard metrics', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  const registry = new Registry();

  beforeAll(async () => {
    dir = createTempDir('metrics-shards-');
    db = new DatabaseWrapper({
      config: {
        default: 'chats',
        sources: { s1: { path: dir.file('s1.db') }, s2: { path: dir.file('s2.db') } },
        shards: { chats: { sources: ['s1', 's2'] } },
      },
    });
    for (let i = 0; i < 40; i++) await db.updateChatInfo({ chatId: -100 - i, type: 'group', title: `c${i}` });
    registerBotdbMetrics(db, { registry });
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  it('serves botdb_shard_chats and botdb_shard_rows per shard, adding up to every chat', async () => {
    await db.shardStats();
    const text = await registry.metrics();
    const value = (name: string, source: string) => {
      const found = text.split('\n').find((l) => l.startsWith(`${name}{source="${source}",group="chats"}`));
      expect(found, `${name} of ${source} in:\n${text}`).toBeDefined();
      return Number((found as string).split(' ').pop());
    };
    expect(value('botdb_shard_chats', 's1') + value('botdb_shard_chats', 's2')).toBe(40);
    expect(value('botdb_shard_rows', 's1') + value('botdb_shard_rows', 's2')).toBe(40);
    expect(value('botdb_shard_chats', 's1')).toBeGreaterThan(0);
    expect(value('botdb_shard_chats', 's2')).toBeGreaterThan(0);
  });
});
