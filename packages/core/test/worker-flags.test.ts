/**
 * A bot's own node flags reach the source workers, or are left out where node would refuse the worker:
 * `--input-type` (a bot run with `-e`) and V8 flags such as `--expose-gc`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CORE_DIR = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = `
  import { DatabaseWrapper } from '@pkg/core';
  const db = new DatabaseWrapper({ dbPath: ':memory:' });
  try {
    await db.setSetting({ key: 'k', value: 'v' });
    console.log(await db.getSetting({ key: 'k' }));
  } finally {
    await db.close();
  }`;

it.each([
  ['--input-type=module -e', ['--input-type=module', '-e', SCRIPT]],
  ['--expose-gc --input-type=module -e', ['--expose-gc', '--input-type=module', '-e', SCRIPT]],
  [
    '--max-old-space-size=256 --input-type=module --eval',
    ['--max-old-space-size=256', '--input-type=module', '--eval', SCRIPT],
  ],
])('a bot started as `node %s` reads and writes through its workers', (_flags, args) => {
  const run = spawnSync(process.execPath, args, { cwd: CORE_DIR, encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(run.stdout.trim()).toBe('v');
  expect(run.status).toBe(0);
});
