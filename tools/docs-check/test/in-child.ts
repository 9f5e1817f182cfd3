/** The checker run in a child process (see src/cli.ts for why), awaited: the worker thread stays free. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckOptions } from '../src/check-blocks.js';
import type { BlockProblem, CodeBlock } from '../src/index.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const BOUND_MS = 170_000;

function runCli(args: string[], input?: string): Promise<BlockProblem[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { encoding: 'utf8', timeout: BOUND_MS, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`docs-check cli failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as BlockProblem[]);
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/** checkMarkdownFiles(root, files), in a child process. */
export const checkFilesInChild = (root: string, files: readonly string[]) => runCli([root, ...files]);

/** checkBlocks(blocks, options), in a child process. */
export const checkBlocksInChild = (blocks: readonly CodeBlock[], options: CheckOptions) =>
  runCli(['--blocks'], JSON.stringify({ blocks, options }));
