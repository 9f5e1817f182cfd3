/**
 * Rows packed for the data port. Structured clone writes every key of every row object and the main thread
 * reads them back one by one: for a 27-column message row that is two thirds of the main thread's work per
 * point read (callgrind: 17.9k instructions to deserialize a row as an object, 7.7k as an array, plus 0.8k to
 * build the object from it). So the worker sends a batch's flat rows as arrays of values with their keys once
 * per port (numbered; a reply names them by number), and the main thread builds each row with a function
 * generated once per key list.
 *
 * Only plain rows are packed: an object of Object.prototype whose values are primitives, null or Dates (what
 * structured clone copies as they are), and arrays of such rows with one key list. Anything else (nested
 * objects, Buffers, a key `__proto__`, rows of different keys in one list) travels as it is.
 */

/**
 * What a packed reply carries beside its values. Key lists travel once per data port: the worker numbers them
 * in the order it first sends them (`added`), the main thread appends them to its own table in the same order
 * (the port keeps the replies in order), and every packed value names its key list by that number.
 */
export interface PackedRows {
  /** Key lists sent for the first time on this port, numbered on from the ones sent before. */
  added: string[][] | null;
  /** Flat triples: value index, key list number, number of rows (-1: the value was one row, not a list). */
  at: number[];
}

const ONE_ROW = -1;
const objectProto = Object.prototype;
/** Key lists numbered per port: a bot has a few dozen row shapes; rows of shapes past this travel unpacked. */
const MAX_SHAPES = 512;

/** The worker's side of one data port. */
export class RowPacker {
  /** Key lists already sent on this port, by number. */
  private readonly sent: string[][] = [];
  private lastKeys: string[] | null = null;
  private lastShape = -1;

  /**
   * Packs the plain rows of `values` in place (each becomes one flat array of values); returns what the
   * receiver needs to rebuild them, or null when nothing was packed.
   */
  pack(values: unknown[]): PackedRows | null {
    let packed: PackedRows | null = null;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (typeof value !== 'object' || value === null) continue;
      let keys: string[];
      let flat: unknown[];
      let count: number;
      if (Array.isArray(value)) {
        if (value.length === 0) continue;
        const first = value[0];
        if (!isPlainRow(first)) continue;
        keys = Object.keys(first);
        if (!safeKeys(keys)) continue;
        flat = [];
        let ok = true;
        for (let r = 0; r < value.length && ok; r++) {
          const row = value[r];
          ok = isPlainRow(row) && (r === 0 || sameKeys(Object.keys(row), keys)) && copyValues(row, keys, flat);
        }
        if (!ok) continue;
        count = value.length;
      } else {
        if (!isPlainRow(value)) continue;
        keys = Object.keys(value);
        if (!safeKeys(keys)) continue;
        flat = [];
        if (!copyValues(value, keys, flat)) continue;
        count = ONE_ROW;
      }
      packed ??= { added: null, at: [] };
      const shape = this.shapeOf(keys, packed);
      if (shape < 0) continue;
      values[i] = flat;
      packed.at.push(i, shape, count);
    }
    return packed !== null && packed.at.length > 0 ? packed : null;
  }

  /** The number of `keys`, numbered now (and added to `packed`) if new; -1 when the table is full. */
  private shapeOf(keys: string[], packed: PackedRows): number {
    if (this.lastKeys !== null && sameKeys(keys, this.lastKeys)) return this.lastShape;
    let shape = this.sent.findIndex((k) => sameKeys(keys, k));
    if (shape < 0) {
      if (this.sent.length >= MAX_SHAPES) return -1;
      shape = this.sent.push(keys) - 1;
      if (packed.added === null) packed.added = [keys];
      else packed.added.push(keys);
    }
    this.lastKeys = this.sent[shape] as string[];
    this.lastShape = shape;
    return shape;
  }
}

/** The main thread's side of one data port: call `unpack` for every reply, in the order they come. */
export class RowUnpacker {
  private readonly builders: RowBuilder[] = [];

  /** Rebuilds, in place, the rows the worker packed. */
  unpack(values: unknown[], packed: PackedRows): void {
    if (packed.added !== null) for (const keys of packed.added) this.builders.push(builderFor(keys));
    const at = packed.at;
    for (let p = 0; p < at.length; p += 3) {
      const index = at[p] as number;
      const build = this.builders[at[p + 1] as number] as RowBuilder;
      const count = at[p + 2] as number;
      const flat = values[index] as unknown[];
      if (count === ONE_ROW) {
        values[index] = build(flat, 0);
        continue;
      }
      const rows: Record<string, unknown>[] = [];
      const width = build.width;
      for (let r = 0, o = 0; r < count; r++, o += width) rows.push(build(flat, o));
      values[index] = rows;
    }
  }
}

type RowBuilder = ((flat: unknown[], offset: number) => Record<string, unknown>) & { width: number };

/** Builders by key list, shared by every port (a restarted worker, another source): the cache stops growing past this many. */
const MAX_BUILDERS = 512;
const builders = new Map<string, RowBuilder>();

function builderFor(keys: string[]): RowBuilder {
  const id = keys.join('\u0000');
  let build = builders.get(id);
  if (build === undefined) {
    // One object literal per shape: every row of it gets the same hidden class, built without lookups.
    const fields = keys.map((k, i) => `${JSON.stringify(k)}: f[o + ${i}]`).join(', ');
    build = Object.assign(new Function('f', 'o', `return { ${fields} };`), { width: keys.length }) as RowBuilder;
    if (builders.size < MAX_BUILDERS) builders.set(id, build);
  }
  return build;
}

function isPlainRow(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === objectProto;
}

/** `__proto__` in an object literal sets the prototype instead of a key: such rows are sent as they are. */
function safeKeys(keys: string[]): boolean {
  return keys.length > 0 && !keys.includes('__proto__');
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Appends a row's values to `flat`; false when one of them is not a primitive, null or a Date. Appended, not
 * assigned by index: a preallocated (holey) array is cloned key by key, a packed one as a dense list.
 */
function copyValues(row: Record<string, unknown>, keys: string[], flat: unknown[]): boolean {
  for (let k = 0; k < keys.length; k++) {
    const v = row[keys[k] as string];
    if (typeof v === 'object' && v !== null && !(v instanceof Date)) return false;
    if (typeof v === 'function' || typeof v === 'symbol') return false;
    flat.push(v);
  }
  return true;
}
