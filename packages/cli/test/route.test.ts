import { copyReferenceDb, REFERENCE_CHAT_IDS } from '@pkg/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ARCHIVED_CHAT, json, makeWorkspace, runCli, type Workspace, writeConfig } from './helpers.js';

interface Leg {
  source: string;
  path: string;
  reason: string;
  readonly: boolean;
  refused: boolean;
  error?: { code: string; message: string };
}
interface RouteJson {
  ok: boolean;
  chatId: number;
  read: Leg;
  write: Leg;
}

describe('botdb route', () => {
  let ws: Workspace;
  afterEach(() => ws?.dir.cleanup());

  it('a mapped chat on a writable source: read and write go there, because of chatMapping', async () => {
    ws = makeWorkspace();
    const mapped = REFERENCE_CHAT_IDS[0] as number;
    // A third, writable source with one mapped chat.
    copyReferenceDb(ws.dir.path, 'tests.db');
    const cfg = writeConfig(
      ws.dir,
      `[database]
default = "primary"
[database.sources.primary]
path = "bot.db"
[database.sources.tests]
path = "tests.db"
[database.chatMapping]
${mapped} = "tests"
`,
      'mapped.toml',
    );
    const r = await runCli(['route', String(mapped), '--config', cfg, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = json<RouteJson>(r);
    expect(body.chatId).toBe(mapped);
    expect(body.read).toMatchObject({ source: 'tests', reason: 'chatMapping', readonly: false, refused: false });
    expect(body.write).toMatchObject({ source: 'tests', reason: 'chatMapping', refused: false });
    expect(body.write.path).toBe(ws.dir.file('tests.db'));
  });

  it('an unmapped chat goes to the default source', async () => {
    ws = makeWorkspace();
    const r = await runCli(['route', '100100', '--config', ws.config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = json<RouteJson>(r);
    expect(body.read).toMatchObject({ source: 'primary', reason: 'default', refused: false });
    expect(body.write).toMatchObject({ source: 'primary', reason: 'default', refused: false });
    const text = await runCli(['route', '100100', '--config', ws.config]);
    expect(text.stdout).toContain('read  -> primary');
    expect(text.stdout).toContain('write -> primary');
  });

  it('a chat mapped to a readonly source: reads go there, the write is shown refused with the reason', async () => {
    ws = makeWorkspace();
    // A negative chat id is an argument, not an option.
    const r = await runCli(['route', String(ARCHIVED_CHAT), '--config', ws.config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = json<RouteJson>(r);
    expect(body.read).toMatchObject({ source: 'archive', reason: 'chatMapping', readonly: true, refused: false });
    expect(body.write).toMatchObject({ source: 'archive', reason: 'chatMapping', refused: true });
    expect(body.write.error?.code).toBe('READONLY_SOURCE');
    const text = await runCli(['route', String(ARCHIVED_CHAT), '--config', ws.config]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('refused');
    expect(text.stdout).toContain('READONLY_SOURCE');
  });

  it('a chat id that is not a whole number is bad usage (exit 2)', async () => {
    ws = makeWorkspace();
    const r = await runCli(['route', '12abc', '--config', ws.config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a whole number');
    expect(r.stdout).toBe('');
    const missing = await runCli(['route', '--config', ws.config]);
    expect(missing.code).toBe(2);
  });

  it('colours only when asked for a non-terminal, and never with NO_COLOR', async () => {
    ws = makeWorkspace();
    const args = ['route', String(ARCHIVED_CHAT), '--config', ws.config];
    const plain = await runCli(args, { env: { CI: 'true', FORCE_COLOR: undefined, NO_COLOR: undefined } });
    expect(plain.stdout).not.toContain('\u001b[');
    const forced = await runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(forced.stdout).toContain('\u001b[');
    const off = await runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(off.stdout).not.toContain('\u001b[');
  });
});
