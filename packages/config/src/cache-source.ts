/**
 * `[database] cache = "<source>"`: the source the bot's cache operations go to (an explicit dataSource on a
 * call still wins). And the rule for sources that serve one family of operations only (Redis: the caches):
 * they cannot be the default source or a chat's source, whose every operation they would be asked.
 */
import { type Context, issue } from './context.js';
import { configEngineOf } from './engines/registry.js';
import type { Picked } from './fields.js';
import { describe, keyOf } from './text.js';
import type { SourceConfig } from './types.js';

/** The operations a source serves when it serves one family only; undefined: every operation. */
export function servedOnly(source: SourceConfig): readonly string[] | undefined {
  return configEngineOf(source).servesOnly;
}

/** Checks `cache`, and refuses a one-family source as default or in chatMapping. Returns the cache source. */
export function validateCacheSource(
  picked: Picked,
  sources: ReadonlyMap<string, SourceConfig>,
  names: readonly string[],
  defaultName: string | undefined,
  chatMapping: Readonly<Record<string, string>>,
  ctx: Context,
): string | undefined {
  const defined = [...sources.keys()].map((n) => JSON.stringify(n)).join(', ');
  const firstCacheOnly = [...sources].find(([, s]) => servedOnly(s) !== undefined)?.[0];
  const refuse = (name: string, key: string, as: string, fix: string) => {
    const source = sources.get(name) as SourceConfig;
    const engine = configEngineOf(source);
    issue(
      ctx,
      key,
      `source "${name}" is ${engine.label} (${engine.what}): it serves only ${engine.servesOnly?.join(', ')}, so it cannot be ${as}.`,
      fix,
    );
  };
  if (defaultName !== undefined && sources.has(defaultName) && servedOnly(sources.get(defaultName) as SourceConfig)) {
    const sql = [...sources].find(([, s]) => servedOnly(s) === undefined)?.[0];
    refuse(
      defaultName,
      keyOf(['database', picked.names.default ?? 'default']),
      'the default source',
      `set default to a SQLite, PostgreSQL or MySQL source${sql === undefined ? '' : ` (e.g. "${sql}")`}, and cache = "${defaultName}" to send the caches to it.`,
    );
  }
  for (const [chat, target] of Object.entries(chatMapping)) {
    const source = sources.get(target);
    if (source !== undefined && servedOnly(source) !== undefined) {
      refuse(
        target,
        keyOf(['database', picked.names.chatMapping ?? 'chatMapping', chat]),
        "a chat's source",
        `map chat ${chat} to a SQL source; the caches go to "${target}" with cache = "${target}" under [database].`,
      );
    }
  }
  const raw = picked.values.cache;
  if (raw === undefined) return undefined;
  const written = picked.names.cache ?? 'cache';
  const key = keyOf(picked.paths.cache ?? ['database', written]);
  // A source that is defined but failed its own checks has its issues already.
  if (typeof raw === 'string' && names.includes(raw) && !sources.has(raw)) return undefined;
  if (typeof raw !== 'string' || !sources.has(raw)) {
    issue(
      ctx,
      key,
      typeof raw === 'string'
        ? `names source "${raw}", which is not defined. Defined sources: ${defined}.`
        : `must be the name of a source, got ${describe(raw)}.`,
      `set ${written} = ${JSON.stringify(firstCacheOnly ?? 'cache')} naming a defined source (a Redis source, or any other).`,
    );
    return undefined;
  }
  return raw;
}
