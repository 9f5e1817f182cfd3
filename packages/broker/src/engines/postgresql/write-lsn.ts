/**
 * Read-your-writes on replicas: the WAL position a replica must have replayed before it may serve this process's
 * reads of the source. Per source, not per chat: a write of one chat also writes rows other chats read (the
 * user's row, a shared setting), and operations do not declare what they touch, so only "every write this
 * process made" is exact.
 *
 * A write counts from the moment it is sent (while it is in flight, or done but not yet covered by a WAL
 * position, reads go to the primary). Any `pg_current_wal_lsn()` read on the primary after a write was
 * answered is at or past that write's commit record (the commit was flushed before the answer), so the
 * position may come from the query pipelined behind the write on the writer, or from the background poll.
 */
export class WriteLsn {
  private inFlight = 0;
  /**
   * Writes acknowledged so far. A failed write is not counted: it carries no promise (one failed by a lost
   * connection may have committed, and its position cannot be learned from a primary that is gone).
   */
  private done = 0;
  /** How many of `done` `lsn` covers. */
  private covered = 0;
  private lsn = 0;

  started(): void {
    this.inFlight++;
  }

  finished(acknowledged: boolean): void {
    this.inFlight--;
    if (acknowledged) this.done++;
  }

  /**
   * Call as a `pg_current_wal_lsn()` query is sent to the primary; give its answer to the function returned.
   * The answer covers every write answered before the query was sent.
   */
  positionQuery(): (lsn: number) => void {
    const done = this.done;
    return (lsn) => {
      if (done > this.covered) this.covered = done;
      if (lsn > this.lsn) this.lsn = lsn;
    };
  }

  /** Whether an acknowledged write has no known position yet. */
  get uncovered(): boolean {
    return this.done > this.covered;
  }

  /** Whether some write is not yet covered by a known position (a read then goes to the primary). */
  get pending(): boolean {
    return this.inFlight > 0 || this.done > this.covered;
  }

  /** The position a replica must have replayed to serve this process's reads; null: only the primary may. */
  required(): number | null {
    return this.pending ? null : this.lsn;
  }

  /**
   * While the primary is lost: the writes in flight will fail (they carry no promise), so only the acknowledged
   * ones count; null when one of them has no known position yet.
   */
  requiredAcknowledged(): number | null {
    return this.done > this.covered ? null : this.lsn;
  }
}
