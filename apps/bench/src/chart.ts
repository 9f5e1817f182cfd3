/**
 * An SVG chart of the read cells against the peers: throughput at 64 in flight and p50 latency at one in flight,
 * one horizontal bar per contender, the library's bars highlighted. Written beside latest.json by `pnpm bench`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { CONTENDER_LABELS, type ReadsResult } from './scenarios/reads.js';

interface Bar {
  label: string;
  value: number;
  ours: boolean;
}

const WIDTH = 760;
const LABEL_W = 290;
const BAR_H = 16;
const GAP = 5;

function panel(title: string, unit: string, bars: Bar[], top: number): { svg: string; height: number } {
  const max = Math.max(...bars.map((b) => b.value).filter(Number.isFinite), 1);
  const span = WIDTH - LABEL_W - 90;
  const rows = bars.map((b, i) => {
    const y = top + 24 + i * (BAR_H + GAP);
    const w = Number.isFinite(b.value) ? Math.max(1, (b.value / max) * span) : 0;
    const fill = b.ours ? '#d9480f' : '#868e96';
    const value = Number.isFinite(b.value) ? `${Math.round(b.value).toLocaleString('en-US')} ${unit}` : 'n/a';
    return (
      `<text x="${LABEL_W - 8}" y="${y + 12}" text-anchor="end">${xmlText(b.label)}</text>` +
      `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${fill}"/>` +
      `<text x="${LABEL_W + w + 6}" y="${y + 12}">${value}</text>`
    );
  });
  const svg = `<text x="10" y="${top + 14}" font-weight="bold">${xmlText(title)}</text>${rows.join('')}`;
  return { svg, height: 24 + bars.length * (BAR_H + GAP) + 16 };
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function readsChart(reads: ReadsResult, subtitle: string): string {
  const cells = reads.cells;
  const bar = (c: (typeof cells)[number], value: number): Bar => ({
    label: CONTENDER_LABELS[c.id],
    value,
    ours: c.id.startsWith('broker'),
  });
  const at64 = cells
    .filter((c) => c.inFlight === 64 || (c.sync && c.id === 'direct'))
    .map((c) => bar(c, c.summary.opsPerSec))
    .sort((a, b) => b.value - a.value);
  const at1 = cells
    .filter((c) => c.inFlight === 1 && !c.sync)
    .map((c) => bar(c, c.summary.latencyUs?.p50 ?? Number.NaN))
    .sort((a, b) => a.value - b.value);
  const first = panel('Point reads/s, 64 in flight (direct better-sqlite3: synchronous loop)', 'reads/s', at64, 30);
  const second = panel('p50 latency of one call in flight (lower is better)', 'µs', at1, 30 + first.height);
  const height = 30 + first.height + second.height;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="10" y="18" fill="#495057">${xmlText(subtitle)}</text>${first.svg}${second.svg}</svg>\n`
  );
}

export function writeChart(dir: URL, name: string, svg: string): string {
  mkdirSync(dir, { recursive: true });
  const file = new URL(name, dir);
  writeFileSync(file, svg);
  return file.pathname;
}
