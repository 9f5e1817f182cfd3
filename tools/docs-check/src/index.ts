import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BlockProblem, checkBlocks } from './check-blocks.js';
import { markdownCodeBlocks } from './markdown-blocks.js';

export type { BlockProblem } from './check-blocks.js';
export { checkedDocs } from './docs-files.js';
export { type CodeBlock, markdownCodeBlocks } from './markdown-blocks.js';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PREAMBLE = path.join(PACKAGE_DIR, 'preamble', 'doc-globals.d.ts');
export const REFERENCE_TYPES = path.join(PACKAGE_DIR, 'preamble', 'reference-types.ts');

/**
 * Every problem of the ts blocks of the given Markdown files (paths relative to `root`, which is
 * also how they are reported): type errors at their Markdown line, and malformed directives.
 */
export function checkMarkdownFiles(root: string, files: readonly string[]): BlockProblem[] {
  const problems: BlockProblem[] = [];
  const blocks = files.flatMap((file) => {
    const found = markdownCodeBlocks(file, readFileSync(path.join(root, file), 'utf8'));
    problems.push(...found.problems);
    return found.blocks;
  });
  problems.push(
    ...checkBlocks(blocks, { resolveFrom: PACKAGE_DIR, preamble: PREAMBLE, referenceTypes: REFERENCE_TYPES }),
  );
  return problems;
}

export function formatProblem(p: BlockProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}
