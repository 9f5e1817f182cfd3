import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chatIdsOf,
  createTempDir,
  fileSha256,
  multiSourceLayout,
  REFERENCE,
  REFERENCE_CHAT_IDS,
  replay,
  type TempDir,
  type WriteOp,
} from '../src/index.js';

describe('multiSourceLayout', () => {
  let tmp: TempDir | undefined;
  afterEach(() => {
    tmp?.cleanup();
    tmp = undefined;
  });

  it('describes primary + readonly archive + readonly external sources', () => {
    tmp = createTempDir();
    const layout = multiSourceLayout(tmp.path);
    expect(layout.paths).toEqual({
      primary: join(tmp.path, 'primary.db'),
      archive: join(tmp.path, 'archive.db'),
      external: join(tmp.path, 'external.db'),
    });
    expect(layout.config.default).toBe('primary');
    expect(layout.config.sources).toEqual({
      primary: { path: layout.paths.primary, readonly: false },
      archive: { path: layout.paths.archive, readonly: true },
      external_bot: { path: layout.paths.external, readonly: true },
    });
    // only the external copy is created
    expect(fileSha256(layout.paths.external)).toBe(fileSha256(REFERENCE.db));
    expect(existsSync(layout.paths.primary)).toBe(false);
    expect(existsSync(layout.paths.archive)).toBe(false);
  });

  it('maps archive and external chats, leaves primary chats to the default', () => {
    tmp = createTempDir();
    const { chats, config, archiveOps, primaryOps } = multiSourceLayout(tmp.path);
    expect(chats.external).toEqual([...REFERENCE_CHAT_IDS]);
    expect(chats.archive).toEqual(chatIdsOf(archiveOps));
    expect(chats.primary).toEqual(chatIdsOf(primaryOps));
    expect(chats.archive.filter((id) => id < 0).every((id) => String(id).startsWith('-1003'))).toBe(true);
    expect(chats.primary.filter((id) => id < 0).every((id) => String(id).startsWith('-1002'))).toBe(true);

    const all = [...chats.primary, ...chats.archive, ...chats.external];
    expect(new Set(all).size).toBe(all.length);
    const expectedMapping: Record<string, string> = {};
    for (const id of chats.archive) expectedMapping[String(id)] = 'archive';
    for (const id of chats.external) expectedMapping[String(id)] = 'external_bot';
    expect(config.chatMapping).toEqual(expectedMapping);
    for (const id of chats.primary) expect(config.chatMapping[String(id)]).toBeUndefined();
  });

  it('has a user whose chats span all three sources', () => {
    tmp = createTempDir();
    const layout = multiSourceLayout(tmp.path);
    const chatsOf = (ops: readonly WriteOp[]): unknown[] =>
      ops.filter(([m, a]) => m === 'updateChatUser' && a.userId === layout.sharedUserId).map(([, a]) => a.chatId);
    expect(chatsOf(layout.primaryOps).length).toBeGreaterThan(0);
    expect(chatsOf(layout.archiveOps).length).toBeGreaterThan(0);
  });

  it('archiveOps replay through a target with the write methods', async () => {
    tmp = createTempDir();
    const { archiveOps } = multiSourceLayout(tmp.path);
    const counts = new Map<string, number>();
    const target = new Proxy(
      {},
      {
        get: (_t, method) =>
          typeof method === 'string' ? () => counts.set(method, (counts.get(method) ?? 0) + 1) : undefined,
      },
    );
    await replay(target, archiveOps);
    expect(counts.get('saveChatMessage')).toBe(150);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(archiveOps.length);
  });
});
