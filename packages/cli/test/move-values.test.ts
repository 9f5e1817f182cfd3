/** The pieces of the PostgreSQL move that need no server: timestamp texts as UTC, and a configured PostgreSQL source as a target. */
import { normalizeConfig } from '@pkg/config';
import { sourceSpecOf } from '@pkg/core/engines';
import { describe, expect, it } from 'vitest';
// The engines' value conversions are internal to @pkg/core: read from its built files, as the bin runs them.
import { utcInstant } from '../../core/dist/engines/postgresql/move-values.js';
import { toSqliteValue } from '../../core/dist/engines/sqlite/move.js';

describe('timestamp texts', () => {
  it('reads the bot’s zone-less texts as UTC, honours an explicit offset, refuses what is no instant', () => {
    expect(utcInstant('2025-11-01 08:00:37')?.toISOString()).toBe('2025-11-01T08:00:37.000Z');
    expect(utcInstant('2025-11-01T08:00:37.25')?.toISOString()).toBe('2025-11-01T08:00:37.250Z');
    expect(utcInstant('2025-11-01 00:00:00+09:00')?.toISOString()).toBe('2025-10-31T15:00:00.000Z');
    expect(utcInstant('2025-11-01')?.toISOString()).toBe('2025-11-01T00:00:00.000Z');
    expect(utcInstant('2025-02-30 00:00:00')).toBeNull();
    expect(utcInstant('yesterday')).toBeNull();
    expect(utcInstant('1730448000')).toBeNull();
  });

  it('writes instants back as the bot’s UTC text and booleans as 0/1', () => {
    expect(toSqliteValue(new Date('2025-11-01T08:00:37Z'))).toBe('2025-11-01 08:00:37');
    expect(toSqliteValue(new Date('2025-11-01T08:00:37.5Z'))).toBe('2025-11-01 08:00:37.500');
    expect(toSqliteValue(true)).toBe(1);
    expect(toSqliteValue(false)).toBe(0);
    expect(toSqliteValue(-1001000000011)).toBe(-1001000000011);
  });
});

describe('a configured source as a move target', () => {
  it('a PostgreSQL source becomes a postgresql target with its url, password-env, schema and timeout', () => {
    const { config } = normalizeConfig(
      {
        default: 'primary',
        sources: {
          primary: { path: '/tmp/bot.db' },
          shared: { type: 'postgresql', url: 'postgres://bot@db1/botdb', 'password-env': 'PW', readonly: true },
        },
      },
      { baseDir: '/tmp' },
    );
    expect(sourceSpecOf(config, 'shared')).toMatchObject({
      engine: 'postgresql',
      name: 'shared',
      url: 'postgres://bot@db1/botdb',
      passwordEnv: 'PW',
      schema: 'public',
      timeoutMs: 30_000,
      readonly: true,
    });
    expect(sourceSpecOf(config, 'primary')).toMatchObject({
      engine: 'sqlite',
      path: '/tmp/bot.db',
    });
  });
});
