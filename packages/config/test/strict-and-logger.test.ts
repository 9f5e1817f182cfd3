/**
 * Issue #9: a typo in chatMapping must not pass silently when loaded as the README shows. Issue #16 item 5:
 * it is an error everywhere, strict or not, in a file or in code (the chat's writes would land in the default).
 */
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

/** A file in the bot's single-source dialect with a key botdb does not know: a warning with strict off. */
const UNKNOWN_KEY = `
[database]
path = "bot.db"
colour = "blue"
`;

function project(content: string): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'package.json'), '{}');
  writeFileSync(path.join(dir, 'botdb.config.toml'), content);
  return dir;
}

describe('strict mode', () => {
  it('loadConfig refuses a chat mapped to an undefined source, suggesting the near name, strict or not', async () => {
    for (const strict of [true, false]) {
      const err = await configErrorAsync(loadConfig({ cwd: project(TYPO), env: {}, strict }));
      const issue = issueAt(err, 'database.chatMapping.-100');
      expect(issue.message).toContain('chat -100 is mapped to source "archve", which is not defined');
      expect(issue.message).toContain('default source "primary"');
      expect(issue.fix).toContain('Did you mean "archive"?');
      expect(issue.fix).not.toContain('strict');
    }
  });

  it('a mapping to an undefined source is an error in code too; a far-off name lists the defined ones', () => {
    const db = {
      default: 'primary',
      sources: { primary: { path: 'bot.db' }, archive: { path: 'archive.db' } },
      chatMapping: { '5': 'gone' },
    };
    for (const strict of [undefined, true, false]) {
      const issue = issueAt(
        configError(() => validateDatabaseConfig(db, { strict })),
        'database.chatMapping.5',
      );
      expect(issue.message).toContain('chat 5 is mapped to source "gone"');
      expect(issue.fix).toContain('Map the chat to one of "primary", "archive"');
    }
    configError(() => normalizeConfig({ database: db }, { strict: false }));
  });

  it('normalizeConfig is strict by default; validateDatabaseConfig (config in code) is not', () => {
    const db = {
      default: 'primary',
      providers: { primary: { provider: 'sqlite3', parameters: { dbPath: 'bot.db' } } },
      colour: 'blue',
    };
    configError(() => normalizeConfig({ database: db }));
    expect(validateDatabaseConfig(db as never).warnings.map((w) => w.key)).toEqual(['database.colour']);
    configError(() => validateDatabaseConfig(db as never, { strict: true }));
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
      cwd: project(UNKNOWN_KEY),
      env: {},
      strict: false,
      logger: { warn: (m) => seen.push(m) },
    });
    expect(loaded.warnings).toHaveLength(1);
    expect(seen).toEqual([`database.colour: ${loaded.warnings[0]?.message}`]);
  });

  it('by default emits a Node warning with code BOTDB_CONFIG', async () => {
    const emitted: Array<{ message: string; code: unknown }> = [];
    const listener = (w: Error & { code?: unknown }) => emitted.push({ message: w.message, code: w.code });
    listeners.push(listener);
    process.on('warning', listener);
    await loadConfig({ cwd: project(UNKNOWN_KEY), env: {}, strict: false });
    await new Promise((resolve) => setImmediate(resolve)); // 'warning' is emitted on the next tick
    expect(emitted).toEqual([{ message: expect.stringContaining('database.colour: '), code: 'BOTDB_CONFIG' }]);
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
