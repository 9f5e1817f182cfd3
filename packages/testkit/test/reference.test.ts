import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  copyReferenceDb,
  createTempDir,
  fileSha256,
  REFERENCE,
  REFERENCE_CHAT_IDS,
  readReferenceExpected,
  readReferenceWrites,
  type TempDir,
} from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
/** SHA-256 of the shipped reference database; it must never change. */
const REFERENCE_DB_SHA256 = '1e6119fe6a48de6b5c5af21e90a719a59e22ea3dd9b6bdf7cdd65f9a0ed1f158';

describe('reference data', () => {
  let tmp: TempDir | undefined;
  afterEach(() => {
    tmp?.cleanup();
    tmp = undefined;
  });

  it('ships the four files inside the package', () => {
    for (const path of Object.values(REFERENCE)) {
      expect(path.startsWith(join(packageDir, 'reference'))).toBe(true);
      expect(existsSync(path), path).toBe(true);
    }
    expect(fileSha256(REFERENCE.db)).toBe(REFERENCE_DB_SHA256);
  });

  it('copies the database byte-identically to a writable file, never handing out the original', () => {
    tmp = createTempDir();
    const copy = copyReferenceDb(tmp.path);
    expect(copy).toBe(join(tmp.path, 'bot.db'));
    expect(copy).not.toBe(REFERENCE.db);
    expect(fileSha256(copy)).toBe(fileSha256(REFERENCE.db));
    accessSync(copy, constants.W_OK);

    writeFileSync(copy, 'changed');
    expect(fileSha256(copy)).not.toBe(fileSha256(REFERENCE.db));
    expect(fileSha256(REFERENCE.db)).toBe(REFERENCE_DB_SHA256);

    const named = copyReferenceDb(join(tmp.path, 'nested'), 'other.db');
    expect(fileSha256(named)).toBe(REFERENCE_DB_SHA256);
    expect(() => copyReferenceDb(dirname(REFERENCE.db), 'gromozeka-v6.db')).toThrow(/refusing/);
  });

  it('reads expected.json with its top-level keys', () => {
    const expected = readReferenceExpected();
    expect(Object.keys(expected).sort()).toEqual([
      'getAllGroupChats',
      'getCacheEntry',
      'getCacheStorage',
      'getMediaAttachment',
      'getPendingDelayedTasks',
      'getSettings',
      'getSpamMessages',
      'perChat',
      'perUser',
    ]);
    expect(expected.getSettings['db-migration-version']).toBe('6');
    expect(Object.keys(expected.perChat).map(Number).sort()).toEqual([...REFERENCE_CHAT_IDS].sort());
    const chat = expected.perChat['100100'];
    expect(chat?.['getChatSetting(model)']).toBe('gpt');
    expect(expected.getAllGroupChats.map((row) => row.chat_id).sort()).toEqual(
      REFERENCE_CHAT_IDS.filter((id) => id < 0).sort(),
    );
  });

  it('reads writes.json as {shape, ops} of [method, args]', () => {
    const writes = readReferenceWrites();
    expect(writes.ops.length).toBe(2182);
    expect(writes.shape.chats.map(([id]) => id)).toEqual([...REFERENCE_CHAT_IDS]);
    for (const op of writes.ops) {
      expect(typeof op[0]).toBe('string');
      expect(typeof op[1]).toBe('object');
    }
    expect(writes.ops.filter(([m]) => m === 'saveChatMessage').length).toBe(2000);
    // a fresh object each call
    writes.ops.length = 0;
    expect(readReferenceWrites().ops.length).toBe(2182);
  });
});
