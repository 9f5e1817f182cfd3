import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findViolations, isEngineFile, type Violation } from '../src/shape.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Files another helper of issue #17 is rewriting, with the violations they still hold: the `cli` branch
 * moves botdb onto the engines' code (core/src/engines/tools.ts), which removes these. Each entry must
 * still hold a violation (a stale entry fails), so the list only shrinks; the lead empties it on merge.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  // Empty since the cli branch: botdb's per-engine code is each engine's EngineTools (core/src/engines/<name>/tools.ts).
};

function describeAll(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line} ${v.kind}: ${v.text}`).join('\n');
}

describe('the engines as plug-ins: engine code stays in its engine folder', () => {
  it('no driver import or engine-name comparison in packages/*/src outside src/engines/<name>/ and the registries', () => {
    const found = findViolations(ROOT);
    const outside = found.filter((v) => !Object.hasOwn(ALLOWED, v.file));
    expect(outside, `engine code outside its engine folder:\n${describeAll(outside)}`).toEqual([]);
  });

  it('every allow-listed file still holds a violation (remove its entry once it no longer does)', () => {
    const files = new Set(findViolations(ROOT).map((v) => v.file));
    const stale = Object.keys(ALLOWED).filter((f) => !files.has(f));
    expect(stale, 'allow-list entries without a violation').toEqual([]);
  });
});

describe('the check itself, on a planted tree', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'shape-check-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const plant = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  it('finds each kind of violation, by file and line, and nothing else', () => {
    plant(
      'packages/core/src/operations/bad.ts',
      [
        "import postgres from 'postgres';",
        "import type { Pool } from 'mysql2/promise';",
        "export { default as Database } from 'better-sqlite3';",
        'export async function f(e: { engine: string }, t: string) {',
        "  if (e.engine === 'sqlite') return 1;",
        "  if ('postgresql' !== t) return 2;",
        '  switch (t) {',
        "    case 'mysql':",
        '      return 3;',
        '  }',
        "  const r = await import('ioredis');",
        "  return e.engine == 'redis' ? r : postgres;",
        '}',
        "type C = import('redis').RedisClientType;",
      ].join('\n'),
    );
    // Mentions that are not code: a comment, a string, a property, an engine name compared with nothing.
    plant(
      'packages/core/src/operations/fine.ts',
      [
        "// if (engine === 'sqlite') and import from 'postgres' in a comment",
        "export const text = \"case 'mysql': x === 'postgresql'\";",
        "export const spec = { engine: 'sqlite', url: 'postgres://bot@db1/botdb' };",
        "export const names = ['sqlite', 'postgresql'];",
      ].join('\n'),
    );
    // Engine folders, config parts and registries may hold both.
    plant('packages/broker/src/engines/mysql/driver.ts', "import mysql from 'mysql2/promise';\nexport { mysql };\n");
    plant('packages/config/src/engines/postgresql.ts', "export const isPg = (t: string) => t === 'postgresql';\n");
    plant('packages/core/src/engines/registry.ts', "export const isSqlite = (t: string) => t === 'sqlite';\n");
    // A file directly in src/engines/ that is no engine's is not an engine file.
    plant('packages/core/src/engines/bot-plans.ts', "export const odd = (t: string) => t === 'mysql';\n");
    // Tests are not checked.
    plant('packages/core/test/x.test.ts', "import postgres from 'postgres';\n");

    const found = findViolations(root).map((v) => `${v.file}:${v.line} ${v.kind}`);
    expect(found).toEqual([
      'packages/core/src/engines/bot-plans.ts:1 engine-comparison',
      'packages/core/src/operations/bad.ts:1 driver-import',
      'packages/core/src/operations/bad.ts:2 driver-import',
      'packages/core/src/operations/bad.ts:3 driver-import',
      'packages/core/src/operations/bad.ts:5 engine-comparison',
      'packages/core/src/operations/bad.ts:6 engine-comparison',
      'packages/core/src/operations/bad.ts:8 engine-comparison',
      'packages/core/src/operations/bad.ts:11 driver-import',
      'packages/core/src/operations/bad.ts:12 engine-comparison',
      'packages/core/src/operations/bad.ts:14 driver-import',
    ]);
  });

  it('tells engine files from the rest', () => {
    expect(isEngineFile('src/engines/sqlite/worker.ts')).toBe(true);
    expect(isEngineFile('src/engines/mysql/deep/er.ts')).toBe(true);
    expect(isEngineFile('src/engines/postgresql.ts')).toBe(true);
    expect(isEngineFile('src/engines/registry.ts')).toBe(true);
    expect(isEngineFile('src/engines/bot-plans.ts')).toBe(false);
    expect(isEngineFile('src/raw-sql-binding.ts')).toBe(false);
    expect(isEngineFile('src/operations/engines/sqlite/x.ts')).toBe(false);
  });
});
