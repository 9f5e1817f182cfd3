/**
 * The checks of a source that depend on its engine but are written once for every engine: which engine its
 * `type` (or `provider`) names, keys that belong to another engine, a password written in the file, and two
 * sources on one store. Each engine supplies its words (engines/<name>.ts); nothing here names an engine.
 */
import { type Context, issue } from './context.js';
import type { ConfigEngine } from './engine.js';
import {
  CONFIG_ENGINES,
  configEngineNamed,
  configEngineOf,
  DEFAULT_SOURCE_TYPE,
  ENGINE_LIST,
  SOURCE_TYPES,
  type SourceConfig,
} from './engines/registry.js';
import type { CaseCache } from './same-file.js';
import type { SourceEntry } from './sources.js';
import { closestName, describe, keyOf, listText } from './text.js';

type AnyEngine = ConfigEngine<SourceConfig>;

const DEFAULT_ENGINE = CONFIG_ENGINES[DEFAULT_SOURCE_TYPE] as unknown as AnyEngine;

function keyPathOf(entry: SourceEntry, field: string): string {
  return keyOf(entry.picked.paths[field] ?? [...entry.at, field]);
}

/** The engine a source's `type` names (left out: the default type); undefined after an issue. */
export function engineOfEntry(entry: SourceEntry, ctx: Context): AnyEngine | undefined {
  const type = entry.picked.values.type ?? DEFAULT_SOURCE_TYPE;
  const engine = configEngineNamed(type);
  if (engine !== undefined) return engine;
  const typo = typeof type === 'string' ? closestName(type, SOURCE_TYPES) : undefined;
  const allowed = ENGINE_LIST.map(
    (e) => `"${e.type}" (${e.what}${e === DEFAULT_ENGINE ? '; the default when type is left out' : ''})`,
  );
  const others = ENGINE_LIST.filter((e) => e !== DEFAULT_ENGINE).map(
    (e) => `type = "${e.type}" for a ${e.label} source`,
  );
  issue(
    ctx,
    keyPathOf(entry, 'type'),
    `unsupported source type ${describe(type)}: the allowed types are ${listText(allowed)}.`,
    typo !== undefined
      ? `did you mean type = "${typo}"?`
      : `remove type for ${DEFAULT_ENGINE.what}, or set ${others.join(', or ')}.`,
  );
  return undefined;
}

/** How a source's engine is written where it is: `type = "postgresql"`, `type left out or "sqlite"`, `provider = "sqlite3"`. */
function typeWritten(entry: SourceEntry, engine: AnyEngine): string {
  if (entry.typeKey === 'provider') return `provider = "${engine.providers[0]}"`;
  return engine === DEFAULT_ENGINE ? `type left out or "${engine.type}"` : `type = "${engine.type}"`;
}

/** What to write to make a source of `holder` one of `owner`: [imperative, gerund]. */
function howToMake(entry: SourceEntry, holder: AnyEngine, owner: AnyEngine): [string, string] {
  if (entry.typeKey === 'provider') {
    return [`set provider = "${owner.providers[0]}"`, `setting provider = "${owner.providers[0]}"`];
  }
  if (owner === DEFAULT_ENGINE) return ['remove type', 'removing type'];
  if (holder === DEFAULT_ENGINE) return [`add type = "${owner.type}"`, `adding type = "${owner.type}"`];
  return [`set type = "${owner.type}"`, `setting type = "${owner.type}"`];
}

/** Every field an engine reads, in any table. */
function fieldsOf(engine: AnyEngine): Set<string> {
  return new Set([...engine.sourceFields, ...engine.providerFields, ...engine.parameterFields].map((f) => f.field));
}

/**
 * A key of another engine on this source: one issue per key, naming the engine it belongs to and how to
 * make the source of that engine, or to remove the key.
 */
export function reportOtherEnginesKeys(entry: SourceEntry, engine: AnyEngine, ctx: Context): void {
  const { name, at, picked } = entry;
  const own = fieldsOf(engine);
  const seen = new Set<string>();
  for (const other of ENGINE_LIST) {
    if (other === engine) continue;
    for (const field of fieldsOf(other)) {
      if (own.has(field) || seen.has(field) || picked.values[field] === undefined) continue;
      seen.add(field);
      const owners = ENGINE_LIST.filter((e) => e !== engine && fieldsOf(e).has(field));
      const written = picked.names[field] ?? field;
      const description =
        owners.length === 1
          ? (other.keyDescriptions?.[field] ?? `a setting of ${other.label} sources`)
          : `a setting of ${listText(owners.map((e) => e.label))} sources`;
      const reached = engine.reachedWith;
      const ways = owners.map((owner) => howToMake(entry, engine, owner));
      const ownersLabel = owners.length === 1 ? `a ${other.label}` : 'such a';
      issue(
        ctx,
        keyPathOf(entry, field),
        `"${written}" is ${description}, but source "${name}" is a ${engine.label} source (${typeWritten(entry, engine)})${reached === undefined ? '' : `, which connects with ${reached.key}`}.`,
        reached === undefined
          ? `${ways.map((w) => w[0]).join(' or ')} under [${keyOf(at)}] to make it ${ownersLabel} source, or remove ${written}.`
          : `remove ${written} and set ${reached.example}, or make "${name}" ${ownersLabel} source by ${ways.map((w) => w[1]).join(' or ')}.`,
      );
    }
  }
}

/** A `password` key: never in a file. Where the engine takes a password, the fix says where it comes from. */
export function reportPassword(entry: SourceEntry, engine: AnyEngine, ctx: Context): void {
  if (entry.picked.values.password === undefined) return;
  const written = entry.picked.names.password ?? 'password';
  if (engine.passwordFrom === undefined) {
    issue(
      ctx,
      keyPathOf(entry, 'password'),
      `"${written}" is not a setting of ${engine.label} sources, and never a password in the file.`,
      `remove ${written}.`,
    );
    return;
  }
  issue(
    ctx,
    keyPathOf(entry, 'password'),
    'never a password in the file: a config file is copied, committed and logged.',
    `remove ${written} and ${engine.passwordFrom}.`,
  );
}

/**
 * Two sources on one store (one file after `..`, symlinks and case; one schema of one database): each
 * engine says whether and how that is refused (CONFIG_INVALID naming both). Within one configuration two
 * names for one store are a mistake: each source runs its own worker, pool and write ordering, and is
 * migrated on its own.
 */
export function checkSameStores(
  entries: readonly SourceEntry[],
  sources: ReadonlyMap<string, SourceConfig>,
  ctx: Context,
): void {
  const cache: CaseCache = new Map();
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const source = sources.get(entry.name);
    if (source === undefined) continue;
    const engine = configEngineOf(source);
    const id = engine.identity(source, cache);
    if (id === null) continue;
    const key = `${source.type}\u0000${id}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, entry.name);
      continue;
    }
    engine.sameStore({ first, firstSource: sources.get(first) as SourceConfig, entry, source }, ctx);
  }
}
