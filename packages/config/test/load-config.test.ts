import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index.js';
import { configErrorAsync, DOCUMENTED_DEFAULTS, issueAt, tempDir } from './helpers.js';

const TOML = `
[database]
default = "main"
[database.sources.main]
path = "data/main.db"
pool-size = 3
[database.chatMapping]
-100 = "main"
`;

/** What every file in this test describes, resolved against `dir`. */
function expected(dir: string) {
  return {
    default: 'main',
    sources: {
      main: {
        type: 'sqlite',
        path: path.join(dir, 'data/main.db'),
        ...DOCUMENTED_DEFAULTS,
        poolSize: 3,
      },
    },
    chatMapping: { '-100': 'main' },
    unknownDataSource: 'fallback',
    system: 'main',
    crossSourceConcurrency: 8,
    crossSourceTimeout: 30,
  };
}

/** A project folder (with a package.json, so the search stops there) holding `files`. */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bot', private: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const NO_ENV = {};

describe('loadConfig: search', () => {
  it('finds botdb.config.toml in cwd and resolves paths against its folder', async () => {
    const dir = project({ 'botdb.config.toml': TOML });
    const loaded = await loadConfig({ cwd: dir, env: NO_ENV });
    expect(loaded.filepath).toBe(path.join(dir, 'botdb.config.toml'));
    expect(loaded.config).toEqual(expected(dir));
    expect(loaded.warnings).toEqual([]);
  });

  it('finds .botdbrc.toml', async () => {
    const dir = project({ '.botdbrc.toml': TOML });
    expect((await loadConfig({ cwd: dir, env: NO_ENV })).filepath).toBe(path.join(dir, '.botdbrc.toml'));
  });

  it('finds the botdb key of package.json', async () => {
    const dir = tempDir();
    const database = { default: 'main', sources: { main: { path: 'data/main.db', 'pool-size': 3 } } };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bot', botdb: { database } }));
    const loaded = await loadConfig({ cwd: dir, env: NO_ENV });
    expect(loaded.filepath).toBe(path.join(dir, 'package.json'));
    expect(loaded.config).toEqual({ ...expected(dir), chatMapping: {} });
  });

  it('searches up from a subfolder to the project folder, resolving paths against the file', async () => {
    const dir = project({ 'botdb.config.toml': TOML });
    const sub = path.join(dir, 'src', 'handlers');
    mkdirSync(sub, { recursive: true });
    const loaded = await loadConfig({ cwd: sub, env: NO_ENV });
    expect(loaded.filepath).toBe(path.join(dir, 'botdb.config.toml'));
    expect(loaded.config.sources.main?.path).toBe(path.join(dir, 'data/main.db'));
  });

  it('falls back to the built-in defaults when nothing is found', async () => {
    const dir = project({});
    const loaded = await loadConfig({ cwd: dir, env: NO_ENV });
    expect(loaded.filepath).toBeNull();
    expect(loaded.config).toEqual({
      default: 'primary',
      sources: {
        primary: {
          type: 'sqlite',
          path: path.join(dir, 'bot.db'),
          ...DOCUMENTED_DEFAULTS,
        },
      },
      chatMapping: {},
      unknownDataSource: 'fallback',
      system: 'primary',
      crossSourceConcurrency: 8,
      crossSourceTimeout: 30,
    });
  });

  it('throws a ConfigError with the file as origin when the found file is invalid', async () => {
    const dir = project({ 'botdb.config.toml': '[database.sources.main]\npool-size = 0\n' });
    const err = await configErrorAsync(loadConfig({ cwd: dir, env: NO_ENV }));
    const file = path.join(dir, 'botdb.config.toml');
    expect(err.details.origin).toBe(file);
    expect(err.message).toContain(`in ${file}`);
    issueAt(err, 'database.sources.main.path');
    issueAt(err, 'database.sources.main.pool-size');
  });

  it('returns the warnings of the file it loaded (strict off)', async () => {
    // The bot's one-source dialect: an unknown key there is a warning with strict off.
    const dir = project({ 'botdb.config.toml': '[database]\npath = "bot.db"\ncolour = "blue"\n' });
    const loaded = await loadConfig({ cwd: dir, env: NO_ENV, strict: false, logger: { warn: () => {} } });
    expect(loaded.warnings.map((w) => w.key)).toEqual(['database.colour']);
    expect(loaded.config.sources.default?.path).toBe(path.join(dir, 'bot.db'));
  });
});

describe('loadConfig: formats', () => {
  const database = {
    default: 'main',
    sources: { main: { path: 'data/main.db', 'pool-size': 3 } },
    chatMapping: { '-100': 'main' },
  };
  const yaml = `database:
  default: main
  sources:
    main:
      path: data/main.db
      pool-size: 3
  chatMapping:
    -100: main
`;

  it.each([
    ['botdb.config.toml', TOML],
    ['botdb.config.json', JSON.stringify({ database })],
    ['botdb.config.yaml', yaml],
    ['botdb.config.yml', yaml],
    ['.botdbrc', yaml],
    ['botdb.config.mjs', `export default ${JSON.stringify({ database })};\n`],
    ['botdb.config.cjs', `module.exports = ${JSON.stringify({ database })};\n`],
  ])('reads %s', async (name, content) => {
    const dir = project({ [name]: content });
    const loaded = await loadConfig({ cwd: dir, env: NO_ENV });
    expect(loaded.filepath).toBe(path.join(dir, name));
    expect(loaded.config).toEqual(expected(dir));
  });

  it('reports a syntax error as a ConfigError naming the file', async () => {
    const dir = project({ 'botdb.config.toml': '[database\n' });
    const err = await configErrorAsync(loadConfig({ cwd: dir, env: NO_ENV }));
    expect(err.details.origin).toBe(path.join(dir, 'botdb.config.toml'));
    expect(issueAt(err, '(file)').message).toMatch(/cannot be read/);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('reports an empty file given explicitly', async () => {
    const dir = project({ 'empty.toml': '' });
    const err = await configErrorAsync(loadConfig({ cwd: dir, path: 'empty.toml', env: NO_ENV }));
    expect(issueAt(err, '(file)').message).toMatch(/empty/);
  });
});

describe('loadConfig: explicit file', () => {
  it('loads options.path (relative to cwd) instead of searching', async () => {
    const dir = project({ 'botdb.config.toml': '[database]\n', 'conf/bot.toml': TOML });
    const loaded = await loadConfig({ cwd: dir, path: 'conf/bot.toml', env: NO_ENV });
    expect(loaded.filepath).toBe(path.join(dir, 'conf/bot.toml'));
    expect(loaded.config).toEqual(expected(path.join(dir, 'conf')));
  });

  it('loads the file named by BOTDB_CONFIG instead of searching', async () => {
    const dir = project({ 'botdb.config.toml': '[database]\n', 'conf/bot.toml': TOML });
    const loaded = await loadConfig({ cwd: dir, env: { BOTDB_CONFIG: path.join(dir, 'conf/bot.toml') } });
    expect(loaded.filepath).toBe(path.join(dir, 'conf/bot.toml'));
    expect(loaded.config).toEqual(expected(path.join(dir, 'conf')));
  });

  it('reads BOTDB_CONFIG from process.env when no env is given', async () => {
    const dir = project({ 'conf/bot.toml': TOML });
    const before = process.env.BOTDB_CONFIG;
    process.env.BOTDB_CONFIG = path.join(dir, 'conf/bot.toml');
    try {
      expect((await loadConfig({ cwd: dir })).filepath).toBe(path.join(dir, 'conf/bot.toml'));
    } finally {
      if (before === undefined) delete process.env.BOTDB_CONFIG;
      else process.env.BOTDB_CONFIG = before;
    }
  });

  it('prefers options.path over BOTDB_CONFIG', async () => {
    const dir = project({ 'a.toml': TOML, 'b.toml': '[database]\n' });
    const loaded = await loadConfig({ cwd: dir, path: 'a.toml', env: { BOTDB_CONFIG: path.join(dir, 'b.toml') } });
    expect(loaded.filepath).toBe(path.join(dir, 'a.toml'));
  });

  it('ignores an empty BOTDB_CONFIG', async () => {
    const dir = project({ 'botdb.config.toml': TOML });
    const loaded = await loadConfig({ cwd: dir, env: { BOTDB_CONFIG: '' } });
    expect(loaded.filepath).toBe(path.join(dir, 'botdb.config.toml'));
  });

  it('reports a missing file under the setting that named it', async () => {
    const dir = project({});
    const fromEnv = await configErrorAsync(loadConfig({ cwd: dir, env: { BOTDB_CONFIG: 'nope.toml' } }));
    expect(issueAt(fromEnv, 'BOTDB_CONFIG').message).toMatch(/does not exist/);
    expect(fromEnv.details.origin).toBe(path.join(dir, 'nope.toml'));
    const fromOption = await configErrorAsync(loadConfig({ cwd: dir, path: 'nope.toml', env: NO_ENV }));
    expect(issueAt(fromOption, 'options.path').message).toMatch(/does not exist/);
  });

  it('reports a folder and an unsupported extension', async () => {
    const dir = project({ 'conf/x.ini': 'a=1' });
    const folder = await configErrorAsync(loadConfig({ cwd: dir, path: 'conf', env: NO_ENV }));
    expect(issueAt(folder, 'options.path').message).toMatch(/folder/);
    const ini = await configErrorAsync(loadConfig({ cwd: dir, path: 'conf/x.ini', env: NO_ENV }));
    expect(issueAt(ini, 'options.path').message).toMatch(/cannot read "\.ini" files/);
  });
});
