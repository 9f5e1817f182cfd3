import { afterEach, describe, expect, it } from 'vitest';
import { json, makeWorkspace, runCli, type Workspace, writeConfig } from './helpers.js';

/**
 * Names, paths and values come from configuration files, arguments and databases: what a terminal would act
 * on (ANSI escapes, \r, C1 controls, bidi overrides) is shown escaped, never written raw.
 */
const EVIL = '\u001b]0;pwned\u0007\u001b[2J\r\u009b31m\u202e';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\r\\x9b31m\\u202e';
/** Anything a terminal acts on, except the colour sequences (SGR) of our own colour functions. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function withoutColours(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

describe('control characters in output', () => {
  let ws: Workspace;
  afterEach(() => ws?.dir.cleanup());

  /** A config whose chat -42 maps to a readonly source named and placed with control characters. */
  function evilConfig(): string {
    ws = makeWorkspace();
    const toml = (s: string) => JSON.stringify(s); // a TOML basic string: JSON's escapes are TOML's
    return writeConfig(
      ws.dir,
      `[database]
default = "primary"
[database.sources.primary]
path = "bot.db"
[database.sources.${toml(`evil${EVIL}`)}]
path = ${toml(`gone${EVIL}.db`)}
readonly = true
[database.chatMapping]
-42 = ${toml(`evil${EVIL}`)}
`,
      'evil.toml',
    );
  }

  it.each([
    ['check', (cfg: string) => ['check', '--config', cfg]],
    ['route', (cfg: string) => ['route', '--config', cfg, '--', '-42']],
    ['backup', (cfg: string) => ['backup', `evil${EVIL}`, ws.dir.file('b.db'), '--config', cfg]],
  ])('%s prints them escaped, with colours on and off', async (_name, args) => {
    const cfg = evilConfig();
    for (const env of [{}, { FORCE_COLOR: '1' }]) {
      const r = await runCli(args(cfg), { env });
      const all = r.stdout + r.stderr;
      expect(all).toContain(SHOWN);
      expect(withoutColours(all)).not.toMatch(RAW);
      expect(withoutColours(all)).not.toContain('\u001b');
    }
  });

  it('usage errors quote what was typed escaped', async () => {
    const r = await runCli([`nonsense${EVIL}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(SHOWN);
    expect(r.stderr).not.toMatch(RAW);
  });

  it('--json keeps the exact value for a parser, with nothing raw on the terminal', async () => {
    const cfg = evilConfig();
    const r = await runCli(['check', '--config', cfg, '--json']);
    expect(r.stdout).not.toMatch(RAW);
    const body = json<{ sources: { name: string; path: string }[] }>(r);
    expect(body.sources.map((s) => s.name)).toContain(`evil${EVIL}`);
    expect(body.sources.find((s) => s.name === `evil${EVIL}`)?.path).toBe(ws.dir.file(`gone${EVIL}.db`));
  });
});
