/**
 * Sharding by chat id: what routing costs, and what four SQLite shards give.
 *
 * 1. Routing cost with a shard group of 4 (rendezvous hash) and a placement cache of 10,000 moved chats
 *    (10% of the calls hit it), through Router.route as every call takes it. A single call is too short to
 *    time alone (the clock costs more than the route), so calls are timed in blocks of 64 and each block's
 *    mean is one sample: p50/p99 are over those samples. Target: p99 below 1 µs (exit 1 on a miss).
 * 2. Throughput of saveChatMessage at 64 calls in flight over 1,000 chats: one SQLite file against a group
 *    of four SQLite shards (printed; no target).
 * Run: `pnpm --filter @pkg/bench bench:shards`.
 */
import { DatabaseWrapper, Router, validateDatabaseConfig } from '@pkg/core';
import { createTempDir } from '@pkg/testkit';

const TARGET_P99_NS = 1000;
const BLOCK = 64;
const BLOCKS = 40_000;

function routingCost(): { p50: number; p99: number; max: number } {
  const file = (n: string) => ({ path: `/tmp/botdb-bench-shards-${n}.db` });
  const { config } = validateDatabaseConfig({
    default: 'chats',
    sources: { s1: file('s1'), s2: file('s2'), s3: file('s3'), s4: file('s4') },
    shards: { chats: { sources: ['s1', 's2', 's3', 's4'] } },
  });
  const placements = new Map<number, string>();
  const ids: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const id = -1_001_000_000_000 - i * 104_729;
    ids.push(id);
    if (i % 10 === 0) placements.set(id, 's2');
  }
  const router = new Router(config, undefined, { placementOf: (chatId) => placements.get(chatId) });
  let sink = 0;
  const samples = new Float64Array(BLOCKS);
  let at = 0;
  // Warm-up: let the JIT settle on the hot path first.
  for (let i = 0; i < 2_000_000; i++) sink += router.route({ chatId: ids[i % ids.length] as number }).length;
  for (let b = 0; b < BLOCKS; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BLOCK; i++) {
      sink += router.route({ chatId: ids[at] as number, write: true, operation: 'saveChatMessage' }).length;
      at = at + 1 === ids.length ? 0 : at + 1;
    }
    samples[b] = Number(process.hrtime.bigint() - start) / BLOCK;
  }
  if (sink === 0) console.log('');
  samples.sort();
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] as number;
  return { p50: q(0.5), p99: q(0.99), max: samples[samples.length - 1] as number };
}

async function throughput(shards: number, calls: number, inFlight: number): Promise<number> {
  const dir = createTempDir('bench-shards-');
  try {
    const names = Array.from({ length: shards }, (_, i) => `s${i + 1}`);
    const db = new DatabaseWrapper({
      config: {
        default: shards === 1 ? 's1' : 'chats',
        sources: Object.fromEntries(names.map((n) => [n, { path: dir.file(`${n}.db`) }])),
        ...(shards === 1 ? {} : { shards: { chats: { sources: names } } }),
      },
    });
    await db.ready();
    let next = 0;
    const start = process.hrtime.bigint();
    const lane = async () => {
      while (next < calls) {
        const i = next++;
        await db.saveChatMessage({
          chatId: -1_001_000_000_000 - (i % 1000),
          messageId: i + 1,
          userId: 1 + (i % 50),
          date: new Date(Date.UTC(2025, 0, 1) + i * 1000),
          messageText: `message ${i}`,
        });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await db.close();
    return calls / seconds;
  } finally {
    dir.cleanup();
  }
}

const cost = routingCost();
console.log(
  `routing with a group of 4 + placement cache: p50 ${cost.p50.toFixed(0)} ns, p99 ${cost.p99.toFixed(0)} ns, max ${cost.max.toFixed(0)} ns per call (${BLOCKS} blocks of ${BLOCK}; target p99 < ${TARGET_P99_NS} ns)`,
);
const CALLS = 20_000;
const one = await throughput(1, CALLS, 64);
const four = await throughput(4, CALLS, 64);
console.log(
  `saveChatMessage, ${CALLS} calls at 64 in flight: one SQLite file ${one.toFixed(0)} calls/s; 4 SQLite shards ${four.toFixed(0)} calls/s (${(four / one).toFixed(2)}x)`,
);
if (cost.p99 >= TARGET_P99_NS) {
  console.error(`MISS: routing p99 ${cost.p99.toFixed(0)} ns is not below ${TARGET_P99_NS} ns`);
  process.exitCode = 1;
}
