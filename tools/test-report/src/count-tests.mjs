#!/usr/bin/env node
/**
 * The closing line of a test run: `N passed, M failed[, K skipped]`, summed over the vitest JSON
 * report every workspace package writes (test-results/vitest.json). JSON, not console text: the
 * console summary is coloured under turbo, and a parser of coloured text silently counted 0.
 *
 * Exit 0 only when at least one test ran, none failed, and every package with a `test` script
 * left a report. Usage: count-tests [workspace root] (default: the current folder).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where each package's test script writes its report, relative to the package. */
export const REPORT_FILE = 'test-results/vitest.json';
/** Folders holding workspace packages, as in pnpm-workspace.yaml. */
const PACKAGE_FOLDERS = ['packages', 'apps', 'tools'];

/**
 * Counts of one vitest JSON report. A test file that failed before running any test (an import
 * error, a crash in a hook) counts as one failure: otherwise a broken file would vanish from the sum.
 */
export function countReport(report) {
  const failedFiles = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
  ).length;
  return {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + failedFiles,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

/** Packages of the workspace that have a `test` script: each must leave a report. */
export function testedPackages(root) {
  const found = [];
  for (const folder of PACKAGE_FOLDERS) {
    const dir = path.join(root, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const manifest = path.join(dir, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (pkg.scripts?.test) found.push({ name: pkg.name ?? name, dir: path.join(dir, name) });
    }
  }
  return found;
}

/** Sums the reports of a workspace; `problems` lists what makes the run not count as green. */
export function summarize(root) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const problems = [];
  for (const pkg of testedPackages(root)) {
    const file = path.join(pkg.dir, REPORT_FILE);
    if (!existsSync(file)) {
      problems.push(`${pkg.name}: no ${REPORT_FILE} (its tests did not run, or did not finish)`);
      continue;
    }
    let counts;
    try {
      counts = countReport(JSON.parse(readFileSync(file, 'utf8')));
    } catch (e) {
      problems.push(`${pkg.name}: ${REPORT_FILE} is not a vitest JSON report (${e.message})`);
      continue;
    }
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
    if (counts.failed > 0) problems.push(`${pkg.name}: ${counts.failed} failed`);
  }
  if (total.passed + total.failed === 0) problems.push('no test ran');
  return { ...total, problems };
}

export function closingLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const summary = summarize(path.resolve(process.argv[2] ?? '.'));
  for (const p of summary.problems) console.error(`count-tests: ${p}`);
  console.log(closingLine(summary));
  process.exitCode = summary.problems.length === 0 ? 0 : 1;
}
