/**
 * The metrics a bot's /metrics serves: a real DatabaseWrapper over temp files, real calls (some of
 * them failing), then the registry's Prometheus text is scraped and its lines checked.
 */

import { LATENCY_BUCKETS_US } from '@pkg/broker';
import { type DatabaseSourceStats, DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
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
    expect(text).toContain('# TYPE botdb_call_latency_seconds histogram');
    const calls = line('botdb_calls_total', 'source="primary"');
    const count = line('botdb_call_latency_seconds_count', 'source="primary"');
    // calls_total counts answers from the worker; the histogram also times calls refused on the way.
    expect(count).toBeGreaterThanOrEqual(calls);
    expect(line('botdb_call_latency_seconds_bucket', 'le="+Inf",source="primary"')).toBe(count);
    expect(line('botdb_call_latency_seconds_bucket', 'le="30",source="primary"')).toBe(count);
    const sum = line('botdb_call_latency_seconds_sum', 'source="primary"');
    expect(sum / count).toBeGreaterThan(0);
    expect(sum / count).toBeLessThan(1);
    expect(line('botdb_connection_reuse_ratio', 'source="primary"')).toBeGreaterThan(0.5);
    expect(line('botdb_worker_restarts_total', 'source="primary"')).toBe(0);
    expect(line('botdb_source_state', 'source="primary",state="running"')).toBe(1);
    expect(line('botdb_source_state', 'source="primary",state="unavailable"')).toBe(0);
    expect(line('botdb_source_state', 'source="archive",state="running"')).toBe(1);
  });

  it("latency buckets, _sum and _count equal the wrapper's own histogram, and grow by the calls made between scrapes", async () => {
    await registry.metrics();
    for (let i = 0; i < 7; i++) await db.getSetting({ key: `k${i}` });
    const { latency } = (await db.stats()).primary as DatabaseSourceStats;
    const json = await registry.getMetricsAsJSON();
    const histogram = json.find((m) => m.name === 'botdb_call_latency_seconds');
    expect(histogram?.type).toBe('histogram');
    const value = (metricName: string, le?: number | string) =>
      (histogram?.values as Array<{ metricName: string; labels: Record<string, unknown>; value: number }>).find(
        (v) => v.metricName === metricName && v.labels.source === 'primary' && (le === undefined || v.labels.le === le),
      )?.value;
    const total = latency.histogram.counts.reduce((a, b) => a + b, 0);
    const sumUs = latency.histogram.sumsUs.reduce((a, b) => a + b, 0);
    expect(value('botdb_call_latency_seconds_count')).toBe(total);
    expect(value('botdb_call_latency_seconds_sum')).toBeCloseTo(sumUs / 1e6, 6);
    let below = 0;
    latency.histogram.boundsUs.forEach((us, i) => {
      below += latency.histogram.counts[i] ?? 0;
      expect(value('botdb_call_latency_seconds_bucket', us / 1e6), `le=${us / 1e6}`).toBe(below);
    });
  });

  it("a scrape's latency work is one value per bucket, not one observe() per call made since the last scrape", async () => {
    await registry.metrics();
    for (let i = 0; i < 50; i++) await db.getSetting({ key: `k${i % 20}` });
    // A prom-client Histogram would replay every call into observe(); the registered metric must not be one.
    const metric = registry.getSingleMetric('botdb_call_latency_seconds');
    expect(metric).toBeDefined();
    expect(metric).not.toBeInstanceOf(Histogram);
    const json = await registry.getMetricsAsJSON();
    const values = json.find((m) => m.name === 'botdb_call_latency_seconds')?.values ?? [];
    const sources = Object.keys(await db.stats());
    // Per source: every bound, +Inf, _sum and _count; however many calls were made.
    expect(values.length).toBe(sources.length * (LATENCY_BUCKETS_US.length + 3));
  });

  it('adds up across processes: two registries aggregated give the sum of their counts', async () => {
    // A second process of the same bot: the same source name, its own registry.
    const other = new DatabaseWrapper({
      config: { default: 'primary', sources: { primary: { path: dir.file('other.db') } } },
    });
    const second = new Registry();
    registerBotdbMetrics(other, { registry: second });
    try {
      for (let i = 0; i < 5; i++) await other.setSetting({ key: `o${i}`, value: 'x' });
      const first = await registry.getMetricsAsJSON();
      const answer = await second.getMetricsAsJSON();
      const countOf = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
        metrics
          .find((m) => m.name === 'botdb_call_latency_seconds')
          ?.values.find(
            (v) =>
              (v as { metricName?: string }).metricName === 'botdb_call_latency_seconds_count' &&
              v.labels.source === 'primary',
          )?.value ?? Number.NaN;
      // What prom-client's cluster aggregation (AggregatorRegistry) does with one registry per process.
      const merged = await AggregatorRegistry.aggregate([first, answer]).getMetricsAsJSON();
      expect(countOf(merged)).toBe(countOf(first) + countOf(answer));
      expect(countOf(answer)).toBeGreaterThanOrEqual(5);
    } finally {
      await other.close();
    }
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

  it("reports a source's replicas: reads per replica, primary reads, lag and state", async () => {
    // The stats of a PostgreSQL source with two replicas (their figures are proven against real servers in
    // core/test/pg-replicas.test.ts); here only how they become metrics.
    const [base] = Object.values(await db.stats()) as [DatabaseSourceStats];
    const withReplicas: DatabaseSourceStats = {
      ...base,
      primaryReads: 7,
      replicas: [
        { location: 'postgres://bot@db2:5432/botdb schema public', reads: 40, lagMs: 12, state: 'ok' },
        { location: 'postgres://bot@db3:5432/botdb schema public', reads: 3, lagMs: null, state: 'failed' },
      ],
    };
    const own = new Registry();
    registerBotdbMetrics({ stats: async () => ({ pg: withReplicas }) }, { registry: own });
    const text = await own.metrics();
    const db2 = 'replica="postgres://bot@db2:5432/botdb schema public"';
    const db3 = 'replica="postgres://bot@db3:5432/botdb schema public"';
    expect(text).toContain('botdb_primary_reads_total{source="pg"} 7');
    expect(text).toContain(`botdb_replica_reads_total{source="pg",${db2}} 40`);
    expect(text).toContain(`botdb_replica_reads_total{source="pg",${db3}} 3`);
    expect(text).toContain(`botdb_replica_lag_seconds{source="pg",${db2}} 0.012`);
    expect(text).not.toContain(`botdb_replica_lag_seconds{source="pg",${db3}}`);
    expect(text).toContain(`botdb_replica_state{source="pg",${db2},state="ok"} 1`);
    expect(text).toContain(`botdb_replica_state{source="pg",${db3},state="failed"} 1`);
    expect(text).toContain(`botdb_replica_state{source="pg",${db3},state="ok"} 0`);
  });
});
