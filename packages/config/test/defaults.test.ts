import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { builtInConfigFile, fileKeyOf, rangeText, SETTING_LIMITS, SOURCE_DEFAULTS } from '../src/defaults.js';
import { loadConfig, normalizeConfig } from '../src/index.js';
import { CONFIGS_DIR, DOCUMENTED_DEFAULTS, tempDir } from './helpers.js';

const DEFAULTS_FILE = path.join(CONFIGS_DIR, '00-defaults', '00-config.toml');

/** Parsed TOML as plain objects (smol-toml builds null-prototype tables). */
function readToml(file: string): unknown {
  return JSON.parse(JSON.stringify(parseToml(readFileSync(file, 'utf8'))));
}

describe('built-in defaults', () => {
  it('configs/00-defaults/00-config.toml spells out exactly the defaults held in code', () => {
    expect(readToml(DEFAULTS_FILE)).toStrictEqual(builtInConfigFile());
  });

  it('the code defaults are the documented ones', () => {
    expect(SOURCE_DEFAULTS).toEqual(DOCUMENTED_DEFAULTS);
  });

  it('a source left at its defaults normalises like the defaults file', () => {
    const dir = tempDir();
    const minimal = normalizeConfig({ database: { sources: { primary: { path: 'bot.db' } } } }, { baseDir: dir });
    const full = normalizeConfig(readToml(DEFAULTS_FILE), { baseDir: dir });
    expect(minimal).toEqual(full);
  });

  it('loading the defaults file gives what loadConfig falls back to', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'package.json'), '{}');
    const fallback = await loadConfig({ cwd: dir, env: {} });
    expect(fallback.filepath).toBeNull();
    copyFileSync(DEFAULTS_FILE, path.join(dir, 'botdb.config.toml'));
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.filepath).toBe(path.join(dir, 'botdb.config.toml'));
    expect(loaded).toEqual({ ...fallback, filepath: loaded.filepath });
  });
});

describe('ranges in the defaults file', () => {
  const lines = readFileSync(DEFAULTS_FILE, 'utf8').split('\n');
  /** The comment lines right above `key = ...`. */
  function commentAbove(key: string): string {
    const at = lines.findIndex((l) => l.startsWith(`${key} = `));
    expect(at, `${key} is not in the defaults file`).toBeGreaterThan(0);
    const comment: string[] = [];
    for (let i = at - 1; i >= 0 && lines[i]?.startsWith('#'); i--) comment.unshift(lines[i] as string);
    return comment.join('\n');
  }

  it.each(Object.entries(SETTING_LIMITS))('%s: the comment shows the range held in code', (field, limit) => {
    expect(commentAbove(fileKeyOf(field))).toContain(`Range: ${rangeText(limit)}`);
  });
});
