/**
 * One file per engine's source worker (dist/workers/<engine>.js): the worker shell, that engine's runner and the
 * operations, bundled. A worker loading ~75 ES modules spent most of its start-up in Node's module loader and
 * kept ~3.8 MB more per worker than one loading this file (see docs/benchmarks.md, issue #22). The drivers stay
 * outside (native, or loaded on a source's first connect) and resolve from this package's dependencies.
 */
import { build } from 'esbuild';

const ENGINES = ['sqlite', 'postgresql', 'mysql', 'redis'];

await build({
  entryPoints: ENGINES.map((engine) => `src/workers/${engine}.ts`),
  outdir: 'dist/workers',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'postgres', 'mysql2', 'ioredis'],
  // CommonJS inside the bundle (pgpass) requires Node's built-ins: give an ES module a require.
  banner: {
    js: "import { createRequire as __botdbRequire } from 'node:module'; const require = __botdbRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
