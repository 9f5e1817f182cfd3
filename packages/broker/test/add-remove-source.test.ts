/**
 * Sources added, removed and replaced on a running broker (what db.reconfigure builds on): calls a
 * source already holds finish; calls made during a replacement wait and go to the new worker.
 */
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

let dir: TempDir;
beforeEach(() => {
  dir = createTempDir('broker-sources-');
});
afterEach(() => dir.cleanup());

const count = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('Broker.addSource / removeSource / replaceSource', () => {
  it('adds a source that answers once open; a duplicate or a bad spec is a rejected CONFIG_INVALID', async () => {
    const b = broker([spec('main', dir.file('main.db'))]);
    try {
      // Lazy: no worker until the first call or ready(); asking the state does not start one.
      expect(b.sourceState('main')).toBe('not started');
      const opening = b.ready();
      expect(b.sourceState('main')).toBe('starting');
      await opening;
      expect(b.sourceState('main')).toBe('running');
      const early = b.call('extra', 'put', { k: 'a', v: '1' });
      await expect(early).rejects.toMatchObject({ code: 'UNKNOWN_SOURCE' });
      const added = b.addSource(spec('extra', dir.file('extra.db')));
      // Calls made before its worker is up queue for it.
      await expect(b.call('extra', 'put', { k: 'a', v: '1' })).resolves.toBe(1);
      await added;
      expect(b.sourceNames).toEqual(['main', 'extra']);
      await expect(b.addSource(spec('extra', dir.file('other.db')))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      await expect(b.addSource(spec('bad', dir.file('bad.db'), { poolSize: 0 }))).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
      expect(b.sourceNames).toEqual(['main', 'extra']);
    } finally {
      await b.close();
    }
    expect(count(dir.file('extra.db'))).toBe(1);
  });

  it('removes a source after the calls it holds finish; later calls are UNKNOWN_SOURCE', async () => {
    const b = broker([spec('main', dir.file('main.db')), spec('old', dir.file('old.db'))]);
    try {
      await b.ready();
      const held = Array.from({ length: 500 }, (_, i) => b.call('old', 'put', { k: String(i), v: 'x' }));
      const removed = b.removeSource('old');
      await expect(b.call('old', 'get', { k: '1' })).rejects.toMatchObject({ code: 'UNKNOWN_SOURCE' });
      expect(await Promise.all(held)).toEqual(held.map(() => 1));
      await removed;
      expect(Object.keys(await b.stats())).toEqual(['main']);
      expect(b.sourceState('old')).toBeUndefined();
      await expect(b.removeSource('old')).rejects.toMatchObject({ code: 'UNKNOWN_SOURCE' });
    } finally {
      await b.close();
    }
    expect(count(dir.file('old.db'))).toBe(500);
  });

  it('replaces a source: its calls finish on the old file, calls made meanwhile wait and go to the new one', async () => {
    const b = broker([spec('s', dir.file('s1.db'))]);
    try {
      await b.ready();
      const before = Array.from({ length: 500 }, (_, i) => b.call('s', 'put', { k: `a${i}`, v: 'old' }));
      const replaced = b.replaceSource(spec('s', dir.file('s2.db')));
      const after = Array.from({ length: 500 }, (_, i) => b.call('s', 'put', { k: `b${i}`, v: 'new' }));
      const outcomes = await Promise.all([...before, ...after]);
      expect(outcomes).toEqual(outcomes.map(() => 1));
      await replaced;
      await expect(b.call('s', 'get', { k: 'b499' })).resolves.toBe('new');
      await expect(b.query('s', 'SELECT count(*) AS n FROM kv', [], 'get')).resolves.toEqual({ n: 500 });
      await expect(b.transaction('s', (tx) => tx.call('count', {}))).resolves.toBe(500);
      expect(b.sourceState('s')).toBe('running');
    } finally {
      await b.close();
    }
    expect(count(dir.file('s1.db'))).toBe(500);
    expect(count(dir.file('s2.db'))).toBe(500);
  });

  it('a source that cannot open is "failed"', async () => {
    const b = broker([spec('gone', dir.file('missing.db'), { readonly: true })]);
    try {
      await expect(b.ready()).rejects.toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
      expect(b.sourceState('gone')).toBe('failed');
    } finally {
      await b.close();
    }
  });
});
