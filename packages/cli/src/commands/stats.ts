/** `botdb stats`: what `db.stats()` reports per source right after a fresh open. */
import type { LoadedConfig } from '@pkg/config';
import type { DatabaseWrapper, SourceStats } from '@pkg/core';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { EXIT, out, type Problem, printable, problemLines } from '../output.js';
import { toProblem } from '../problems.js';
import {
  closeQuietly,
  emptyWritableSources,
  engineSource,
  isMissingWritable,
  openAll,
  sourceNames,
} from '../sources.js';

export interface StatsOptions extends ConfigOption {
  json?: boolean;
}

/**
 * What the figures are: the counters live in each process, so a fresh `botdb stats` sees only its own
 * open (mostly zeros), never a running bot's. Said in the text and in --json (`scope`, `note`).
 */
const STATS_SCOPE = 'this-process';
const STATS_NOTE =
  "these are the counters of this botdb process's own fresh open (mostly zeros), not a running bot's: a bot reads its own with db.stats() (or exports them with @pkg/metrics)";

function fail(opts: StatsOptions, problems: Problem[]): number {
  if (opts.json) out.json({ ok: false, problems });
  else for (const p of problems) for (const l of problemLines(p)) out.line(l);
  return EXIT.problems;
}

/** `latency.p50` style lines, whatever figures the broker reports. */
function flatten(prefix: string, value: unknown, into: [string, string][]): void {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(prefix === '' ? k : `${prefix}.${k}`, v, into);
  } else {
    into.push([prefix, typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : String(value)]);
  }
}

export async function runStats(opts: StatsOptions): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadCliConfig(opts);
  } catch (error) {
    return fail(opts, [toProblem(error)]);
  }
  const { config } = loaded;
  const missingFiles = sourceNames(config).filter((n) => isMissingWritable(config, n));
  // Same rule for a server engine: a writable source's open would create its tables in an empty schema.
  const emptySchemas = await emptyWritableSources(config);
  const missing = [...missingFiles, ...emptySchemas];
  if (missing.length > 0) {
    return fail(
      opts,
      missing.map((n) => {
        const { spec, tools } = engineSource(config, n);
        return { code: 'SOURCE_MISSING', source: n, message: tools.notCreated(spec).statsMessage };
      }),
    );
  }
  let db: DatabaseWrapper;
  try {
    db = await openAll(config);
  } catch (error) {
    return fail(opts, [toProblem(error)]);
  }
  let stats: Record<string, SourceStats>;
  try {
    stats = await db.stats();
  } catch (error) {
    return fail(opts, [toProblem(error)]);
  } finally {
    await closeQuietly(db);
  }
  if (opts.json) {
    out.json({ ok: true, config: loaded.filepath, scope: STATS_SCOPE, note: STATS_NOTE, sources: stats });
    return EXIT.ok;
  }
  const c = out.c;
  out.line(c.dim(`note: ${STATS_NOTE}`));
  for (const name of sourceNames(config)) {
    const s = stats[name];
    if (s === undefined) continue;
    out.line(c.bold(name));
    const rows: [string, string][] = [];
    flatten('', s, rows);
    for (const [k, v] of rows) if (k !== 'source') out.line(`  ${printable(k).padEnd(24)} ${printable(v)}`);
  }
  return EXIT.ok;
}
