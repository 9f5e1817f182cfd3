/**
 * The same answers on both engines: the bot's reference database read through a SQLite source and
 * through a PostgreSQL source holding the same rows; the bot's recorded writes replayed into an empty
 * database of each engine; and both again with the process in Asia/Tokyo (UTC+9), where a timestamp
 * read or bound in the process zone would move by nine hours.
 */
import { DatabaseWrapper } from '@pkg/core';
import { readReferenceExpected, readReferenceWrites, replay, withLibraryTieOrder } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEngines, type EngineHarness } from './engines.js';
import { collectReferenceReads, withoutWallClock } from './helpers.js';

/** The bot's answers, with the library's deliberate same-second order (docs/migration-guide.md). */
const expected = withLibraryTieOrder(readReferenceExpected());
const writes = readReferenceWrites();

function open(source: Awaited<ReturnType<EngineHarness['reference']>>): DatabaseWrapper {
  return new DatabaseWrapper({ config: { default: 'main', sources: { main: source } } });
}

function parityTests(h: EngineHarness, zone: string): void {
  it(`answers every read of the bot's reference database as the bot did (writable source, TZ=${zone})`, async () => {
    const db = open(await h.reference(`ref-rw-${zone}`));
    try {
      expect(await collectReferenceReads(db, expected, writes)).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it(`answers them the same through a readonly source (TZ=${zone})`, async () => {
    const db = open(await h.reference(`ref-ro-${zone}`, { readonly: true }));
    try {
      expect(await collectReferenceReads(db, expected, writes)).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it(`gives the bot's reads after replaying the bot's writes into an empty database (TZ=${zone})`, async () => {
    const db = open(h.fresh(`replay-${zone}`));
    try {
      await replay(db, writes.ops);
      expect(withoutWallClock(await collectReferenceReads(db, expected, writes))).toEqual(withoutWallClock(expected));
    } finally {
      await db.close();
    }
  }, 120_000);
}

describeEngines('drop-in answers', (h) => {
  parityTests(h, 'UTC');

  describe('with the process in Asia/Tokyo', () => {
    let before: string | undefined;
    beforeEach(() => {
      before = process.env.TZ;
      // Node re-reads TZ when it is set: Dates in this process (and its workers) now print and parse in +09:00.
      process.env.TZ = 'Asia/Tokyo';
    });
    afterEach(() => {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    });

    it('really is in +09:00 (so the tests below can fail)', () => {
      expect(new Date(Date.UTC(2025, 0, 1, 0, 0, 0)).getHours()).toBe(9);
    });

    parityTests(h, 'Asia-Tokyo');
  });
});
