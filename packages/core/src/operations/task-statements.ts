/**
 * The delayed-task statements shared by the operations (system.ts) and each engine's claim plan
 * (engines/<name>/plans.ts).
 */

/** delayed_tasks' columns without the server engines' `rowid` (see their schema), in the table's order. */
export const TASK_COLUMNS = 't.id, t.delayed_ts, t.function, t.kwargs, t.is_done, t.created_at, t.updated_at';

/** How a task row converts. */
export const TASK_ROWS = { dates: ['created_at', 'updated_at'], flags: ['is_done'] } as const;

/**
 * Pending tasks free or already the owner's, first `limit` in insertion order: the ones a claim takes.
 * Parameters: owner, limit. Columns: id, claimed_by (null when free).
 */
export const CLAIMABLE = `SELECT t.id, c.owner AS claimed_by FROM delayed_tasks t
  LEFT JOIN delayed_task_claims c ON c.task_id = t.id
  WHERE t.is_done = FALSE AND (c.owner IS NULL OR c.owner = ?) ORDER BY t.rowid LIMIT ?`;

/** The owner's pending claimed tasks, first `limit` in insertion order. Parameters: owner, limit. */
export const OWNED_TASKS = `SELECT ${TASK_COLUMNS} FROM delayed_tasks t JOIN delayed_task_claims c ON c.task_id = t.id
  WHERE c.owner = ? AND t.is_done = FALSE ORDER BY t.rowid LIMIT ?`;
