import { afterEach, describe, expect, it } from 'vitest';
import { json, makeWorkspace, runCli, type Workspace, writeConfig } from './helpers.js';

describe('botdb stats', () => {
  let ws: Workspace;
  afterEach(() => ws?.dir.cleanup());

  it('--json: per source, the figures of db.stats() after a fresh open', async () => {
    ws = makeWorkspace();
    const r = await runCli(['stats', '--config', ws.config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = json<{ ok: boolean; scope: string; note: string; sources: Record<string, Record<string, unknown>> }>(
      r,
    );
    expect(body.ok).toBe(true);
    // The counters are this process's own: said in a field, not left for the reader to guess.
    expect(body.scope).toBe('this-process');
    expect(body.note).toContain('not a running bot');
    expect(Object.keys(body.sources).sort()).toEqual(['archive', 'primary']);
    for (const [name, s] of Object.entries(body.sources)) {
      expect(s.source).toBe(name);
      expect(s.readonly).toBe(name === 'archive');
      for (const k of ['calls', 'errors', 'queued', 'inFlight', 'batches', 'restarts', 'reuseRate']) {
        expect(typeof s[k], k).toBe('number');
      }
      expect(s.queued).toBe(0);
      expect(s.connectionsOpen).toBeGreaterThanOrEqual(1);
      expect(s.latency).toMatchObject({ samples: expect.any(Number), p50Us: expect.any(Number) });
    }
  });

  it('text output names each source and its counters', async () => {
    ws = makeWorkspace();
    const r = await runCli(['stats', '--config', ws.config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^primary$/m);
    expect(r.stdout).toMatch(/^archive$/m);
    expect(r.stdout).toMatch(/calls\s+0/);
    expect(r.stdout).toMatch(/^note: these are the counters of this botdb process's own fresh open/m);
  });

  it('a source that cannot open exits 1 with its code', async () => {
    ws = makeWorkspace();
    const cfg = writeConfig(
      ws.dir,
      `[database]
default = "primary"
[database.sources.primary]
path = "bot.db"
[database.sources.gone]
path = "gone.db"
readonly = true
`,
      'gone.toml',
    );
    const r = await runCli(['stats', '--config', cfg, '--json']);
    expect(r.code).toBe(1);
    expect(json<{ problems: { code: string }[] }>(r).problems[0]?.code).toBe('SOURCE_OPEN_FAILED');
  });
});
