/**
 * Which engine a configured source is, for `botdb move`. `targetOf` is the one place that turns a source of
 * the configuration into an engine's target. Until @pkg/config knows `type = "postgresql"` sources (issue
 * #10), `loadMoveConfig` reads them from the TOML file itself (`pgSourcesOf`) and hands @pkg/config a
 * SQLite stand-in of each (same name and readonly), so the default and chatMapping still validate.
 * TEMPORARY: once @pkg/config parses them, delete `pgSourcesOf`/the shim and read `source.type` etc. in `targetOf`.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { type LoadedConfig, normalizeConfig, type SourceConfig } from '@pkg/config';
import { ConfigError, type ConfigIssue } from '@pkg/core';
import { parse as parseToml } from 'smol-toml';
import { type ConfigOption, loadCliConfig } from '../config.js';
import type { PgTarget } from './pg-engine.js';

export type MoveTarget =
  | { engine: 'sqlite'; name: string; path: string; timeoutMs: number; readonly: boolean }
  | ({ engine: 'postgresql' } & PgTarget);

/** A PostgreSQL source as the configuration describes it (the broker's PostgresSourceSpec, less the worker's part). */
export interface PgSourceConfig {
  url: string;
  passwordEnv: string | null;
  schema: string;
  readonly: boolean;
  /** Seconds: connect timeout and statement timeout. */
  timeout: number;
}

/**
 * The configured source `name` as an engine target. A source config that carries `type = "postgresql"`
 * (what @pkg/config will produce) is read structurally, so this keeps working when the shim goes.
 */
export function targetOf(
  name: string,
  source: SourceConfig,
  postgres: ReadonlyMap<string, PgSourceConfig>,
): MoveTarget {
  const pg =
    postgres.get(name) ??
    ((source as { type?: string }).type === 'postgresql' ? (source as unknown as PgSourceConfig) : undefined);
  if (pg !== undefined) {
    return {
      engine: 'postgresql',
      name,
      url: pg.url,
      passwordEnv: pg.passwordEnv ?? null,
      schema: pg.schema ?? 'public',
      timeoutMs: Math.round((pg.timeout ?? source.timeout) * 1000),
      readonly: pg.readonly ?? source.readonly,
    };
  }
  return {
    engine: 'sqlite',
    name,
    path: source.path,
    timeoutMs: Math.round(source.timeout * 1000),
    readonly: source.readonly,
  };
}

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `type = "postgresql"` sources of a raw TOML document, validated one message per bad key, and the
 * document with each replaced by a SQLite stand-in @pkg/config accepts.
 */
export function pgSourcesOf(raw: unknown, origin: string): { raw: unknown; postgres: Map<string, PgSourceConfig> } {
  const postgres = new Map<string, PgSourceConfig>();
  const root = isTable(raw) ? raw : {};
  const database = isTable(root.database) ? root.database : root;
  const sources = isTable(database.sources) ? database.sources : {};
  const issues: ConfigIssue[] = [];
  const copy: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(sources)) {
    if (!isTable(source) || source.type !== 'postgresql') {
      copy[name] = source;
      continue;
    }
    const key = (k: string) => `database.sources.${name}.${k}`;
    const { type: _type, url, 'password-env': passwordEnv, schema, readonly, timeout, ...rest } = source;
    if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
      issues.push({
        key: key('url'),
        message: `must be a postgres:// URL, got ${JSON.stringify(url)}.`,
        fix: 'write url = "postgres://user@host:5432/dbname".',
      });
    }
    if (
      passwordEnv !== undefined &&
      (typeof passwordEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv))
    ) {
      issues.push({
        key: key('password-env'),
        message: 'must name an environment variable.',
        fix: 'write password-env = "BOTDB_PG_PASSWORD" (never the password itself).',
      });
    }
    if (schema !== undefined && (typeof schema !== 'string' || schema === '')) {
      issues.push({
        key: key('schema'),
        message: 'must be a schema name.',
        fix: 'write schema = "public", or leave it out.',
      });
    }
    if (readonly !== undefined && typeof readonly !== 'boolean') {
      issues.push({
        key: key('readonly'),
        message: 'must be true or false.',
        fix: 'write readonly = true or readonly = false.',
      });
    }
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
      issues.push({
        key: key('timeout'),
        message: 'must be a positive number of seconds.',
        fix: 'write timeout = 30.0.',
      });
    }
    // Keys the rest of the library reads (pool-size, max-queued, ...) go on to @pkg/config's checks.
    copy[name] = {
      ...rest,
      path: `postgresql-source-${name}.stand-in`,
      ...(readonly === undefined ? {} : { readonly }),
      ...(timeout === undefined ? {} : { timeout }),
    };
    postgres.set(name, {
      url: String(url),
      passwordEnv: typeof passwordEnv === 'string' ? passwordEnv : null,
      schema: typeof schema === 'string' ? schema : 'public',
      readonly: readonly === true,
      timeout: typeof timeout === 'number' ? timeout : 30,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues, origin);
  if (postgres.size === 0) return { raw, postgres };
  const rewritten = { ...database, sources: copy };
  return { raw: isTable(root.database) ? { ...root, database: rewritten } : rewritten, postgres };
}

/** The configuration for `botdb move`, with its PostgreSQL sources (see the file comment). */
export async function loadMoveConfig(
  opts: ConfigOption,
): Promise<{ loaded: LoadedConfig; postgres: Map<string, PgSourceConfig> }> {
  const file = opts.config ?? process.env.BOTDB_CONFIG;
  if (file !== undefined && file !== '' && extname(file) === '.toml') {
    const path = resolve(file);
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // Unreadable: @pkg/config reports it in its own words below.
    }
    if (text !== undefined && /postgresql/.test(text)) {
      let raw: unknown;
      try {
        raw = parseToml(text);
      } catch {
        raw = undefined; // Not TOML: @pkg/config reports the syntax error below.
      }
      if (raw !== undefined) {
        const shim = pgSourcesOf(raw, path);
        if (shim.postgres.size > 0) {
          const { config, warnings } = normalizeConfig(shim.raw, {
            baseDir: dirname(path),
            origin: path,
            strict: true,
          });
          for (const w of warnings) process.stderr.write(`warning: ${w.key}: ${w.message}\n`);
          return { loaded: { config, filepath: path, warnings }, postgres: shim.postgres };
        }
      }
    }
  }
  return { loaded: await loadCliConfig(opts), postgres: new Map() };
}
