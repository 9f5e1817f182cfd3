/**
 * A bot author's first hour, for real: the public packages are published to a throwaway verdaccio
 * and installed with npm into a project outside the workspace, which then runs, type-checks strictly
 * and uses the `botdb` command. A second project installs without optional dependencies (no
 * better-sqlite3): the CLI still runs, a PostgreSQL source works, and a SQLite source says what to
 * install. Nothing is skipped under CI=true; without CI, a machine that cannot reach its npm registry
 * skips with one line.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresUrlOrExplain } from '@pkg/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Packed, packAll, publishAll } from '../src/publish.js';
import { type Registry, startRegistry } from '../src/registry.js';
import { run } from '../src/run.js';

const here = dirname(fileURLToPath(import.meta.url));
const workspace = resolve(here, '../../..');
const fixture = join(here, '../fixture');
const MINUTE = 60_000;
/** npm installs compile better-sqlite3 from source on a busy 2-core machine: generous bounds. */
const INSTALL_TIMEOUT = 15 * MINUTE;

/**
 * The environment of a user's shell: none of the npm_* settings pnpm passes to the scripts it runs,
 * and no NODE_PATH (pnpm's bin shims point it into this workspace, where require would find its
 * better-sqlite3).
 */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|INIT_CWD$|NODE_PATH$)/i.test(k)),
);

let root = '';
let registry: Registry | null = null;
let packed: Packed[] = [];
let skipReason: string | null = null;
/** A failed setup fails every test (a throwing beforeAll would only mark them skipped). */
let setupError: unknown = null;

/** Each test starts here: skipped only without CI and without a registry; a setup failure is its failure. */
function setUp(ctx: { skip(): void }): void {
  if (setupError !== null) throw setupError;
  if (skipReason !== null) ctx.skip();
}

/** A fresh npm project outside the workspace, installing from the throwaway registry. */
function project(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  writeFileSync(join(dir, '.npmrc'), `registry=${registry?.url}\n`);
  return dir;
}

const npm = (cwd: string, args: string[], timeoutMs = INSTALL_TIMEOUT) =>
  run('npm', [...args, '--no-audit', '--no-fund', `--cache=${join(root, 'npm-cache')}`], {
    cwd,
    env: userEnv,
    timeoutMs,
  });

beforeAll(async () => {
  try {
    await setUpRegistry();
  } catch (e) {
    setupError = e;
  }
}, 20 * MINUTE);

async function setUpRegistry(): Promise<void> {
  root = mkdtempSync(join(tmpdir(), 'botdb-consumer-'));
  const upstream = (
    await run('npm', ['config', 'get', 'registry'], { cwd: root, env: userEnv, timeoutMs: MINUTE })
  ).stdout.trim();
  try {
    await fetch(new URL('typescript', upstream), { method: 'HEAD', signal: AbortSignal.timeout(20_000) });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    const why = `the npm registry ${upstream} is unreachable (${e instanceof Error ? e.message : e}${cause instanceof Error ? `: ${cause.message}` : ''})`;
    if (process.env.CI === 'true') throw new Error(`CI=true: the consumer test needs ${upstream}, and ${why}`);
    skipReason = why;
    console.log(`consumer test skipped: ${why}`);
    return;
  }
  mkdirSync(join(root, 'registry'));
  registry = await startRegistry(join(root, 'registry'), upstream, 2 * MINUTE);
  mkdirSync(join(root, 'tarballs'));
  packed = await packAll(workspace, join(root, 'tarballs'), 5 * MINUTE);
  writeFileSync(join(root, 'tarballs', '.npmrc'), `registry=${registry.url}\n${registry.authLine}\n`);
  await publishAll(packed, join(root, 'tarballs'), userEnv, 5 * MINUTE);
}

afterAll(async () => {
  await registry?.stop();
  if (root !== '') rmSync(root, { recursive: true, force: true });
}, 2 * MINUTE);

describe('the published packages, installed with npm into a project outside the workspace', () => {
  let bot = '';

  it('each tarball has its license, readme, changelog and typed entry point, and no workspace: range', (ctx) => {
    setUp(ctx);
    expect(packed.map((p) => p.name)).toEqual([
      '@pkg/errors',
      '@pkg/config',
      '@pkg/broker',
      '@pkg/core',
      '@pkg/metrics',
      '@pkg/cli',
    ]);
    for (const p of packed) {
      expect(p.files, p.name).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'dist/index.d.ts']),
      );
      expect(p.manifest.license, p.name).toBe('MIT');
      expect(JSON.stringify(p.manifest), p.name).not.toContain('workspace:');
    }
    const cli = packed.find((p) => p.name === '@pkg/cli');
    expect(cli?.files).toContain('bin/botdb.js');
  });

  it(
    'npm install @pkg/core: a smoke script saves a message and reads it back',
    async (ctx) => {
      setUp(ctx);
      bot = project('bot');
      await npm(bot, ['install', '@pkg/core']);
      const installed = JSON.parse(readFileSync(join(bot, 'node_modules/@pkg/core/package.json'), 'utf8'));
      expect(installed.version).toBe(packed.find((p) => p.name === '@pkg/core')?.version);
      cpSync(join(fixture, 'smoke.mjs'), join(bot, 'smoke.mjs'));
      mkdirSync(join(bot, 'data'));
      const { stdout } = await run('node', ['smoke.mjs', join(bot, 'data/bot.db')], {
        cwd: bot,
        env: userEnv,
        timeoutMs: 2 * MINUTE,
      });
      expect(JSON.parse(stdout.trim())).toEqual(['hi from npm']);
    },
    INSTALL_TIMEOUT + 2 * MINUTE,
  );

  it(
    'tsc --strict, skipLibCheck false, exactOptionalPropertyTypes: a file importing core, metrics and cli',
    async (ctx) => {
      setUp(ctx);
      // The only @types a Node project has anyway: @types/node. No @types/better-sqlite3.
      await npm(bot, ['install', '@pkg/cli', '@pkg/metrics', 'prom-client']);
      await npm(bot, ['install', '--save-dev', 'typescript@~5.9.3', '@types/node@^20.19.0']);
      expect(existsSync(join(bot, 'node_modules/@types/better-sqlite3'))).toBe(false);
      cpSync(join(fixture, 'bot.ts'), join(bot, 'bot.ts'));
      cpSync(join(fixture, 'tsconfig.json'), join(bot, 'tsconfig.json'));
      const tsc = await run('npx', ['tsc', '-p', 'tsconfig.json'], {
        cwd: bot,
        env: userEnv,
        timeoutMs: 5 * MINUTE,
        allowFailure: true,
      });
      expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
      expect(tsc.code).toBe(0);
    },
    INSTALL_TIMEOUT + 5 * MINUTE,
  );

  it(
    'npx botdb --version prints the published version; botdb check opens the bot file',
    async (ctx) => {
      setUp(ctx);
      const version = await run('npx', ['botdb', '--version'], { cwd: bot, env: userEnv, timeoutMs: 2 * MINUTE });
      expect(version.stdout.trim()).toBe(packed.find((p) => p.name === '@pkg/cli')?.version);
      cpSync(join(fixture, 'botdb.config.toml'), join(bot, 'botdb.config.toml'));
      const check = await run(join(bot, 'node_modules/.bin/botdb'), ['check', '--json'], {
        cwd: bot,
        env: userEnv,
        timeoutMs: 2 * MINUTE,
      });
      expect(check.stdout).toContain('primary');
      expect(check.stdout).toContain(join(bot, 'data/bot.db'));
    },
    5 * MINUTE,
  );
});

describe('installed without better-sqlite3 (its build skipped or failed)', () => {
  let lean = '';
  const pgUrl = postgresUrlOrExplain();

  /** Runs fixture/no-driver.mjs in the project: a SQLite source, and a PostgreSQL one when given. */
  const noDriver = async (...postgres: string[]) => {
    const { stdout } = await run('node', ['no-driver.mjs', join(lean, 'bot.db'), ...postgres], {
      cwd: lean,
      env: userEnv,
      timeoutMs: 2 * MINUTE,
    });
    return JSON.parse(stdout.trim()) as { sqlite: { code?: string; message?: string }; postgresql?: string[] };
  };

  it(
    'npm install --omit=optional leaves it out; botdb --version still runs',
    async (ctx) => {
      setUp(ctx);
      lean = project('postgres-only-bot');
      await npm(lean, ['install', '--omit=optional', '@pkg/core', '@pkg/cli']);
      expect(existsSync(join(lean, 'node_modules/better-sqlite3'))).toBe(false);
      const version = await run(join(lean, 'node_modules/.bin/botdb'), ['--version'], {
        cwd: lean,
        env: userEnv,
        timeoutMs: 2 * MINUTE,
      });
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    },
    INSTALL_TIMEOUT,
  );

  it(
    'a SQLite source fails SOURCE_OPEN_FAILED naming the package to install',
    async (ctx) => {
      setUp(ctx);
      cpSync(join(fixture, 'no-driver.mjs'), join(lean, 'no-driver.mjs'));
      const { sqlite } = await noDriver();
      expect(sqlite.code).toBe('SOURCE_OPEN_FAILED');
      expect(sqlite.message).toContain('better-sqlite3 is not installed');
      expect(sqlite.message).toContain('Fix: npm install better-sqlite3');
    },
    5 * MINUTE,
  );

  if (pgUrl !== null) {
    it(
      'a PostgreSQL source saves and reads a message',
      async (ctx) => {
        setUp(ctx);
        expect((await noDriver(pgUrl, 'consumer_pg_only')).postgresql).toEqual(['pg only']);
      },
      5 * MINUTE,
    );
  }

  it(
    'installed with --ignore-scripts (binding never built): the fix is npm rebuild better-sqlite3',
    async (ctx) => {
      setUp(ctx);
      await npm(lean, ['install', '--ignore-scripts', 'better-sqlite3']);
      const { sqlite } = await noDriver();
      expect(sqlite.code).toBe('SOURCE_OPEN_FAILED');
      expect(sqlite.message).toContain('installed without its native binding');
      expect(sqlite.message).toContain('Fix: build it for this Node.js: `npm rebuild better-sqlite3`');
    },
    INSTALL_TIMEOUT,
  );
});
