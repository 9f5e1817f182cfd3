/**
 * Soak: mixed bot traffic over three sources (two writable, one readonly archive) for a while,
 * with a source worker terminated every few seconds. Reports calls served, errors by code, p99
 * latency and RSS over time. Exits nonzero if any call hangs or RSS keeps growing.
 *
 *   node apps/bench/dist/scenarios/soak.js [--seconds 20] [--kill-every 3] [--concurrency 64]
 *
 * Not part of the unit suite (it runs for the given time on purpose). Workers are found through
 * process.on('worker'): the broker does not expose them, and the soak must not need a back door.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { DatabaseError, DatabaseWrapper } from '@pkg/core';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.SOAK_SECONDS ?? '20' },
    'kill-every': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
  },
});
const SECONDS = Number(opts.seconds);
const KILL_EVERY_MS = Number(opts['kill-every']) * 1000;
const CONCURRENCY = Number(opts.concurrency);
/** A call unanswered this long counts as hung (the longest bound a call has here is the 2 s busy timeout). */
const HANG_MS = 15_000;
/** Chats per writable source; the archive holds its own. */
const CHATS = 50;

interface Sample {
  at: number;
  rssMb: number;
  calls: number;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'botdb-soak-'));
  const workers = new Set<Worker>();
  process.on('worker', (w: Worker) => {
    workers.add(w);
    w.once('exit', () => workers.delete(w));
  });
  try {
    await seedArchive(join(dir, 'archive.db'));
    const chatMapping: Record<string, string> = {};
    for (let c = 0; c < CHATS; c++) {
      chatMapping[String(chat('a', c))] = 'a';
      chatMapping[String(chat('b', c))] = 'b';
      chatMapping[String(chat('archive', c))] = 'archive';
    }
    const db = new DatabaseWrapper({
      config: {
        default: 'a',
        sources: {
          a: { path: join(dir, 'a.db'), timeout: 2 },
          b: { path: join(dir, 'b.db'), timeout: 2 },
          archive: { path: join(dir, 'archive.db'), readonly: true },
        },
        chatMapping,
      },
    });
    await db.ready();

    const errors = new Map<string, number>();
    const latencies: number[] = [];
    let calls = 0;
    let hung = 0;
    let nextMessage = 1;
    const endAt = performance.now() + SECONDS * 1000;
    const samples: Sample[] = [];

    const one = async (): Promise<void> => {
      const roll = Math.random();
      const source = roll < 0.45 ? 'a' : roll < 0.9 ? 'b' : 'archive';
      const chatId = chat(source, Math.floor(Math.random() * CHATS));
      const started = performance.now();
      let call: Promise<unknown>;
      const kind = Math.random();
      if (source !== 'archive' && kind < 0.4) {
        const messageId = nextMessage++;
        call = db.saveChatMessage({
          date: new Date(),
          chatId,
          userId: 42,
          messageId,
          messageText: `soak ${messageId}`,
        });
      } else if (source !== 'archive' && kind < 0.5) {
        call = db.setChatSetting({ chatId, key: 'k', value: String(calls) });
      } else if (kind < 0.8) {
        call = db.getChatMessagesSince({ chatId, limit: 20 });
      } else {
        call = db.getChatSettings({ chatId });
      }
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<'hung'>((resolve) => {
        timer = setTimeout(resolve, HANG_MS, 'hung');
      });
      const outcome = await Promise.race([
        call.then(
          () => 'ok' as const,
          (e: unknown) => e,
        ),
        hang,
      ]);
      clearTimeout(timer);
      calls++;
      latencies.push(performance.now() - started);
      if (outcome === 'hung') hung++;
      else if (outcome !== 'ok') {
        const code = outcome instanceof DatabaseError ? outcome.code : 'NOT_A_DATABASE_ERROR';
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    };

    const lane = async (): Promise<void> => {
      while (performance.now() < endAt) await one();
    };
    const killer = setInterval(() => {
      const all = [...workers];
      const victim = all[Math.floor(Math.random() * all.length)];
      void victim?.terminate();
    }, KILL_EVERY_MS);
    const t0 = performance.now();
    const sampler = setInterval(() => {
      samples.push({ at: (performance.now() - t0) / 1000, rssMb: process.memoryUsage().rss / 1048576, calls });
    }, 1000);
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    clearInterval(killer);
    clearInterval(sampler);
    const stats = await db.stats();
    const closeStarted = performance.now();
    await db.close();
    const closeMs = performance.now() - closeStarted;

    latencies.sort((x, y) => x - y);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
    // Flat: after the first quarter (warm-up: caches, JIT, pools), RSS may move within noise only.
    const warm = samples.filter((s) => s.at >= SECONDS / 4);
    const first = warm[0]?.rssMb ?? 0;
    const last = warm[warm.length - 1]?.rssMb ?? 0;
    const growthMb = last - first;
    const rssFlat = warm.length < 2 || growthMb < Math.max(64, first * 0.25);
    const restarts = Object.values(stats).reduce((n, s) => n + s.restarts, 0);

    console.log(`soak: ${SECONDS} s, ${CONCURRENCY} concurrent callers, a worker terminated every ${KILL_EVERY_MS} ms`);
    console.log(`calls served: ${calls} (${Math.round(calls / SECONDS)}/s), worker restarts: ${restarts}`);
    console.log(`errors by code: ${JSON.stringify(Object.fromEntries(errors))}`);
    console.log(`latency ms: p50 ${p(0.5).toFixed(2)}, p99 ${p(0.99).toFixed(2)}, max ${p(1).toFixed(2)}`);
    console.log(`RSS MB over time: ${samples.map((s) => `${Math.round(s.at)}s:${Math.round(s.rssMb)}`).join(' ')}`);
    console.log(`RSS after warm-up: ${first.toFixed(0)} -> ${last.toFixed(0)} MB (${rssFlat ? 'flat' : 'GROWING'})`);
    console.log(`close(): ${closeMs.toFixed(0)} ms; hung calls: ${hung}`);
    const unexpected = [...errors.keys()].filter((code) => !EXPECTED_UNDER_KILLS.has(code));
    if (unexpected.length > 0) console.log(`unexpected error codes: ${unexpected.join(', ')}`);
    return hung === 0 && rssFlat && unexpected.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What killing workers may cause: the calls in flight on the killed worker get SOURCE_CRASHED. */
const EXPECTED_UNDER_KILLS = new Set(['SOURCE_CRASHED']);

function chat(source: string, n: number): number {
  const base = source === 'a' ? 1 : source === 'b' ? 2 : 3;
  return -(1_000_000_000_000 + base * 1_000_000 + n);
}

async function seedArchive(path: string): Promise<void> {
  const db = new DatabaseWrapper({ dbPath: path });
  for (let c = 0; c < CHATS; c++) {
    const chatId = chat('archive', c);
    for (let m = 0; m < 20; m++) {
      await db.saveChatMessage({ date: new Date(), chatId, userId: 7, messageId: m, messageText: `old ${m}` });
    }
    await db.setChatSetting({ chatId, key: 'archived', value: 'yes' });
  }
  await db.close();
}

process.exitCode = await main();
