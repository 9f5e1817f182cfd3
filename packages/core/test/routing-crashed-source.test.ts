/**
 * A read caught in flight by its worker's death is asked again of the restarted worker, not of the
 * default source: the chat's rows live in its own file. The worker dies here the way a bot's would
 * under a runaway query: another call of the same batch passes query-timeout, and the main thread
 * replaces the worker; the read that ran before it in that batch gets SOURCE_CRASHED.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate } from './helpers.js';

const ON_OTHER = -2002;
/** Seconds of SQLite work: far past the 0.5 s query-timeout, finite so the old thread ends. */
const SLOW_SQL =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT count(*) AS n FROM c';

describe('a read whose worker dies under it', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  const warnings: string[] = [];

  beforeAll(async () => {
    dir = createTempDir('core-routing-crashed-');
    for (const name of ['primary', 'other']) {
      await populate(dir.file(`${name}.db`), [
        ['updateChatInfo', { chatId: ON_OTHER, type: 'group', title: `in ${name}` }],
      ]);
    }
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: {
          primary: { path: dir.file('primary.db') },
          other: { path: dir.file('other.db'), queryTimeout: 0.5 },
        },
        chatMapping: { [ON_OTHER]: 'other' },
      },
      logger: { debug: () => undefined, warn: (_fields, message) => warnings.push(String(message)) },
    });
    await db.ready();
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  it('is answered by its own source after the restart, not by the default source', async () => {
    // The read's statement is prepared once first, so only the runaway query can approach the limit.
    expect((await db.getChatInfo({ chatId: ON_OTHER }))?.title).toBe('in other');
    // Same tick: one batch, the read first, then the runaway query that gets the worker replaced.
    const read = db.getChatInfo({ chatId: ON_OTHER });
    const runaway = db.query({ sql: SLOW_SQL, dataSource: 'other' });
    await expect(runaway).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    expect((await read)?.title).toBe('in other');
    const stats = await db.stats();
    expect(stats.other?.restarts).toBeGreaterThanOrEqual(1);
    expect(stats.other?.fallbackReads).toBe(0);
    expect(warnings.filter((w) => w.includes('cannot answer'))).toEqual([]);
  });
});
