/**
 * Property tests over configurations: whatever a file or a caller hands in, validation answers
 * with a normalised config or one ConfigError (CONFIG_INVALID) listing keys, never another error;
 * what it accepts is inside every documented range, and nothing leaks into Object.prototype.
 * The constructor, given the same input, throws nothing but a DatabaseError.
 */
import path from 'node:path';
import { normalizeConfig, SETTING_LIMITS, validateDatabaseConfig } from '@pkg/config';
import { DatabaseError, DatabaseWrapper } from '@pkg/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const BASE = path.resolve('/tmp/botdb-property-config');

/** Values a hand-written or generated config may hold where a number, name or flag is expected. */
const oddValue = fc.oneof(
  fc.constantFrom(0, -1, 1e-9, 1e12, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, 1.5, '5', '', true, null),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
);
const sourceName = fc.oneof(
  fc.constantFrom('primary', 'archive', 'default', '__proto__', 'constructor', 'prototype', '', ' ', 'a.b'),
  fc.string({ maxLength: 6 }),
);
const settingKey = fc.constantFrom(
  'path',
  'readonly',
  'pool-size',
  'poolSize',
  'max_connections',
  'timeout',
  'max-queued',
  'transaction-timeout',
  'query-timeout',
  'max-memory-mb',
  'on-newer-schema',
  'type',
  'options',
  'pool_size',
);
const pathValue = fc.oneof(
  fc.constantFrom('bot.db', 'archive.db', '../x/bot.db', ':memory:', 'file:bot.db', 'a\u0000b.db', ''),
  fc.string({ maxLength: 10 }).map((s) => `${s}.db`),
);
const source = fc.dictionary(settingKey, fc.oneof(oddValue, pathValue), { maxKeys: 6 });
/** A [database] table: mostly plausible shapes, with every field open to odd values. */
const databaseTable = fc.record(
  {
    default: fc.oneof(sourceName, oddValue),
    sources: fc.oneof(fc.dictionary(sourceName, source, { maxKeys: 4 }), oddValue),
    chatMapping: fc.oneof(
      fc.dictionary(fc.oneof(fc.integer().map(String), fc.string({ maxLength: 5 })), fc.oneof(sourceName, oddValue), {
        maxKeys: 3,
      }),
      oddValue,
    ),
    'unknown-data-source': fc.oneof(fc.constantFrom('fallback', 'refuse'), oddValue),
  },
  { requiredKeys: [] },
);
/** A number setting: mostly inside its documented range, sometimes anything. */
const setting = (min: number, max: number, integer: boolean) =>
  fc.oneof(
    { arbitrary: integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }), weight: 6 },
    { arbitrary: oddValue, weight: 1 },
  );
const plausibleSettings = fc.record(
  {
    readonly: fc.oneof({ arbitrary: fc.boolean(), weight: 6 }, { arbitrary: oddValue, weight: 1 }),
    'pool-size': setting(1, 64, true),
    timeout: setting(0.001, 3600, false),
    'max-queued': setting(1, 1_000_000, true),
    'transaction-timeout': setting(0.01, 86_400, false),
    'query-timeout': setting(0.01, 86_400, false),
    'max-memory-mb': setting(32, 65_536, true),
  },
  { requiredKeys: [] },
);
/** A table close to what an operator writes: defined sources, one file each, chats mapped to them. */
const plausibleTable = fc
  .uniqueArray(fc.constantFrom('primary', 'archive', 'test', 'external_bot'), { minLength: 1, maxLength: 4 })
  .chain((names) =>
    fc.record({
      default: fc.constantFrom(...names),
      sources: fc
        .tuple(...names.map(() => plausibleSettings))
        .map((list) => Object.fromEntries(names.map((n, i) => [n, { path: `${n}.db`, ...list[i] }]))),
      chatMapping: fc.dictionary(
        fc
          .integer({ min: -1e12, max: 1e12 })
          .filter((id) => id !== 0)
          .map(String),
        fc.constantFrom(...names),
        { maxKeys: 3 },
      ),
    }),
  );
/** Sometimes the whole file, sometimes a bare table, sometimes not a table at all. */
const fileContents = fc.oneof(
  { arbitrary: plausibleTable.map((database) => ({ database })), weight: 3 },
  { arbitrary: plausibleTable, weight: 2 },
  { arbitrary: databaseTable.map((database) => ({ database })), weight: 2 },
  { arbitrary: databaseTable, weight: 1 },
  { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
);

function onlyConfigErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(DatabaseError);
    expect((e as DatabaseError).code).toBe('CONFIG_INVALID');
  }
}

describe('configurations, arbitrary', () => {
  it('validation returns a config or throws one ConfigError, never anything else', () => {
    fc.assert(
      fc.property(fileContents, (raw) => {
        onlyConfigErrors(() => normalizeConfig(raw, { baseDir: BASE, strict: false }));
        onlyConfigErrors(() => normalizeConfig(raw, { baseDir: BASE }));
        onlyConfigErrors(() => validateDatabaseConfig(raw as never, { baseDir: BASE }));
      }),
      { numRuns: 400 },
    );
  });

  it('what is accepted is within every documented range, and the default is a defined source', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fileContents, (raw) => {
        let config: ReturnType<typeof normalizeConfig>['config'];
        try {
          config = normalizeConfig(raw, { baseDir: BASE, strict: false }).config;
        } catch {
          return;
        }
        accepted++;
        expect(Object.hasOwn(config.sources, config.default)).toBe(true);
        for (const [name, s] of Object.entries(config.sources)) {
          expect(['__proto__', 'constructor', 'prototype', '']).not.toContain(name.trim());
          expect(s.path?.includes('\u0000') ?? false).toBe(false);
          for (const [key, limit] of Object.entries(SETTING_LIMITS)) {
            const value = s[key as keyof typeof SETTING_LIMITS];
            expect(value).toBeGreaterThanOrEqual(limit.min);
            expect(value).toBeLessThanOrEqual(limit.max);
            if (limit.integer) expect(Number.isInteger(value)).toBe(true);
          }
        }
        for (const target of Object.values(config.chatMapping))
          expect(Object.hasOwn(config.sources, target)).toBe(true);
      }),
      { numRuns: 400 },
    );
    // The properties must have been checked on real configurations, not only on refusals.
    // ~51 of 400 on average (sd ~7): 20 keeps it meaningful without flaking on a random seed.
    expect(accepted).toBeGreaterThan(20);
  });

  it('no input pollutes Object.prototype', () => {
    fc.assert(
      fc.property(fileContents, (raw) => {
        onlyConfigErrors(() => normalizeConfig(raw, { baseDir: BASE, strict: false }));
        expect(Object.keys(Object.prototype)).toEqual([]);
        expect(({} as Record<string, unknown>).path).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('the constructor throws nothing but a DatabaseError (and opens no worker when it does)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(plausibleTable, databaseTable), async (table) => {
        let db: DatabaseWrapper | undefined;
        try {
          db = new DatabaseWrapper({ config: table as never, baseDir: BASE });
        } catch (e) {
          expect(e).toBeInstanceOf(DatabaseError);
          return;
        }
        // Accepted: close at once. BASE does not exist, so no source can create a file there.
        await db.close();
      }),
      { numRuns: 30 },
    );
  });
});
