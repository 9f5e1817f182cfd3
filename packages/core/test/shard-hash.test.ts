/**
 * The shard hash: rendezvous hashing over named sources with a hash defined bit for bit. Pinned values catch
 * any change (which would silently re-place chats); the distribution and the movement on adding a source are
 * the properties the choice was made for.
 */

import { describe, expect, it } from 'vitest';
import { chatScore, highWord, lowWord, RendezvousGroup, sourceSeed } from '../src/shard-hash.js';

/** A small seeded generator (mulberry32), so the test's chat ids are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chat ids as Telegram gives them: users positive, groups negative, supergroups -100xxxxxxxxxx. */
function chatIds(count: number, seed: number): number[] {
  const next = random(seed);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    const n = Math.floor(next() * 9_000_000_000) + 1;
    ids.push(kind === 0 ? n : kind === 1 ? -Math.floor(n / 10) - 1 : -1_000_000_000_000 - n);
  }
  return ids;
}

describe('the shard hash', () => {
  it("splits a chat id into its 64-bit two's complement words", () => {
    expect([lowWord(1), highWord(1)]).toEqual([1, 0]);
    expect([lowWord(-1), highWord(-1) >>> 0]).toEqual([0xffffffff, 0xffffffff]);
    expect([lowWord(2 ** 32), highWord(2 ** 32)]).toEqual([0, 1]);
    const id = -1001234567890;
    const big = BigInt.asUintN(64, BigInt(id));
    expect(lowWord(id)).toBe(Number(big & 0xffffffffn));
    expect(highWord(id) >>> 0).toBe(Number(big >> 32n));
    expect(highWord(Number.MIN_SAFE_INTEGER) >>> 0).toBe(
      Number(BigInt.asUintN(64, BigInt(Number.MIN_SAFE_INTEGER)) >> 32n),
    );
  });

  it('is pinned: the same seeds, scores and placements in every process and version', () => {
    // FNV-1a 32 reference values ("" and "a" are the published test vectors).
    expect(sourceSeed('')).toBe(0x811c9dc5);
    expect(sourceSeed('a')).toBe(0xe40c292c);
    // MurmurHash3 x86_32 of the 8 little-endian bytes, checked against an independent implementation
    // (imurmurhash 0.1.4: the bytes as a latin-1 string).
    expect(chatScore(0, 0, 0)).toBe(0x63852afc);
    expect(chatScore(1, 0, 0x1234)).toBe(0x1742a301);
    // -1001234567890 is 2e ed c4 e1 16 ff ff ff (int64, little-endian).
    expect(chatScore(lowWord(-1001234567890), highWord(-1001234567890), 99)).toBe(0x3ad79c87);
    const group = new RendezvousGroup(['s1', 's2', 's3', 's4']);
    const placed = [1, -1, 42, -1001234567890, 123456789, -987654321, 2 ** 40, -(2 ** 52)].map((id) => group.pick(id));
    expect(placed).toMatchInlineSnapshot(`
      [
        "s4",
        "s1",
        "s1",
        "s3",
        "s4",
        "s2",
        "s4",
        "s4",
      ]
    `);
  });

  it('does not depend on the order the sources are listed in', () => {
    const a = new RendezvousGroup(['s1', 's2', 's3', 's4']);
    const b = new RendezvousGroup(['s4', 's2', 's1', 's3']);
    for (const id of chatIds(2000, 7)) expect(b.pick(id)).toBe(a.pick(id));
  });

  it('spreads 100,000 random chat ids within 5% of even', () => {
    for (const sources of [
      ['s1', 's2', 's3'],
      ['s1', 's2', 's3', 's4'],
      ['alpha', 'beta', 'gamma', 'delta', 'eps'],
    ]) {
      const group = new RendezvousGroup(sources);
      const counts = new Map(sources.map((s) => [s, 0]));
      const ids = chatIds(100_000, 20);
      for (const id of ids) counts.set(group.pick(id), (counts.get(group.pick(id)) ?? 0) + 1);
      const even = ids.length / sources.length;
      for (const [source, count] of counts) {
        expect(Math.abs(count - even) / even, `${source}: ${count} of ${ids.length}`).toBeLessThan(0.05);
      }
    }
  });

  it('moves only the chats the added source takes (about 1/N), and removing it moves them back', () => {
    const three = new RendezvousGroup(['s1', 's2', 's3']);
    const four = new RendezvousGroup(['s1', 's2', 's3', 's4']);
    const ids = chatIds(100_000, 33);
    let moved = 0;
    for (const id of ids) {
      const before = three.pick(id);
      const after = four.pick(id);
      if (before !== after) {
        moved++;
        expect(after).toBe('s4');
      }
    }
    expect(Math.abs(moved / ids.length - 0.25)).toBeLessThan(0.0125);
  });
});
