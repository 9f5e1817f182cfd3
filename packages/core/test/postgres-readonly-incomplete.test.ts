/**
 * Issue #16 item 13: a readonly PostgreSQL source whose schema lacks some of the bot's tables cannot
 * open (it is never migrated), so it behaves as any unavailable source: reads routed to it fall back to
 * the default with one warning, cross-source reads skip it and say so. Never NOT_A_BOT_DATABASE on reads.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { populate } from './helpers.js';
import { createFileSchema, describePostgres, pgClient } from './pg-harness.js';

const MAPPED = -1001;

describePostgres('a readonly PostgreSQL source with some tables missing', (url) => {
  let schema: { name: string; drop(): Promise<void> };
  let dir: TempDir;
  let db: DatabaseWrapper;
  const warnings: string[] = [];

  beforeAll(async () => {
    schema = await createFileSchema(url, 'pg-ro-incomplete');
    // A complete schema first (a writable source creates it), then two tables dropped.
    const writer = new DatabaseWrapper({
      config: { sources: { main: { type: 'postgresql', url, schema: schema.name } } },
    });
    try {
      await writer.updateChatInfo({ chatId: MAPPED, type: 'group', title: 'in postgres' });
    } finally {
      await writer.close();
    }
    const admin = pgClient(url, schema.name);
    try {
      await admin.unsafe('DROP TABLE chat_topics, spam_messages');
    } finally {
      await admin.end({ timeout: 5 });
    }
    dir = createTempDir('core-pg-ro-incomplete-');
    await populate(dir.file('primary.db'), [['updateChatInfo', { chatId: MAPPED, type: 'group', title: 'in sqlite' }]]);
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: {
          primary: { path: dir.file('primary.db') },
          replica: { type: 'postgresql', url, schema: schema.name, readonly: true },
        },
        chatMapping: { [MAPPED]: 'replica' },
      },
      logger: { debug: () => undefined, warn: (_f, m) => warnings.push(m) },
    });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    dir?.cleanup();
    await schema?.drop();
  });

  it('ready() names the missing tables as SOURCE_OPEN_FAILED', async () => {
    const failure = await db.ready().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'SOURCE_OPEN_FAILED', details: { source: 'replica' } });
    expect((failure as Error).message).toContain('spam_messages, chat_topics');
    expect((failure as { details: { missing: string[] } }).details.missing).toEqual(['spam_messages', 'chat_topics']);
  }, 60_000);

  it('reads routed to it fall back to the default with one warning', async () => {
    warnings.length = 0;
    expect((await db.getChatInfo({ chatId: MAPPED }))?.title).toBe('in sqlite');
    expect((await db.getChatInfo({ chatId: MAPPED, dataSource: 'replica' }))?.title).toBe('in sqlite');
    expect(warnings.filter((w) => w.includes('"replica" cannot answer'))).toHaveLength(1);
    expect((await db.stats()).replica).toMatchObject({ fallbackReads: 2, state: 'unavailable' });
  }, 60_000);

  it('cross-source reads skip it and say so', async () => {
    const groups = await db.getAllGroupChats();
    expect(groups.map((c) => c.title)).toEqual(['in sqlite']);
    expect(groups.sources.answered).toEqual(['primary']);
    expect(groups.sources.skipped.map((s) => [s.source, s.code])).toEqual([['replica', 'SOURCE_OPEN_FAILED']]);
  }, 60_000);
});
