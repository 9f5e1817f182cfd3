/**
 * Each engine's source worker is one bundled file (dist/workers/<engine>.js, scripts/bundle-workers.mjs): the
 * spec of every source names it, it exists, and it imports nothing of ours (only Node's built-ins and the drivers,
 * which stay outside). A worker that loaded the ~75 ES modules instead spent most of its start-up in Node's loader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalizeConfig } from '@pkg/config';
import { sourceSpecOf } from '@pkg/core/engines';
import { expect, it } from 'vitest';

const SOURCES = {
  sqlite: { path: '/tmp/never-opened.db' },
  postgresql: { type: 'postgresql', url: 'postgres://bot@127.0.0.1:5432/bot' },
  mysql: { type: 'mysql', url: 'mysql://bot@127.0.0.1:3306/bot' },
  redis: { type: 'redis', url: 'redis://127.0.0.1:6379/0' },
} as const;
const DRIVERS = new Set(['better-sqlite3', 'postgres', 'mysql2', 'ioredis']);

it('starts every engine from its bundled worker, which imports only built-ins and drivers', () => {
  const { config } = normalizeConfig({ default: 'sqlite', sources: SOURCES }, { baseDir: process.cwd() });
  for (const name of Object.keys(SOURCES)) {
    const spec = sourceSpecOf(config, name);
    expect(spec.workerModule, name).toMatch(new RegExp(`/dist/workers/${name}\\.js$`));
    const file = fileURLToPath(spec.workerModule as string);
    expect(existsSync(file), file).toBe(true);
    const code = readFileSync(file, 'utf8');
    const imported = [...code.matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)].map(
      (m) => (m[1] ?? m[2]) as string,
    );
    const ours = imported.filter((s) => !s.startsWith('node:') && !DRIVERS.has(s));
    expect(ours, `${name}: modules the bundle would load besides built-ins and drivers`).toEqual([]);
  }
});
