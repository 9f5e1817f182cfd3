/**
 * Issue #9: every number is range-checked at validation, with the limit in the message. Table-driven:
 * issue #9 asks for property-based tests (fast-check), which this branch may not add as a dependency.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, SETTING_LIMITS, validateDatabaseConfig } from '../src/index.js';
import { configError, issueAt } from './helpers.js';

const BASE = path.resolve('/srv/bot');
type Limited = keyof typeof SETTING_LIMITS;
const KEYS: Record<Limited, string> = {
  timeout: 'timeout',
  poolSize: 'pool-size',
  maxQueued: 'max-queued',
  transactionTimeout: 'transaction-timeout',
  queryTimeout: 'query-timeout',
  maxMemoryMb: 'max-memory-mb',
};

function load(key: string, value: unknown) {
  return normalizeConfig({ sources: { primary: { path: 'bot.db', [key]: value } } }, { baseDir: BASE });
}

/** Values outside each range (and the bugs of issue #9: 1e12 s, 1e-9 s, a 1e12-call queue). */
const OUT_OF_RANGE: Array<[Limited, number]> = [
  ['timeout', 1e12],
  ['timeout', 1e-9],
  ['timeout', 0.0009],
  ['timeout', 3600.5],
  ['poolSize', 0],
  ['poolSize', 65],
  ['maxQueued', 1e12],
  ['maxQueued', 1_000_001],
  ['maxQueued', 0],
  ['transactionTimeout', 0.005],
  ['transactionTimeout', 86_401],
  ['queryTimeout', 0.001],
  ['queryTimeout', 1e9],
  ['maxMemoryMb', 31],
  ['maxMemoryMb', 65_537],
  ['maxMemoryMb', 1],
];

describe('ranges', () => {
  it.each(OUT_OF_RANGE)('%s = %d is refused with the range in the message and the fix', (field, value) => {
    const key = KEYS[field];
    const limit = SETTING_LIMITS[field];
    const issue = issueAt(
      configError(() => load(key, value)),
      `database.sources.primary.${key}`,
    );
    expect(issue.message).toContain(`from ${limit.min} to ${limit.max}, got ${value}`);
    expect(issue.fix).toContain(`from ${limit.min} to ${limit.max}`);
  });

  it.each(Object.keys(SETTING_LIMITS) as Limited[])('%s accepts its bounds', (field) => {
    const limit = SETTING_LIMITS[field];
    for (const value of [limit.min, limit.max]) {
      expect(load(KEYS[field], value).config.sources.primary?.[field]).toBe(value);
    }
  });

  it.each(Object.keys(SETTING_LIMITS) as Limited[])('%s refuses NaN, infinities, strings, booleans', (field) => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5', true]) {
      issueAt(
        configError(() => load(KEYS[field], value)),
        `database.sources.primary.${KEYS[field]}`,
      );
    }
  });

  it.each((Object.keys(SETTING_LIMITS) as Limited[]).filter((f) => SETTING_LIMITS[f].integer))(
    '%s must be a whole number',
    (field) => {
      issueAt(
        configError(() => load(KEYS[field], SETTING_LIMITS[field].min + 0.5)),
        `database.sources.primary.${KEYS[field]}`,
      );
    },
  );

  it('every seconds setting is at least 1 ms after rounding', () => {
    for (const field of ['timeout', 'transactionTimeout', 'queryTimeout'] as const) {
      const limit = SETTING_LIMITS[field];
      expect(Math.round(limit.min * 1000)).toBeGreaterThanOrEqual(1);
    }
  });

  it('config in code is checked the same way, with camelCase names', () => {
    const err = configError(() =>
      validateDatabaseConfig({ default: 'a', sources: { a: { path: 'a.db', maxQueued: 1e12, poolSize: 100 } } }),
    );
    expect(issueAt(err, 'database.sources.a.maxQueued').fix).toMatch(/^Set maxQueued to .* e\.g\. maxQueued = 10000/);
    issueAt(err, 'database.sources.a.poolSize');
  });

  it('the legacy seed-date key max_connections is range-checked', () => {
    const err = configError(() => normalizeConfig({ database: { path: 'bot.db', max_connections: 1000 } }));
    expect(issueAt(err, 'database.max_connections').message).toContain('from 1 to 64');
  });
});

describe('cross-source limits (issue #16 item 10)', () => {
  const sources = { primary: { path: 'bot.db' } };
  it('default to 8 sources at once and 30 s, and take a value in range in a file or in code', () => {
    expect(validateDatabaseConfig({ sources }).config).toMatchObject({
      crossSourceConcurrency: 8,
      crossSourceTimeout: 30,
    });
    const file = normalizeConfig(
      { database: { sources, 'cross-source-concurrency': 2, 'cross-source-timeout': 0.5 } },
      { baseDir: path.resolve('/srv') },
    );
    expect(file.config).toMatchObject({ crossSourceConcurrency: 2, crossSourceTimeout: 0.5 });
  });

  it('refuse a value out of range, naming the key and the range', () => {
    const err = configError(() =>
      normalizeConfig(
        { database: { sources, 'cross-source-concurrency': 1.5, 'cross-source-timeout': 0 } },
        { baseDir: path.resolve('/srv') },
      ),
    );
    expect(issueAt(err, 'database.cross-source-concurrency').message).toBe(
      'must be a whole number of sources from 1 to 256, got 1.5.',
    );
    expect(issueAt(err, 'database.cross-source-timeout').fix).toContain('cross-source-timeout = 30 (the default)');
  });
});
