import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigIssue } from '@pkg/errors';
import { afterAll, expect } from 'vitest';

/** Run `fn`, assert it throws a CONFIG_INVALID ConfigError, and return the error. */
export function configError(fn: () => unknown): ConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const err = thrown as ConfigError;
  expect(err.code).toBe('CONFIG_INVALID');
  return err;
}

/** Same as configError for a promise. */
export async function configErrorAsync(promise: Promise<unknown>): Promise<ConfigError> {
  const thrown = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(ConfigError);
  const err = thrown as ConfigError;
  expect(err.code).toBe('CONFIG_INVALID');
  return err;
}

/** The issue with this exact key; fails the test when there is none. */
export function issueAt(err: ConfigError, key: string): ConfigIssue {
  const found = err.issues.find((i) => i.key === key);
  expect(found, `no issue with key ${key}; issues: ${JSON.stringify(err.issues, null, 2)}`).toBeDefined();
  return found as ConfigIssue;
}

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'botdb-config-'));
  createdDirs.push(dir);
  return dir;
}

const createdDirs: string[] = [];
afterAll(() => {
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

/** The folder holding the repository's configs/. */
export const CONFIGS_DIR = fileURLToPath(new URL('../../../configs', import.meta.url));

/**
 * Every source setting's documented default, written out here so the tests do not trust the
 * code's own SOURCE_DEFAULTS (defaults.test.ts checks those against this).
 */
export const DOCUMENTED_DEFAULTS = {
  readonly: false,
  poolSize: 5,
  timeout: 30,
  maxQueued: 10000,
  transactionTimeout: 60,
  queryTimeout: 30,
  maxMemoryMb: 512,
  onNewerSchema: 'refuse-writes',
} as const;
