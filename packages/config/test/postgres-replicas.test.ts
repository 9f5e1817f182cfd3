/** Issue #19: a PostgreSQL source's replicas, multi-host url, max-replica-lag and replica-reads: values, defaults, one issue per bad key. */
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../src/index.js';
import { configError, issueAt } from './helpers.js';

const BASE = path.resolve('/srv/bot');

function pg(source: Record<string, unknown>) {
  return normalizeConfig({ database: { sources: { pg: { type: 'postgresql', ...source } } } }, { baseDir: BASE }).config
    .sources.pg;
}

function pgIssue(source: Record<string, unknown>, key: string) {
  const err = configError(() =>
    normalizeConfig({ database: { sources: { pg: { type: 'postgresql', ...source } } } }, { baseDir: BASE }),
  );
  return issueAt(err, `database.sources.pg.${key}`);
}

describe('PostgreSQL replicas and failover keys', () => {
  it('reads replicas, max-replica-lag and replica-reads from TOML, and a multi-host url', () => {
    const { config } = normalizeConfig(
      parseToml(`
[database]
default = "main"
[database.sources.main]
type = "postgresql"
url = "postgres://bot@db1:5432,db2:5432/botdb?target_session_attrs=read-write"
replicas = ["postgres://bot@db2:5432/botdb", "postgres://bot@db3:5432/botdb"]
max-replica-lag = 2.5
replica-reads = false
`),
      { baseDir: BASE },
    );
    expect(config.sources.main).toMatchObject({
      url: 'postgres://bot@db1:5432,db2:5432/botdb?target_session_attrs=read-write',
      replicas: ['postgres://bot@db2:5432/botdb', 'postgres://bot@db3:5432/botdb'],
      maxReplicaLag: 2.5,
      replicaReads: false,
    });
  });

  it('defaults: no replicas, 5 s, replica reads on; camelCase in code', () => {
    expect(pg({ url: 'postgres://bot@db1/botdb' })).toMatchObject({
      replicas: [],
      maxReplicaLag: 5,
      replicaReads: true,
    });
    expect(pg({ url: 'postgres://bot@db1/botdb', maxReplicaLag: 0.5, replicaReads: true })).toMatchObject({
      maxReplicaLag: 0.5,
    });
  });

  it('refuses a replica that is not a one-host URL without a password, or listed twice', () => {
    expect(
      pgIssue({ url: 'postgres://bot@db1/botdb', replicas: 'postgres://bot@db2/botdb' }, 'replicas').message,
    ).toMatch(/must be a list of PostgreSQL URLs/);
    expect(
      pgIssue({ url: 'postgres://bot@db1/botdb', replicas: ['postgres://bot@db2,db3/botdb'] }, 'replicas[0]').message,
    ).toMatch(/must name one host/);
    const secret = pgIssue(
      { url: 'postgres://bot@db1/botdb', replicas: ['postgres://bot:hunter2@db2/botdb'] },
      'replicas[0]',
    );
    expect(secret.message).toMatch(/holds a password/);
    expect(JSON.stringify(secret)).not.toContain('hunter2');
    expect(
      pgIssue(
        { url: 'postgres://bot@db1/botdb', replicas: ['postgres://bot@db2/botdb', 'postgres://bot@db2/botdb'] },
        'replicas[1]',
      ).message,
    ).toMatch(/twice/);
    expect(
      pgIssue({ url: 'postgres://bot@db1/botdb', replicas: ['mysql://bot@db2/botdb'] }, 'replicas[0]').message,
    ).toMatch(/postgres:\/\//);
  });

  it('refuses a max-replica-lag out of range and a replica-reads that is not a boolean, naming the key', () => {
    const lag = pgIssue({ url: 'postgres://bot@db1/botdb', 'max-replica-lag': 0 }, 'max-replica-lag');
    expect(lag.message).toMatch(/number of seconds from 0.01 to 3600/);
    expect(lag.fix).toMatch(/max-replica-lag = 5.0/);
    expect(pgIssue({ url: 'postgres://bot@db1/botdb', 'max-replica-lag': '5s' }, 'max-replica-lag').message).toMatch(
      /got "5s"/,
    );
    expect(pgIssue({ url: 'postgres://bot@db1/botdb', 'replica-reads': 'no' }, 'replica-reads').fix).toMatch(
      /replica-reads = false/,
    );
  });

  it('refuses a multi-host url with an empty host, and a password in it', () => {
    expect(pgIssue({ url: 'postgres://bot@db1:5432,/botdb' }, 'url').message).toMatch(/several hosts/);
    expect(pgIssue({ url: 'postgres://bot:pw@db1:5432,db2:5432/botdb' }, 'url').message).toMatch(/holds a password/);
  });

  it('two sources listing the same hosts in another order are one store', () => {
    const err = configError(() =>
      normalizeConfig(
        {
          database: {
            sources: {
              a: { type: 'postgresql', url: 'postgres://bot@db1:5432,db2:5432/botdb' },
              b: { type: 'postgresql', url: 'postgres://bot@db2,db1/botdb' },
            },
          },
        },
        { baseDir: BASE },
      ),
    );
    expect(err.issues.some((i) => /same PostgreSQL schema/.test(i.message))).toBe(true);
  });
});
