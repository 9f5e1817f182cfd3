/**
 * What an engine is to the main thread: a plug-in the broker finds in the registry (engines/registry.ts)
 * by a source's `engine`. Everything engine-specific lives in `engines/<name>/`: its spec, its worker entry
 * (the shared worker shell around the engine's runner), its driver, errors, dialect and config checks.
 * The broker above it never names an engine.
 */
import type { ConfigIssue } from '@pkg/errors';

/** What every source has, whatever its engine. */
export interface CommonSourceSpec {
  name: string;
  readonly: boolean;
  /** Connections this source may open (created lazily, reused). */
  poolSize: number;
  /** SQLite: busy timeout. Server engines: connect timeout and statement timeout. Milliseconds. */
  timeoutMs: number;
  /** Calls allowed to wait (not yet sent to the worker) before new ones fail with SOURCE_OVERLOADED. */
  maxQueued: number;
  /** A transaction still open after this long is rolled back (TRANSACTION_TIMEOUT). */
  transactionTimeoutMs: number;
  /** A call running longer than this has its worker stopped and restarted (QUERY_TIMEOUT). */
  queryTimeoutMs: number;
  /** The worker's heap limit (resourceLimits.maxOldGenerationSizeMb). */
  maxMemoryMb: number;
  /** Options for the operations module's `prepare` (the broker only passes them on). */
  moduleOptions?: Record<string, unknown>;
  /** URL of the ES module whose `sourceModule` export the worker loads. */
  operationsModule: string;
  /**
   * URL of the worker entry to start, which serves the source with its operations built in (one bundled file:
   * a worker then loads one module instead of dozens). Absent: the engine's own entry (`Engine.workerUrl`),
   * which loads `operationsModule`.
   */
  workerModule?: string;
}

/** One engine, as the main thread sees it. `Spec`: that engine's source spec. */
export interface Engine<Spec extends CommonSourceSpec = CommonSourceSpec> {
  /** As people write it: "SQLite", "PostgreSQL", "MySQL". */
  readonly label: string;
  /** The worker entry the broker starts for each source of this engine. */
  readonly workerUrl: URL;
  /**
   * Whether a source whose open failed tries again on a later call: a server may come back by itself,
   * a missing file does not.
   */
  readonly reopensAfterFailure: boolean;
  /** Where a source lives, for messages: a file path, or a URL without its password (and its schema). */
  location(spec: Spec): string;
  /** `new Broker()`'s checks of this engine's own spec fields; pushes one issue per bad field. */
  checkSpec(spec: Partial<Spec>, at: string, issues: ConfigIssue[]): void;
}

/**
 * A connection URL as it may be shown: any password removed, and the query string too (a parameter such
 * as ?password= or ?PASS= may hold one); an unparsable one is not echoed at all.
 */
export function urlWithoutPassword(url: string): string {
  // Several hosts (`h1:5432,h2:5432`, libpq's form) are refused by a URL parser: parsed with the first, put back.
  const authority = url.slice(url.indexOf('://') + 3).split(/[/?#]/)[0] ?? '';
  const hosts = authority.slice(authority.lastIndexOf('@') + 1);
  const first = hosts.split(',')[0] ?? '';
  try {
    const parsed = new URL(hosts.includes(',') ? url.replace(hosts, first) : url);
    parsed.password = '';
    parsed.search = '';
    const shown = parsed.toString();
    return hosts.includes(',')
      ? shown.replace(`@${parsed.host}`, `@${hosts}`).replace(`//${parsed.host}`, `//${hosts}`)
      : shown;
  } catch {
    return '(unparsable URL)';
  }
}
