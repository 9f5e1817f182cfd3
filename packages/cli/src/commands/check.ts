/** `botdb check`: the configuration is valid and every source opens; what each source holds. */
import type { ReplicaStats } from '@pkg/broker';
import type { DatabaseConfig, LoadedConfig } from '@pkg/config';
import { ConfigError, SCHEMA_VERSION, SchemaTooNewError } from '@pkg/core';
import { type EngineName, parseVersion } from '@pkg/core/engines';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { EXIT, formatBytes, out, type Problem, printable, problemLines } from '../output.js';
import { toProblem } from '../problems.js';
import { closeQuietly, engineSource, isNoBotTables, openOne, sourceNames, sourceOf } from '../sources.js';
import { inspectCacheSource } from './check-cache.js';

export interface SourceReport {
  name: string;
  /** The source's engine. */
  type: EngineName;
  /** A file engine's file (SQLite); null for a server engine (see `location`). */
  path: string | null;
  /** The file path, or the server URL without password and the schema: what the library's messages name. */
  location: string;
  /** The engine's own fields (PostgreSQL: `url` without password, `schema`). */
  [field: string]: unknown;
  mode: 'readonly' | 'writable';
  default: boolean;
  /** Chats mapped to this source in [database.chatMapping]. */
  mappedChats: number;
  /** The file exists; for a server engine, the schema holds the bot's tables (null: the server could not tell). */
  exists: boolean | null;
  /** File and WAL sizes; null for a server engine. */
  size: number | null;
  walSize: number | null;
  schemaVersion: number | null;
  chats: number | null;
  messages: number | null;
  /**
   * opened; or not opened because the file (a server engine: the schema's tables) does not exist yet and a
   * writable source creates it; or failed.
   */
  status: 'ok' | 'not-created' | 'failed';
  note?: string;
  /** A source with read replicas (PostgreSQL `replicas`): each one's state and lag as the source saw them. */
  replicas?: ReplicaStats[];
}

/** How long check waits for a source's first poll of its replicas (they are polled in the background). */
const REPLICA_POLL_WAIT_MS = 3_000;

/** The replicas of an opened source once each was polled (or the wait ran out); undefined without replicas. */
async function replicasOf(
  db: { stats(): Promise<Record<string, { replicas?: ReplicaStats[] }>> },
  name: string,
): Promise<ReplicaStats[] | undefined> {
  const until = Date.now() + REPLICA_POLL_WAIT_MS;
  for (;;) {
    const replicas = (await db.stats())[name]?.replicas;
    if (replicas === undefined) return undefined;
    // lagMs stays null until a replica's first poll answers (one that is down: until the wait runs out).
    if (replicas.every((r) => r.lagMs !== null) || Date.now() > until) return replicas;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface CheckOptions extends ConfigOption {
  json?: boolean;
}

async function inspectSource(config: DatabaseConfig, name: string, problems: Problem[]): Promise<SourceReport> {
  const s = sourceOf(config, name);
  const { spec, tools } = engineSource(config, name);
  const place = tools.place(spec);
  const local = tools.local(spec);
  const report: SourceReport = {
    name,
    type: place.type,
    path: place.path,
    location: place.location,
    ...place.fields,
    mode: s.readonly ? 'readonly' : 'writable',
    default: name === config.default,
    mappedChats: Object.values(config.chatMapping).filter((v) => v === name).length,
    exists: local.exists,
    size: local.size,
    walSize: local.walSize,
    schemaVersion: null,
    chats: null,
    messages: null,
    status: 'ok',
  };
  if (!s.readonly && local.exists === false) {
    if (local.cannotCreate !== null) {
      problems.push(toProblem(local.cannotCreate, name));
      report.status = 'failed';
    } else {
      report.status = 'not-created';
      report.note = tools.notCreated(spec).checkNote;
    }
    return report;
  }

  // A cache source (Redis) holds no bot tables: reach it and count its caches instead.
  if (tools.cacheFigures !== undefined) return inspectCacheSource(report, spec, tools, problems);

  // A writable database at an older version is one the bot migrates when it opens it; the readonly look
  // below would refuse it (a readonly source is never migrated), so it is read here, as it is.
  const older = await tools.olderSchema(spec);
  if (older !== null) {
    report.schemaVersion = older.schemaVersion;
    report.chats = older.chats;
    report.messages = older.messages;
    report.note = `schema version ${older.schemaVersion}; the bot migrates it to ${SCHEMA_VERSION} when it opens it (check does not)`;
    return report;
  }

  let db: Awaited<ReturnType<typeof openOne>> | undefined;
  try {
    // Every source is looked at readonly: a writable source's own open would create the bot's tables (in a
    // 0-byte file, in someone else's SQLite file, in an empty schema), which a diagnostic must not do.
    db = await openOne(config, name, { inspectOnly: true });
    // A server engine's schema holds the bot's tables: it opened.
    if (report.exists === null) report.exists = true;
    const one = async (sql: string): Promise<unknown> => {
      const rows = (await (db as NonNullable<typeof db>).query({ sql, dataSource: name })) as Record<string, unknown>[];
      const row = rows[0];
      return row === undefined ? undefined : Object.values(row)[0];
    };
    const sql = tools.figureQueries as NonNullable<typeof tools.figureQueries>;
    report.schemaVersion = parseVersion(await one(sql.version));
    report.chats = Number(await one(sql.chats));
    report.messages = Number(await one(sql.messages));
    const replicas = await replicasOf(db, name);
    if (replicas !== undefined) report.replicas = replicas;
    if (report.schemaVersion !== null && report.schemaVersion > SCHEMA_VERSION) {
      // It opens, but a writable source refusing writes is a broken bot: say so before the bot finds out.
      if (!s.readonly && s.onNewerSchema === 'refuse-writes') {
        problems.push(
          toProblem(new SchemaTooNewError(name, place.location, report.schemaVersion, SCHEMA_VERSION), name),
        );
      } else {
        report.note = `schema version ${report.schemaVersion} is newer than ${SCHEMA_VERSION}`;
      }
    }
  } catch (error) {
    if (isNoBotTables(error)) {
      report.exists = false;
      if (!s.readonly) {
        report.status = 'not-created';
        report.note = tools.notCreated(spec).checkNote;
        return report;
      }
    }
    report.status = 'failed';
    problems.push(toProblem(error, name));
  } finally {
    if (db !== undefined) await closeQuietly(db);
  }
  return report;
}

function printText(loaded: LoadedConfig, sources: SourceReport[], problems: Problem[]): void {
  const c = out.c;
  out.line(`${c.bold('config')}: ${printable(loaded.filepath ?? 'built-in defaults (no config file found)')}`);
  for (const s of sources) {
    const mark = s.status === 'ok' ? c.green('✓') : s.status === 'failed' ? c.red('✗') : c.yellow('•');
    const tags = [s.default ? 'default' : null, s.mappedChats > 0 ? `${s.mappedChats} mapped chat(s)` : null]
      .filter((t) => t !== null)
      .join(', ');
    out.line(`${mark} ${c.bold(s.name)}${tags === '' ? '' : ` (${tags})`}`);
    out.line(`    type ${s.type}, ${s.mode}, ${printable(s.location)}`);
    if (s.exists && s.size !== null) {
      const wal = s.walSize === null ? '' : ` (+ ${formatBytes(s.walSize)} WAL)`;
      out.line(`    size ${formatBytes(s.size ?? 0)}${wal}`);
    }
    if (s.status === 'ok') {
      out.line(`    schema version ${s.schemaVersion ?? 'unknown'}, ${s.chats} chats, ${s.messages} messages`);
    }
    for (const r of s.replicas ?? []) {
      const state = r.state === 'ok' ? c.green(r.state) : r.state === 'failed' ? c.red(r.state) : c.yellow(r.state);
      out.line(`    replica ${printable(r.location)}: ${state}, lag ${r.lagMs === null ? 'unknown' : `${r.lagMs} ms`}`);
    }
    if (s.note !== undefined) out.line(`    ${c.dim(s.note)}`);
  }
  for (const p of problems) for (const l of problemLines(p)) out.line(l);
  out.line(
    problems.length === 0
      ? c.green(`OK: ${sources.length} source(s) checked`)
      : c.red(`${problems.length} problem(s) found`),
  );
}

export async function runCheck(opts: CheckOptions): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadCliConfig(opts);
  } catch (error) {
    const problems = [toProblem(error)];
    // The file the loader was reading (a ConfigError names it), so scripts see which file is wrong.
    const origin = error instanceof ConfigError ? (error.details.origin as string | undefined) : undefined;
    if (opts.json) out.json({ ok: false, config: origin ?? opts.config ?? null, sources: [], problems, warnings: [] });
    else for (const p of problems) for (const l of problemLines(p)) out.line(l);
    return EXIT.problems;
  }
  const problems: Problem[] = [];
  // Each source on its own wrapper, all at once: one failure does not hide the others.
  const names = sourceNames(loaded.config);
  const sources = await Promise.all(names.map((n) => inspectSource(loaded.config, n, problems)));
  // Opened in parallel, reported in configuration order.
  problems.sort((a, b) => names.indexOf(a.source ?? '') - names.indexOf(b.source ?? ''));
  const ok = problems.length === 0;
  if (opts.json) {
    out.json({ ok, config: loaded.filepath, sources, problems, warnings: loaded.warnings });
  } else {
    printText(loaded, sources, problems);
  }
  return ok ? EXIT.ok : EXIT.problems;
}
