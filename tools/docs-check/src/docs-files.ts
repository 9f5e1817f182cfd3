import { readdirSync } from 'node:fs';
import path from 'node:path';

/** The Markdown files whose ts blocks must type-check: README.md and docs/*.md, relative to `root`. */
export function checkedDocs(root: string): string[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}
