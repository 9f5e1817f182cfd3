/**
 * The online chat move's public shapes (issue #20): what `db.moveChat` and `moveChatOnline` take and answer.
 * The protocol itself is mover.ts; the durable placement each process caches is placement-cache.ts.
 */
import type { DatabaseConfig, DatabaseConfigInput } from '@pkg/config';

/** One row of `botdb_chat_placement` (in the system source): where a moved chat lives now. */
export interface PlacementRow {
  chatId: number;
  /** The source that owns the chat: reads and writes go there (while `state` is 'moving', still the old one). */
  source: string;
  /**
   * 'moving': a move to `target` is in progress (the chat may be fenced in `source` already: its writes wait);
   * 'switched': `source` owns the chat, the old copy in `previous` is still to be removed; 'placed': done.
   */
  state: 'moving' | 'switched' | 'placed';
  /** The move in progress's destination (state 'moving'), else null. */
  target: string | null;
  /** The source the chat was moved from (its old copy: fenced, removed or kept as a readonly leftover). */
  previous: string | null;
  /** Grows by one per move of this chat: fences and logs name the move by it. */
  epoch: number;
}

/** What a move does, step by step, for progress output and logs. */
export type MoveStep =
  | 'intent'
  | 'hold'
  | 'fence'
  | 'copy'
  | 'verify'
  | 'switch'
  | 'release'
  | 'drain'
  | 'remove'
  | 'done';

export interface MoveProgress {
  chatId: number;
  step: MoveStep;
  from: string;
  to: string;
  /** Rows copied so far (step 'copy'). */
  rows?: number;
}

/** `db.moveChat`'s argument. */
export interface MoveChatOptions {
  chatId: number;
  /** The destination source's name (writable). */
  to: string;
  /**
   * Keep the chat's rows in the old source after the move (a readonly leftover, still fenced: no process
   * can write them). Default false: they are deleted once the new copy is verified and stale readers drained.
   */
  keepOld?: boolean;
  onProgress?: (progress: MoveProgress) => void;
  /**
   * How long after the switch the old copy is removed, ms: a process routes by a placement at most 2,000 ms
   * old (it waits for a fresh read past that), so a read routed before the switch has this long to run.
   * Default 4,000. Shorter only where no other process reads the chat (tests).
   */
  drainMs?: number;
}

/** Hooks the running wrapper gives the mover: hold the chat's writes for the final step, then release them. */
export interface MoveHooks {
  /** Resolves once writes of the chat in flight have settled; later ones wait until `release`. */
  hold(chatId: number): Promise<void>;
  /** The placement switched (or the move failed: `placed` is where the chat lives): held writes go there. */
  release(chatId: number, placed: string): void;
}

/** `moveChatOnline`'s argument: a move run by any process (the bot's own, `botdb move`, `botdb shards apply`). */
export interface MoveChatOnlineOptions extends MoveChatOptions {
  /** The bot's configuration (every source, its system source), as written or normalized. */
  config: DatabaseConfig | DatabaseConfigInput;
  hooks?: MoveHooks;
}

/** What a move did. */
export interface MoveChatResult {
  chatId: number;
  from: string;
  to: string;
  epoch: number;
  /** Rows of the chat per table, verified equal on both sides after the copy. */
  rows: Record<string, number>;
  /** The old copy was deleted (false: keepOld, or nothing to remove). */
  removedOld: boolean;
  /** The chat already lived on `to` (nothing copied), or a move interrupted earlier was finished. */
  outcome: 'moved' | 'already-there' | 'resumed';
}

/** The signature `botdb move` and `botdb shards apply` call (mover.ts). */
export type MoveChatOnline = (options: MoveChatOnlineOptions) => Promise<MoveChatResult>;

/** Reads every recorded placement from the system source (for `botdb route`, `shards plan`). */
export type ReadPlacements = (config: DatabaseConfig | DatabaseConfigInput) => Promise<Map<number, PlacementRow>>;

export type { DatabaseConfig };
