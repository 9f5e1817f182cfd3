import { describe, expect, it } from 'vitest';
import { StatementCache } from '../src/statement-cache.js';

const keys = (c: StatementCache<number>, all: string[]) => all.filter((k) => c.get(k) !== undefined);

describe('the statement cache (least recently used out)', () => {
  it('evicts the least recently used text, whether the last use was a set or a get', () => {
    const c = new StatementCache<number>(3);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now the youngest
    expect(c.get('a')).toBe(1); // again: still the youngest
    c.set('d', 4); // evicts b, the oldest
    expect(c.evictions).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.get('c')).toBe(3);
    c.set('e', 5); // evicts a (c and d were used after it)
    expect(c.evictions).toBe(2);
    expect(keys(c, ['a', 'b', 'c', 'd', 'e'])).toEqual(['c', 'd', 'e']);
  });

  it('keeps a text used over and over while others come and go', () => {
    const c = new StatementCache<number>(2);
    c.set('hot', 0);
    for (let i = 0; i < 10; i++) {
      expect(c.get('hot')).toBe(0);
      c.set(`cold${i}`, i);
    }
    expect(c.get('hot')).toBe(0);
    expect(c.evictions).toBe(9);
  });
});
