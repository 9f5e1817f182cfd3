/**
 * Every ts block of README.md, docs/*.md and the package READMEs type-checks (strict) against the BUILT packages, as a
 * bot that installed them would compile it; docs/api.md is what its generator makes of the code.
 * A failure lists each offending block by file and line. Conventions: tools/docs-check/README.md.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { type BlockProblem, checkedDocs, formatProblem, markdownCodeBlocks } from '../src/index.js';
import { checkFilesInChild } from './in-child.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
/** Child processes, awaited: the worker thread stays free for vitest's own messages (see src/cli.ts). */
const run = (args: string[], cwd: string) =>
  promisify(execFile)(process.execPath, args, { cwd, encoding: 'utf8', timeout: 170_000, maxBuffer: 64 << 20 });
const FILES = checkedDocs(ROOT);

let problems: BlockProblem[];
beforeAll(async () => {
  problems = await checkFilesInChild(ROOT, FILES);
}, 180_000);

it.each(FILES)('the ts blocks of %s type-check against the built packages', (file) => {
  const mine = problems.filter((p) => p.file === file).map(formatProblem);
  expect(
    mine,
    `${file}: ${mine.length} problem(s); fix the block, or see tools/docs-check/README.md\n${mine.join('\n')}`,
  ).toEqual([]);
});

it('the checked files include the README of every package (npm ships it with the package)', () => {
  const packages = readdirSync(path.join(ROOT, 'packages')).filter((d) =>
    existsSync(path.join(ROOT, 'packages', d, 'README.md')),
  );
  expect(packages).toContain('core');
  for (const p of packages) expect(FILES).toContain(`packages/${p}/README.md`);
});

it('the checker sees the blocks (the README, the guides, the API reference and package READMEs all have some)', () => {
  const blocks = FILES.flatMap((f) => markdownCodeBlocks(f, readFileSync(path.join(ROOT, f), 'utf8')).blocks);
  for (const file of ['README.md', 'docs/api.md', 'docs/configuration.md', 'packages/broker/README.md']) {
    expect(blocks.filter((b) => b.file === file && b.skip === undefined).length, file).toBeGreaterThan(0);
  }
});

it('docs/api.md is what scripts/gen-api-docs.mjs generates from the code (run `pnpm docs:api`)', async () => {
  // execFile rejects on a non-zero exit: the message then carries what the generator printed.
  const out = await run(['scripts/gen-api-docs.mjs', '--check'], ROOT).then(
    (r) => `${r.stdout}${r.stderr}`.trim(),
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`.trim(),
  );
  expect(out).toBe('docs/api.md is up to date.');
}, 180_000);
