import { expect, it } from 'vitest';
import { redisCommand } from '../src/index.js';
import { waitFor } from '../src/local-server.js';
import { psqlQuery } from '../src/pg-node.js';
import { findPgReplicationBinDir } from '../src/pg-replication.js';
import { describeOwnPgReplication, describePgReplication } from '../src/vitest-pg-replication.js';
import { describeOwnRedis, describeRedis } from '../src/vitest-redis.js';

// The servers come from this package's globalSetup (vitest.config.ts), as they would in another package.
describeRedis('describeRedis', (url) => {
  it('hands the test file a server that answers', async () => {
    const { hostname, port } = new URL(url);
    expect(url).toMatch(/^redis:/);
    expect(await redisCommand(Number(port), ['PING'], { host: hostname })).toBe('PONG');
  });
});

describeOwnRedis('describeOwnRedis', () => {
  it('runs when redis-server is installed', () => {
    expect(true).toBe(true);
  });
});

describePgReplication('describePgReplication', ({ primaryUrl, replicaUrls }) => {
  it('hands the test file a primary and its asynchronous standby: a write on one is read on the other', async () => {
    expect(replicaUrls).toHaveLength(1);
    const bin = findPgReplicationBinDir();
    if (!bin || new URL(primaryUrl).hostname !== '127.0.0.1') return; // env servers: the URLs are all we know
    const port = (url: string) => Number(new URL(url).port);
    const primary = (sql: string) => psqlQuery(bin, port(primaryUrl), sql);
    const standby = (sql: string) => psqlQuery(bin, port(replicaUrls[0] ?? ''), sql);
    expect(await primary('SELECT pg_is_in_recovery()')).toBe('f');
    expect(await standby('SELECT pg_is_in_recovery()')).toBe('t');
    expect(await primary('SELECT sync_state FROM pg_stat_replication')).toBe('async'); // the default
    // A write on the primary reaches the (asynchronous) standby: bounded wait, no fixed sleep.
    await primary('CREATE TABLE shared_chats (id bigint PRIMARY KEY); INSERT INTO shared_chats VALUES (1)');
    await waitFor(
      'the standby replays the write',
      async () =>
        (await standby("SELECT count(*) FROM pg_tables WHERE tablename = 'shared_chats'")) === '1' ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(await standby('SELECT id FROM shared_chats')).toBe('1');
    await expect(standby('INSERT INTO shared_chats VALUES (2)')).rejects.toThrow(/read-only transaction/);
  });
});

describeOwnPgReplication('describeOwnPgReplication', () => {
  it('runs when the PostgreSQL binaries with pg_basebackup are installed', () => {
    expect(findPgReplicationBinDir()).not.toBeNull();
  });
});
