/**
 * The checker must fail on the drift it exists for: a doc block calling a method that does not exist
 * or passing a wrong argument, a reference signature or type that is not the code's, and a skip
 * without a reason. Each problem names the Markdown file and the line of the offending code.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BlockProblem, formatProblem, markdownCodeBlocks, PREAMBLE } from '../src/index.js';
import { checkBlocksInChild, checkFilesInChild } from './in-child.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = 'fixtures/drifted.md';
const text = readFileSync(path.join(here, FIXTURE), 'utf8');
/** 1-based line of the first line of the fixture that contains `snippet`. */
const lineOf = (snippet: string) => text.split('\n').findIndex((l) => l.includes(snippet)) + 1;

let problems: BlockProblem[];
beforeAll(async () => {
  problems = await checkFilesInChild(here, [FIXTURE]);
}, 180_000);
const at = (snippet: string) => problems.filter((p) => p.line === lineOf(snippet)).map((p) => p.message);

describe('example blocks', () => {
  it('a block that matches the code passes, with db and chatId from the preamble', () => {
    for (const line of ['db.saveChatMessage(', 'db.getChatMessagesByUser({ chatId, userId: 42', 'toUpperCase']) {
      expect(at(line), line).toEqual([]);
    }
  });

  it('@ts-expect-error shows a deliberate mistake, and fails when there is none', () => {
    expect(at("value: 'gpt', dataSource: 'archive'")).toEqual([]);
    expect(at('// @ts-expect-error: not a mistake')).toEqual([
      expect.stringMatching(/TS2578: Unused '@ts-expect-error'/),
    ]);
  });

  it('a method that does not exist fails at its line', () => {
    expect(at('db.saveChatMesage(')).toEqual([
      expect.stringMatching(/TS2551: Property 'saveChatMesage' does not exist/),
    ]);
  });

  it('an argument that does not exist, or of the wrong type, fails at its line', () => {
    expect(at('getChatSetting({ chatId, key')).toEqual([
      expect.stringMatching(/TS2353: .*'key' does not exist in type/),
    ]);
    expect(at("userId: '42'")).toEqual([
      expect.stringMatching(/TS2322: Type 'string' is not assignable to type 'number'/),
    ]);
  });

  it('a block inside a list item is checked, at its line, with its own declarations', () => {
    expect(at('maxConections')).toEqual([expect.stringMatching(/TS2561: .*'maxConections' does not exist/s)]);
  });
});

describe('directives', () => {
  it('skip with a reason leaves the block unchecked; without one, or an unknown directive, is a problem', () => {
    const skipped = markdownCodeBlocks(FIXTURE, text).blocks.filter((b) => b.skip !== undefined);
    expect(skipped).toEqual([expect.objectContaining({ skip: { reason: 'pseudo-code on purpose' } })]);
    expect(at('docs-check: skip -->')).toEqual(['docs-check: skip needs a reason ("skip: <why>")']);
    expect(at('docs-check: ignore')).toEqual([expect.stringMatching(/unknown docs-check directive "ignore"/)]);
  });

  it('a block named by `file` is what the other blocks of its page import', () => {
    expect(markdownCodeBlocks(FIXTURE, text).blocks.filter((b) => b.fileName !== undefined)).toEqual([
      expect.objectContaining({ fileName: 'greeting.ts' }),
    ]);
    expect(at("import { greeting } from './greeting.js'")).toEqual([]);
    expect(at("greeting('ann').toUpperCase()")).toEqual([]);
    expect(at('greeting(42)')).toEqual([expect.stringMatching(/TS2345: .*'number' is not assignable .*'string'/)]);
    expect(at('docs-check: file not/a-name')).toEqual([
      expect.stringMatching(/"file not\/a-name" needs a plain file name ending in \.ts/),
    ]);
  });

  it("another page's blocks do not see a page's named file", async () => {
    const named = markdownCodeBlocks('a.md', '<!-- docs-check: file shared.ts -->\n```ts\nexport const x = 1;\n```\n');
    const other = markdownCodeBlocks('b.md', "```ts\nimport { x } from './shared.js';\n```\n");
    const found = await checkBlocksInChild([...named.blocks, ...other.blocks], {
      resolveFrom: path.resolve(here, '..'),
      preamble: PREAMBLE,
      referenceTypes: path.resolve(here, '../preamble/reference-types.ts'),
    });
    expect(found.map(formatProblem)).toEqual([
      expect.stringMatching(/^b\.md:2: TS2307: Cannot find module '\.\/shared\.js'/),
    ]);
  });

  it('a block marked skip without a reason is still checked', () => {
    expect(at('db.skippedOnPurpose')).toEqual([]);
    expect(at('db.skippedWithoutReason')).toContainEqual(expect.stringMatching(/TS2339: .*'skippedWithoutReason'/));
  });
});

describe('API reference blocks', () => {
  it('a signature must be the type of the real member', () => {
    expect(at('getChatSetting(args: Read<GetChatSettingArgs>)')).toEqual([]);
    expect(at('Promise<string[]>')).toEqual([
      '`getChatSettings` as documented here is not the type of DatabaseWrapper.getChatSettings or Transaction.getChatSettings',
    ]);
    expect(at('saveChatMesage(args: Write')).toEqual(['no class the package exports has a member `saveChatMesage`']);
    expect(at('new DatabaseWrapper(options: string)')).toEqual([
      'the constructor documented here is not that of `DatabaseWrapper`',
    ]);
  });

  it('an error in the context around a reference block is reported at the block, not dropped', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'docs-check-'));
    try {
      const referenceTypes = path.join(dir, 'reference-types.ts');
      writeFileSync(referenceTypes, 'export type Read<A> = A & NoSuchType;\n');
      const md = '# API\n\n```ts\ngetChatSettings(args: Read<ChatKey>): Promise<Record<string, string>>\n```\n';
      const { blocks } = markdownCodeBlocks('api.md', md);
      const found = await checkBlocksInChild(blocks, {
        resolveFrom: path.resolve(here, '..'),
        preamble: PREAMBLE,
        referenceTypes,
      });
      expect(found.map(formatProblem)).toContainEqual(
        expect.stringMatching(/^api\.md:4: in the checker's context: TS2304: Cannot find name 'NoSuchType'/),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a type alias must be the type the package exports under its name', () => {
    expect(at('type MessageId')).toEqual([]);
    expect(at('type Timestamp = Date;')).toEqual([
      '`Timestamp` as documented here is not the type the package exports under that name',
    ]);
  });
});

it('every problem names the file and the line', () => {
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) expect(formatProblem(p)).toMatch(/^fixtures\/drifted\.md:\d+: /);
  // Nothing else is reported: the js block is not TypeScript and the skipped block is not checked.
  const expected = new Set(
    [
      '// @ts-expect-error: not a mistake',
      'db.saveChatMesage(',
      'getChatSetting({ chatId, key',
      "userId: '42'",
      'maxConections',
      'docs-check: skip -->',
      'db.skippedWithoutReason',
      'docs-check: ignore',
      'Promise<string[]>',
      'saveChatMesage(args: Write',
      'new DatabaseWrapper(options: string)',
      'type Timestamp = Date;',
      'greeting(42)',
      'docs-check: file not/a-name',
    ].map(lineOf),
  );
  const unexpected = problems.filter((p) => !expected.has(p.line));
  expect(unexpected.map(formatProblem)).toEqual([]);
});
