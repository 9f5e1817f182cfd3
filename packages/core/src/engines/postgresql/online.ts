/**
 * The online move's SQL on PostgreSQL (contract: OnlineSql in ../tools.ts). A write statement that passed the
 * fence check before the fence committed must commit before the chat is copied: the trigger takes a shared
 * transaction-level advisory lock on the chat, the fence an exclusive one, so the fence waits for the chat's
 * writes in flight, and a write blocked behind it checks again (a new snapshot, READ COMMITTED) and is refused.
 */
import { quoteIdent as q } from '../tool-helpers.js';
import { FENCE_MARKER, FENCE_TABLE, type OnlineSql, PLACEMENT_TABLE } from '../tools.js';

/** The advisory lock's first key: the bot's chat fence (the second is the chat id folded into an int4). */
const LOCK_CLASS = 20_200;
const chatKey = (expr: string) => `(${expr} % 2147483647)::int`;

function check(rec: 'OLD' | 'NEW', extra: string): string {
  return `IF ${rec}.chat_id IS NOT NULL THEN
      PERFORM pg_advisory_xact_lock_shared(${LOCK_CLASS}, ${chatKey(`${rec}.chat_id`)});
      IF EXISTS (SELECT 1 FROM ${FENCE_TABLE} f WHERE f.chat_id = ${rec}.chat_id${extra}) THEN
        RAISE EXCEPTION '${FENCE_MARKER}: chat % moved to another source; its writes go there', ${rec}.chat_id USING ERRCODE = 'P0001';
      END IF;
    END IF;`;
}

const FUNCTION = `CREATE OR REPLACE FUNCTION botdb_fence_check() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $botdb$
BEGIN
  IF TG_OP = 'DELETE' THEN
    ${check('OLD', " AND f.state = 'fenced'")}
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    ${check('OLD', '')}
  END IF;
  ${check('NEW', '')}
  RETURN NEW;
END
$botdb$`;

function trigger(table: string): string {
  const literal = `'${q(table).replaceAll("'", "''")}'`;
  return `DO $botdb$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'botdb_fence' AND tgrelid = ${literal}::regclass) THEN
      CREATE TRIGGER botdb_fence BEFORE INSERT OR UPDATE OR DELETE ON ${q(table)} FOR EACH ROW EXECUTE FUNCTION botdb_fence_check();
    END IF;
  END $botdb$`;
}

export const postgresOnline: OnlineSql = {
  tableExists: (table) =>
    `SELECT count(*)::int AS n FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = '${table}'`,
  createPlacement: [
    `CREATE TABLE IF NOT EXISTS ${PLACEMENT_TABLE} (chat_id BIGINT PRIMARY KEY, source TEXT NOT NULL, state TEXT NOT NULL, target TEXT, previous TEXT, epoch BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  ],
  selectPlacements: `SELECT chat_id::text AS chat_id, source, state, target, previous, epoch::int AS epoch FROM ${PLACEMENT_TABLE}`,
  casPlacement: (expected, r) => [
    expected === null
      ? {
          sql: `WITH w AS (INSERT INTO ${PLACEMENT_TABLE} (chat_id, source, state, target, previous, epoch, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now())
            ON CONFLICT (chat_id) DO NOTHING RETURNING 1) SELECT count(*)::int AS n FROM w`,
          params: [r.chatId, r.source, r.state, r.target, r.previous, r.epoch],
        }
      : {
          sql: `WITH w AS (UPDATE ${PLACEMENT_TABLE} SET source = $1, state = $2, target = $3, previous = $4, epoch = $5, updated_at = now()
            WHERE chat_id = $6 AND epoch = $7 AND state = $8 RETURNING 1) SELECT count(*)::int AS n FROM w`,
          params: [r.source, r.state, r.target, r.previous, r.epoch, r.chatId, expected.epoch, expected.state],
        },
  ],
  createFence: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${FENCE_TABLE} (chat_id BIGINT PRIMARY KEY, moved_to TEXT NOT NULL, epoch BIGINT NOT NULL, state TEXT NOT NULL DEFAULT 'fenced')`,
    FUNCTION,
    ...tables.map(trigger),
  ],
  fence: (chatId, movedTo, epoch) => [
    { sql: `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${chatKey('$1::bigint')})`, params: [chatId] },
    {
      sql: `INSERT INTO ${FENCE_TABLE} (chat_id, moved_to, epoch, state) VALUES ($1, $2, $3, 'fenced')
        ON CONFLICT (chat_id) DO UPDATE SET moved_to = EXCLUDED.moved_to, epoch = EXCLUDED.epoch, state = 'fenced'`,
      params: [chatId, movedTo, epoch],
    },
  ],
  setFenceState: (chatId, state) => [
    { sql: `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${chatKey('$1::bigint')})`, params: [chatId] },
    { sql: `UPDATE ${FENCE_TABLE} SET state = $1 WHERE chat_id = $2`, params: [state, chatId] },
  ],
  unfence: (chatId) => ({ sql: `DELETE FROM ${FENCE_TABLE} WHERE chat_id = $1`, params: [chatId] }),
  deleteChat: (table, chatId) => ({ sql: `DELETE FROM ${q(table)} WHERE chat_id = $1`, params: [chatId] }),
};
