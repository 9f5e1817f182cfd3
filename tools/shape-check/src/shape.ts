/**
 * The shape of the engines as plug-ins, checked on the source text: engine-specific code lives in its
 * engine's folder. Outside `src/engines/<name>/` (or a config part `src/engines/<name>.ts`) and the
 * registries (`src/engines/registry.ts`), no file of `packages/<package>/src` may
 * - import a database driver (`better-sqlite3`, `postgres`, `mysql2`, `ioredis`, `redis`; types too: a
 *   type import ties the file to the driver all the same), or
 * - compare with an engine's name (`x === 'postgresql'`, `'sqlite' !== x`, `case 'mysql':`): such a branch
 *   silently treats an engine added later as one of the others.
 * Files are parsed with TypeScript, so comments and strings that only mention a name do not count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The drivers whose import marks engine code (a subpath such as `mysql2/promise` counts too). */
export const DRIVERS = ['better-sqlite3', 'postgres', 'mysql2', 'ioredis', 'redis'] as const;

/** The engines' names, as compared in code. */
export const ENGINE_NAMES = ['sqlite', 'postgresql', 'mysql', 'redis'] as const;

export interface Violation {
  /** Path from the root, with `/`. */
  readonly file: string;
  readonly line: number;
  readonly kind: 'driver-import' | 'engine-comparison';
  /** The offending text, e.g. `import ... from 'postgres'` or `s.type === 'postgresql'`. */
  readonly text: string;
}

const ENGINE_NAME_SET = new Set<string>(ENGINE_NAMES);
const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

function isDriver(specifier: string): boolean {
  return DRIVERS.some((d) => specifier === d || specifier.startsWith(`${d}/`));
}

function isEngineName(node: ts.Node): boolean {
  return (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && ENGINE_NAME_SET.has(node.text);
}

/**
 * Whether `file` (relative to its package, with `/`) may hold engine code: a file of an engine's folder,
 * an engine's config part, or a registry.
 */
export function isEngineFile(file: string): boolean {
  const m = /^src\/engines\/([^/]+)(\/.*)?$/.exec(file);
  if (m === null) return false;
  const [, first, rest] = m;
  if (first === 'registry.ts') return true;
  const name = rest === undefined ? (first as string).replace(/\.ts$/, '') : (first as string);
  return ENGINE_NAME_SET.has(name);
}

/** The violations in one file's text. */
export function violationsIn(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Violation[] = [];
  const report = (node: ts.Node, kind: Violation['kind'], text = node.getText(source)) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    out.push({ file, line, kind, text: text.replace(/\s+/g, ' ').slice(0, 160) });
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      isDriver(node.moduleSpecifier.text)
    ) {
      report(node, 'driver-import');
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression) &&
      isDriver(node.moduleReference.expression.text)
    ) {
      report(node, 'driver-import');
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0]) &&
      isDriver(node.arguments[0].text)
    ) {
      report(node, 'driver-import');
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal) &&
      isDriver(node.argument.literal.text)
    ) {
      report(node, 'driver-import');
    } else if (
      ts.isBinaryExpression(node) &&
      COMPARISONS.has(node.operatorToken.kind) &&
      (isEngineName(node.left) || isEngineName(node.right))
    ) {
      report(node, 'engine-comparison');
    } else if (ts.isCaseClause(node) && isEngineName(node.expression)) {
      report(node, 'engine-comparison', `case ${node.expression.getText(source)}:`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|cts|tsx|js|mjs|cjs)$/.test(name)) out.push(full);
  }
  return out;
}

/** Every violation in `root`/packages/<package>/src, engine folders and registries left out, in path order. */
export function findViolations(root: string): Violation[] {
  const packages = path.join(root, 'packages');
  const out: Violation[] = [];
  for (const pkg of readdirSync(packages).sort()) {
    const src = path.join(packages, pkg, 'src');
    let files: string[];
    try {
      files = sourceFiles(src);
    } catch {
      continue;
    }
    for (const full of files) {
      const inPackage = path.relative(path.join(packages, pkg), full).split(path.sep).join('/');
      if (isEngineFile(inPackage)) continue;
      const file = path.relative(root, full).split(path.sep).join('/');
      out.push(...violationsIn(file, readFileSync(full, 'utf8')));
    }
  }
  return out;
}
