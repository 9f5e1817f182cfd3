/**
 * Property tests over every public method's arguments (the validation table drives the
 * generators, so a new method is covered by adding it there). Two real sources: chat 200 lives
 * in "second", everything else in "primary".
 */
import { DatabaseError, DatabaseWrapper, ERROR_CODES, MESSAGE_CATEGORIES } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as K from '../src/validation/checkers.js';
import { DATA_SOURCE, METHODS, type MethodName } from '../src/validation/methods.js';

const OTHER_CHAT = 200;
const CALL_BOUND_MS = 3000;
const MB = 'x'.repeat(1 << 20);

/** Strings that break naive storage: quotes, NUL, lone surrogates, emoji, SQL, 1 MB. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    "'",
    '"',
    'O\'Brien "x"',
    '\0',
    'a\0b',
    '\uD800',
    'x\uDC00',
    '🎉👍🏽‍🔥',
    "'); DROP TABLE settings; --",
    '',
    MB,
  ),
);

/** Anything at all, including values no type allows. */
const anything = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withNullPrototype: true, withTypedArray: true, maxDepth: 1 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 60, 1.5, 'abc', '', [], {}, Buffer.from('x'), () => 1),
);

const chatId = fc.oneof(fc.constantFrom(100, OTHER_CHAT, -0, -1001), fc.integer());
const stored = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => (d.getUTCFullYear() % 2 === 0 ? d : d.toISOString()));

/** A plausible value for each argument kind (the "valid" half of the generator). */
function validOf(kind: K.Kind, name: string): fc.Arbitrary<unknown> {
  if (name === 'chatId') return chatId;
  switch (kind) {
    case K.SAFE_INTEGER:
      return fc.integer({ min: -5, max: 5 });
    case K.NON_NEGATIVE_INTEGER:
      return fc.nat();
    case K.LIMIT_KIND:
      return fc.integer({ min: 1, max: 20 });
    case K.FINITE_NUMBER:
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case K.BOOLEAN:
      return fc.boolean();
    case K.TEXT_KIND:
      return hostileString;
    case K.SETTING_VALUE_KIND:
      return fc.oneof(hostileString, fc.double(), fc.boolean(), fc.constant(null));
    case K.ANY_VALUE:
      return fc.jsonValue();
    case K.MESSAGE_ID_KIND:
      return fc.oneof(
        fc.nat({ max: 20 }),
        fc.constantFrom('1', '9007199254740993'),
        fc.bigInt({ min: 0n, max: 2n ** 70n }),
      );
    case K.TIMESTAMP_KIND:
      return stored;
    case K.MESSAGE_TYPE:
    case K.MESSAGE_CATEGORY:
    case K.MEDIA_STATUS:
    case K.SPAM_REASON:
    case K.CACHE_TYPE:
      return fc.oneof(fc.constantFrom('text', 'user', 'done', 'auto', 'weather', 'image'), fc.string({ maxLength: 8 }));
    case K.MESSAGE_CATEGORY_LIST:
      return fc.subarray([...MESSAGE_CATEGORIES]);
    case DATA_SOURCE:
      return fc.constantFrom('primary', 'second', '', 'nope');
    default:
      throw new Error(`no generator for the kind of ${name}: ${kind.expects}`);
  }
}

/** Arguments for `op`: mostly plausible, sometimes hostile, sometimes a typo or not an object at all. */
function argsOf(op: MethodName): fc.Arbitrary<unknown> {
  const spec = METHODS[op];
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of spec.names) {
    const arg = spec.args[name];
    if (arg === undefined) continue;
    fields[name] = fc.oneof({ weight: 8, arbitrary: validOf(arg.kind, name) }, { weight: 1, arbitrary: anything });
  }
  const record = fc.record(fields, { requiredKeys: spec.required as string[] });
  return fc.oneof(
    { weight: 12, arbitrary: record },
    { weight: 1, arbitrary: record.map((r) => ({ ...r, messagetext: 'typo' })) },
    { weight: 1, arbitrary: record.map((r) => ({ ...r, dataSource: 'primary' })) },
    { weight: 1, arbitrary: anything },
  );
}

/** Runs a call, asserting no synchronous throw and a bound on how long it takes; returns its outcome. */
async function outcome(call: () => unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  let promise: unknown;
  try {
    promise = call();
  } catch (e) {
    throw new Error(`threw synchronously: ${String(e)}`);
  }
  if (!(promise instanceof Promise)) throw new Error('did not return a promise');
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${CALL_BOUND_MS} ms`)), CALL_BOUND_MS);
  });
  try {
    return { ok: true, value: await Promise.race([promise, bound]) };
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('did not settle')) throw e;
    return { ok: false, error: e };
  } finally {
    clearTimeout(timer);
  }
}

/** A typed failure: a DatabaseError with a known code, and never a JavaScript error inside an operation. */
function expectTyped(op: string, error: unknown): void {
  if (!(error instanceof DatabaseError)) throw new Error(`${op} rejected with an untyped error: ${String(error)}`);
  expect(ERROR_CODES).toContain(error.code);
  if (error.code === 'QUERY_FAILED') {
    // INTERNAL means a JavaScript error in the worker's operation: an argument slipped past validation.
    expect(error.details.sqliteCode, `${op}: ${error.message}`).not.toBe('INTERNAL');
  }
  if (error.code === 'INVALID_ARGUMENT') {
    expect(error.details.operation).toBe(op);
    expect(typeof error.details.argument).toBe('string');
  }
}

describe('property: arbitrary arguments to every method', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  let dumpSql: string;

  beforeAll(async () => {
    dir = createTempDir('core-property-');
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: { primary: { path: dir.file('primary.db') }, second: { path: dir.file('second.db') } },
        chatMapping: { [String(OTHER_CHAT)]: 'second' },
      },
    });
    await db.ready();
    // One statement that dumps every table of a source, to compare before and after a write.
    const tables = (await db.query({
      sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    })) as Array<{ name: string }>;
    const parts: string[] = [];
    for (const { name } of tables) {
      const cols = (await db.query({ sql: `SELECT name FROM pragma_table_info('${name}')` })) as Array<{
        name: string;
      }>;
      const row = cols.map((c) => `quote("${c.name}")`).join(` || ',' || `);
      parts.push(`SELECT '${name}' AS t, (SELECT group_concat(${row}, char(10)) FROM "${name}") AS rows`);
    }
    dumpSql = parts.join(' UNION ALL ');
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  const dump = (source: string) => db.query({ sql: dumpSql, dataSource: source });
  const names = Object.keys(METHODS) as MethodName[];

  it('never throws synchronously, never hangs, fails only with typed errors, and writes only where it routes', async () => {
    const call = fc.oneof(...names.map((op) => argsOf(op).map((args) => ({ op, args }))));
    let succeeded = 0;
    let writes = 0;
    await fc.assert(
      fc.asyncProperty(call, async ({ op, args }) => {
        const spec = METHODS[op];
        const a = args as Record<string, unknown> | undefined;
        const named = typeof a === 'object' && a !== null && typeof a.dataSource === 'string' && a.dataSource !== '';
        // Chat writes go where the chat lives; system writes to the default. (System writes that
        // name a dataSource are routed by the routing work, not checked here.)
        const target = typeof a?.chatId === 'number' && a.chatId === OTHER_CHAT ? 'second' : 'primary';
        const watch = spec.write && !(named && spec.args.dataSource !== undefined);
        const other = target === 'primary' ? 'second' : 'primary';
        const before = watch ? await dump(other) : undefined;
        const fn = (db as unknown as Record<string, (x: unknown) => unknown>)[op];
        const result = await outcome(() => fn?.call(db, args));
        if (!result.ok) expectTyped(op, result.error);
        else {
          succeeded++;
          if (spec.write) writes++;
        }
        if (watch) expect(await dump(other), `${op} wrote to "${other}"`).toEqual(before);
      }),
      { numRuns: 250 },
    );
    // The generators must mostly produce calls that run, or the write checks prove nothing.
    expect(succeeded).toBeGreaterThan(60);
    expect(writes).toBeGreaterThan(20);
  });

  it('query, transaction and tx calls with arbitrary arguments fail only with typed errors', async () => {
    const q = fc.record({
      sql: fc.oneof(fc.constant('SELECT ? AS v'), anything),
      params: fc.oneof(fc.array(anything, { maxLength: 2 }), anything),
    });
    await fc.assert(
      fc.asyncProperty(q, anything, anything, async (queryArgs, scope, fn) => {
        const r1 = await outcome(() => db.query(queryArgs as never));
        if (!r1.ok) expectTyped('query', r1.error);
        const r2 = await outcome(() => db.transaction(scope as never, fn as never));
        if (!r2.ok) expectTyped('transaction', r2.error);
        const r3 = await outcome(() =>
          db.transaction({ chatId: 100 }, (tx) => tx.getChatUser({ chatId: 100, userId: scope as number })),
        );
        if (!r3.ok) expectTyped('getChatUser', r3.error);
      }),
      { numRuns: 60 },
    );
  });

  it('hostile strings round-trip exactly, or are refused by name (only when not well-formed Unicode)', async () => {
    await db.updateChatUser({ chatId: 100, userId: 1, username: '@u', fullName: 'U' });
    let id = 0;
    const roundTrips: Array<{ arg: string; write: (s: string) => Promise<unknown>; read: () => Promise<unknown> }> = [
      {
        arg: 'messageText',
        write: (s) =>
          db.saveChatMessage({ date: new Date(), chatId: 100, userId: 1, messageId: `m${++id}`, messageText: s }),
        read: async () => (await db.getChatMessageByMessageId({ chatId: 100, messageId: `m${id}` }))?.message_text,
      },
      {
        arg: 'value',
        write: (s) => db.setChatSetting({ chatId: OTHER_CHAT, key: 'k', value: s }),
        read: () => db.getChatSetting({ chatId: OTHER_CHAT, setting: 'k' }),
      },
      {
        arg: 'data',
        write: (s) => db.addUserData({ chatId: 100, userId: 1, key: 'k', data: s }),
        read: async () => (await db.getUserData({ chatId: 100, userId: 1 })).k,
      },
      {
        arg: 'fullName',
        write: (s) => db.updateChatUser({ chatId: OTHER_CHAT, userId: 2, username: '@x', fullName: s }),
        read: async () => (await db.getChatUser({ chatId: OTHER_CHAT, userId: 2 }))?.full_name,
      },
      {
        arg: 'value',
        write: (s) => db.setSetting({ key: 'k', value: s }),
        read: () => db.getSetting({ key: 'k' }),
      },
    ];
    await fc.assert(
      fc.asyncProperty(hostileString, fc.nat({ max: roundTrips.length - 1 }), async (s, which) => {
        const t = roundTrips[which] as (typeof roundTrips)[number];
        const written = await outcome(() => t.write(s));
        if (written.ok) {
          expect(K.isWellFormed(s)).toBe(true);
          expect(await t.read()).toBe(s);
        } else {
          expect(written.error).toBeInstanceOf(DatabaseError);
          expect((written.error as DatabaseError).code).toBe('INVALID_ARGUMENT');
          expect((written.error as DatabaseError).details.argument).toBe(t.arg);
          expect(K.isWellFormed(s)).toBe(false);
        }
      }),
      { numRuns: 120 },
    );
  });
});
