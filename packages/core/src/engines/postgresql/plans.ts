/**
 * PostgreSQL's plans for the operations whose plan differs per engine (see bot-plans.ts). Sessions write
 * at once: "not stored yet" and "not claimed yet" are decided by the insert itself (ON CONFLICT DO NOTHING,
 * RETURNING), in one statement, or two sessions could both see a row absent.
 */
import { DIALECTS, type Plan } from '@pkg/broker/operation';
import { countChatDay, countUserDay, insertMessageIfNew } from '../../operations/message-statements.js';
import { allRows, runText } from '../../operations/statement.js';
import { CLAIMABLE, TASK_COLUMNS, TASK_ROWS } from '../../operations/task-statements.js';
import type { DelayedTask } from '../../types.js';
import type { BotPlans, NewMessage } from '../bot-plans.js';

const sql = DIALECTS.postgresql;

/** The message was stored by this statement (`stored` holds its one RETURNING row, or none). */
const STORED = 'EXISTS (SELECT 1 FROM stored)';

/**
 * One statement whose counters read the insert's RETURNING, so a conflict (or a concurrent winner) counts
 * nothing. Parameters: the message's 12, then chat_id, user_id; chat_id, day; chat_id, user_id, day.
 */
const SAVE_IF_NEW = `WITH stored AS (${insertMessageIfNew(sql)} RETURNING 1),
  user_count AS (UPDATE chat_users SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP
    WHERE chat_id = ? AND user_id = ? AND ${STORED}),
  chat_day AS (${countChatDay(sql, STORED)}),
  user_day AS (${countUserDay(sql, STORED)})
SELECT count(*)::int AS stored FROM stored`;

/** In the v6 DDL too; created here as well for a schema made before it was added. */
const ENSURE_CLAIMS = `CREATE TABLE IF NOT EXISTS delayed_task_claims (task_id TEXT COLLATE "C" PRIMARY KEY,
  owner TEXT COLLATE "C" NOT NULL, claimed_at TIMESTAMPTZ(0) DEFAULT CURRENT_TIMESTAMP)`;

/**
 * One statement: the tasks picked are locked (SKIP LOCKED: another process's pick is passed over, not waited
 * for), the free ones claimed, and only the tasks this statement claimed or the owner already held come back.
 * A task another process claimed and committed after this statement's snapshot hits the claims' key and is
 * not returned (ON CONFLICT DO NOTHING returns no row for it).
 */
const CLAIM = {
  text: `WITH picked AS (${CLAIMABLE.replace('ORDER BY t.rowid LIMIT ?', 'ORDER BY t.rowid LIMIT ? FOR UPDATE OF t SKIP LOCKED')}),
  claimed AS (INSERT INTO delayed_task_claims (task_id, owner) SELECT id, ? FROM picked WHERE claimed_by IS NULL
    ON CONFLICT (task_id) DO NOTHING RETURNING task_id)
  SELECT ${TASK_COLUMNS} FROM delayed_tasks t
  WHERE t.id IN (SELECT task_id FROM claimed) OR t.id IN (SELECT id FROM picked WHERE claimed_by IS NOT NULL)
  ORDER BY t.rowid`,
  ...TASK_ROWS,
};

export const postgresPlans: BotPlans = {
  ensureClaimsTable: ENSURE_CLAIMS,

  *saveChatMessageIfNew({ message, chatId, userId, day }: NewMessage): Plan<boolean> {
    const params = [...message, chatId, userId, chatId, day, chatId, userId, day];
    const [row] = (yield { atomic: [{ text: SAVE_IF_NEW, params, mode: 'get' }] }) as [{ stored: number }];
    return row.stored === 1;
  },

  *claimDelayedTasks(owner: string, limit: number): Plan<DelayedTask[]> {
    const [, rows] = (yield {
      atomic: [runText(ENSURE_CLAIMS, []), allRows(CLAIM, [owner, limit, owner])],
    }) as [unknown, DelayedTask[]];
    return rows;
  },
};
