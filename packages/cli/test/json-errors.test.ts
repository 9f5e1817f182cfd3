import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, type Workspace } from './helpers.js';

/** Every failure with --json: exactly one JSON object on stdout, with error.code and error.message. */
interface Failure {
  ok: boolean;
  error: { code: string; message: string };
  problems: { code: string; message: string }[];
}

describe('botdb --json on failure', () => {
  let ws: Workspace;
  beforeAll(() => {
    ws = makeWorkspace();
  });
  afterAll(() => ws?.dir.cleanup());

  const cases: [string, () => string[], number, string][] = [
    ['an unknown command', () => ['nonsense', '--json'], 2, 'UNKNOWN_COMMAND'],
    ['an unknown option', () => ['check', '--frobnicate', '--json'], 2, 'UNKNOWN_OPTION'],
    ['an unknown option of the program', () => ['--json'], 2, 'UNKNOWN_OPTION'],
    ['a missing argument', () => ['backup', 'primary', '--json'], 2, 'MISSING_ARGUMENT'],
    ['too many arguments', () => ['verify', 'a.db', 'b.db', '--json'], 2, 'TOO_MANY_ARGUMENTS'],
    [
      'too many arguments to move',
      () => ['move', '--from', 'a', '--to', 'b', '--all', 'x', '--json'],
      2,
      'TOO_MANY_ARGUMENTS',
    ],
    ['a missing required option', () => ['move', '--from', 'primary', '--all', '--json'], 2, 'MISSING_OPTION'],
    ['an option without its value', () => ['check', '--json', '--config'], 2, 'MISSING_OPTION_VALUE'],
    ['a chat id that is not a number', () => ['route', 'abc', '--json'], 2, 'BAD_USAGE'],
    [
      'an unknown source',
      () => ['backup', 'nope', ws.dir.file('x.db'), '--config', ws.config, '--json'],
      2,
      'UNKNOWN_SOURCE',
    ],
    [
      'a missing configuration file',
      () => ['check', '--config', ws.dir.file('missing.toml'), '--json'],
      1,
      'CONFIG_INVALID',
    ],
    ['a file that is not there', () => ['verify', ws.dir.file('missing.db'), '--json'], 1, 'FILE_NOT_FOUND'],
  ];

  it.each(cases)('%s', async (_name, args, exit, code) => {
    const r = await runCli(args());
    expect(r.code, r.stderr).toBe(exit);
    // One JSON document and nothing else: JSON.parse of the whole of stdout.
    const body = JSON.parse(r.stdout) as Failure;
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(body.problems[0]?.code).toBe(code);
    // The reason is on stderr too, for a person watching.
    if (exit === 2) expect(r.stderr).not.toBe('');
  });
});
