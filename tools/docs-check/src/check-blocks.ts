/**
 * Type-checks Markdown code blocks with the TypeScript compiler API, against the packages' BUILT
 * declarations (as a bot that installed them would see them), in strict mode. One program holds
 * every block, each as its own ES module, so a check of all the docs costs one compilation.
 *
 * A block is one of three kinds, told apart by its syntax:
 *   - example: statements. Checked as a module; names it does not declare or import come from the
 *     preamble (db, chatId, ...), whose declarations its own shadow.
 *   - signatures: lines such as `close(): Promise<void>`, `get sources(): readonly string[]` or
 *     `new DatabaseWrapper(options: DatabaseWrapperOptions)` (the API reference). Each must have the
 *     type of the member of that name of a class @pkg/core exports (the constructor: of that class).
 *   - declarations: only `type` / `interface` declarations, no import. Each must be the same type as
 *     the @pkg/core export of that name (when there is one).
 * Signatures and declarations see every export of @pkg/core, as the reference page names them bare.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { CodeBlock } from './markdown-blocks.js';

export interface BlockProblem {
  file: string;
  line: number;
  message: string;
}

export interface CheckOptions {
  /** Folder whose node_modules resolve the blocks' imports. */
  resolveFrom: string;
  /** A global script (.d.ts) of the names example blocks may use without declaring them. */
  preamble: string;
  /** Types signature blocks may name that the package does not export (a module of type aliases). */
  referenceTypes: string;
  /** The package whose exports signature and declaration blocks document. */
  referencePackage?: string;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
};

/** "A parameter initializer is only allowed in a function or constructor implementation": the
 * reference writes defaults (`args: ReadOptions = {}`); the parameter still counts as optional. */
const INITIALIZER_IN_DECLARATION = 2371;

const HELPERS = `
type __Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
`;

interface VirtualFile {
  name: string;
  text: string;
  block: CodeBlock;
  /** Signature blocks write parameter defaults, which a declaration may not have. */
  allowInitializers?: boolean;
  /** Maps a 0-based line of the virtual file to the Markdown line to report, and may reword. */
  locate: (line: number) => { line: number; message?: string; context?: boolean };
}

export function checkBlocks(blocks: readonly CodeBlock[], options: CheckOptions): BlockProblem[] {
  const reference = options.referencePackage ?? '@pkg/core';
  const files: VirtualFile[] = [];
  const problems: BlockProblem[] = [];
  let exports: ReferenceExports | undefined;
  // Each Markdown file's blocks sit in a folder of their own (below resolveFrom, whose node_modules
  // resolve their imports), so a block named by `file` is what the others of that file import.
  const folders = new Map<string, string>();
  blocks.forEach((block, index) => {
    if (block.skip !== undefined) return;
    let folder = folders.get(block.file);
    if (folder === undefined) {
      folder = path.join(options.resolveFrom, `__docs_${folders.size}`);
      folders.set(block.file, folder);
    }
    const name = path.join(folder, block.fileName ?? `__doc_${index}.mts`);
    const kind = classify(block.code);
    if (kind === 'example') {
      files.push({ name, block, text: `${block.code}\nexport {};\n`, locate: (l) => ({ line: block.line + l }) });
      return;
    }
    exports ??= referenceExports(reference, options.resolveFrom, options.referenceTypes);
    files.push({ name, block, ...(kind === 'signatures' ? signatureFile : declarationFile)(block, exports) });
  });

  const host = virtualHost(files);
  const program = ts.createProgram({
    rootNames: [options.preamble, ...files.map((f) => f.name)],
    options: COMPILER_OPTIONS,
    host,
  });
  for (const d of [
    ...program.getGlobalDiagnostics(),
    ...program.getSemanticDiagnostics(program.getSourceFile(options.preamble)),
  ]) {
    problems.push({ file: options.preamble, line: lineOf(d) + 1, message: format(d) });
  }
  for (const file of files) {
    const sf = program.getSourceFile(file.name);
    if (sf === undefined) throw new Error(`docs-check: ${file.name} is not in the program`);
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      if (d.code === INITIALIZER_IN_DECLARATION && file.allowInitializers === true) continue;
      const where = file.locate(lineOf(d));
      // An error in the context written around a reference block (imports, helpers, reference types)
      // must not pass unseen: it is reported at the block, saying where it is.
      const message = where.message ?? (where.context === true ? `in the checker's context: ${format(d)}` : format(d));
      problems.push({ file: file.block.file, line: where.line, message });
    }
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function classify(code: string): 'example' | 'signatures' | 'declarations' {
  if (!hasSyntaxErrors(code)) {
    const sf = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest);
    const onlyTypes =
      sf.statements.length > 0 &&
      sf.statements.every((s) => ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s));
    return onlyTypes ? 'declarations' : 'example';
  }
  // Not statements: API reference lines are class members (a constructor written `new Name(...)`).
  return hasSyntaxErrors(asClassBody(code)) ? 'example' : 'signatures';
}

function hasSyntaxErrors(code: string): boolean {
  const out = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
  });
  return (out.diagnostics ?? []).length > 0;
}

const NEW_SIGNATURE = /^(\s*)new\s+([A-Za-z_$][\w$]*)\s*(?=[<(])/gm;

function asClassBody(code: string): string {
  return `declare class __Documented {\n${code.replace(NEW_SIGNATURE, '$1constructor')}\n}`;
}

interface ReferenceExports {
  importLine: string;
  names: Set<string>;
  /** Each exported class, with the names of its public instance members. */
  classes: Map<string, Set<string>>;
  /** Types the reference names without the package exporting them (preamble/reference-types.ts). */
  referenceTypes: string;
}

function referenceExports(reference: string, resolveFrom: string, referenceTypesFile: string): ReferenceExports {
  const name = path.join(resolveFrom, '__doc_exports.mts');
  const text = `import * as reference from '${reference}';\nexport { reference };\n`;
  const program = ts.createProgram({
    rootNames: [name],
    options: COMPILER_OPTIONS,
    host: virtualHost([{ name, text }]),
  });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(name);
  const specifier = sf?.statements.find(ts.isImportDeclaration)?.moduleSpecifier;
  const moduleSymbol = specifier === undefined ? undefined : checker.getSymbolAtLocation(specifier);
  if (moduleSymbol === undefined) {
    throw new Error(`docs-check: cannot resolve ${reference} from ${resolveFrom}; build it first (pnpm build)`);
  }
  const names: string[] = [];
  const classes = new Map<string, Set<string>>();
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    names.push(symbol.name);
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    if (target.flags & ts.SymbolFlags.Class) {
      const members = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target)).map((m) => m.name);
      classes.set(symbol.name, new Set(members));
    }
  }
  return {
    importLine: `import { ${names.join(', ')} } from '${reference}'; import * as __reference from '${reference}';`,
    names: new Set(names),
    classes,
    referenceTypes: readFileSync(referenceTypesFile, 'utf8'),
  };
}

/** The block as the body of `declare class __Documented`, then one check per member. */
function signatureFile(
  block: CodeBlock,
  exports: ReferenceExports,
): Pick<VirtualFile, 'text' | 'locate' | 'allowInitializers'> {
  const body = asClassBody(block.code);
  const classSf = ts.createSourceFile('block.ts', body, ts.ScriptTarget.Latest, true);
  const members = (classSf.statements[0] as ts.ClassDeclaration).members;
  const constructed = [...block.code.matchAll(NEW_SIGNATURE)].map((m) => m[2] ?? '');
  const checks: Check[] = [];
  members.forEach((member, i) => {
    // Line 0 of the body is `declare class __Documented {`.
    const line = classSf.getLineAndCharacterOfPosition(member.getStart(classSf)).line - 1;
    if (ts.isConstructorDeclaration(member)) {
      const cls = constructed.shift() ?? '';
      checks.push({
        line,
        message: `the constructor documented here is not that of \`${cls}\``,
        code: `const __check${i}: __Same<ConstructorParameters<typeof __Documented>, ConstructorParameters<typeof ${cls}>> = true;`,
      });
      return;
    }
    const name = member.name !== undefined && ts.isIdentifier(member.name) ? member.name.text : undefined;
    if (name === undefined) return;
    const owners = [...exports.classes].filter(([, members]) => members.has(name)).map(([c]) => c);
    const same = owners.map((c) => `__Same<__Documented['${name}'], ${c}['${name}']>`).join(' | ');
    checks.push({
      line,
      message:
        owners.length === 0
          ? `no class the package exports has a member \`${name}\``
          : `\`${name}\` as documented here is not the type of ${owners.map((c) => `${c}.${name}`).join(' or ')}`,
      code: `const __check${i}: ${owners.length === 0 ? 'false' : `true extends ${same} ? true : false`} = true;`,
    });
  });
  return wrapped(block, exports, 'declare class __Documented {', '}', checks);
}

/** The block inside a namespace (its names shadow the imports), then one check per exported name. */
function declarationFile(
  block: CodeBlock,
  exports: ReferenceExports,
): Pick<VirtualFile, 'text' | 'locate' | 'allowInitializers'> {
  const sf = ts.createSourceFile('block.ts', block.code, ts.ScriptTarget.Latest, true);
  const checks: Check[] = [];
  sf.statements.forEach((s, i) => {
    if (!(ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) || !exports.names.has(s.name.text)) return;
    const name = s.name.text;
    checks.push({
      line: sf.getLineAndCharacterOfPosition(s.getStart(sf)).line,
      message: `\`${name}\` as documented here is not the type the package exports under that name`,
      code: `export const __check${i}: __Same<${name}, __reference.${name}> = true;`,
    });
  });
  return wrapped(block, exports, 'namespace __doc {', '', checks);
}

interface Check {
  /** 0-based line in the block of what the check is about. */
  line: number;
  message: string;
  code: string;
}

/**
 * Line 0: the imports of every export; line 1: `open`; then the block, `close`, the checks (one a
 * line) and the helpers. A failed check is reported at its member's line with its own message.
 */
function wrapped(
  block: CodeBlock,
  exports: ReferenceExports,
  open: string,
  close: string,
  checks: readonly Check[],
): Pick<VirtualFile, 'text' | 'locate' | 'allowInitializers'> {
  const code = open.startsWith('declare class') ? block.code.replace(NEW_SIGNATURE, '$1constructor') : block.code;
  const codeLines = code.split('\n').length;
  const closing = close === '' ? checks.map((c) => c.code).concat('}') : [close, ...checks.map((c) => c.code)];
  const firstCheck = 2 + codeLines + (close === '' ? 0 : 1);
  const text = [exports.importLine, open, code, ...closing, HELPERS, exports.referenceTypes].join('\n');
  return {
    allowInitializers: open.startsWith('declare class'),
    text,
    locate: (l) => {
      if (l >= 2 && l < 2 + codeLines) return { line: block.line + l - 2 };
      const check = checks[l - firstCheck];
      return check === undefined
        ? { line: block.line, context: true }
        : { line: block.line + check.line, message: check.message };
    },
  };
}

function virtualHost(files: readonly Pick<VirtualFile, 'name' | 'text'>[]): ts.CompilerHost {
  const byName = new Map(files.map((f) => [path.normalize(f.name), f.text]));
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const text = byName.get(path.normalize(name));
    return text === undefined
      ? getSourceFile(name, language, ...rest)
      : ts.createSourceFile(name, text, language, true);
  };
  const folders = new Set([...byName.keys()].map((name) => path.dirname(name)));
  const { directoryExists } = host;
  host.directoryExists = (name) => folders.has(path.normalize(name)) || (directoryExists?.(name) ?? false);
  host.fileExists = (name) => byName.has(path.normalize(name)) || fileExists(name);
  host.readFile = (name) => byName.get(path.normalize(name)) ?? readFile(name);
  return host;
}

function lineOf(d: ts.Diagnostic): number {
  return d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
}

function format(d: ts.Diagnostic): string {
  return `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`;
}
