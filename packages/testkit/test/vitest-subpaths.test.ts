import { expect, it } from 'vitest';
import { redisCommand } from '../src/index.js';
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
  it('hands the test file a primary and its streaming standby', async () => {
    expect(replicaUrls).toHaveLength(1);
    const bin = findPgReplicationBinDir();
    if (!bin || new URL(primaryUrl).hostname !== '127.0.0.1') return; // env servers: the URLs are all we know
    const port = (url: string) => Number(new URL(url).port);
    expect(await psqlQuery(bin, port(primaryUrl), 'SELECT pg_is_in_recovery()')).toBe('f');
    expect(await psqlQuery(bin, port(replicaUrls[0] ?? ''), 'SELECT pg_is_in_recovery()')).toBe('t');
  });
});

describeOwnPgReplication('describeOwnPgReplication', () => {
  it('runs when the PostgreSQL binaries with pg_basebackup are installed', () => {
    expect(findPgReplicationBinDir()).not.toBeNull();
  });
});
