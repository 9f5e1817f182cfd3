/**
 * Finds the TypeScript code blocks of a Markdown file, with the line each starts on and the
 * `<!-- docs-check: ... -->` directive written on the line before it (blank lines may sit between).
 */

export interface CodeBlock {
  /** Markdown file, as given (used in every message). */
  file: string;
  /** 1-based line of the block's first code line (the line after the opening fence). */
  line: number;
  /** The code, with the fence's indentation removed (blocks inside list items are indented). */
  code: string;
  /** `skip` when the author marked the block as deliberately not checked. */
  skip?: { reason: string };
  /** The file the block is (`<!-- docs-check: file kv-operations.ts -->`): the other blocks of the same
   * Markdown file import it by that name (`./kv-operations.js`), as the reader's code would. */
  fileName?: string;
}

export interface DirectiveProblem {
  file: string;
  line: number;
  message: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;
const DIRECTIVE = /^\s*<!--\s*docs-check:\s*(.*?)\s*-->\s*$/;
const TS_LANGUAGES = new Set(['ts', 'typescript']);

export function markdownCodeBlocks(file: string, text: string): { blocks: CodeBlock[]; problems: DirectiveProblem[] } {
  const lines = text.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  const problems: DirectiveProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', language = ''] = open;
    let end = i + 1;
    while (end < lines.length && !closes(lines[end] ?? '', fence)) end++;
    if (TS_LANGUAGES.has(language.toLowerCase())) {
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
        .join('\n');
      const block: CodeBlock = { file, line: i + 2, code };
      const directive = directiveBefore(lines, i);
      if (directive !== null) {
        const problem = applyDirective(block, directive.text);
        if (problem !== null) problems.push({ file, line: directive.line, message: problem });
      }
      blocks.push(block);
    }
    i = end;
  }
  return { blocks, problems };
}

const FILE_NAME = /^[\w.-]+\.m?ts$/;

/** Sets what the directive says on the block; returns what is wrong with it, if anything. */
function applyDirective(block: CodeBlock, text: string): string | null {
  const skip = /^skip\b\s*[:\u2014-]?\s*(.*)$/.exec(text);
  if (skip !== null) {
    const reason = (skip[1] ?? '').trim();
    if (reason === '') return 'docs-check: skip needs a reason ("skip: <why>")';
    block.skip = { reason };
    return null;
  }
  const file = /^file\b\s*(.*)$/.exec(text);
  if (file !== null) {
    const name = file[1] ?? '';
    if (!FILE_NAME.test(name))
      return `docs-check: "file ${name}" needs a plain file name ending in .ts ("file kv-operations.ts")`;
    block.fileName = name;
    return null;
  }
  return `unknown docs-check directive "${text}"; the directives are "skip: <why>" and "file <name>.ts"`;
}

function closes(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.startsWith(fence) && trimmed.replace(/[`~]/g, '') === '';
}

/** The docs-check comment on the nearest non-blank line above the fence at `fenceIndex`, if any. */
function directiveBefore(lines: string[], fenceIndex: number): { text: string; line: number } | null {
  for (let j = fenceIndex - 1; j >= 0; j--) {
    const line = lines[j] ?? '';
    if (line.trim() === '') continue;
    const match = DIRECTIVE.exec(line);
    return match === null ? null : { text: match[1] ?? '', line: j + 1 };
  }
  return null;
}
