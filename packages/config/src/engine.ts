/**
 * A source engine's part of the configuration: its keys, how its own part of a source is read and checked
 * (a path, or a URL and its schema), and when two sources are one store. One per engine, in
 * `engines/<name>.ts`, listed in `engines/registry.ts`; normalize.ts reads every source through them and
 * never names an engine.
 */
import type { Context } from './context.js';
import type { Field } from './fields.js';
import type { CaseCache } from './same-file.js';
import type { SourceEntry } from './sources.js';
import type { CommonSourceConfig } from './types.js';

/** A normalised source of some engine: the common settings, its `type`, and its own fields. */
export type EngineSourceConfig = CommonSourceConfig & { type: string };

/** What an engine's `validate` returns: the source's own fields (everything but `type` and the common settings). */
export type EngineFields<Config extends EngineSourceConfig> = Omit<Config, keyof CommonSourceConfig | 'type'>;

/** Two sources of this engine found to be one store: the one seen first, and the one now. */
export interface SameStore<Config extends EngineSourceConfig> {
  readonly first: string;
  readonly firstSource: Config;
  readonly entry: SourceEntry;
  readonly source: Config;
}

export interface ConfigEngine<Config extends EngineSourceConfig, Input = unknown> {
  /** Its `type` value (the engine's name). */
  readonly type: Config['type'];
  /** As people write it: "SQLite", "PostgreSQL". */
  readonly label: string;
  /** What a source of this engine is, in lists of the allowed types and providers: "a SQLite file". */
  readonly what: string;
  /** The bot's `provider` values that mean this engine (`[database.providers.<name>]`); the first is suggested. */
  readonly providers: readonly string[];
  /** Its keys in `[database.sources.<name>]`, in the order they are listed to the user. */
  readonly sourceFields: readonly Field[];
  /** Its keys in `[database.providers.<name>]`, and in that table's `parameters`. */
  readonly providerFields: readonly Field[];
  readonly parameterFields: readonly Field[];
  /**
   * How it names one of its keys to a source of another engine that holds it ("the file of a SQLite
   * source"); a key not listed is "a setting of <label> sources".
   */
  readonly keyDescriptions?: Readonly<Record<string, string>>;
  /**
   * The key its sources reach their store with and an example of it (`url`, `url = "postgres://..."`): a
   * fix for a source of this engine holding another engine's key says to use it. Left out: the fix says to
   * make the source of the other engine, or remove the key.
   */
  readonly reachedWith?: { readonly key: string; readonly example: string };
  /**
   * Where a password comes from for this engine (for the fix when a `password` key is written); left out:
   * its sources take no password at all.
   */
  readonly passwordFrom?: string;
  /**
   * The source's own fields, checked (one issue per bad key, naming the key, the source and the fix);
   * undefined after an issue. Keys of other engines and `password` are already reported.
   */
  validate(entry: SourceEntry, ctx: Context, baseDir: string): EngineFields<Config> | undefined;
  /**
   * A string equal for two sources of this engine exactly when they are one store (a file by device and
   * inode, a server's database and schema); null when a source is never shared (":memory:").
   */
  identity(source: Config, cache: CaseCache): string | null;
  /** Reports two sources on one store (or lets it pass where the engine makes that safe). */
  sameStore(conflict: SameStore<Config>, ctx: Context): void;
  /**
   * The operations a source of this engine serves, when it serves one family only (Redis: the caches);
   * left out: every operation. Such a source cannot be the default or a chat's source.
   */
  readonly servesOnly?: readonly string[];
  /** Type only: what a caller may pass in code for a source of this engine. */
  readonly input?: Input;
}
