/** The placement table's rows, read and written through a move writer on the system source. */
import type { MoveWriter, OnlineSql } from '../engines/tools.js';
import type { PlacementRow } from './types.js';

/** A row as any engine returns it (chat_id as text: exact beyond 2^53 on the way, a number here). */
export function placementOf(row: Record<string, unknown>): PlacementRow {
  const state = String(row.state);
  return {
    chatId: Number(String(row.chat_id)),
    source: String(row.source),
    state: state === 'moving' || state === 'switched' ? state : 'placed',
    target: row.target == null ? null : String(row.target),
    previous: row.previous == null ? null : String(row.previous),
    epoch: Number(row.epoch),
  };
}

export async function readPlacementRows(writer: MoveWriter, online: OnlineSql): Promise<PlacementRow[]> {
  const [rows] = await writer.execute([{ sql: online.selectPlacements, params: [] }]);
  return (rows ?? []).map(placementOf);
}

/**
 * Writes `row` only when the chat's row is still `expected` (null: absent); false when another mover changed
 * it first (the caller stops before any destructive step).
 */
export async function casPlacement(
  writer: MoveWriter,
  online: OnlineSql,
  expected: { epoch: number; state: string } | null,
  row: PlacementRow,
): Promise<boolean> {
  const answers = await writer.transaction(online.casPlacement(expected, row));
  return Number(answers.at(-1)?.[0]?.n ?? 0) === 1;
}
