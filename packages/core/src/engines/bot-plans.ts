/**
 * The bot's operations whose plan differs per engine, not only their text: each engine's folder has one
 * `BotPlans` (`engines/<name>/plans.ts`), listed in the registry's `BOT_PLANS` (the compiler asks for one per
 * engine name). The operation checks the arguments and binds them (`EngineContext`); the engine's plan runs
 * them. Every engine's plan gives the same answer for the same call, under the same concurrency.
 */
import type { Plan } from '@pkg/broker/operation';
import type { DelayedTask } from '../types.js';

/** saveChatMessageIfNew's arguments, checked and bound. */
export interface NewMessage {
  /** The 12 values of `INSERT_MESSAGE` (message-statements.ts), in its column order. */
  readonly message: readonly unknown[];
  readonly chatId: number;
  readonly userId: number;
  /** The message's day (its date at 00:00:00 UTC), bound as the engine binds a timestamp. */
  readonly day: unknown;
}

export interface BotPlans {
  /**
   * CREATE TABLE IF NOT EXISTS of the library's own `delayed_task_claims` (task_id text primary key, owner
   * text not null, claimed_at timestamp default CURRENT_TIMESTAMP), in the engine's types and collation.
   * Run before every claim or release (a file or schema made before the table existed gains it then).
   */
  readonly ensureClaimsTable: string;

  /**
   * The message and its counters (chat_users.messages_count, chat_stats and chat_user_stats of its day)
   * only when no message with its (chat_id, message_id) is stored, atomically: true when stored, false
   * (nothing written, nothing counted) when it was. Two processes saving the same message at once: exactly
   * one stores and counts it. The message statements and counters are in operations/message-statements.ts.
   */
  saveChatMessageIfNew(m: NewMessage): Plan<boolean>;

  /**
   * Claims pending tasks (is_done false) for `owner`: those no one claimed and those `owner` already holds,
   * the first `limit` in insertion order (the table's rowid), recorded in delayed_task_claims (ensure the
   * table first). Returns the claimed tasks' rows (delayed_tasks' columns without rowid, `TASK_COLUMNS`,
   * with the dates and flags converted), in insertion order. Processes sharing a database never get the
   * same task; a process never waits on another's pick (SKIP LOCKED where the engine has row locks).
   */
  claimDelayedTasks(owner: string, limit: number): Plan<DelayedTask[]>;
}
