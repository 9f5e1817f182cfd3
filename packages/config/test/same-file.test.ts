/** Issue #9: two sources on one file (after `..`, symlinks, hard links, case) are CONFIG_INVALID naming both. */
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { fileIdentity, ignoresCase } from '../src/same-file.js';
import { configError, issueAt, tempDir } from './helpers.js';

function sourcesErr(dir: string, sources: Record<string, unknown>) {
  return configError(() => normalizeConfig({ default: Object.keys(sources)[0], sources }, { baseDir: dir }));
}

describe('two sources on one file', () => {
  it.each([
    ['the same path', 'bot.db', 'bot.db'],
    ['a path through ..', 'bot.db', 'sub/../bot.db'],
    ['a path through .', 'bot.db', './bot.db'],
    ['an absolute and a relative path', 'bot.db', '<dir>/bot.db'],
  ])('%s, file not created yet', (_case, a, b) => {
    const dir = tempDir();
    const err = sourcesErr(dir, { a: { path: a.replace('<dir>', dir) }, b: { path: b.replace('<dir>', dir) } });
    const issue = issueAt(err, 'database.sources.b.path');
    expect(issue.message).toContain('sources "a" and "b" are the same file');
    expect(issue.message).toContain(path.join(dir, 'bot.db'));
  });

  it('a symlinked folder (realpath of the longest existing prefix; the file does not exist)', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'data'));
    symlinkSync(path.join(dir, 'data'), path.join(dir, 'alias'));
    const err = sourcesErr(dir, { a: { path: 'data/new.db' }, b: { path: 'alias/new.db' } });
    expect(issueAt(err, 'database.sources.b.path').message).toContain('"a" and "b" are the same file');
  });

  it('a symlinked file, a dangling symlink, and a hard link', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bot.db'), '');
    symlinkSync(path.join(dir, 'bot.db'), path.join(dir, 'link.db'));
    linkSync(path.join(dir, 'bot.db'), path.join(dir, 'hard.db'));
    symlinkSync(path.join(dir, 'later.db'), path.join(dir, 'dangling.db'));
    const err = sourcesErr(dir, {
      a: { path: 'bot.db' },
      b: { path: 'link.db' },
      c: { path: 'hard.db' },
      d: { path: 'later.db' },
      e: { path: 'dangling.db' },
    });
    expect(issueAt(err, 'database.sources.b.path').message).toContain('"a" and "b"');
    expect(issueAt(err, 'database.sources.c.path').message).toContain('"a" and "c"');
    expect(issueAt(err, 'database.sources.e.path').message).toContain('"d" and "e"');
  });

  it('a writable and a readonly source on one file: says why and which to keep', () => {
    const dir = tempDir();
    const err = sourcesErr(dir, { main: { path: 'bot.db' }, ro: { path: './bot.db', readonly: true } });
    const issue = issueAt(err, 'database.sources.ro.path');
    expect(issue.message).toContain('"main" writes it and "ro" is readonly');
    expect(issue.fix).toContain('Remove "ro" and read the file through "main"');
  });

  it('in the bot dialect, names the dbPath key; in code, is checked too', () => {
    const dir = tempDir();
    const p = (dbPath: string) => ({ provider: 'sqlite3', parameters: { dbPath } });
    const err = configError(() =>
      normalizeConfig({ providers: { default: p('bot.db'), b: p('x/../bot.db') } }, { baseDir: dir }),
    );
    issueAt(err, 'database.providers.b.parameters.dbPath');
    const code = configError(() =>
      validateDatabaseConfig({ default: 'a', sources: { a: { path: 'a.db' }, b: { path: 'a.db' } } }, { baseDir: dir }),
    );
    issueAt(code, 'database.sources.b.path');
  });

  it('different files are fine, including names differing only in case on a case-sensitive file system', () => {
    const dir = tempDir();
    expect(ignoresCase(dir)).toBe(false); // Linux tmp folders: Bot.db and bot.db are two files
    const { config } = normalizeConfig(
      { default: 'a', sources: { a: { path: 'bot.db' }, b: { path: 'Bot.db' }, c: { path: 'other/bot.db' } } },
      { baseDir: dir },
    );
    expect(Object.keys(config.sources)).toEqual(['a', 'b', 'c']);
  });

  it('fileIdentity folds case where the folder ignores case', () => {
    // A case-insensitive file system cannot be mounted here; the identity of the same folder, looked up
    // with its case flipped, is what ignoresCase relies on: equal when the folder exists under both names.
    const dir = tempDir();
    expect(fileIdentity(path.join(dir, 'x.db'))).toBe(`path:${path.join(dir, 'x.db')}`);
    expect(ignoresCase(dir, new Map([[dir, true]]))).toBe(true);
    expect(fileIdentity(path.join(dir, 'X.db'), new Map([[dir, true]]))).toBe(
      fileIdentity(path.join(dir, 'x.db'), new Map([[dir, true]])),
    );
  });
});
