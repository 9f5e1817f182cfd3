/** `botdb check` of a cache source (Redis): reached, its server version, and its live entries per cache. */
import type { EngineName, EngineTools, SourceSpec } from '@pkg/core/engines';
import type { Problem } from '../output.js';
import { toProblem } from '../problems.js';
import type { SourceReport } from './check.js';

export async function inspectCacheSource(
  report: SourceReport,
  spec: SourceSpec,
  tools: EngineTools<EngineName>,
  problems: Problem[],
): Promise<SourceReport> {
  try {
    const figures = await (tools.cacheFigures as NonNullable<typeof tools.cacheFigures>)(spec as never);
    report.exists = true;
    report.serverVersion = figures.serverVersion;
    report.cacheEntries = figures.entries;
    report.cacheStorage = figures.storage;
    const total = Object.values(figures.entries).reduce((a, b) => a + b, 0);
    report.note = `a cache source (Redis ${figures.serverVersion}): ${total} cache entries, ${figures.storage} storage pairs; it serves the cache operations only`;
  } catch (e) {
    problems.push(toProblem(e, report.name));
    report.status = 'failed';
  }
  return report;
}
