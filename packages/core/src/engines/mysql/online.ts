/**
 * The online move's SQL on MySQL/MariaDB (contract: OnlineSql in ../tools.ts). Sessions run READ COMMITTED
 * (no gap locks), so a locking read of a missing fence row would hold nothing: every fence trigger first
 * takes a shared lock on the one row of `botdb_fence_guard`, and the fence takes it exclusively, so the fence
 * waits for the writes in flight and a write blocked behind it reads the committed fence and is refused.
 * DDL commits on its own here: the tables and triggers are created before the fence transaction.
 */
import { FENCE_MARKER, FENCE_TABLE, type OnlineSql, PLACEMENT_TABLE } from '../tools.js';

const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
const GUARD = 'botdb_fence_guard';

function body(checks: string[]): string {
  return `BEGIN
  DECLARE n INT;
  SELECT count(*) INTO n FROM ${GUARD} WHERE id = 1 LOCK IN SHARE MODE;
  ${checks.join('\n  ')}
END`;
}

function check(rec: 'OLD' | 'NEW', extra: string): string {
  return `SELECT count(*) INTO n FROM ${FENCE_TABLE} f WHERE f.chat_id = ${rec}.chat_id${extra} LOCK IN SHARE MODE;
  IF n > 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${FENCE_MARKER}: this chat moved to another source; its writes go there'; END IF;`;
}

function triggers(table: string): string[] {
  const name = (suffix: string) => q(`botdb_fence_${table}_${suffix}`.slice(0, 64));
  const on = `ON ${q(table)} FOR EACH ROW`;
  return [
    `CREATE TRIGGER IF NOT EXISTS ${name('i')} BEFORE INSERT ${on} ${body([check('NEW', '')])}`,
    `CREATE TRIGGER IF NOT EXISTS ${name('u')} BEFORE UPDATE ${on} ${body([check('OLD', ''), check('NEW', '')])}`,
    `CREATE TRIGGER IF NOT EXISTS ${name('d')} BEFORE DELETE ${on} ${body([check('OLD', " AND f.state = 'fenced'")])}`,
  ];
}

export const mysqlOnline: OnlineSql = {
  tableExists: (table) =>
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '${table}'`,
  createPlacement: [
    `CREATE TABLE IF NOT EXISTS ${PLACEMENT_TABLE} (chat_id BIGINT NOT NULL PRIMARY KEY, source VARCHAR(255) NOT NULL, state VARCHAR(16) NOT NULL, target VARCHAR(255) NULL, previous VARCHAR(255) NULL, epoch BIGINT NOT NULL, updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE=InnoDB`,
  ],
  selectPlacements: `SELECT CAST(chat_id AS CHAR) AS chat_id, source, state, target, previous, epoch FROM ${PLACEMENT_TABLE}`,
  casPlacement: (expected, r) => [
    // ROW_COUNT() counts changed rows: every CAS changes the state or the epoch, so a match is never 0.
    expected === null
      ? {
          sql: `INSERT IGNORE INTO ${PLACEMENT_TABLE} (chat_id, source, state, target, previous, epoch) VALUES (?, ?, ?, ?, ?, ?)`,
          params: [r.chatId, r.source, r.state, r.target, r.previous, r.epoch],
        }
      : {
          sql: `UPDATE ${PLACEMENT_TABLE} SET source = ?, state = ?, target = ?, previous = ?, epoch = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE chat_id = ? AND epoch = ? AND state = ?`,
          params: [r.source, r.state, r.target, r.previous, r.epoch, r.chatId, expected.epoch, expected.state],
        },
    { sql: 'SELECT ROW_COUNT() AS n', params: [] },
  ],
  createFence: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${GUARD} (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB`,
    `INSERT IGNORE INTO ${GUARD} (id) VALUES (1)`,
    `CREATE TABLE IF NOT EXISTS ${FENCE_TABLE} (chat_id BIGINT NOT NULL PRIMARY KEY, moved_to VARCHAR(255) NOT NULL, epoch BIGINT NOT NULL, state VARCHAR(16) NOT NULL DEFAULT 'fenced') ENGINE=InnoDB`,
    ...tables.flatMap(triggers),
  ],
  fence: (chatId, movedTo, epoch) => [
    { sql: `SELECT id FROM ${GUARD} WHERE id = 1 FOR UPDATE`, params: [] },
    {
      sql: `REPLACE INTO ${FENCE_TABLE} (chat_id, moved_to, epoch, state) VALUES (?, ?, ?, 'fenced')`,
      params: [chatId, movedTo, epoch],
    },
  ],
  setFenceState: (chatId, state) => [
    { sql: `UPDATE ${FENCE_TABLE} SET state = ? WHERE chat_id = ?`, params: [state, chatId] },
  ],
  unfence: (chatId) => ({ sql: `DELETE FROM ${FENCE_TABLE} WHERE chat_id = ?`, params: [chatId] }),
  deleteChat: (table, chatId) => ({ sql: `DELETE FROM ${q(table)} WHERE chat_id = ?`, params: [chatId] }),
};
