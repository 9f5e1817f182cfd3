import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN_LINK, runCli } from './helpers.js';

const COMMANDS = ['check', 'route', 'stats', 'backup', 'verify', 'move'];

describe('botdb usage', () => {
  it.each(COMMANDS)('%s --help exits 0 and shows an example', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: botdb ${command}`);
    expect(r.stdout).toContain('Example');
    expect(r.stdout).toContain('--json');
  });

  it('botdb --help lists every command and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 problems found, 2 bad usage');
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['nonsense']],
    ['an unknown option', ['check', '--frobnicate']],
    ['a missing argument', ['backup', 'primary']],
    ['too many arguments', ['verify', 'a.db', 'b.db']],
  ])('%s is bad usage: exit 2, the reason on stderr, stdout clean', async (_name, args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
    expect(r.stdout).toBe('');
  });

  it('the package bin (what npx botdb runs) is the same command', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(Object.keys(pkg.bin)).toEqual(['botdb']);
    const r = await runCli(['verify', '--help'], { bin: BIN_LINK });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: botdb verify');
  });

  it('--version prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('--help points only at what the package ships: its README, which holds what help promises', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };
    const r = await runCli(['--help']);
    expect(r.stdout).not.toContain('docs/');
    expect(r.stdout).toContain('README.md');
    // npm always packs README.md; every other file help could name must be in "files".
    for (const name of r.stdout.match(/[\w./-]+\.md\b/g) ?? []) {
      expect(name.endsWith('README.md') || pkg.files.some((f) => name.includes(f)), name).toBe(true);
    }
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const c of COMMANDS) expect(readme).toContain(`botdb ${c}`);
    for (const heading of ['Exit codes', '--json', 'Problem codes']) expect(readme).toContain(heading);
    expect(readme).not.toMatch(/\]\(\.\.\//); // no link that leaves the package
  });
});
