/**
 * Logs through a real pino logger writing to a stream: routing decisions at debug, fallbacks and
 * worker restarts at warn, each with structured fields (source, chatId, operation, code). And the
 * same calls `(fields, message)` on a plain logger, so a console-like one prints both.
 */
import { Writable } from 'node:stream';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Line {
  level: number;
  msg: string;
  event?: string;
  source?: string;
  chatId?: number;
  operation?: string;
  code?: string;
}

const DEBUG = 20;
const WARN = 40;
const ERROR = 50;

function recordingPino(level = 'debug') {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text !== '') lines.push(JSON.parse(text));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('logging through pino', () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = createTempDir('core-logging-');
  });
  afterAll(() => dir.cleanup());

  it('routing decisions at debug, a fallback at warn, with source, chatId, operation and code', async () => {
    const { logger, lines } = recordingPino();
    const db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: { primary: { path: dir.file('a.db') }, gone: { path: dir.file('missing.db'), readonly: true } },
        chatMapping: { '-7': 'gone' },
      },
      logger,
    });
    try {
      await db.ready().catch(() => undefined);
      await db.getChatInfo({ chatId: 5 });
      await db.getChatInfo({ chatId: -7 });
      await db.getChatInfo({ chatId: -7 });
    } finally {
      await db.close();
    }
    expect(lines).toContainEqual(
      expect.objectContaining({ level: DEBUG, event: 'route', operation: 'getChatInfo', chatId: 5, source: 'primary' }),
    );
    const fallbacks = lines.filter((l) => l.event === 'fallback');
    // The first at warn, the next at debug: an outage does not flood the log.
    expect(fallbacks.map((l) => l.level)).toEqual([WARN, DEBUG]);
    expect(fallbacks[0]).toMatchObject({
      source: 'gone',
      operation: 'getChatInfo',
      code: 'SOURCE_OPEN_FAILED',
      fallbackSource: 'primary',
      msg: expect.stringContaining('source "gone" cannot answer'),
    });
  });

  it('a worker restart at warn, once per crash, naming the source, operation and code', async () => {
    const { logger, lines } = recordingPino('info');
    const db = new DatabaseWrapper({
      config: { default: 'slow', sources: { slow: { path: dir.file('slow.db'), queryTimeout: 0.1 } } },
      logger,
    });
    try {
      await db.ready();
      // Seconds of work, far past the 0.1 s limit, but finite: an endless statement's thread could not be
      // stopped (better-sqlite3 has no interrupt) and would keep a core busy for the rest of the suite.
      const runaway =
        'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 20000000) SELECT count(*) FROM c';
      await expect(db.query({ sql: runaway })).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      // The restarted worker answers again.
      await expect(db.getSetting({ key: 'x' })).resolves.toBeNull();
      expect((await db.stats()).slow?.errorsByCode).toEqual({ QUERY_TIMEOUT: 1 });
    } finally {
      await db.close();
    }
    const restarts = lines.filter((l) => l.event === 'worker-restart');
    expect(restarts).toEqual([
      expect.objectContaining({ level: WARN, source: 'slow', operation: 'query', code: 'QUERY_TIMEOUT' }),
    ]);
    // Debug is off at level info: no routing lines were built.
    expect(lines.filter((l) => l.event === 'route')).toEqual([]);
  });

  it('a rejected reconfiguration is logged at error with its code', async () => {
    const { logger, lines } = recordingPino('info');
    const db = new DatabaseWrapper({ config: { sources: { primary: { path: dir.file('r.db') } } }, logger });
    try {
      await expect(db.reconfigure({ default: 'nope', sources: {} } as never)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
    } finally {
      await db.close();
    }
    expect(lines).toContainEqual(
      expect.objectContaining({ level: ERROR, event: 'reconfigure-rejected', code: 'CONFIG_INVALID' }),
    );
  });
});

describe('logging through a plain logger', () => {
  it('every line is (fields, message): a console-like logger gets both, debug and info may be left out', async () => {
    const dir = createTempDir('core-logging-plain-');
    const warned: Array<[unknown, string]> = [];
    const db = new DatabaseWrapper({
      config: { sources: { primary: { path: dir.file('p.db') } } },
      logger: { warn: (fields, message) => warned.push([fields, message]) },
    });
    try {
      await db.getSetting({ key: 'a', dataSource: 'nope' });
    } finally {
      await db.close();
      dir.cleanup();
    }
    expect(warned).toEqual([
      [
        { event: 'unknown-data-source', source: 'nope', fallbackSource: 'primary' },
        expect.stringContaining('dataSource "nope" names no configured source'),
      ],
    ]);
  });

  it('a logger without warn is refused with INVALID_ARGUMENT naming the accepted shapes', () => {
    expect(() => new DatabaseWrapper({ dbPath: ':memory:', logger: { debug: () => undefined } as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('pino logger') }),
    );
  });
});
