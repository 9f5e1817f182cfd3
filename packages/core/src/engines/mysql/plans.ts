/**
 * MySQL's and MariaDB's plans for the operations whose plan differs per engine (see bot-plans.ts). Sessions
 * write at once, and neither server returns rows from an INSERT that both take (MySQL has no RETURNING), so:
 * - saveChatMessageIfNew: the insert decides, and says so in a session variable read by the counters in the
 *   same transaction. A second session inserting the same key waits on the first's row lock, then meets the
 *   stored row (ON DUPLICATE KEY) and counts nothing.
 * - claimDelayedTasks: the pick is a locking read with SKIP LOCKED inside the claims' INSERT ... SELECT (one
 *   statement): rows another session has picked are passed over, not waited for; then the owner's tasks are read.
 */
import { DIALECTS, type Plan } from '@pkg/broker/operation';
import { countChatDay, countUserDay, INSERT_MESSAGE } from '../../operations/message-statements.js';
import { allRows, getRow, runText } from '../../operations/statement.js';
import { CLAIMABLE, OWNED_TASKS, TASK_ROWS } from '../../operations/task-statements.js';
import type { DelayedTask } from '../../types.js';
import type { BotPlans, NewMessage } from '../bot-plans.js';

const sql = DIALECTS.mysql;

/** Set to 1 by the insert below when it stored the message; 0 when a message with its key was there. */
const STORED = '@botdb_stored = 1';
const RESET_STORED = 'SET @botdb_stored = 0';
/**
 * The message, or (key taken) nothing: ON DUPLICATE KEY sets the stored row's key to itself and leaves the
 * variable at 0; a new row evaluates no UPDATE, and the variable is set by the SELECT of its values. MySQL 8
 * warns that assignments in expressions are deprecated; both servers still run them.
 */
const INSERT_IF_NEW = `${INSERT_MESSAGE.replace(
  /VALUES \((.*)\)\s*$/s,
  'SELECT $1 FROM DUAL WHERE (@botdb_stored := 1) = 1',
)} ON DUPLICATE KEY UPDATE chat_id = IF((@botdb_stored := 0) = 0, chat_messages.chat_id, chat_messages.chat_id)`;
const COUNT_USER_IF_STORED = `UPDATE chat_users SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP
  WHERE chat_id = ? AND user_id = ? AND ${STORED}`;
const WAS_STORED = { text: 'SELECT @botdb_stored AS stored' };

/**
 * The library's table is in the v6 DDL (schema.ts) of every MySQL database: no MySQL schema predates it. A
 * CREATE TABLE here would commit the caller's transaction (DDL commits implicitly on MySQL), so the claim
 * runs a statement that does nothing.
 */
const ENSURE_CLAIMS = 'DO 0';

/**
 * Free tasks among the first `limit` pending (free or the owner's), claimed in one locking statement. The scan
 * follows the rowid key (FORCE INDEX), so it locks the rows it returns and stops at `limit`: a full scan and a
 * sort would lock every pending task and leave a second process nothing to pick. Under READ COMMITTED (the
 * sessions' level) no gap is locked, so a second process's claims insert does not wait for the first's commit.
 */
const CLAIM = `INSERT INTO delayed_task_claims (task_id, owner)
  SELECT id, ? FROM (${CLAIMABLE.replace('FROM delayed_tasks t', 'FROM delayed_tasks t FORCE INDEX (rowid_key)')}
    FOR UPDATE SKIP LOCKED) AS picked WHERE claimed_by IS NULL`;
const OWNED = { text: OWNED_TASKS, ...TASK_ROWS };

export const mysqlPlans: BotPlans = {
  ensureClaimsTable: ENSURE_CLAIMS,

  *saveChatMessageIfNew({ message, chatId, userId, day }: NewMessage): Plan<boolean> {
    const answers = (yield {
      atomic: [
        runText(RESET_STORED, []),
        runText(INSERT_IF_NEW, [...message]),
        runText(COUNT_USER_IF_STORED, [chatId, userId]),
        runText(countChatDay(sql, STORED), [chatId, day]),
        runText(countUserDay(sql, STORED), [chatId, userId, day]),
        getRow(WAS_STORED, []),
      ],
    }) as unknown[];
    return Number((answers[5] as { stored: unknown }).stored) === 1;
  },

  *claimDelayedTasks(owner: string, limit: number): Plan<DelayedTask[]> {
    const [, , rows] = (yield {
      atomic: [runText(ENSURE_CLAIMS, []), runText(CLAIM, [owner, owner, limit]), allRows(OWNED, [owner, limit])],
    }) as [unknown, unknown, DelayedTask[]];
    return rows;
  },
};
