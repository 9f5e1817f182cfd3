/**
 * 32 sources: resident memory per source configured and never called, start-up (ready(), which starts and
 * opens every source) and resident memory per open idle source.
 * Each sample runs in a fresh child process (node --expose-gc); five samples, the median is reported.
 */
import type { Dataset } from '../dataset.js';
import { fmt, progress } from '../log.js';
import { median } from '../measure.js';
import { childSample } from './child-sample.js';
import type { Sources32Sample } from './sources32-child.js';

export interface Sources32Result {
  sources: number;
  startupMs: number;
  memoryPerSourceMB: number;
  memoryUnusedSourceMB: number;
  memoryIdleStoppedSourceMB: number;
  samples: Sources32Sample[];
}

const sample = (paths: string[]) =>
  childSample<Sources32Sample>(new URL('./sources32-child.js', import.meta.url), paths);

export async function runSources32(data: Dataset, count = 32, samples = 5): Promise<Sources32Result> {
  const results: Sources32Sample[] = [];
  for (let s = 0; s < samples; s++) {
    // Fresh files each sample, already carrying the schema (the library made the template).
    const paths = Array.from({ length: count }, (_, i) => data.copyTemplate(`src32-${s}-${i}.db`));
    const r = await sample(paths);
    results.push(r);
    progress(
      `32 sources, sample ${s + 1}/${samples}: start-up ${fmt(r.startupMs, 0)} ms, RSS +${fmt(r.rssDeltaMB, 1)} MB ` +
        `(${fmt(r.memoryPerSourceMB, 2)} MB/source; ${fmt(r.memoryUnusedSourceMB, 3)} MB/source before any call, ${fmt(r.memoryIdleStoppedSourceMB, 2)} MB/source once stopped idle)`,
    );
  }
  return {
    sources: count,
    startupMs: median(results.map((r) => r.startupMs)),
    memoryPerSourceMB: median(results.map((r) => r.memoryPerSourceMB)),
    memoryUnusedSourceMB: median(results.map((r) => r.memoryUnusedSourceMB)),
    memoryIdleStoppedSourceMB: median(results.map((r) => r.memoryIdleStoppedSourceMB)),
    samples: results,
  };
}
