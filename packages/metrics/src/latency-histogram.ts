import { LATENCY_BUCKETS_US } from '@pkg/broker';
import type { DatabaseSourceStats } from '@pkg/core';
import type { Metric, Registry } from 'prom-client';

/** One line of the histogram: a `_bucket`, `_sum` or `_count` value and its labels. */
interface HistogramValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * Call latency as a Prometheus histogram built straight from the wrapper's cumulative per-bucket
 * counts and sums: a scrape costs one value per bucket and source, whatever the number of calls.
 * (A prom-client Histogram would need one observe() per call made since the previous scrape.)
 *
 * It is a plain metric object in the shape prom-client's registry reads (name, help, get(), reset()):
 * get() answers what Histogram#get() answers, with aggregator 'sum', so the text format and
 * AggregatorRegistry.aggregate treat it as one of prom-client's own histograms.
 */
export function latencyHistogram(
  name: string,
  registry: Registry,
  snapshot: () => Promise<Record<string, DatabaseSourceStats>>,
): void {
  const help =
    'Call latency from the main thread (queue + worker + answer), seconds, every call since the wrapper opened.';
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const stats = await snapshot();
      const values: HistogramValue[] = [];
      // Sources come from this snapshot only, so one removed by reconfigure stops being reported.
      for (const [source, s] of Object.entries(stats)) {
        const { counts, sumsUs } = s.latency.histogram;
        let below = 0;
        LATENCY_BUCKETS_US.forEach((us, i) => {
          below += counts[i] ?? 0;
          values.push({ metricName: `${name}_bucket`, labels: { le: us / 1e6, source }, value: below });
        });
        const count = counts.reduce((a, b) => a + b, 0);
        values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', source }, value: count });
        values.push({ metricName: `${name}_sum`, labels: { source }, value: sumsUs.reduce((a, b) => a + b, 0) / 1e6 });
        values.push({ metricName: `${name}_count`, labels: { source }, value: count });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    // Registry#resetMetrics() calls it; the figures are the wrapper's, there is nothing here to reset.
    reset(): void {},
  };
  // The registry accepts any object of this shape; its type names only prom-client's own classes.
  registry.registerMetric(metric as unknown as Metric);
}
