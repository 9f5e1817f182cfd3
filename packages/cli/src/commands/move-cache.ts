/**
 * `botdb move --from A --to B --cache`: copies the caches (cache_<type> tables and cache_storage) of a SQLite,
 * PostgreSQL or MySQL source into a cache source (Redis), timestamps and storage order kept. Entries the
 * destination holds already are kept; entries older than its max-age are skipped (they would expire at once).
 * Safe to re-run. Never deletes from the source.
 */
import type { LoadedConfig } from '@pkg/config';
import { type CacheCopyResult, copyCaches } from '@pkg/core/engines';
import { loadCliConfig } from '../config.js';
import { EXIT, out, type Problem, problemLines } from '../output.js';
import { toProblem, UsageError } from '../problems.js';
import { engineSource, sourceNames } from '../sources.js';
import type { MoveOptions } from './move.js';

export async function runMoveCache(options: MoveOptions): Promise<number> {
  const { from: fromName, to: toName } = options;
  if (fromName === undefined || toName === undefined) {
    throw new UsageError('name both sources: --from <sql source> --to <redis source> --cache.');
  }
  const opts = { ...options, from: fromName, to: toName };
  if ((opts.chat ?? []).length > 0 || opts.all === true) {
    throw new UsageError('--cache copies the caches only: leave out --chat and --all.');
  }
  const problems: Problem[] = [];
  const results: CacheCopyResult[] = [];
  const finish = () => {
    if (opts.json)
      out.json({ ok: problems.length === 0, from: opts.from, to: opts.to, cache: true, tables: results, problems });
    else for (const p of problems) for (const l of problemLines(p)) out.line(l);
    return problems.length === 0 ? EXIT.ok : EXIT.problems;
  };
  let config: LoadedConfig['config'];
  try {
    ({ config } = await loadCliConfig(opts));
  } catch (error) {
    problems.push(toProblem(error));
    return finish();
  }
  for (const name of [opts.from, opts.to]) {
    if (config.sources[name] === undefined) {
      throw new UsageError(
        `unknown source "${name}". Configured sources: ${sourceNames(config).join(', ')}.`,
        'UNKNOWN_SOURCE',
      );
    }
  }
  const from = engineSource(config, opts.from);
  const to = engineSource(config, opts.to);
  if (to.tools.openCacheWriter === undefined) {
    throw new UsageError(
      `--to "${opts.to}" is not a cache source (a Redis source): --cache copies the caches into one. Without --cache, move copies bot tables between SQL sources.`,
    );
  }
  if (from.tools.figureQueries === null) {
    throw new UsageError(
      `--from "${opts.from}" is a cache source; --cache copies from a SQLite, PostgreSQL or MySQL source.`,
    );
  }
  let reader: Awaited<ReturnType<typeof from.tools.openReader>> | undefined;
  let writer: Awaited<ReturnType<NonNullable<typeof to.tools.openCacheWriter>>> | undefined;
  try {
    reader = await from.tools.openReader(from.spec as never);
    writer = await to.tools.openCacheWriter(to.spec as never);
    await copyCaches(reader, writer, (r) => {
      results.push(r);
      if (!opts.json) out.line(`${r.table}: ${r.written} copied, ${r.skipped} kept or expired (of ${r.source})`);
    });
    if (!opts.json)
      out.line(
        `Caches of "${opts.from}" copied into "${opts.to}". Set cache = "${opts.to}" under [database] to use them.`,
      );
  } catch (error) {
    problems.push(toProblem(error));
  } finally {
    await reader?.close();
    await writer?.close();
  }
  return finish();
}
