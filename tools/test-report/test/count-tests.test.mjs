/**
 * The closing line CI prints must count the tests that really ran: a run with failures, a file
 * that failed to load, a package that left no report and a run with no test at all all say so.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { closingLine, countReport, REPORT_FILE, summarize } from '../src/count-tests.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(here, '../src/count-tests.mjs');
const fixture = (name) => JSON.parse(readFileSync(path.join(here, 'fixtures', name), 'utf8'));

let dirs = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const tempDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'count-tests-'));
  dirs.push(d);
  return d;
};

/** A workspace whose packages each have a test script and (unless null) the given report. */
function workspace(reports) {
  const root = tempDir();
  for (const [name, report] of Object.entries(reports)) {
    const dir = path.join(root, 'packages', name);
    mkdirSync(path.join(dir, path.dirname(REPORT_FILE)), { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: `@t/${name}`, scripts: { test: 'vitest run' } }),
    );
    if (report !== null) writeFileSync(path.join(dir, REPORT_FILE), JSON.stringify(report));
  }
  return root;
}

const runBin = (root) => {
  const r = spawnSync(process.execPath, [BIN, root], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, lines: r.stdout.trim().split('\n'), stderr: r.stderr };
};

describe('countReport', () => {
  it('counts a passing report', () => {
    expect(countReport(fixture('passing.json'))).toEqual({ passed: 4, failed: 0, skipped: 0 });
  });
  it('counts failed and skipped tests', () => {
    expect(countReport(fixture('with-failures.json'))).toEqual({ passed: 3, failed: 2, skipped: 1 });
  });
  it('counts a test file that failed before running any test as a failure', () => {
    expect(countReport(fixture('import-error.json'))).toEqual({ passed: 1, failed: 1, skipped: 0 });
  });
});

describe('summarize and the closing line', () => {
  it('sums every package', () => {
    const s = summarize(workspace({ a: fixture('passing.json'), b: fixture('with-failures.json') }));
    expect(closingLine(s)).toBe('7 passed, 2 failed, 1 skipped');
    expect(s.problems).toEqual(['@t/b: 2 failed']);
  });
  it('reports a package that left no report', () => {
    const s = summarize(workspace({ a: fixture('passing.json'), b: null }));
    expect(closingLine(s)).toBe('4 passed, 0 failed');
    expect(s.problems[0]).toMatch(/^@t\/b: no test-results\/vitest.json/);
  });
  it('a run with no test is not green', () => {
    const s = summarize(workspace({ a: fixture('no-tests.json') }));
    expect(closingLine(s)).toBe('0 passed, 0 failed');
    expect(s.problems).toEqual(['no test ran']);
  });
});

describe('the count-tests command', () => {
  it('prints the line last and exits 0 only when green', () => {
    const green = runBin(workspace({ a: fixture('passing.json') }));
    expect(green).toMatchObject({ status: 0 });
    expect(green.lines.at(-1)).toBe('4 passed, 0 failed');
    const red = runBin(workspace({ a: fixture('with-failures.json') }));
    expect(red.status).toBe(1);
    expect(red.lines.at(-1)).toBe('3 passed, 2 failed, 1 skipped');
    expect(runBin(workspace({ a: fixture('no-tests.json') })).status).toBe(1);
  });

  it('counts a real vitest run forced into colour, as turbo runs it', () => {
    const root = workspace({});
    const pkg = path.join(root, 'packages', 'real');
    mkdirSync(pkg, { recursive: true });
    const manifest = { name: '@t/real', scripts: { test: 'vitest run' } };
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest));
    writeFileSync(
      path.join(pkg, 'sample.test.mjs'),
      "it('passes', () => {});\nit('fails', () => { throw new Error('boom'); });\nit.skip('is skipped', () => {});\n",
    );
    const vitest = createRequire(import.meta.url).resolve('vitest/vitest.mjs');
    const run = spawnSync(
      process.execPath,
      [vitest, 'run', '--globals', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT_FILE}`],
      { cwd: pkg, encoding: 'utf8', timeout: 50_000, env: { ...process.env, FORCE_COLOR: '1', CI: '' } },
    );
    expect(run.stdout).toContain('\u001b['); // the console summary really is coloured
    const result = runBin(root);
    expect(result.lines.at(-1)).toBe('1 passed, 1 failed, 1 skipped');
    expect(result.status).toBe(1);
  });
});
