/**
 * CPU time of the main thread alone and of the rest of the process (the workers, V8's helper threads), so a
 * cell's main-thread cost does not count the time the thread sat preempted (event-loop utilisation does: on a
 * loaded 2-vCPU host it reads up to 2x the CPU time). Linux's per-thread counters, in clock ticks (10 ms):
 * meaningful over a 500 ms round at tens of thousands of calls. Elsewhere: NaN.
 */
import { readFileSync } from 'node:fs';

const TICK_US = 10_000;

function mainThreadTicks(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

export interface CpuMark {
  mainUs: number;
  processUs: number;
}

export function cpuMark(): CpuMark {
  const u = process.cpuUsage();
  return { mainUs: mainThreadTicks() * TICK_US, processUs: u.user + u.system };
}

/** Microseconds of CPU since `from`: the main thread's, and every other thread's of the process. */
export function cpuSince(from: CpuMark): { mainUs: number; otherUs: number } {
  const now = cpuMark();
  const mainUs = now.mainUs - from.mainUs;
  return { mainUs, otherUs: now.processUs - from.processUs - mainUs };
}
