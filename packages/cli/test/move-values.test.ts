/** The pieces of the PostgreSQL move that need no server: timestamp texts as UTC, and the config's PostgreSQL sources. */
import { ConfigError } from '@pkg/core';
import { describe, expect, it } from 'vitest';
import { utcInstant } from '../src/move/pg-engine.js';
import { toSqliteValue } from '../src/move/sqlite-engine.js';
import { pgSourcesOf } from '../src/move/targets.js';

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

describe('PostgreSQL sources in the config file', () => {
  it('takes url, password-env, schema, readonly, timeout; hands @pkg/config a stand-in under the same name', () => {
    const raw = {
      database: {
        default: 'primary',
        sources: {
          primary: { path: 'bot.db' },
          shared: { type: 'postgresql', url: 'postgres://bot@db1/botdb', 'password-env': 'PW', readonly: true },
        },
      },
    };
    const { raw: out, postgres } = pgSourcesOf(raw, 'x.toml');
    expect(postgres.get('shared')).toEqual({
      url: 'postgres://bot@db1/botdb',
      passwordEnv: 'PW',
      schema: 'public',
      readonly: true,
      timeout: 30,
    });
    const sources = (out as { database: { sources: Record<string, Record<string, unknown>> } }).database.sources;
    expect(sources.primary).toEqual({ path: 'bot.db' });
    expect(sources.shared).toMatchObject({ readonly: true });
    expect(sources.shared).not.toHaveProperty('url');
  });

  it('one problem per bad key', () => {
    const raw = {
      database: { sources: { pg: { type: 'postgresql', url: 'mysql://x', 'password-env': 'not a var', timeout: -1 } } },
    };
    let error: unknown;
    try {
      pgSourcesOf(raw, 'x.toml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.key)).toEqual([
      'database.sources.pg.url',
      'database.sources.pg.password-env',
      'database.sources.pg.timeout',
    ]);
  });
});
