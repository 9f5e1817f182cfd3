/**
 * Why the broker admits batches with a counter of two slots instead of the design card's p-queue: the cost of
 * admitting one batch, each answered on the next macrotask as a worker's reply would be, through p-queue
 * (concurrency 2) and through a counter like SourceClient's. At one call in flight a batch is one call, so the
 * difference is added to every call. Run: `pnpm --filter @pkg/bench bench:admission`.
 */
import PQueue from 'p-queue';

const BATCHES = 200_000;
const ROUNDS = 7;

async function viaPQueue(): Promise<number> {
  const queue = new PQueue({ concurrency: 2 });
  const start = process.hrtime.bigint();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < BATCHES; i++) all.push(queue.add(() => new Promise<void>((resolve) => setImmediate(resolve))));
  await Promise.all(all);
  return Number(process.hrtime.bigint() - start) / BATCHES;
}

function viaCounter(): Promise<number> {
  const start = process.hrtime.bigint();
  let inFlight = 0;
  let waiting = 0;
  let done = 0;
  return new Promise((resolve) => {
    const send = () => {
      inFlight++;
      setImmediate(() => {
        inFlight--;
        if (++done === BATCHES) resolve(Number(process.hrtime.bigint() - start) / BATCHES);
        else if (waiting > 0) {
          waiting--;
          send();
        }
      });
    };
    for (let i = 0; i < BATCHES; i++) {
      if (inFlight < 2) send();
      else waiting++;
    }
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const pq: number[] = [];
const counter: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  pq.push(await viaPQueue());
  counter.push(await viaCounter());
}
const [p, c] = [median(pq) / 1000, median(counter) / 1000];
console.log(
  `admitting one batch (median of ${ROUNDS} rounds of ${BATCHES}): p-queue ${p.toFixed(2)} µs, two-slot counter ${c.toFixed(2)} µs, difference ${(p - c).toFixed(2)} µs per batch`,
);
