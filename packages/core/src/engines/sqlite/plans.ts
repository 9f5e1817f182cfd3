/**
 * SQLite's plans for the operations whose plan differs per engine (see bot-plans.ts). A SQLite file has one
 * writer at a time: a write group runs under BEGIN IMMEDIATE, so no other process runs between its
 * statements, and "not stored yet" or "not claimed yet" can be read first and acted on after.
 */
import { DIALECTS, type Plan, type RunResult } from '@pkg/broker/operation';
import {
  ABSENT,
  COUNT_USER_MESSAGE,
  countChatDay,
  countUserDay,
  insertMessageIfNew,
} from '../../operations/message-statements.js';
import { allRows, runText } from '../../operations/statement.js';
import { CLAIMABLE, OWNED_TASKS, TASK_ROWS } from '../../operations/task-statements.js';
import type { DelayedTask } from '../../types.js';
import type { BotPlans, NewMessage } from '../bot-plans.js';

const sql = DIALECTS.sqlite;

/** The counters count only while the message is absent; the insert then stores it (or finds it stored). */
const COUNT_USER_MESSAGE_IF_NEW = `${COUNT_USER_MESSAGE} AND ${ABSENT}`;
const COUNT_CHAT_DAY_IF_NEW = countChatDay(sql, ABSENT);
const COUNT_USER_DAY_IF_NEW = countUserDay(sql, ABSENT);
const INSERT_MESSAGE_IF_NEW = insertMessageIfNew(sql);

/** The library's own table of task claims: a file gains it only when claims are used (the bot ignores it). */
const ENSURE_CLAIMS = `CREATE TABLE IF NOT EXISTS delayed_task_claims (task_id TEXT PRIMARY KEY, owner TEXT NOT NULL,
  claimed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`;
/** Inside BEGIN IMMEDIATE (no other process runs between these statements). */
const CLAIM = `INSERT INTO delayed_task_claims (task_id, owner)
  SELECT id, ? FROM (${CLAIMABLE}) WHERE claimed_by IS NULL`;
const OWNED = { text: OWNED_TASKS, ...TASK_ROWS };

export const sqlitePlans: BotPlans = {
  ensureClaimsTable: ENSURE_CLAIMS,

  *saveChatMessageIfNew({ message, chatId, userId, day }: NewMessage): Plan<boolean> {
    const key = [chatId, message[1]];
    const answers = (yield {
      atomic: [
        runText(COUNT_USER_MESSAGE_IF_NEW, [chatId, userId, ...key]),
        runText(COUNT_CHAT_DAY_IF_NEW, [chatId, day, ...key]),
        runText(COUNT_USER_DAY_IF_NEW, [chatId, userId, day, ...key]),
        runText(INSERT_MESSAGE_IF_NEW, [...message]),
      ],
    }) as RunResult[];
    return (answers[3] as RunResult).changes === 1;
  },

  *claimDelayedTasks(owner: string, limit: number): Plan<DelayedTask[]> {
    const [, , rows] = (yield {
      atomic: [runText(ENSURE_CLAIMS, []), runText(CLAIM, [owner, owner, limit]), allRows(OWNED, [owner, limit])],
    }) as [unknown, unknown, DelayedTask[]];
    return rows;
  },
};
