import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PG_MISSING_REASON,
  PG_URL_ENV,
  postgresTestAvailable,
  startTestPostgres,
  testSchemaName,
} from '../src/index.js';
import { probeTcp as accepts } from '../src/local-server.js';

describe('testSchemaName', () => {
  it('gives a lowercase identifier of at most 63 bytes, different on every call', () => {
    const a = testSchemaName('/x/y/Postgres-Schema.Test.ts');
    const b = testSchemaName('/x/y/Postgres-Schema.Test.ts');
    expect(a).not.toBe(b);
    for (const name of [a, b, testSchemaName('x'.repeat(200))]) {
      expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
    expect(a.startsWith('t_postgres_schema_')).toBe(true);
  });
});

describe('startTestPostgres', () => {
  it(`returns ${PG_URL_ENV} as it is, and stop() leaves that server alone`, async () => {
    const previous = process.env[PG_URL_ENV];
    process.env[PG_URL_ENV] = 'postgres://someone@db.example:6543/bots';
    try {
      const pg = await startTestPostgres();
      expect(pg).toMatchObject({ url: 'postgres://someone@db.example:6543/bots', origin: 'env', dir: null });
      await pg.stop();
    } finally {
      if (previous === undefined) delete process.env[PG_URL_ENV];
      else process.env[PG_URL_ENV] = previous;
    }
  });

  const canStart = postgresTestAvailable() && !process.env[PG_URL_ENV];
  if (!canStart && process.env.CI === 'true' && !process.env[PG_URL_ENV]) {
    it('PostgreSQL binaries are installed (required under CI=true)', () => {
      throw new Error(`CI=true requires PostgreSQL, and there is none: ${PG_MISSING_REASON}`);
    });
  }
  const title = canStart
    ? 'starts a throwaway cluster on 127.0.0.1 and stop() shuts it down and deletes its folder'
    : process.env[PG_URL_ENV]
      ? `throwaway cluster not tested: ${PG_URL_ENV} names a server`
      : `PostgreSQL tests skipped: ${PG_MISSING_REASON}`;
  it.skipIf(!canStart)(
    title,
    async () => {
      const pg = await startTestPostgres();
      try {
        const url = new URL(pg.url);
        expect(pg.origin).toBe('throwaway');
        expect(url.hostname).toBe('127.0.0.1');
        expect(url.port).not.toBe('5432');
        expect(await accepts(Number(url.port))).toBe(true);
        if (process.getuid?.() === 0) expect(statSync(pg.dir ?? '').uid).not.toBe(0);
      } finally {
        await pg.stop();
      }
      expect(existsSync(pg.dir ?? '')).toBe(false);
      expect(await accepts(Number(new URL(pg.url).port))).toBe(false);
      await pg.stop(); // twice is harmless
    },
    120_000,
  );
});
