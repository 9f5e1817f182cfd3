/**
 * Core's operations driven on a MySQL session statement by statement, for tests of the statement texts apart
 * from the engine's runner: each atomic step a transaction on one connection, rows converted as the catalog
 * entry says (`dates`: the stored UTC text to a Date; `flags`: 1/0 to booleans), each call's arguments checked
 * and defaulted as the wrapper does.
 */
import type { EngineContext, Plan, Query, Step } from '@pkg/broker/operation';
import { DIALECTS, isAtomic } from '@pkg/broker/operation';
import type { Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { operations } from '../src/operations/index.js';
import type { MethodName } from '../src/validation/methods.js';
import { validateArgs } from '../src/validation/validate.js';

const d = DIALECTS.mysql;
const context: EngineContext = {
  engine: 'mysql',
  source: 'main',
  readonly: false,
  timestamp: (stored) => d.timestamp(stored),
  flag: (value) => d.flag(value),
};

/** One statement on the session, its rows converted as the catalog entry says. */
async function run(conn: PoolConnection, query: Query): Promise<unknown> {
  const text = typeof query.text === 'string' ? query.text : query.text.mysql;
  const [result] = await conn.query(text, [...query.params]);
  if (query.mode === 'run') return { changes: (result as ResultSetHeader).affectedRows };
  const rows = (result as Record<string, unknown>[]).map((row) => {
    const out = { ...row };
    for (const c of query.dates ?? []) {
      const v = out[c];
      if (typeof v === 'string') out[c] = new Date(`${v.replace(' ', 'T')}Z`);
    }
    for (const c of query.flags ?? []) if (out[c] !== null && out[c] !== undefined) out[c] = Number(out[c]) === 1;
    return out;
  });
  return query.mode === 'get' ? rows[0] : rows;
}

export async function drive<R>(pool: Pool, plan: Plan<R>): Promise<R> {
  const conn = await pool.getConnection();
  try {
    let step = plan.next();
    while (!step.done) {
      const s: Step = step.value;
      if (!isAtomic(s)) {
        step = plan.next(await run(conn, s));
        continue;
      }
      await conn.query('START TRANSACTION');
      try {
        const answers = [];
        for (const q of s.atomic) answers.push(await run(conn, q));
        await conn.query('COMMIT');
        step = plan.next(answers);
      } catch (e) {
        await conn.query('ROLLBACK');
        throw e;
      }
    }
    return step.value;
  } finally {
    conn.release();
  }
}

/** The wrapper's methods as core's operations, each call's arguments checked and defaulted as the wrapper does. */
export function operationsOn(pool: Pool): Record<string, (args: unknown) => Promise<unknown>> {
  return new Proxy(
    {},
    {
      get: (_t, method: string) => async (args: unknown) => {
        const checked = validateArgs(method as MethodName, args ?? {});
        const op = (operations as unknown as Record<string, { plan: (a: unknown, e: EngineContext) => Plan<unknown> }>)[
          method
        ];
        if (op === undefined) throw new Error(`no operation ${method}`);
        return drive(pool, op.plan(checked, context));
      },
    },
  );
}
