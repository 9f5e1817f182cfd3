/** Issue #9: a typo in chatMapping must not pass silently when loaded as the README shows. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { configError, configErrorAsync, issueAt, tempDir } from './helpers.js';

const TYPO = `
[database]
default = "primary"
[database.sources.primary]
path = "bot.db"
[database.sources.archive]
path = "archive.db"
[database.chatMapping]
-100 = "archve"
`;

function project(content: string): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'package.json'), '{}');
  writeFileSync(path.join(dir, 'botdb.config.toml'), content);
  return dir;
}

describe('strict mode', () => {
  it('loadConfig refuses a chat mapped to an undefined source by default, suggesting the near name', async () => {
    const err = await configErrorAsync(loadConfig({ cwd: project(TYPO), env: {} }));
    const issue = issueAt(err, 'database.chatMapping.-100');
    expect(issue.message).toContain('"archve", which is not defined');
    expect(issue.fix).toContain('Did you mean "archive"?');
    expect(issue.fix).toContain('strict: false');
  });

  it('normalizeConfig is strict by default; validateDatabaseConfig (config in code) is not', () => {
    const db = {
      default: 'primary',
      sources: { primary: { path: 'bot.db' } },
      chatMapping: { '5': 'gone' },
    };
    configError(() => normalizeConfig({ database: db }));
    expect(validateDatabaseConfig(db).warnings.map((w) => w.key)).toEqual(['database.chatMapping.5']);
    configError(() => validateDatabaseConfig(db, { strict: true }));
  });
});

describe('loadConfig logger', () => {
  const listeners: Array<(w: Error) => void> = [];
  afterEach(() => {
    for (const l of listeners.splice(0)) process.off('warning', l);
  });

  it('sends every warning to logger.warn as "<key>: <message>" and still returns it', async () => {
    const seen: string[] = [];
    const loaded = await loadConfig({
      cwd: project(TYPO),
      env: {},
      strict: false,
      logger: { warn: (m) => seen.push(m) },
    });
    expect(loaded.warnings).toHaveLength(1);
    expect(seen).toEqual([`database.chatMapping.-100: ${loaded.warnings[0]?.message}`]);
    expect(loaded.config.chatMapping).toEqual({});
  });

  it('by default emits a Node warning with code BOTDB_CONFIG', async () => {
    const emitted: Array<{ message: string; code: unknown }> = [];
    const listener = (w: Error & { code?: unknown }) => emitted.push({ message: w.message, code: w.code });
    listeners.push(listener);
    process.on('warning', listener);
    await loadConfig({ cwd: project(TYPO), env: {}, strict: false });
    await new Promise((resolve) => setImmediate(resolve)); // 'warning' is emitted on the next tick
    expect(emitted).toEqual([
      { message: expect.stringContaining('database.chatMapping.-100: chat -100'), code: 'BOTDB_CONFIG' },
    ]);
  });

  it('logs the ignored bot keys that strict mode keeps as warnings', async () => {
    const seen: string[] = [];
    const dir = project(
      '[database]\ndefault = "default"\n[database.providers.default]\nprovider = "sqlite3"\n[database.providers.default.parameters]\ndbPath = "bot.db"\nuseWal = true\n',
    );
    const loaded = await loadConfig({ cwd: dir, env: {}, logger: { warn: (m) => seen.push(m) } });
    expect(loaded.config.sources.default?.path).toBe(path.join(dir, 'bot.db'));
    expect(seen).toEqual([expect.stringMatching(/^database\.providers\.default\.parameters\.useWal: /)]);
  });
});
