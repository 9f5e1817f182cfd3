/**
 * better-sqlite3 whose native part is missing or does not load: the open error names the package and
 * the rebuild, not the database path. The failures are better-sqlite3's and `bindings`' own, made real:
 * `bindings` asked to look in a folder without a build, and a `.node` file that is not a library.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toOpenError } from '../src/engines/sqlite/open-errors.js';
import { spec, thrown } from './helpers.js';

let dir: TempDir;
beforeAll(() => {
  dir = createTempDir('broker-binding-');
});
afterAll(() => dir.cleanup());

function explained(e: unknown) {
  const err = toOpenError(spec('main', dir.file('bot.db')), e);
  expect(err.code).toBe('SOURCE_OPEN_FAILED');
  expect(err.message).toContain('better-sqlite3');
  expect(err.message).toContain('rebuild better-sqlite3');
  expect(err.message).not.toContain('check that the path exists');
  return err;
}

it('a binding that was never built (install script skipped) names better-sqlite3 and the rebuild', () => {
  const fromDriver = createRequire(createRequire(import.meta.url).resolve('better-sqlite3'));
  const bindings = fromDriver('bindings') as (opts: object) => unknown;
  const e = thrown(() => bindings({ bindings: 'better_sqlite3.node', module_root: dir.path }));
  expect(String(e)).toMatch(/Could not locate the bindings file/);
  expect(explained(e).message).toMatch(/installed without its native binding/);
});

it('a binding that does not load (another Node.js, a broken file) names better-sqlite3 and the rebuild', () => {
  const broken = dir.file('better_sqlite3.node');
  writeFileSync(broken, 'not a shared library');
  const e = thrown(() => new Database(':memory:', { nativeBinding: broken }));
  expect(explained(e).message).toMatch(/native binding does not load in Node\.js v\d+/);
});
