import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index.js';
import { CONFIGS_DIR, DOCUMENTED_DEFAULTS, tempDir } from './helpers.js';

const EXAMPLES_DIR = path.join(CONFIGS_DIR, 'examples');
const examples = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.toml'));

describe('configs/examples', () => {
  it('holds the documented examples', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'multi-source.toml',
        'legacy-dialect.toml',
        'single-file.toml',
        'bot-seed-date.toml',
        'bot-providers.toml',
        'design-options.toml',
        'multi-source-basic.toml',
        'multi-source-advanced.toml',
        'multi-source-readonly-only.toml',
        'multi-source-migration.toml',
      ]),
    );
  });

  /** The bot's settings botdb ignores: warned about, in strict mode too. */
  const EXPECTED_WARNINGS: Record<string, string[]> = {
    'bot-providers.toml': ['database.providers.default.parameters.useWal'],
  };

  it.each(examples)('%s loads and validates (strict), with only the expected warnings', async (name) => {
    const file = path.join(EXAMPLES_DIR, name);
    const logged: string[] = [];
    const loaded = await loadConfig({ path: file, env: {}, logger: { warn: (m) => logged.push(m) } });
    expect(loaded.filepath).toBe(file);
    expect(loaded.warnings.map((w) => w.key)).toEqual(EXPECTED_WARNINGS[name] ?? []);
    expect(logged).toHaveLength(loaded.warnings.length);
    expect(Object.keys(loaded.config.sources)).toContain(loaded.config.default);
    for (const source of Object.values(loaded.config.sources)) {
      expect(path.dirname(source.path ?? '(a PostgreSQL source)')).toBe(EXAMPLES_DIR);
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
          type: 'sqlite',
          path: path.join(EXAMPLES_DIR, 'bot.db'),
          ...DOCUMENTED_DEFAULTS,
        },
        archive: {
          type: 'sqlite',
          path: path.join(EXAMPLES_DIR, 'archive.db'),
          ...DOCUMENTED_DEFAULTS,
          readonly: true,
          poolSize: 2,
        },
      },
      chatMapping: { '-1001000000010': 'archive' },
      unknownDataSource: 'fallback',
      system: 'primary',
      crossSourceConcurrency: 8,
      crossSourceTimeout: 30,
    });
  });

  it('single-file.toml has one source, "primary"', async () => {
    const { config } = await loadConfig({ path: path.join(EXAMPLES_DIR, 'single-file.toml'), env: {} });
    expect(Object.keys(config.sources)).toEqual(['primary']);
  });
});

describe('the bot dialect examples', () => {
  it('bot-seed-date.toml is one source "default"', async () => {
    const { config } = await loadConfig({ path: path.join(EXAMPLES_DIR, 'bot-seed-date.toml'), env: {} });
    expect(config.default).toBe('default');
    expect(config.sources.default).toMatchObject({
      path: path.join(EXAMPLES_DIR, 'bot_data.db'),
      poolSize: 5,
      timeout: 30,
    });
  });

  it('design-options.toml and bot-providers.toml normalise like legacy-dialect.toml, but for names', async () => {
    const load = async (name: string) =>
      (await loadConfig({ path: path.join(EXAMPLES_DIR, name), env: {}, logger: { warn: () => {} } })).config;
    const legacy = await load('legacy-dialect.toml');
    const design = await load('design-options.toml');
    expect(design).toEqual({
      ...legacy,
      sources: { ...legacy.sources, archive: { ...legacy.sources.archive, poolSize: 3 } },
    });
    const providers = await load('bot-providers.toml');
    expect(providers).toEqual({
      ...legacy,
      default: 'default',
      system: 'default',
      sources: { default: legacy.sources.primary, archive: { ...legacy.sources.archive, poolSize: 5 } },
    });
  });
});
