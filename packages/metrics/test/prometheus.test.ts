/**
 * The metrics a bot's /metrics serves: a real DatabaseWrapper over temp files, real calls (some of
 * them failing), then the registry's Prometheus text is scraped and its lines checked.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES, registerBotdbMetrics } from '../src/index.js';

describe('registerBotdbMetrics', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  const registry = new Registry();

  beforeAll(async () => {
    dir = createTempDir('metrics-');
    // The archive must exist before it is opened readonly.
    const seed = new DatabaseWrapper({ dbPath: dir.file('archive.db') });
    await seed.updateChatInfo({ chatId: -10, type: 'group', title: 'old' });
    await seed.close();
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: { primary: { path: dir.file('bot.db') }, archive: { path: dir.file('archive.db'), readonly: true } },
        chatMapping: { '-10': 'archive' },
      },
    });
    await db.ready();
    registerBotdbMetrics(db, { registry });
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  it('serves calls, errors by code, queue, in flight, latency, reuse, restarts and state per source', async () => {
    for (let i = 0; i < 20; i++) await db.setSetting({ key: `k${i}`, value: String(i) });
    await db.getChatInfo({ chatId: -10 });
    const refused = [
      db.updateChatInfo({ chatId: -10, type: 'group', title: 'new' }),
      db.updateChatInfo({ chatId: -10, type: 'group', title: 'again' }),
      db.query({ sql: 'SELECT * FROM no_such_table' }),
    ];
    for (const call of refused) await call.catch(() => undefined);

    const text = await registry.metrics();
    const line = (name: string, labels: string) => {
      const found = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      expect(found, `${name}{${labels}} in:\n${text}`).toBeDefined();
      return Number((found as string).split(' ').pop());
    };
    for (const name of METRIC_NAMES) {
      expect(text).toContain(`# HELP botdb_${name} `);
    }
    expect(text).toContain('# TYPE botdb_calls_total counter');
    expect(text).toContain('# TYPE botdb_queue_depth gauge');
    expect(line('botdb_calls_total', 'source="primary"')).toBeGreaterThanOrEqual(21);
    expect(line('botdb_calls_total', 'source="archive"')).toBeGreaterThanOrEqual(1);
    expect(line('botdb_errors_total', 'source="archive",code="READONLY_SOURCE"')).toBe(2);
    expect(line('botdb_errors_total', 'source="primary",code="QUERY_FAILED"')).toBe(1);
    expect(line('botdb_queue_depth', 'source="primary"')).toBe(0);
    expect(line('botdb_in_flight', 'source="primary"')).toBe(0);
    const p50 = line('botdb_call_latency_seconds', 'source="primary",quantile="0.5"');
    const p99 = line('botdb_call_latency_seconds', 'source="primary",quantile="0.99"');
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThan(1);
    expect(p99).toBeGreaterThanOrEqual(p50);
    expect(line('botdb_connection_reuse_ratio', 'source="primary"')).toBeGreaterThan(0.5);
    expect(line('botdb_worker_restarts_total', 'source="primary"')).toBe(0);
    expect(line('botdb_source_state', 'source="primary",state="running"')).toBe(1);
    expect(line('botdb_source_state', 'source="primary",state="unavailable"')).toBe(0);
    expect(line('botdb_source_state', 'source="archive",state="running"')).toBe(1);
  });

  it('the snapshot is db.stats(): errorsByCode and state per source', async () => {
    const stats = await db.stats();
    expect(stats.archive?.errorsByCode).toEqual({ READONLY_SOURCE: 2 });
    expect(stats.primary?.state).toBe('running');
  });

  it('a source that cannot open is "unavailable"; another prefix and registry are honoured; unregister removes them', async () => {
    const broken = new DatabaseWrapper({
      config: {
        default: 'main',
        sources: { main: { path: dir.file('main.db') }, gone: { path: dir.file('missing.db'), readonly: true } },
      },
      logger: { warn: () => undefined },
    });
    const own = new Registry();
    const unregister = registerBotdbMetrics(broken, { registry: own, prefix: 'bot_db_' });
    try {
      await broken.ready().catch(() => undefined);
      // ready() rejects as soon as "gone" fails; "main" may still be opening ("not started") until a call gets through.
      await broken.getSetting({ key: 'x' });
      const text = await own.metrics();
      expect(text).toContain('bot_db_source_state{source="gone",state="unavailable"} 1');
      expect(text).toContain('bot_db_source_state{source="main",state="running"} 1');
      expect(text).not.toContain('botdb_');
      unregister();
      expect(await own.metrics()).not.toContain('bot_db_');
    } finally {
      await broken.close();
    }
  });
});
