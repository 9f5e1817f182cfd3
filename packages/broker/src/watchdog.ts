/**
 * How the main thread sees that a worker is stuck in one call. A stuck worker answers nothing, so
 * it cannot be asked: instead it writes, into memory shared with the main thread, which request
 * it is running (four plain stores per request, 4-8 ns measured). The main thread samples that every
 * `queryTimeoutMs / 4` and stops a worker that stayed on one request past `queryTimeoutMs`.
 */

const BUSY = 0;
const SEQ = 1;
const BATCH = 2;
const INDEX = 3;

export function createWatchdogBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
}

/** Worker side: marks the request being run. */
export class WatchdogMarker {
  private readonly slots: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer);
  }
  begin(batch: number, index: number): void {
    const s = this.slots;
    s[SEQ] = ((s[SEQ] as number) + 1) | 0;
    s[BATCH] = batch;
    s[INDEX] = index;
    s[BUSY] = 1;
  }
  end(): void {
    this.slots[BUSY] = 0;
  }
}

/** Main side: the request a worker has been running for at least `timeoutMs`, if any. */
export class WatchdogSampler {
  private readonly slots: Int32Array;
  private lastSeq = -1;
  private since = 0;
  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer);
  }
  reset(): void {
    this.slots.fill(0);
    this.lastSeq = -1;
  }
  stuck(now: number, timeoutMs: number): { batch: number; index: number } | null {
    const s = this.slots;
    if (Atomics.load(s, BUSY) === 0) {
      this.lastSeq = -1;
      return null;
    }
    const seq = Atomics.load(s, SEQ);
    if (seq !== this.lastSeq) {
      this.lastSeq = seq;
      this.since = now;
      return null;
    }
    if (now - this.since < timeoutMs) return null;
    return { batch: Atomics.load(s, BATCH), index: Atomics.load(s, INDEX) };
  }
}
