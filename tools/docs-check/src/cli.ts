/**
 * `node dist/cli.js <root> <file>...`: the problems of those Markdown files' ts blocks, as JSON on stdout.
 * The test runs the check in this child process: compiling every block is one synchronous TypeScript call,
 * which on a busy machine held vitest's worker thread past its 60 s RPC bound ("Timeout calling
 * onTaskUpdate"), failing the run although every block was fine.
 */
import { checkMarkdownFiles } from './index.js';

const [root, ...files] = process.argv.slice(2);
if (root === undefined) {
  process.stderr.write('usage: node dist/cli.js <root> <file>...\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(checkMarkdownFiles(root, files)));
