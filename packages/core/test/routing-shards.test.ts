/**
 * Routing with a shard group: explicit dataSource > chatMapping > recorded placement > the group's hash >
 * the default source; system-wide data on the system source, the cache on the cache source. Pure routing (no
 * source is opened): the Router is what every call goes through.
 */
import { validateDatabaseConfig } from '@pkg/config';
import { describeRoute, Router } from '@pkg/core';
import { describe, expect, it } from 'vitest';
import { RendezvousGroup } from '../src/shard-hash.js';

const file = (name: string) => ({ path: `/tmp/botdb-routing-shards-${name}.db` });

function config(extra: Record<string, unknown> = {}) {
  return validateDatabaseConfig({
    default: 'chats',
    sources: { s1: file('s1'), s2: file('s2'), s3: file('s3'), meta: file('meta'), archive: file('archive') },
    shards: { chats: { sources: ['s1', 's2', 's3'] } },
    chatMapping: { '-100': 'archive' },
    ...extra,
  }).config;
}

describe('routing with a shard group', () => {
  const hash = new RendezvousGroup(['s1', 's2', 's3']);

  it('normalises default = "<group>" to the group and its first source', () => {
    const c = config();
    expect(c.default).toBe('s1');
    expect(c.defaultGroup).toBe('chats');
    expect(c.system).toBe('s1');
    expect(c.shards).toEqual({ chats: { sources: ['s1', 's2', 's3'] } });
    // A normalised configuration validates again to itself (the wrapper validates what it is given).
    expect(validateDatabaseConfig(c).config).toEqual(c);
  });

  it('takes dataSource, then chatMapping, then the placement, then the hash', () => {
    const placements = new Map<number, string>([
      [-100, 's2'],
      [-200, 'meta'],
    ]);
    const router = new Router(config(), undefined, { placementOf: (id) => placements.get(id) });
    // The mapping beats a recorded placement; an explicit dataSource beats both.
    expect(router.explain({ chatId: -100 })).toMatchObject({ source: 'archive', reason: 'chatMapping' });
    expect(router.explain({ chatId: -100, dataSource: 's3' })).toMatchObject({ source: 's3', reason: 'dataSource' });
    expect(router.explain({ chatId: -200 })).toMatchObject({ source: 'meta', reason: 'placement' });
    for (const chatId of [-300, 1, 42, -1001234567890]) {
      const d = router.explain({ chatId, write: true, operation: 'saveChatMessage' });
      expect(d).toEqual({ source: hash.pick(chatId), reason: 'hash', readonly: false, group: 'chats' });
      expect(router.route({ chatId })).toBe(d.source);
      expect(describeRoute(d)).toBe(`shard ${d.source} of group chats (hash)`);
    }
    placements.set(-300, 's3');
    const placed = router.explain({ chatId: -300 });
    expect(describeRoute(placed)).toBe('shard s3 of group chats (placement)');
    expect(router.ownerOf(-300)).toBe('s3');
  });

  it('sends system-wide data to the system source, the cache to it too, spam of every chat to the default', () => {
    const router = new Router(config({ system: 'meta' }));
    expect(router.explain({ operation: 'getSetting' })).toMatchObject({ source: 'meta', reason: 'system' });
    expect(router.explain({ operation: 'addDelayedTask', write: true })).toMatchObject({ source: 'meta' });
    expect(router.explain({ operation: 'getMediaAttachment' })).toMatchObject({ source: 'meta' });
    expect(router.explain({ operation: 'setCacheEntry', write: true })).toMatchObject({
      source: 'meta',
      reason: 'cache',
    });
    expect(router.explain({ operation: 'getSpamMessages' })).toMatchObject({ source: 's1', reason: 'default' });
    expect(router.explain({ operation: 'getSetting', dataSource: 's2' })).toMatchObject({ source: 's2' });
  });

  it('routes by the previous membership while a rebalance is pending, and targets the new one', () => {
    const grown = config({
      sources: { s1: file('s1'), s2: file('s2'), s3: file('s3'), s4: file('s4') },
      chatMapping: {},
      shards: { chats: { sources: ['s1', 's2', 's3', 's4'], previous: ['s1', 's2', 's3'] } },
    });
    const router = new Router(grown);
    const four = new RendezvousGroup(['s1', 's2', 's3', 's4']);
    let differ = 0;
    for (let chatId = -5000; chatId < 5000; chatId += 7) {
      expect(router.ownerOf(chatId)).toBe(hash.pick(chatId));
      expect(router.targetOf(chatId)).toBe(four.pick(chatId));
      if (router.ownerOf(chatId) !== router.targetOf(chatId)) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('without a group, a chat with no mapping or placement goes to the default source', () => {
    const c = validateDatabaseConfig({ default: 'primary', sources: { primary: file('p') } }).config;
    expect(c.system).toBe('primary');
    expect(new Router(c).explain({ chatId: 5 })).toEqual({ source: 'primary', reason: 'default', readonly: false });
  });
});
