/**
 * The contract of each engine's botdb tools (src/engines/tools.ts), one file run on every engine: the writer
 * creates the bot's schema, inserts only what is missing (a NULL key part included), the reader pages after a
 * key in byte order and answers counts and chat ids in one snapshot, and the facts check/route print. The CLI's
 * own tests (packages/cli) run the whole commands; this is where a new engine's tools prove themselves first.
 */
import { normalizeConfig, type SourceConfigInput } from '@pkg/config';
import { expect, it } from 'vitest';
import {
  type MoveWriter,
  type Row,
  SCHEMA_VERSION,
  type SourceSpec,
  sameData,
  sourceSpecOf,
  type TableShape,
  toolsOf,
} from '../src/engines/index.js';
import { V6_TABLES } from '../src/schema/bot-schema.js';
import { describeEngines } from './engines.js';

function specOf(input: SourceConfigInput): SourceSpec {
  const { config } = normalizeConfig({ default: 'main', sources: { main: input } }, { baseDir: process.cwd() });
  return sourceSpecOf(config, 'main');
}

/** A row of `table` from values by column name (a column not given is NULL), as another engine would hand it over. */
function rowOf(table: TableShape, values: Record<string, unknown>): Row {
  return table.columns.map((c) => values[c] ?? null);
}

const CHAT = -1001000000077;
const AT = '2025-11-02 03:04:05';

describeEngines('botdb engine tools', (h) => {
  it('the writer creates the bot schema, inserts only missing rows (NULL key parts too), the reader pages in byte order', async () => {
    const spec = specOf(h.fresh('tools_move'));
    const tools = toolsOf(spec);
    let writer: MoveWriter | null = await tools.openWriter(spec);
    try {
      expect(await writer.schemaVersion()).toBe(SCHEMA_VERSION);
      const tables = new Map((await writer.tables()).map((t) => [t.name, t]));
      for (const name of V6_TABLES) expect(tables.has(name), name).toBe(true);

      const settings = tables.get('chat_settings') as TableShape;
      expect(settings.primaryKey).toEqual(['chat_id', 'key']);
      expect(settings.chatScoped).toBe(true);
      // Byte order: 'B' (0x42) < 'a' < 'b' < 'é' (0xC3...); accents and case are distinct keys.
      const keys = ['b', 'é', 'B', 'a', 'e'];
      const rows = keys.map((key) =>
        rowOf(settings, { chat_id: CHAT, key, value: `v-${key}`, created_at: AT, updated_at: AT }),
      );
      expect(await writer.insertMissing(settings, rows)).toBe(keys.length);
      expect(await writer.insertMissing(settings, rows)).toBe(0);
      expect(await writer.count(settings, { chatId: CHAT })).toBe(keys.length);

      // The global classifier's rows have a NULL chat_id in their key: a re-run must not add them again.
      const classes = tables.get('bayes_classes') as TableShape;
      const global = [
        rowOf(classes, { chat_id: null, is_spam: 1, message_count: 3, token_count: 9, created_at: AT, updated_at: AT }),
      ];
      expect(await writer.insertMissing(classes, global)).toBe(1);
      expect(await writer.insertMissing(classes, global)).toBe(0);
      expect(await writer.count(classes, { chatId: null })).toBe(1);
    } finally {
      await writer.close();
      writer = null;
    }

    const reader = await tools.openReader(spec);
    try {
      const settings = (await reader.tables()).find((t) => t.name === 'chat_settings') as TableShape;
      const keyAt = settings.columns.indexOf('key');
      const first = await reader.page(settings, { chatId: CHAT }, ['key'], null, 2);
      const second = await reader.page(settings, { chatId: CHAT }, ['key'], [first[1]?.[keyAt]], 10);
      expect([...first, ...second].map((r) => r[keyAt])).toEqual(['B', 'a', 'b', 'e', 'é']);
      const chatIdAt = settings.columns.indexOf('chat_id');
      expect(first[0]?.[chatIdAt]).toBe(CHAT);
      expect(await reader.chatIds(settings)).toEqual([CHAT]);
      const classes = (await reader.tables()).find((t) => t.name === 'bayes_classes') as TableShape;
      expect(await reader.chatIds(classes)).toEqual([null]);
      expect(await reader.count(settings, { chatId: CHAT, exclude: { column: 'key', values: ['a', 'b'] } })).toBe(3);
      expect(await reader.schemaVersion()).toBe(SCHEMA_VERSION);
    } finally {
      await reader.close();
    }
  });

  it('the facts check and route print: place, local facts, same data', async () => {
    const spec = specOf(h.fresh('tools_facts'));
    const tools = toolsOf(spec);
    const place = tools.place(spec);
    expect(place.type).toBe(h.engine);
    expect(place.location.length).toBeGreaterThan(0);
    expect(place.location).not.toMatch(/:[^/@]*@/); // never a password
    expect(sameData(spec, spec)).toBe(true);
    expect(sameData(spec, specOf(h.fresh('tools_other')))).toBe(false);
    const local = tools.local(spec);
    // A file engine knows its fresh file is missing; a server engine cannot tell without asking.
    expect([false, null]).toContain(local.exists);
    expect(local.cannotCreate).toBeNull();
    expect(tools.notCreated(spec).checkNote).toContain(String(SCHEMA_VERSION));
    expect(await tools.olderSchema(spec)).toBeNull();
  });
});
