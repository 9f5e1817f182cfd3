/**
 * RSS per source after it has worked: 8 sources, each a copy of the 100k-message file, each served a read mix
 * (8,000 point reads at 64 in flight over random keys, then each chat's recent messages, info, settings and
 * users, a cache read), so SQLite's page cache, the statement cache, the worker's heap and its JIT code are
 * what a working bot's source holds. Run in a fresh child process (node --expose-gc), median of three samples.
 */
import type { Dataset } from '../dataset.js';
import { fmt, progress } from '../log.js';
import { median } from '../measure.js';
import type { ActiveSourcesSample } from './active-sources-child.js';
import { childSample } from './child-sample.js';

export interface ActiveSourcesResult {
  sources: number;
  /** RSS per source after ready(), before any call. */
  memoryOpenSourceMB: number;
  /** RSS per source after the read mix. */
  memoryAfterReadsSourceMB: number;
  samples: ActiveSourcesSample[];
}

const sample = (paths: string[]) =>
  childSample<ActiveSourcesSample>(new URL('./active-sources-child.js', import.meta.url), paths);

export async function runActiveSources(data: Dataset, count = 8, samples = 3): Promise<ActiveSourcesResult> {
  const paths = Array.from({ length: count }, (_, i) => data.copyMain(`active-${i}.db`));
  const results: ActiveSourcesSample[] = [];
  for (let s = 0; s < samples; s++) {
    const r = await sample(paths);
    results.push(r);
    progress(
      `${count} working sources, sample ${s + 1}/${samples}: ${fmt(r.memoryOpenSourceMB, 2)} MB/source open, ` +
        `${fmt(r.memoryAfterReadsSourceMB, 2)} MB/source after the read mix`,
    );
  }
  return {
    sources: count,
    memoryOpenSourceMB: median(results.map((r) => r.memoryOpenSourceMB)),
    memoryAfterReadsSourceMB: median(results.map((r) => r.memoryAfterReadsSourceMB)),
    samples: results,
  };
}
