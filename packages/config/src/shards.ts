/**
 * `[database.shards.<name>]` (shard groups) and `[database] system`: which sources a group spreads chats
 * over, and which source holds the system-wide data. Every problem names its key, the source and the fix.
 */
import { type Context, issue, warn } from './context.js';
import { pickFields, SHARD_GROUP_RULES } from './fields.js';
import { describe, isTable, keyOf } from './text.js';
import type { ShardGroupConfig, SourceConfig } from './types.js';

export interface ShardsInput {
  /** The raw `shards` value and the spelling/path it was written at. */
  raw: unknown;
  sourceNames: readonly string[];
  sources: ReadonlyMap<string, SourceConfig>;
}

/** The groups, each checked; a group with a problem is left out (the issue is recorded). */
export function validateShards(
  { raw, sourceNames, sources }: ShardsInput,
  ctx: Context,
): Map<string, ShardGroupConfig> {
  const groups = new Map<string, ShardGroupConfig>();
  if (raw === undefined) return groups;
  const example = '[database.shards.chats] with sources = ["s1", "s2", "s3"]';
  if (!isTable(raw)) {
    issue(ctx, 'database.shards', `must be a table of shard groups, got ${describe(raw)}.`, `write ${example}.`);
    return groups;
  }
  const memberOf = new Map<string, string>();
  for (const [name, table] of Object.entries(raw)) {
    const at = ['database', 'shards', name];
    if (sourceNames.includes(name)) {
      issue(
        ctx,
        keyOf(at),
        `the shard group "${name}" has the name of a source; default = "${name}" would be ambiguous.`,
        `rename the group, e.g. [database.shards.${keyOf([`${name}-shards`])}].`,
      );
      continue;
    }
    if (!isTable(table)) {
      issue(ctx, keyOf(at), `must be a table with sources = [...], got ${describe(table)}.`, `write ${example}.`);
      continue;
    }
    const picked = pickFields(table, SHARD_GROUP_RULES, at, ctx);
    const members = sourceList(picked.values.sources, [...at, 'sources'], name, sourceNames, ctx, true);
    const previous =
      picked.values.previous === undefined
        ? undefined
        : sourceList(picked.values.previous, [...at, 'previous'], name, sourceNames, ctx, false);
    if (members === undefined || (picked.values.previous !== undefined && previous === undefined)) continue;
    let ok = true;
    for (const source of members) {
      const other = memberOf.get(source);
      if (other !== undefined) {
        ok = false;
        issue(
          ctx,
          keyOf([...at, 'sources']),
          `source "${source}" is in shard group "${other}" too; a chat hashed to it would have two owners' rules.`,
          `keep "${source}" in one group only.`,
        );
      }
      memberOf.set(source, name);
      if (sources.get(source)?.readonly === true) {
        ok = false;
        issue(
          ctx,
          keyOf([...at, 'sources']),
          `source "${source}" is readonly, but chats hashed to it would write there.`,
          `remove readonly from [database.sources.${keyOf([source])}], or take "${source}" out of the group.`,
        );
      }
    }
    if (ok) groups.set(name, previous === undefined ? { sources: members } : { sources: members, previous });
  }
  return groups;
}

/** A non-empty list of distinct defined source names, or undefined after an issue. */
function sourceList(
  value: unknown,
  at: readonly string[],
  group: string,
  sourceNames: readonly string[],
  ctx: Context,
  required: boolean,
): string[] | undefined {
  const key = keyOf(at);
  const defined = sourceNames.map((n) => JSON.stringify(n)).join(', ');
  if (value === undefined && required) {
    issue(ctx, key, `shard group "${group}" has no sources.`, `add ${at[at.length - 1]} = [${defined}] (two or more).`);
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) {
    issue(
      ctx,
      key,
      `must be a non-empty list of source names, got ${describe(value)}.`,
      `write ${at[at.length - 1]} = ["s1", "s2"] with names of defined sources (${defined}).`,
    );
    return undefined;
  }
  const names = value as string[];
  const undefinedNames = names.filter((n) => !sourceNames.includes(n));
  if (undefinedNames.length > 0) {
    issue(
      ctx,
      key,
      `shard group "${group}" names source ${undefinedNames.map((n) => `"${n}"`).join(', ')}, which is not defined (defined sources: ${defined}).`,
      `define [database.sources.${keyOf([undefinedNames[0] as string])}], or remove it from the list.`,
    );
    return undefined;
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    issue(ctx, key, `source "${twice}" is listed twice.`, `list each source once.`);
    return undefined;
  }
  return [...names];
}

/** `system`: a defined source; default: the default source. */
export function validateSystem(
  raw: unknown,
  written: string,
  defaultName: string | undefined,
  sourceNames: readonly string[],
  ctx: Context,
): string | undefined {
  if (raw === undefined) return defaultName;
  const key = keyOf(['database', written]);
  const defined = sourceNames.map((n) => JSON.stringify(n)).join(', ');
  if (typeof raw !== 'string' || !sourceNames.includes(raw)) {
    issue(
      ctx,
      key,
      `must name a defined source, got ${describe(raw)} (defined sources: ${defined}).`,
      `set system = ${JSON.stringify(defaultName ?? sourceNames[0] ?? 'primary')} (the default source), or another defined source.`,
    );
    return undefined;
  }
  // A readonly system source is allowed, as a readonly default is (an inspection, an archive): its
  // system-wide writes are refused with READONLY_SOURCE when made.
  return raw;
}

/** A group `default` does not name is never routed to by hash: almost surely a mistake. */
export function warnUnusedGroups(
  groups: ReadonlyMap<string, ShardGroupConfig>,
  defaultGroup: string | undefined,
  ctx: Context,
): void {
  for (const name of groups.keys()) {
    if (name === defaultGroup) continue;
    warn(
      ctx,
      keyOf(['database', 'shards', name]),
      `shard group "${name}" is not the default, so no chat is hashed over it.`,
      `set default = "${name}" in [database], or remove the group.`,
      true,
    );
  }
}
