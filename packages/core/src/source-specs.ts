/** From the validated configuration to the broker's per-source specs, and what a new one changes. */
import type { CommonSourceSpec, SourceSpec } from '@pkg/broker';
import type { DatabaseConfig, SourceConfig } from '@pkg/config';
import { SOURCE_SPECS } from './engines/registry.js';

const OPERATIONS_MODULE = new URL('./operations/index.js', import.meta.url).href;
// Each engine's worker, bundled with the operations (scripts/bundle-workers.mjs): one module to load, not ~75.

/** One spec per source, in `names` order. */
export function sourceSpecs(config: DatabaseConfig, names: readonly string[]): SourceSpec[] {
  return names.map((name) => sourceSpec(name, config.sources[name] as SourceConfig));
}

function sourceSpec(name: string, s: SourceConfig): SourceSpec {
  // Every spec lists its keys in one order per engine, so planSources can compare them as JSON.
  const common: CommonSourceSpec = {
    name,
    readonly: s.readonly,
    poolSize: s.poolSize,
    timeoutMs: Math.round(s.timeout * 1000),
    maxQueued: s.maxQueued,
    transactionTimeoutMs: Math.round(s.transactionTimeout * 1000),
    queryTimeoutMs: Math.round(s.queryTimeout * 1000),
    maxMemoryMb: s.maxMemoryMb,
    moduleOptions: { onNewerSchema: s.onNewerSchema },
    operationsModule: OPERATIONS_MODULE,
    workerModule: new URL(`./workers/${s.type}.js`, import.meta.url).href,
  };
  // The engine's own fields (path, or URL and schema) first, then the common ones.
  return (SOURCE_SPECS[s.type] as (config: SourceConfig, common: CommonSourceSpec) => SourceSpec)(s, common);
}

/** What `reconfigure` does to the running sources. */
export interface SourcePlan {
  added: SourceSpec[];
  removed: string[];
  /** Same name, any setting changed (engine, path or URL, schema, readonly, pool, limits): a new worker replaces the old. */
  replaced: SourceSpec[];
}

export function planSources(running: readonly SourceSpec[], next: readonly SourceSpec[]): SourcePlan {
  const before = new Map(running.map((s) => [s.name, s]));
  const after = new Set(next.map((s) => s.name));
  return {
    added: next.filter((s) => !before.has(s.name)),
    removed: running.filter((s) => !after.has(s.name)).map((s) => s.name),
    // Specs are built by one function, so their keys come in one order.
    replaced: next.filter((s) => before.has(s.name) && JSON.stringify(before.get(s.name)) !== JSON.stringify(s)),
  };
}
