/**
 * The online move's SQL on SQLite (contract: OnlineSql in ../tools.ts). One writer at a time holds the file,
 * so a fence row committed is seen by every later write: no extra lock is needed.
 */
import { quoteIdent as q } from '../tool-helpers.js';
import { FENCE_MARKER, FENCE_TABLE, type OnlineSql, PLACEMENT_TABLE } from '../tools.js';

const refuse = `SELECT RAISE(ABORT, '${FENCE_MARKER}: this chat moved to another source; its writes go there')`;

function triggers(table: string): string[] {
  const fenced = (col: string, extra = '') =>
    `EXISTS (SELECT 1 FROM ${FENCE_TABLE} f WHERE f.chat_id = ${col}.chat_id${extra})`;
  const name = (suffix: string) => q(`botdb_fence_${table}_${suffix}`);
  return [
    `CREATE TRIGGER IF NOT EXISTS ${name('i')} BEFORE INSERT ON ${q(table)} WHEN ${fenced('NEW')} BEGIN ${refuse}; END`,
    `CREATE TRIGGER IF NOT EXISTS ${name('u')} BEFORE UPDATE ON ${q(table)} WHEN ${fenced('NEW')} OR ${fenced('OLD')} BEGIN ${refuse}; END`,
    `CREATE TRIGGER IF NOT EXISTS ${name('d')} BEFORE DELETE ON ${q(table)} WHEN ${fenced('OLD', " AND f.state = 'fenced'")} BEGIN ${refuse}; END`,
  ];
}

export const sqliteOnline: OnlineSql = {
  tableExists: (table) => `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '${table}'`,
  createPlacement: [
    `CREATE TABLE IF NOT EXISTS ${PLACEMENT_TABLE} (chat_id INTEGER PRIMARY KEY, source TEXT NOT NULL, state TEXT NOT NULL, target TEXT, previous TEXT, epoch INTEGER NOT NULL, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
  ],
  selectPlacements: `SELECT chat_id, source, state, target, previous, epoch FROM ${PLACEMENT_TABLE}`,
  casPlacement: (expected, r) => [
    expected === null
      ? {
          sql: `INSERT OR IGNORE INTO ${PLACEMENT_TABLE} (chat_id, source, state, target, previous, epoch, updated_at) VALUES (?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)`,
          params: [r.chatId, r.source, r.state, r.target, r.previous, r.epoch],
        }
      : {
          sql: `UPDATE ${PLACEMENT_TABLE} SET source = ?, state = ?, target = ?, previous = ?, epoch = ?, updated_at = CURRENT_TIMESTAMP WHERE chat_id = ? AND epoch = ? AND state = ?`,
          params: [r.source, r.state, r.target, r.previous, r.epoch, r.chatId, expected.epoch, expected.state],
        },
    { sql: 'SELECT changes() AS n', params: [] },
  ],
  createFence: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${FENCE_TABLE} (chat_id INTEGER PRIMARY KEY, moved_to TEXT NOT NULL, epoch INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'fenced')`,
    ...tables.flatMap(triggers),
  ],
  fence: (chatId, movedTo, epoch) => [
    {
      sql: `INSERT OR REPLACE INTO ${FENCE_TABLE} (chat_id, moved_to, epoch, state) VALUES (?, ?, ?, 'fenced')`,
      params: [chatId, movedTo, epoch],
    },
  ],
  setFenceState: (chatId, state) => [
    { sql: `UPDATE ${FENCE_TABLE} SET state = ? WHERE chat_id = ?`, params: [state, chatId] },
  ],
  unfence: (chatId) => ({ sql: `DELETE FROM ${FENCE_TABLE} WHERE chat_id = ?`, params: [chatId] }),
  deleteChat: (table, chatId) => ({ sql: `DELETE FROM ${q(table)} WHERE chat_id = ?`, params: [chatId] }),
};
