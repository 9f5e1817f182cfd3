/**
 * Adding a shard never moves data by itself. A chat with no mapping and no recorded placement is found by
 * the hash over the group's membership, so changing that membership in one step would send ~1/N of the
 * chats to a shard that does not hold them. A new configuration must therefore keep the membership the
 * hash runs over: the new sources go in `sources`, the old membership in `previous`, and
 * `botdb shards apply` moves the chats (recording each placement) before `previous` is removed.
 */
import type { DatabaseConfig } from '@pkg/config';
import { ConfigError } from '@pkg/errors';

/** The sources unplaced chats are hashed over (a source default: that one source). */
export function hashMembership(config: DatabaseConfig): string[] {
  const group = config.defaultGroup === undefined ? undefined : config.shards?.[config.defaultGroup];
  return [...(group === undefined ? [config.default] : (group.previous ?? group.sources))].sort();
}

/**
 * Refuses a reconfiguration that would change the hash membership, except the last step of a rebalance:
 * dropping `previous` once apply has moved the chats (the new hash membership is the running `sources`).
 */
export function refuseRehashing(running: DatabaseConfig, next: DatabaseConfig): void {
  const before = hashMembership(running);
  const after = hashMembership(next);
  if (before.join('\0') === after.join('\0')) return;
  const runningGroup = running.defaultGroup === undefined ? undefined : running.shards?.[running.defaultGroup];
  const finishing =
    runningGroup?.previous !== undefined && [...runningGroup.sources].sort().join('\0') === after.join('\0');
  if (finishing) return;
  const list = (names: string[]) => `[${names.map((n) => JSON.stringify(n)).join(', ')}]`;
  const group = next.defaultGroup ?? '<group>';
  throw new ConfigError([
    {
      key: `database.shards.${group}`,
      message:
        `the chats without a recorded placement are hashed over ${list(before)} now and would be hashed over ${list(after)}; ` +
        'those whose owner changes would be read and written where their data is not (adding a shard never moves data by itself).',
      fix: `keep the old membership as previous = ${list(before)} in [database.shards.${group}], run botdb shards apply, then remove previous.`,
    },
  ]);
}

/**
 * The settings key (on the system source) recording the membership the group's hash runs over and its
 * `sources`, so a process that starts with a configuration that changed both in one step (a shard added
 * without `previous` while the bot was stopped) is refused by `ready()` as a running bot's reconfigure is.
 */
export function membershipKey(group: string): string {
  return `botdb-shard-membership:${group}`;
}

interface RecordedMembership {
  hash: string[];
  sources: string[];
}

/** What `config` records for its default group, or undefined when `default` names a source. */
export function membershipRecord(config: DatabaseConfig): { key: string; value: string } | undefined {
  const name = config.defaultGroup;
  const group = name === undefined ? undefined : config.shards?.[name];
  if (name === undefined || group === undefined) return undefined;
  const record: RecordedMembership = { hash: hashMembership(config), sources: [...group.sources].sort() };
  return { key: membershipKey(name), value: JSON.stringify(record) };
}

/**
 * Checks `config` against the membership recorded by an earlier process (ConfigError on a re-hash);
 * a record that cannot be parsed is ignored (it is rewritten).
 */
export function checkRecordedMembership(config: DatabaseConfig, recorded: string | null): void {
  if (recorded === null || config.defaultGroup === undefined) return;
  let parsed: RecordedMembership;
  try {
    parsed = JSON.parse(recorded) as RecordedMembership;
    if (!Array.isArray(parsed.hash) || !Array.isArray(parsed.sources)) return;
  } catch {
    return;
  }
  const group = config.defaultGroup;
  const sameHash = parsed.hash.join('\0') === parsed.sources.join('\0');
  const running: DatabaseConfig = {
    ...config,
    default: parsed.hash[0] ?? config.default,
    shards: {
      [group]: sameHash ? { sources: parsed.sources } : { sources: parsed.sources, previous: parsed.hash },
    },
  };
  refuseRehashing(running, config);
}
