/** Issue #9: source names that would pollute or vanish, blank names, NUL bytes in paths. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { loadConfig, normalizeConfig, RESERVED_SOURCE_NAMES } from '../src/index.js';
import { configError, configErrorAsync, issueAt, tempDir } from './helpers.js';

const BASE = path.resolve('/srv/bot');

describe('reserved source names', () => {
  it.each(RESERVED_SOURCE_NAMES)('"%s" is refused (TOML)', (name) => {
    const toml = `[database]\ndefault = "primary"\n[database.sources.primary]\npath = "bot.db"\n[database.sources.${name}]\npath = "x.db"\n`;
    const err = configError(() => normalizeConfig(parseToml(toml), { baseDir: BASE }));
    const issue = issueAt(err, `database.sources.${name}`);
    expect(issue.message).toContain(`"${name}" cannot be a source name`);
    expect(issue.fix).toContain('Rename the source');
  });

  it('"__proto__" from a JSON file is refused, and no prototype is touched', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'botdb.config.json');
    writeFileSync(
      file,
      '{"database":{"default":"primary","sources":{"primary":{"path":"bot.db"},"__proto__":{"path":"evil.db","readonly":true}}}}',
    );
    const err = await configErrorAsync(loadConfig({ path: file, env: {} }));
    issueAt(err, 'database.sources.__proto__');
    expect(({} as Record<string, unknown>).path).toBeUndefined();
  });

  it('"toString" and other ordinary names are fine', () => {
    const { config } = normalizeConfig(
      { default: 'toString', sources: { toString: { path: 'a.db' }, hasOwnProperty: { path: 'b.db' } } },
      { baseDir: BASE },
    );
    expect(Object.keys(config.sources)).toEqual(['toString', 'hasOwnProperty']);
  });
});

describe('blank source names', () => {
  it.each(['', ' ', '\t', '  \n'])('%j is refused', (name) => {
    const err = configError(() =>
      normalizeConfig({ default: 'primary', sources: { primary: { path: 'bot.db' }, [name]: { path: 'x.db' } } }),
    );
    expect(issueAt(err, `database.sources.${JSON.stringify(name)}`).message).toContain(
      'must not be empty or only spaces',
    );
  });

  it('a blank provider name is refused too', () => {
    const err = configError(() =>
      normalizeConfig({ providers: { ' ': { provider: 'sqlite3', parameters: { dbPath: 'x.db' } } } }),
    );
    issueAt(err, 'database.providers." "');
  });
});

describe('NUL bytes in paths', () => {
  it.each(['bot\0.db', '\0', 'data/\0/bot.db'])('%j is refused', (p) => {
    const err = configError(() => normalizeConfig({ sources: { primary: { path: p } } }, { baseDir: BASE }));
    expect(issueAt(err, 'database.sources.primary.path').message).toContain('NUL byte');
  });

  it('in the bot dialect, the dbPath key is named', () => {
    const err = configError(() =>
      normalizeConfig({ providers: { default: { provider: 'sqlite3', parameters: { dbPath: 'a\0b' } } } }),
    );
    expect(issueAt(err, 'database.providers.default.parameters.dbPath').fix).toContain('dbPath');
  });
});
