/**
 * botdb and a Redis cache source: `move --cache` copies a SQLite source's caches into it (a re-run copies
 * nothing), `check` reaches it and counts its entries, `route` says where the cache operations go, `stats`
 * lists it.
 */
import { randomBytes } from 'node:crypto';
import { describeRedis } from '@pkg/testkit/vitest-redis';
import { afterEach, expect, it } from 'vitest';
import { json, makeWorkspace, runCli, type Workspace, writeConfig } from './helpers.js';

describeRedis('botdb with a Redis cache source', (url) => {
  let ws: Workspace;
  afterEach(() => ws?.dir.cleanup());

  const config = () =>
    writeConfig(
      ws.dir,
      `[database]
default = "primary"
cache = "redis"
[database.sources.primary]
path = "bot.db"
[database.sources.redis]
type = "redis"
url = "${url}"
key-prefix = "botdbcli-${randomBytes(6).toString('hex')}:"
max-age = 315360000
timeout = 5
`,
      'redis.toml',
    );

  it('move --cache copies the caches into Redis, check, route and stats know the source', async () => {
    ws = makeWorkspace();
    const cfg = config();
    const moved = await runCli(['move', '--from', 'primary', '--to', 'redis', '--cache', '--config', cfg, '--json']);
    expect(moved.code, moved.stderr + moved.stdout).toBe(0);
    const body = json<{ ok: boolean; tables: { table: string; written: number; source: number }[] }>(moved);
    expect(body.ok).toBe(true);
    const written = body.tables.reduce((n, t) => n + t.written, 0);
    expect(written).toBe(body.tables.reduce((n, t) => n + t.source, 0));
    expect(written).toBeGreaterThan(0);
    const again = json<{ tables: { written: number }[] }>(
      await runCli(['move', '--from', 'primary', '--to', 'redis', '--cache', '--config', cfg, '--json']),
    );
    expect(again.tables.every((t) => t.written === 0)).toBe(true);

    const check = await runCli(['check', '--config', cfg, '--json']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    const sources = json<{ sources: { name: string; type: string; status: string; cacheStorage?: number }[] }>(
      check,
    ).sources;
    expect(sources.find((s) => s.name === 'redis')).toMatchObject({ type: 'redis', status: 'ok', cacheStorage: 4 });

    const route = json<{ cache: { source: string; type: string } }>(
      await runCli(['route', '100100', '--config', cfg, '--json']),
    );
    expect(route.cache).toMatchObject({ source: 'redis', type: 'redis' });

    const stats = await runCli(['stats', '--config', cfg, '--json']);
    expect(stats.code, stats.stderr + stats.stdout).toBe(0);
    expect(Object.keys(json<{ sources: object }>(stats).sources)).toContain('redis');
  });

  it('move without --cache into a Redis source is refused, naming --cache', async () => {
    ws = makeWorkspace();
    const r = await runCli(['move', '--from', 'primary', '--to', 'redis', '--all', '--config', config(), '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/move --cache/);
  });
});
