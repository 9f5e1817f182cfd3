import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The Markdown files whose ts blocks must type-check, relative to `root`: README.md, docs/*.md and
 * the README of every package under packages/ (npm ships a package's README whatever its `files`,
 * so a bot's developer reads it next to the code it describes).
 */
export function checkedDocs(root: string): string[] {
  const docs = mdFilesIn(path.join(root, 'docs')).map((f) => `docs/${f}`);
  const packages = readdirSync(path.join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && mdFilesIn(path.join(root, 'packages', d.name)).includes('README.md'))
    .map((d) => `packages/${d.name}/README.md`)
    .sort();
  return ['README.md', ...docs, ...packages];
}

function mdFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort();
}
