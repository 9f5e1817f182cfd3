/**
 * The direct peer of `bench:mysql`: mysql2 on the main thread with the library's own session settings
 * (connectMysql: UTC, strict, READ COMMITTED, exact BIGINT), running the library's statements. The texts are
 * read from the built @pkg/core (message-statements.js: the insert and the counters as the MySQL dialect builds
 * them) and from apps/bench/src/sql.ts (the point read, checked against core by `assertSameSqlAsCore`), so the
 * peer cannot drift from the library. DATETIME columns become Dates on the main thread, as the library's rows do.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toDate } from '@pkg/broker';
import { DIALECTS } from '@pkg/broker/operation';
import type { DatabaseWrapper, SaveChatMessageArgs } from '@pkg/core';
import type { FieldPacket, Pool } from 'mysql2/promise';
import type { Key } from './dataset.js';
import type { DirectPeer } from './scenarios/pg.js';
import { directInsertParams } from './scenarios/writes-common.js';
import { assertSameSqlAsCore, POINT_READ_SQL, SELECT_MESSAGE } from './sql.js';

/** mysql2's column type of DATETIME. */
const DATETIME = 12;

interface MysqlTexts {
  insertMessage: string;
  countUserMessage: string;
  countChatDay: string;
  countUserDay: string;
  sinceByChat: string;
}

/** saveChatMessage's statements as the built core's MySQL dialect writes them. */
async function mysqlTexts(): Promise<MysqlTexts> {
  assertSameSqlAsCore();
  const coreIndex = fileURLToPath(import.meta.resolve('@pkg/core'));
  const statementsJs = coreIndex.replace(/index\.js$/, 'operations/message-statements.js');
  const core = (await import(pathToFileURL(statementsJs).href)) as Record<string, string | Record<string, string>>;
  const mysql = (name: string): string => {
    const t = core[name];
    const text = typeof t === 'string' ? t : t?.mysql;
    if (typeof text !== 'string') throw new Error(`${statementsJs} has no MySQL text for ${name}`);
    return text;
  };
  const d = DIALECTS.mysql;
  return {
    insertMessage: mysql('INSERT_MESSAGE'),
    countUserMessage: mysql('COUNT_USER_MESSAGE'),
    countChatDay: mysql('COUNT_CHAT_DAY'),
    countUserDay: mysql('COUNT_USER_DAY'),
    // getChatMessagesSince with only chatId and limit, in core's order (messages.ts, NEWEST_FIRST).
    sinceByChat: `${SELECT_MESSAGE} WHERE m.chat_id = ? ORDER BY m.date DESC, ${d.charLength('m.message_id')} DESC, m.message_id DESC LIMIT ?`,
  };
}

/** Rows with their DATETIME columns as Dates (what the library's rows hold). */
function withDates([rows, fields]: [unknown, FieldPacket[]]): Record<string, unknown>[] {
  const list = rows as Record<string, unknown>[];
  const dates = fields.filter((f) => f.columnType === DATETIME).map((f) => f.name);
  for (const row of list) {
    for (const c of dates) {
      const v = row[c];
      if (typeof v === 'string') row[c] = toDate(v);
    }
  }
  return list;
}

export async function mysqlPeer(pool: Pool): Promise<DirectPeer> {
  const t = await mysqlTexts();
  const read = async (k: Key) => withDates(await pool.query(POINT_READ_SQL, [k.chatId, k.messageId]))[0] ?? null;
  return {
    tag: 'mysql',
    read,
    async save(a: SaveChatMessageArgs) {
      const stored = a.date as string;
      const day = `${stored.slice(0, 10)} 00:00:00`;
      const conn = await pool.getConnection();
      try {
        await conn.query('START TRANSACTION');
        try {
          await conn.query(t.insertMessage, directInsertParams(a, stored));
          await conn.query(t.countUserMessage, [a.chatId, a.userId]);
          await conn.query(t.countChatDay, [a.chatId, day]);
          await conn.query(t.countUserDay, [a.chatId, a.userId, day]);
          await conn.query('COMMIT');
        } catch (e) {
          await conn.query('ROLLBACK');
          throw e;
        }
      } finally {
        conn.release();
      }
    },
    since: async (chatId, limit) => withDates(await pool.query(t.sinceByChat, [chatId, limit])),
    async checkSameRows(db: DatabaseWrapper, keys: readonly Key[]) {
      const lib = await Promise.all(keys.slice(0, 256).map((k) => db.getChatMessageByMessageId(k)));
      for (let i = 0; i < 256; i++) {
        const raw = (await read(keys[i] as Key)) as Record<string, unknown> | null;
        const got = lib[i] as unknown as Record<string, unknown> | null;
        if (raw === null || got === null) throw new Error(`key ${i}: no row (direct ${raw}, library ${got})`);
        for (const [col, value] of Object.entries(raw)) {
          const b = got[col];
          const same =
            value instanceof Date && b instanceof Date
              ? value.getTime() === b.getTime()
              : typeof b === 'boolean'
                ? b === (value === 1)
                : b === value;
          if (!same) throw new Error(`key ${i}: column ${col} differs: direct ${String(value)}, library ${String(b)}`);
        }
      }
    },
  };
}
