/**
 * Several bot processes sharing one database: claimDelayedTasks hands each pending task to one owner only.
 * Each wrapper here stands for a process (its own broker, its own worker and connections on the same
 * database), on each engine: a SQLite file, and a PostgreSQL schema.
 */
import { type DatabaseConfigInput, DatabaseWrapper } from '@pkg/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines } from './engines.js';

/** One source of the configuration (a SQLite file here; a PostgreSQL source's settings later). */
type SourceConfig = DatabaseConfigInput['sources'][string];

/** A wrapper whose only (default) source is `source`, as a bot process would open it. */
function open(source: SourceConfig): DatabaseWrapper {
  return new DatabaseWrapper({ config: { default: 'main', sources: { main: source } } });
}

async function addTasks(db: DatabaseWrapper, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    await db.addDelayedTask({ taskId: id, function: 'remind', kwargs: `{"n":${i}}`, delayedTS: 1_700_000_000 + i });
  }
}

const ids = (tasks: Array<{ id: string }>) => tasks.map((t) => t.id);

describeEngines('claimDelayedTasks', (h) => {
  let source: SourceConfig;
  let n = 0;
  const opened: DatabaseWrapper[] = [];
  const process = () => {
    const db = open(source);
    opened.push(db);
    return db;
  };

  beforeEach(() => {
    source = h.fresh(`claims-${++n}`);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  it('two processes on one database claim disjoint sets that cover every pending task, in insertion order', async () => {
    const a = process();
    const b = process();
    const all = Array.from({ length: 40 }, (_, i) => `task-${String.fromCharCode(122 - (i % 26))}-${i}`);
    await addTasks(a, all);
    const rounds = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 === 0 ? a : b).claimDelayedTasks({ owner: i % 2 === 0 ? 'a' : 'b', limit: 4 }),
      ),
    );
    const byA = rounds.filter((_, i) => i % 2 === 0).flatMap(ids);
    const byB = rounds.filter((_, i) => i % 2 === 1).flatMap(ids);
    expect(byA.filter((id) => byB.includes(id))).toEqual([]);
    // Each owner's later call returns its earlier tasks first (still pending), so dedupe per owner.
    const union = new Set([...byA, ...byB]);
    expect(union.size).toBeGreaterThanOrEqual(8);
    // Every claim answers the owner's tasks in insertion order (not by id).
    for (const r of rounds) expect(ids(r)).toEqual(all.filter((id) => ids(r).includes(id)));
    // What is left goes to whoever asks next; nothing is claimed twice.
    const restA = await a.claimDelayedTasks({ owner: 'a' });
    const restB = await b.claimDelayedTasks({ owner: 'b' });
    expect(ids(restA).filter((id) => ids(restB).includes(id))).toEqual([]);
    expect([...ids(restA), ...ids(restB)].sort()).toEqual([...all].sort());
    // The rows are getPendingDelayedTasks rows.
    const pending = await a.getPendingDelayedTasks();
    expect(restA).toEqual(pending.filter((t) => ids(restA).includes(t.id)));
    expect(restA[0]).toMatchObject({ function: 'remind', is_done: false, created_at: expect.any(Date) });
  });

  it('an owner gets its own tasks back (a restarted process); limit counts them first', async () => {
    const first = process();
    await addTasks(first, ['t1', 't2', 't3', 't4', 't5']);
    expect(ids(await first.claimDelayedTasks({ owner: 'worker-1', limit: 2 }))).toEqual(['t1', 't2']);
    expect(ids(await first.claimDelayedTasks({ owner: 'worker-2', limit: 1 }))).toEqual(['t3']);
    await first.close();
    const restarted = process();
    expect(ids(await restarted.claimDelayedTasks({ owner: 'worker-1', limit: 2 }))).toEqual(['t1', 't2']);
    expect(ids(await restarted.claimDelayedTasks({ owner: 'worker-1' }))).toEqual(['t1', 't2', 't4', 't5']);
    expect(ids(await restarted.claimDelayedTasks({ owner: 'worker-2' }))).toEqual(['t3']);
  });

  it('released tasks are claimable by another owner; done tasks are never claimed', async () => {
    const db = process();
    await addTasks(db, ['t1', 't2', 't3', 't4']);
    await db.updateDelayedTask({ id: 't2', isDone: true });
    expect(ids(await db.claimDelayedTasks({ owner: 'dead' }))).toEqual(['t1', 't3', 't4']);
    expect(await db.claimDelayedTasks({ owner: 'alive' })).toEqual([]);
    await db.updateDelayedTask({ id: 't3', isDone: true });
    expect(await db.releaseDelayedTasks({ owner: 'dead' })).toBe(true);
    expect(ids(await db.claimDelayedTasks({ owner: 'alive' }))).toEqual(['t1', 't4']);
    expect(await db.claimDelayedTasks({ owner: 'dead' })).toEqual([]);
    // Releasing an owner with nothing claimed is not an error.
    expect(await db.releaseDelayedTasks({ owner: 'nobody' })).toBe(true);
  });

  it.runIf(h.engine === 'sqlite')(
    'the file gains the claims table only once claims are used, and still opens as a bot database',
    async () => {
      const db = process();
      await addTasks(db, ['t1']);
      const tables = () => {
        const raw = new Database((source as { path: string }).path, { readonly: true });
        try {
          return raw.prepare(`SELECT name FROM sqlite_master WHERE name = 'delayed_task_claims'`).pluck().all();
        } finally {
          raw.close();
        }
      };
      expect(tables()).toEqual([]);
      await db.claimDelayedTasks({ owner: 'a' });
      expect(tables()).toEqual(['delayed_task_claims']);
      await db.close();
      const again = process();
      expect(ids(await again.getPendingDelayedTasks())).toEqual(['t1']);
      expect(ids(await again.claimDelayedTasks({ owner: 'a' }))).toEqual(['t1']);
    },
  );

  it('checks its arguments and is refused on a readonly source', async () => {
    const db = process();
    await addTasks(db, ['t1']);
    await expect(db.claimDelayedTasks({ owner: 7 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(db.claimDelayedTasks({ owner: 'a', limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(db.releaseDelayedTasks({} as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.close();
    const readonly = open({ ...source, readonly: true });
    opened.push(readonly);
    await expect(readonly.claimDelayedTasks({ owner: 'a' })).rejects.toMatchObject({ code: 'READONLY_SOURCE' });
    await expect(readonly.releaseDelayedTasks({ owner: 'a' })).rejects.toMatchObject({ code: 'READONLY_SOURCE' });
    expect(ids(await readonly.getPendingDelayedTasks())).toEqual(['t1']);
  });
});
