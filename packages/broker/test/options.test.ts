import { Broker } from '@pkg/broker';
import { ConfigError } from '@pkg/errors';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spec, thrown } from './helpers.js';

describe('the Broker constructor', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-options-');
  });
  afterEach(() => dir.cleanup());

  it('refuses maxBatchesInFlight out of range with CONFIG_INVALID naming the option and the range', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 1_000]) {
      const e = thrown(() => new Broker([spec('a', dir.file('a.db'))], { maxBatchesInFlight: bad }));
      expect(e).toBeInstanceOf(ConfigError);
      expect(e).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('maxBatchesInFlight') });
      expect((e as ConfigError).issues[0]?.message).toMatch(/from 1 to 64/);
    }
  });

  it('refuses bad source specs, every problem at once, and starts no worker', () => {
    const e = thrown(
      () =>
        new Broker([
          spec('a', dir.file('a.db'), { poolSize: 0, queryTimeoutMs: -5 }),
          spec('a', dir.file('b.db'), { maxMemoryMb: 0 }),
        ]),
    ) as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.issues.map((i) => i.key)).toEqual([
      'specs[0].poolSize',
      'specs[0].queryTimeoutMs',
      'specs[1].name',
      'specs[1].maxMemoryMb',
    ]);
  });

  it('accepts the limits of each range', async () => {
    const b = new Broker([spec('a', dir.file('a.db'), { poolSize: 1 })], { maxBatchesInFlight: 1 });
    try {
      expect(await b.call('a', 'count', {})).toBe(0);
    } finally {
      await b.close();
    }
  });
});
