/**
 * A process's copy of the placement table (in the system source), kept through the process's own broker.
 * Refreshed in the background once REFRESH_MS old, on demand after a fenced write, and read before routing
 * when older than STALE_MS (a process that was idle must not route by an old placement). Costs nothing to a
 * process that makes no chat call; a failed read keeps the last one (the fences keep writes safe meanwhile).
 */

import type { OnlineSql } from '../engines/tools.js';
import { PLACEMENT_TABLE } from '../engines/tools.js';
import type { Log } from '../logging.js';
import { placementOf } from './placement-rows.js';
import { REFRESH_MS, STALE_MS } from './timing.js';

export interface PlacementReadSql {
  /** The system source's name and its engine's SQL (undefined: an engine without placements). */
  system(): { source: string; online: OnlineSql | undefined };
  query(source: string, sql: string): Promise<unknown[]>;
}

export class PlacementCache {
  private owners = new Map<number, string>();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;
  /** The table was found once: from then on only the rows are read. */
  private tableSeen = false;
  private warned = false;

  constructor(
    private readonly sql: PlacementReadSql,
    private readonly log: Log,
  ) {}

  /** The Router's lookup: the source a recorded placement gives the chat. */
  readonly sourceOf = (chatId: number): string | undefined => this.owners.get(chatId);

  /**
   * True when a call must wait for `refresh()` before routing: the copy is STALE_MS old (an idle process must
   * not route by what it read long ago). Starts a background refresh when REFRESH_MS old.
   */
  mustRefresh(): boolean {
    const age = performance.now() - this.readAt;
    if (age < REFRESH_MS) return false;
    if (age < STALE_MS) {
      void this.refresh();
      return false;
    }
    return true;
  }

  /** One read of the table (coalesced with one in flight); never rejects, bounded by STALE_MS for the caller. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STALE_MS);
      timer.unref?.();
    });
    return Promise.race([this.reading, bound]).finally(() => clearTimeout(timer));
  }

  /** This process switched the chat itself: route by it at once (the next read agrees). */
  set(chatId: number, source: string): void {
    this.owners.set(chatId, source);
  }

  private async read(): Promise<void> {
    const { source, online } = this.sql.system();
    try {
      if (online === undefined) return;
      if (!this.tableSeen) {
        const [row] = (await this.sql.query(source, online.tableExists(PLACEMENT_TABLE))) as { n?: unknown }[];
        if (Number(row?.n ?? 0) === 0) return;
        this.tableSeen = true;
      }
      const rows = (await this.sql.query(source, online.selectPlacements)) as Record<string, unknown>[];
      const owners = new Map<number, string>();
      for (const r of rows) {
        const p = placementOf(r);
        owners.set(p.chatId, p.source);
      }
      this.owners = owners;
    } catch (e) {
      if (!this.warned) {
        this.warned = true;
        this.log.warn(
          { event: 'placement-read-failed', source },
          `could not read the chat placement from system source "${source}" (${(e as Error).message}); routing by the last one read. Writes of a moved chat stay safe (fenced, then re-sent); reads may go to its old source until the placement can be read.`,
        );
      }
    } finally {
      this.readAt = performance.now();
    }
  }
}
