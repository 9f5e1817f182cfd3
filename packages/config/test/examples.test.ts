import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index.js';
import { CONFIGS_DIR, tempDir } from './helpers.js';

const EXAMPLES_DIR = path.join(CONFIGS_DIR, 'examples');
const examples = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.toml'));

describe('configs/examples', () => {
  it('holds the documented examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['multi-source.toml', 'legacy-dialect.toml', 'single-file.toml']));
  });

  it.each(examples)('%s loads and validates without warnings', async (name) => {
    const file = path.join(EXAMPLES_DIR, name);
    const loaded = await loadConfig({ path: file, env: {} });
    expect(loaded.filepath).toBe(file);
    expect(loaded.warnings).toEqual([]);
    expect(Object.keys(loaded.config.sources)).toContain(loaded.config.default);
    for (const source of Object.values(loaded.config.sources)) {
      expect(path.dirname(source.path)).toBe(EXAMPLES_DIR);
    }
  });

  it('multi-source.toml defines the demo sources and chats, with paths relative to its copy', async () => {
    const dir = tempDir();
    copyFileSync(path.join(EXAMPLES_DIR, 'multi-source.toml'), path.join(dir, 'botdb.toml'));
    const { config } = await loadConfig({ path: path.join(dir, 'botdb.toml'), env: {} });
    expect(config.default).toBe('primary');
    expect(Object.keys(config.sources)).toEqual(['primary', 'archive', 'external_bot', 'test']);
    expect(config.sources.primary?.readonly).toBe(false);
    expect(config.sources.archive).toMatchObject({ path: path.join(dir, 'archive.db'), readonly: true });
    expect(config.sources.external_bot?.readonly).toBe(true);
    expect(config.sources.test?.readonly).toBe(false);
    expect(config.chatMapping).toEqual({
      '-1001000000010': 'archive',
      '-1001000000011': 'external_bot',
      '100200': 'test',
    });
  });

  it('legacy-dialect.toml normalises like its canonical spelling', async () => {
    const { config } = await loadConfig({ path: path.join(EXAMPLES_DIR, 'legacy-dialect.toml'), env: {} });
    expect(config).toEqual({
      default: 'primary',
      sources: {
        primary: {
          path: path.join(EXAMPLES_DIR, 'bot.db'),
          readonly: false,
          poolSize: 5,
          timeout: 30,
          maxQueued: 10000,
          transactionTimeout: 60,
          queryTimeout: 30,
          maxMemoryMb: 512,
          onNewerSchema: 'refuse-writes',
        },
        archive: {
          path: path.join(EXAMPLES_DIR, 'archive.db'),
          readonly: true,
          poolSize: 2,
          timeout: 30,
          maxQueued: 10000,
          transactionTimeout: 60,
          queryTimeout: 30,
          maxMemoryMb: 512,
          onNewerSchema: 'refuse-writes',
        },
      },
      chatMapping: { '-1001000000010': 'archive' },
      unknownDataSource: 'fallback',
    });
  });

  it('single-file.toml has one source, "primary"', async () => {
    const { config } = await loadConfig({ path: path.join(EXAMPLES_DIR, 'single-file.toml'), env: {} });
    expect(Object.keys(config.sources)).toEqual(['primary']);
  });
});
