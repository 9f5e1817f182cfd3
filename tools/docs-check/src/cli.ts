/**
 * The checker in a child process, so that a test's vitest worker thread stays free while TypeScript
 * compiles: one compile is a single synchronous call, and on a busy machine it held the worker past
 * vitest's 60 s RPC bound ("Timeout calling onTaskUpdate"), failing a run whose blocks were all fine.
 * - `node dist/cli.js <root> <file>...`: the problems of those Markdown files (checkMarkdownFiles);
 * - `node dist/cli.js --blocks` with `{ blocks, options }` on stdin: checkBlocks.
 * Either way the problems go to stdout as JSON.
 */
import { readFileSync } from 'node:fs';
import { type CheckOptions, checkBlocks } from './check-blocks.js';
import { checkMarkdownFiles } from './index.js';
import type { CodeBlock } from './markdown-blocks.js';

const [first, ...rest] = process.argv.slice(2);
if (first === '--blocks') {
  const input = JSON.parse(readFileSync(0, 'utf8')) as { blocks: CodeBlock[]; options: CheckOptions };
  process.stdout.write(JSON.stringify(checkBlocks(input.blocks, input.options)));
} else if (first !== undefined) {
  process.stdout.write(JSON.stringify(checkMarkdownFiles(first, rest)));
} else {
  process.stderr.write('usage: node dist/cli.js <root> <file>... | node dist/cli.js --blocks < input.json\n');
  process.exit(2);
}
