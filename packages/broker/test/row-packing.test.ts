import { describe, expect, it } from 'vitest';
import { RowPacker, RowUnpacker } from '../src/row-packing.js';

/** One data port: what the worker packs goes through a real structured clone and is rebuilt as the main thread does. */
function port(): (values: unknown[]) => unknown[] {
  const packer = new RowPacker();
  const unpacker = new RowUnpacker();
  return (values) => {
    const copy = [...values];
    const rows = packer.pack(copy);
    const received = structuredClone({ values: copy, rows });
    if (received.rows !== null) unpacker.unpack(received.values, received.rows);
    return received.values;
  };
}

const roundTrip = (values: unknown[]) => port()(values);

describe('rows packed for the data port', () => {
  it('rebuilds rows, lists of rows and everything else exactly as structured clone alone would', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const row = {
      chat_id: -100,
      message_id: '7',
      text: 'hi',
      date: at,
      media: null,
      flag: true,
      big: 2n,
      u: undefined,
    };
    const values = [
      row,
      [row, { ...row, message_id: '8', text: null }],
      null,
      1,
      'text',
      [],
      [1, 2],
      { nested: { a: 1 } },
      { blob: new Uint8Array([1, 2]) },
      [row, { other: 1 }],
      Object.assign(Object.create(null), { a: 1 }),
      { __proto__x: 1, '0': 'zero', 'with space': 2 },
      undefined,
    ];
    const expected = structuredClone(values);
    const got = roundTrip(values);
    expect(got).toEqual(expected);
    // Same keys in the same order, undefined values kept as keys.
    expect(got.map((v) => (v !== null && typeof v === 'object' ? Object.keys(v) : v))).toEqual(
      expected.map((v) => (v !== null && typeof v === 'object' ? Object.keys(v) : v)),
    );
    expect((got[0] as { date: Date }).date).toBeInstanceOf(Date);
  });

  it('packs plain rows into flat lists with their keys once, and leaves the rest untouched', () => {
    const values: unknown[] = [
      { a: 1, b: 'x' },
      [
        { a: 2, b: 'y' },
        { a: 3, b: 'z' },
      ],
      { n: { deep: 1 } },
      5,
    ];
    const packer = new RowPacker();
    const rows = packer.pack(values);
    expect(rows).toEqual({ added: [['a', 'b']], at: [0, 0, -1, 1, 0, 2] });
    expect(values).toEqual([[1, 'x'], [2, 'y', 3, 'z'], { n: { deep: 1 } }, 5]);
    // The next reply on the port names the key list by number; only a new one travels.
    const next: unknown[] = [{ c: 1 }, { a: 4, b: 'w' }];
    expect(packer.pack(next)).toEqual({ added: [['c']], at: [0, 1, -1, 1, 0, -1] });
    expect(packer.pack([{ a: 5, b: 'v' }])).toEqual({ added: null, at: [0, 0, -1] });
  });

  it('rebuilds the rows of later replies from key lists sent once, in the order the port delivers them', () => {
    const send = port();
    const shapes = [{ a: 1, b: 'x' }, { c: true }, { a: 2, b: 'y' }, [{ c: false }, { c: true }]];
    for (let round = 0; round < 3; round++) {
      for (const value of shapes) expect(send([value, 7])).toEqual([value, 7]);
    }
  });

  it('never packs a row with a __proto__ key (an object literal would set the prototype)', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const got = roundTrip([evil]);
    expect(Object.keys(got[0] as object)).toEqual(['__proto__', 'a']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
