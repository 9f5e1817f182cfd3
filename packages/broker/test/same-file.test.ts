/**
 * `sameFile` (exported for `botdb backup`, which must refuse to write over a source's own file): by device
 * and inode, so a file reached through a symlinked folder or a hard link is the same file, real files on disk.
 */
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { sameFile } from '@pkg/broker';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('sameFile', () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = createTempDir('same-file-');
    mkdirSync(dir.file('real'));
    writeFileSync(dir.file('real/bot.db'), 'x');
    writeFileSync(dir.file('other.db'), 'x');
    symlinkSync(dir.file('real'), dir.file('linked'));
    linkSync(dir.file('real/bot.db'), dir.file('hard.db'));
  });
  afterAll(() => dir.cleanup());

  it('is true for one file under another path: through a symlinked folder, a hard link, or ..', () => {
    expect(sameFile(dir.file('real/bot.db'), dir.file('linked/bot.db'))).toBe(true);
    expect(sameFile(dir.file('real/bot.db'), dir.file('hard.db'))).toBe(true);
    expect(sameFile(dir.file('real/bot.db'), dir.file('real/../real/bot.db'))).toBe(true);
  });

  it('is false for another file or a missing one, and true for one missing path named twice', () => {
    expect(sameFile(dir.file('real/bot.db'), dir.file('other.db'))).toBe(false);
    expect(sameFile(dir.file('real/bot.db'), dir.file('real/missing.db'))).toBe(false);
    expect(sameFile(dir.file('missing.db'), dir.file('linked/../missing.db'))).toBe(true);
  });
});
