/**
 * A dataSource that names no configured source: by default the call uses the default source and
 * the logger is told once per name (the bot's behaviour); with `unknownDataSource: 'refuse'` it
 * fails with UNKNOWN_SOURCE. `dataSource: ''` means none. Reads, cross-source reads, the system
 * writes that take a dataSource, and transactions all follow the same rule.
 */
import { DatabaseWrapper, UnknownSourceError } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate } from './helpers.js';

const MAPPED = -1001;
const UNMAPPED = -2002;

describe('an unknown dataSource', () => {
  let dir: TempDir;
  const warnings: string[] = [];
  let fallback: DatabaseWrapper;
  let refuse: DatabaseWrapper;

  const open = (unknownDataSource: 'fallback' | 'refuse') =>
    new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: { primary: { path: dir.file('primary.db') }, other: { path: dir.file('other.db') } },
        chatMapping: { [String(MAPPED)]: 'other' },
        unknownDataSource,
      },
      logger: { debug: () => undefined, warn: (_f, m) => warnings.push(m) },
    });

  beforeAll(async () => {
    dir = createTempDir('core-routing-unknown-');
    for (const name of ['primary', 'other']) {
      await populate(dir.file(`${name}.db`), [
        ['updateChatInfo', { chatId: MAPPED, type: 'group', title: `${name} copy` }],
        ['updateChatInfo', { chatId: UNMAPPED, type: 'group', title: `${name} copy` }],
      ]);
    }
    fallback = open('fallback');
    refuse = open('refuse');
  });
  afterAll(async () => {
    await Promise.all([fallback.close(), refuse.close()]);
    dir.cleanup();
  });

  it('falls back to the default source and warns once per name', async () => {
    warnings.length = 0;
    expect((await fallback.getChatInfo({ chatId: MAPPED, dataSource: 'archve' }))?.title).toBe('primary copy');
    expect((await fallback.getChatUsers({ chatId: MAPPED, dataSource: 'archve' })).length).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /dataSource "archve".*"primary", "other".*default source "primary".*unknown-data-source/s,
    );
    await fallback.getChatInfo({ chatId: MAPPED, dataSource: 'arhcive' });
    expect(warnings).toHaveLength(2);
    expect(fallback.routeFor({ chatId: MAPPED, dataSource: 'archve' })).toEqual({
      source: 'primary',
      reason: 'fallback',
      readonly: false,
    });
  });

  it('treats an empty dataSource as none: the chat routes as usual, no warning', async () => {
    warnings.length = 0;
    expect((await fallback.getChatInfo({ chatId: MAPPED, dataSource: '' }))?.title).toBe('other copy');
    expect((await refuse.getChatInfo({ chatId: MAPPED, dataSource: '' }))?.title).toBe('other copy');
    expect((await fallback.getAllGroupChats({ dataSource: '' })).map((c) => c.title)).toEqual([
      'primary copy',
      'other copy',
    ]);
    expect(fallback.routeFor({ chatId: MAPPED, dataSource: '' })).toMatchObject({ reason: 'chatMapping' });
    expect(warnings).toEqual([]);
  });

  it('refuses with UNKNOWN_SOURCE, naming the known sources, when configured to', async () => {
    const attempt = refuse.getChatInfo({ chatId: UNMAPPED, dataSource: 'nope' });
    await expect(attempt).rejects.toBeInstanceOf(UnknownSourceError);
    await expect(attempt).rejects.toMatchObject({
      code: 'UNKNOWN_SOURCE',
      message: expect.stringContaining('"primary", "other"'),
    });
    await expect(refuse.getAllGroupChats({ dataSource: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_SOURCE' });
    await expect(refuse.setSetting({ key: 'k', value: 'v', dataSource: 'nope' })).rejects.toMatchObject({
      code: 'UNKNOWN_SOURCE',
    });
    await expect(refuse.transaction({ dataSource: 'nope' }, async () => 1)).rejects.toMatchObject({
      code: 'UNKNOWN_SOURCE',
    });
  });

  it('a cross-source read naming an unknown source reads the default source only', async () => {
    const groups = await fallback.getAllGroupChats({ dataSource: 'nope-cross' });
    expect(groups.map((c) => c.title)).toEqual(['primary copy', 'primary copy']);
    expect(groups.sources).toEqual({ answered: ['primary'], skipped: [] });
  });

  it('a system write naming an unknown source writes the default source', async () => {
    await fallback.setSetting({ key: 'written-by', value: 'fallback', dataSource: 'nope-write' });
    expect(await fallback.getSetting({ key: 'written-by', dataSource: 'primary' })).toBe('fallback');
    expect(await fallback.getSetting({ key: 'written-by', dataSource: 'other' })).toBeNull();
  });

  it('a transaction naming an unknown source runs on the default source', async () => {
    const source = await fallback.transaction({ dataSource: 'nope-tx' }, async (tx) => {
      await tx.setChatSetting({ chatId: UNMAPPED, key: 'tx', value: '1' });
      return tx.source;
    });
    expect(source).toBe('primary');
    expect(await fallback.getChatSetting({ chatId: UNMAPPED, setting: 'tx' })).toBe('1');
    expect(warnings.some((w) => w.includes('"nope-tx"'))).toBe(true);
  });
});
