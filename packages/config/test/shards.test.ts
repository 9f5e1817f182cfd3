/**
 * `[database.shards.<name>]` and `[database] system`: the normalised shape, and every problem reported at its
 * key, naming the source and the fix.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { configError, issueAt } from './helpers.js';

const BASE = path.resolve('/srv/bot');

function group(extra: Record<string, unknown> = {}, shards: unknown = { chats: { sources: ['s1', 's2', 's3'] } }) {
  return {
    default: 'chats',
    sources: {
      s1: { path: 's1.db' },
      s2: { path: 's2.db' },
      s3: { type: 'postgresql', url: 'postgres://bot@db/bot' },
      archive: { path: 'archive.db', readonly: true },
    },
    shards,
    ...extra,
  };
}

const errorFor = (database: unknown) => configError(() => normalizeConfig({ database }, { baseDir: BASE }));

describe('shard groups', () => {
  it('normalise: default names the group, its first source is the default source and the system source', () => {
    const { config, warnings } = normalizeConfig({ database: group() }, { baseDir: BASE });
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      default: 's1',
      defaultGroup: 'chats',
      system: 's1',
      shards: { chats: { sources: ['s1', 's2', 's3'] } },
    });
    // Mixed engines in one group; a normalised configuration validates again to itself.
    expect(config.sources.s3?.type).toBe('postgresql');
    expect(validateDatabaseConfig(config).config).toEqual(config);
  });

  it('take system and previous', () => {
    const { config } = normalizeConfig(
      { database: group({ system: 's2' }, { chats: { sources: ['s1', 's2', 's3'], previous: ['s1', 's2'] } }) },
      { baseDir: BASE },
    );
    expect(config.system).toBe('s2');
    expect(config.shards?.chats).toEqual({ sources: ['s1', 's2', 's3'], previous: ['s1', 's2'] });
  });

  it('refuse an undefined source, naming it, the group and the fix', () => {
    const issue = issueAt(errorFor(group({}, { chats: { sources: ['s1', 's9'] } })), 'database.shards.chats.sources');
    expect(issue.message).toContain('"s9"');
    expect(issue.message).toContain('"chats"');
    expect(issue.fix).toContain('[database.sources.s9]');
  });

  it('refuse a readonly source: chats hashed to it would write there', () => {
    const issue = issueAt(
      errorFor(group({}, { chats: { sources: ['s1', 'archive'] } })),
      'database.shards.chats.sources',
    );
    expect(issue.message).toContain('"archive" is readonly');
    expect(issue.fix).toContain('Remove readonly from [database.sources.archive]');
  });

  it('refuse a source in two groups, a source listed twice, an empty list and a missing one', () => {
    const two = errorFor(group({}, { chats: { sources: ['s1', 's2'] }, more: { sources: ['s2', 's3'] } }));
    expect(issueAt(two, 'database.shards.more.sources').message).toContain('"s2" is in shard group "chats" too');
    expect(
      issueAt(errorFor(group({}, { chats: { sources: ['s1', 's1'] } })), 'database.shards.chats.sources').message,
    ).toContain('listed twice');
    expect(issueAt(errorFor(group({}, { chats: { sources: [] } })), 'database.shards.chats.sources').fix).toContain(
      'names of defined sources',
    );
    expect(issueAt(errorFor(group({}, { chats: {} })), 'database.shards.chats.sources').message).toContain(
      'has no sources',
    );
  });

  it('refuse a group named like a source, an unknown key, and a system that is not defined', () => {
    expect(issueAt(errorFor(group({}, { s1: { sources: ['s2'] } })), 'database.shards.s1').fix).toContain(
      'Rename the group',
    );
    expect(
      issueAt(errorFor(group({}, { chats: { sources: ['s1'], weights: [1] } })), 'database.shards.chats.weights')
        .message,
    ).toContain('unknown key');
    expect(issueAt(errorFor(group({ system: 'nope' })), 'database.system').message).toContain(
      'must name a defined source',
    );
    // A readonly system source is accepted, as a readonly default is: its writes are refused when made.
    expect(normalizeConfig({ database: group({ system: 'archive' }) }, { baseDir: BASE }).config.system).toBe(
      'archive',
    );
  });

  it('warn about a group default does not name (an error in strict mode)', () => {
    const db = { ...group(), default: 's1' };
    const { warnings } = normalizeConfig({ database: db }, { baseDir: BASE, strict: false });
    expect(warnings.map((w) => w.key)).toEqual(['database.shards.chats']);
    expect(issueAt(errorFor(db), 'database.shards.chats').fix).toContain('Set default = "chats"');
  });
});
