/**
 * Issue #16 item 6: a PostgreSQL source's printable location (in SOURCE_OPEN_FAILED and every other
 * message) never shows a password, neither in the user part nor in the query string.
 */
import { Broker, type PostgresSourceSpec, postgresLocation, urlWithoutPassword } from '@pkg/broker';
import { DatabaseError } from '@pkg/errors';
import { describe, expect, it } from 'vitest';
import { TEST_OPERATIONS } from './helpers.js';

describe('printable location of a PostgreSQL source', () => {
  it('drops the password and the whole query string', () => {
    expect(urlWithoutPassword('postgres://bot:s3cret@db1:5432/botdb?PASSWORD=s3cret&sslmode=require')).toBe(
      'postgres://bot@db1:5432/botdb',
    );
    expect(postgresLocation('postgres://bot@db1/botdb?pass=s3cret', 'a')).toBe('postgres://bot@db1/botdb schema a');
  });

  it('keeps every host of a multi-host URL (a primary and its standbys), without the password', () => {
    expect(urlWithoutPassword('postgres://bot:s3cret@db1:5432,db2:5433/botdb?target_session_attrs=primary')).toBe(
      'postgres://bot@db1:5432,db2:5433/botdb',
    );
    expect(postgresLocation('postgres://db1,db2/botdb', 'a')).toBe('postgres://db1,db2/botdb schema a');
  });

  it('a source that cannot open says where without the secret', async () => {
    const spec: PostgresSourceSpec = {
      engine: 'postgresql',
      name: 'pg',
      // Port 1: nothing listens there, so the open fails at once.
      url: 'postgres://bot@127.0.0.1:1/botdb?password=s3cret',
      passwordEnv: null,
      schema: 'public',
      readonly: false,
      poolSize: 1,
      timeoutMs: 5_000,
      maxQueued: 100,
      transactionTimeoutMs: 60_000,
      queryTimeoutMs: 30_000,
      maxMemoryMb: 256,
      operationsModule: TEST_OPERATIONS,
    };
    const broker = new Broker([spec]);
    try {
      const error = await broker.ready().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe('SOURCE_OPEN_FAILED');
      expect((error as DatabaseError).message).toContain('postgres://bot@127.0.0.1:1/botdb');
      expect(JSON.stringify(error)).not.toContain('s3cret');
      expect((error as DatabaseError).message).not.toContain('s3cret');
    } finally {
      await broker.close();
    }
  }, 60_000);
});
