import { existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTempDir } from '../src/index.js';

describe('createTempDir', () => {
  it('creates a unique directory under the OS temp dir and removes it on cleanup', () => {
    const a = createTempDir('tk-test-');
    const b = createTempDir('tk-test-');
    try {
      expect(a.path).not.toBe(b.path);
      expect(dirname(a.path)).toBe(tmpdir());
      expect(basename(a.path).startsWith('tk-test-')).toBe(true);
      expect(statSync(a.path).isDirectory()).toBe(true);

      const file = a.file('x.db');
      expect(file).toBe(join(a.path, 'x.db'));
      expect(existsSync(file)).toBe(false);
      writeFileSync(file, 'data');
      writeFileSync(a.file('x.db-wal'), 'wal');

      a.cleanup();
      expect(existsSync(a.path)).toBe(false);
      a.cleanup();
      expect(existsSync(b.path)).toBe(true);
    } finally {
      a.cleanup();
      b.cleanup();
    }
    expect(existsSync(b.path)).toBe(false);
  });

  it('refuses names outside the directory', () => {
    const dir = createTempDir();
    try {
      expect(() => dir.file('../escape.db')).toThrow();
      expect(() => dir.file('/etc/passwd')).toThrow();
      expect(() => dir.file('')).toThrow();
      expect(dir.file('sub/inner.db')).toBe(join(dir.path, 'sub', 'inner.db'));
    } finally {
      dir.cleanup();
    }
  });
});
