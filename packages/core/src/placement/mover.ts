/**
 * The online chat move (issue #20). INTERFACE ONLY in this commit: the protocol lands next.
 */
import { DatabaseError } from '@pkg/errors';
import type { DatabaseConfig, MoveChatOnlineOptions, MoveChatResult, PlacementRow } from './types.js';

export function moveChatOnline(_options: MoveChatOnlineOptions): Promise<MoveChatResult> {
  return Promise.reject(new DatabaseError('QUERY_FAILED', 'moveChatOnline: not implemented yet'));
}

export function readPlacements(_config: DatabaseConfig): Promise<Map<number, PlacementRow>> {
  return Promise.resolve(new Map());
}
