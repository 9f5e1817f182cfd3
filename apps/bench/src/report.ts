/** The printed tables, the targets block and results/latest.json. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fmt, fmtInt } from './log.js';
import { CONTENDER_LABELS, type ContenderId, type ReadCell, type ReadsResult } from './scenarios/reads.js';
import type { WritesResult } from './scenarios/writes.js';

export interface Machine {
  cpus: number;
  model: string;
  node: string;
  platform: string;
  release: string;
  arch: string;
  totalMemGB: number;
  loadAvgAtStart: number[];
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: process.platform,
    release: os.release(),
    arch: process.arch,
    totalMemGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAvgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export interface Target {
  name: string;
  measured: number;
  unit: string;
  /** `<` / `<=` / `>` / `>=` against `limit`. */
  op: '<' | '<=' | '>' | '>=';
  limit: number;
  digits: number;
  pass: boolean;
}

export function target(
  name: string,
  measured: number,
  op: Target['op'],
  limit: number,
  unit: string,
  digits = 2,
): Target {
  const pass =
    Number.isFinite(measured) &&
    (op === '<'
      ? measured < limit
      : op === '<='
        ? measured <= limit
        : op === '>'
          ? measured > limit
          : measured >= limit);
  return { name, measured, unit, op, limit, digits, pass };
}

function table(header: string[], rows: string[][], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number) => (i >= rightFrom ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0));
  const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i >= rightFrom ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
    ? '—'
    : `${(a / b).toFixed(2)}x`;

export function readsTable(reads: ReadsResult): string {
  const at = (id: ContenderId, n: number) =>
    reads.cells.find((c) => c.id === id && c.inFlight === n)?.summary.opsPerSec;
  const direct = at('direct', 1);
  const rows = reads.cells.map((c: ReadCell) => {
    const lat = c.summary.latencyUs;
    const p99 = c.sync ? (c.id === 'direct' ? `${fmt(reads.directEachUs.p99)}*` : '—') : lat ? fmt(lat.p99) : '—';
    const p50 = c.sync ? (c.id === 'direct' ? `${fmt(reads.directEachUs.p50)}*` : '—') : lat ? fmt(lat.p50) : '—';
    return [
      CONTENDER_LABELS[c.id],
      c.sync ? '1 (sync)' : String(c.inFlight),
      fmtInt(c.summary.opsPerSec),
      p50,
      p99,
      fmt(c.mainBusyUsPerRead, 2),
      fmt(c.mainCpuUsPerRead, 2),
      fmt(c.otherCpuUsPerRead, 2),
      c.callsPerBatch === undefined ? '—' : fmt(c.callsPerBatch, 1),
      c.id === 'direct' ? '1.00x' : ratio(c.summary.opsPerSec, direct),
      ratio(c.summary.opsPerSec, at('nodeSqlite3', c.inFlight)),
      ratio(c.summary.opsPerSec, at('comlinkEcho', c.inFlight)),
      ratio(c.summary.opsPerSec, at('broker', c.inFlight)),
    ];
  });
  return table(
    [
      'contender',
      'in flight',
      'ops/s (median)',
      'p50 us',
      'p99 us',
      'main us/op',
      'main cpu us/op',
      'other cpu us/op',
      'calls/msg',
      'vs direct',
      'vs node-sqlite3',
      'vs Comlink echo',
      'vs broker',
    ],
    rows,
  );
}

export function writesTable(writes: WritesResult): string {
  const direct = (mode: string) =>
    writes.cells.find((c) => c.contender === 'direct' && c.mode === mode)?.summary.opsPerSec;
  const label = {
    single: '1 per transaction',
    inflight64: '1 per transaction, 64 in flight',
    batch100: '100 per transaction',
  };
  const rows = writes.cells.map((c) => [
    c.contender === 'broker' ? 'DatabaseWrapper.saveChatMessage' : 'better-sqlite3 direct',
    label[c.mode],
    fmtInt(c.summary.opsPerSec),
    fmtInt(c.summary.opsPerSec / (c.mode === 'batch100' ? 100 : 1)),
    // 64 in flight is compared with direct's one-after-the-other loop: the same transactions on one thread.
    c.contender === 'direct'
      ? '1.00x'
      : ratio(c.summary.opsPerSec, direct(c.mode === 'inflight64' ? 'single' : c.mode)),
  ]);
  return table(['contender', 'messages', 'messages/s (median)', 'transactions/s', 'vs direct'], rows, 2);
}

export function targetsTable(targets: Target[]): string {
  return table(
    ['target', 'measured', 'limit', 'result'],
    targets.map((t) => [
      t.name,
      `${fmt(t.measured, t.digits)} ${t.unit}`.trim(),
      `${t.op} ${fmt(t.limit, t.digits)} ${t.unit}`.trim(),
      t.pass ? 'PASS' : 'FAIL',
    ]),
  );
}

/** Written to a .tmp file first, then renamed: a reader never sees half a file. */
export function writeJson(dir: URL, name: string, value: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = new URL(name, dir);
  const tmp = new URL(`${name}.tmp`, dir);
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
  return file.pathname;
}

/**
 * Reads/s a bot could reach with `sources` busy sources on `cores` cores, from this run's per-read CPU costs:
 * the main thread alone (`mainUs`), each worker alone (`workerUs`, its own thread), and all of it sharing the
 * cores. Each cell: the projected reads/s and the main thread's share of one core at that rate.
 */
export function projection(
  mainUs: number,
  workerUs: number,
  sources: readonly number[] = [1, 2, 4, 8, 16],
  cores: readonly number[] = [2, 4, 8, 16],
): { sources: number; cores: number; readsPerSec: number; mainShare: number }[] {
  const cells = [];
  for (const s of sources) {
    for (const c of cores) {
      const readsPerSec = Math.min(1e6 / mainUs, (s * 1e6) / workerUs, (c * 1e6) / (mainUs + workerUs));
      cells.push({ sources: s, cores: c, readsPerSec, mainShare: (readsPerSec * mainUs) / 1e6 });
    }
  }
  return cells;
}

export function projectionTable(cells: ReturnType<typeof projection>): string {
  const cores = [...new Set(cells.map((c) => c.cores))];
  const sources = [...new Set(cells.map((c) => c.sources))];
  const rows = sources.map((s) => [
    `${s} source${s === 1 ? '' : 's'}`,
    ...cores.map((c) => {
      const cell = cells.find((x) => x.sources === s && x.cores === c);
      return cell === undefined ? '—' : `${fmtInt(cell.readsPerSec / 1000)}k/s, main ${fmt(cell.mainShare * 100, 0)} %`;
    }),
  ]);
  return table(['busy sources', ...cores.map((c) => `${c} cores`)], rows);
}
