/**
 * The stable hash that places a chat on one source of a shard group: rendezvous (highest random weight)
 * hashing. Each source gets a score for the chat; the highest score wins. Why rendezvous and not jump
 * consistent hash: sources have names, not bucket numbers, so the answer must not depend on the order they
 * are listed in; adding or removing any source (not only the last) moves only the chats that go to or came
 * from that source (about 1/N of them). Its cost, O(N) per chat, is a few nanoseconds per source at the
 * group sizes a bot has.
 *
 * Defined bit for bit, so every process, version and platform agrees (no engine-provided string hash):
 * - a source's seed is FNV-1a (32-bit) of its name's UTF-8 bytes;
 * - a chat id (a safe integer, negative for groups) is its 64-bit two's complement, split into a low and a
 *   high 32-bit word;
 * - the score is MurmurHash3 x86_32 of those 8 bytes (low word first, little-endian) with the seed;
 * - ties (1 in 2^32 per pair) go to the name that sorts first by UTF-16 code units.
 * test/shard-hash.test.ts pins known values: changing any of this is a data-placement change.
 */

const TWO_32 = 4294967296;

/** FNV-1a 32-bit of the UTF-8 bytes of `name`. */
export function sourceSeed(name: string): number {
  const bytes = new TextEncoder().encode(name);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

function mixK(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 x86_32 of the 8 bytes (lo, hi) with `seed`: the chat's score on one source. */
export function chatScore(lo: number, hi: number, seed: number): number {
  let h = mixH(mixH(seed, lo), hi);
  h ^= 8;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The low 32-bit word of a chat id's 64-bit two's complement. */
export function lowWord(chatId: number): number {
  return (chatId - Math.floor(chatId / TWO_32) * TWO_32) >>> 0;
}

/** The high 32-bit word of a chat id's 64-bit two's complement (as a signed 32-bit number: same bits). */
export function highWord(chatId: number): number {
  return Math.floor(chatId / TWO_32) | 0;
}

/**
 * The sources of one group, ready to hash: seeds computed once, so `pick` allocates nothing. The `names`
 * are kept in sorted order so a tie is broken the same way whatever order the group was written in.
 */
export class RendezvousGroup {
  readonly names: readonly string[];
  private readonly seeds: Uint32Array;

  constructor(sources: readonly string[]) {
    this.names = [...sources].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.seeds = Uint32Array.from(this.names, sourceSeed);
  }

  /** The source with the highest score for `chatId` (a safe integer). */
  pick(chatId: number): string {
    const lo = lowWord(chatId);
    const hi = highWord(chatId);
    let best = 0;
    let bestScore = -1;
    for (let i = 0; i < this.seeds.length; i++) {
      const score = chatScore(lo, hi, this.seeds[i] as number);
      // Strictly greater: on a tie the earlier (sorted-first) name stays.
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return this.names[best] as string;
  }
}
