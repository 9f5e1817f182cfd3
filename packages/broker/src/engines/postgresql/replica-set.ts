/**
 * A PostgreSQL source's read replicas, inside its worker: one pool per replica, and a background poll (every
 * `pollMs`, no round trip on any read) of the primary's WAL position and each replica's replayed position.
 *
 * A replica may serve a read at time T when (all three):
 * - its last poll succeeded (a failed one, or a failed read, takes it out until a poll succeeds again);
 * - it replayed this process's writes on the source (`WriteLsn.required()`, see write-lsn.ts);
 * - it is within max-replica-lag: it replayed the primary's position sampled at some time S >= T - maxLag.
 *   Samples are taken before the query is sent, so every write committed on the primary before S (by any
 *   process) is on the replica. While the primary cannot be polled (it is down), a replica past the bound still
 *   serves when it replayed the last sample: it has everything the primary was last seen with.
 * Reads go round-robin over the replicas that may serve them.
 */
import type { Sql } from 'postgres';
import type { ReplicaState, ReplicaStats } from '../../protocol.js';
import { parseLsn } from './hosts.js';
import type { WriteLsn } from './write-lsn.js';

/** One replica: its pool and what the poll last learned of it. */
export class Replica {
  reads = 0;
  /** Replayed WAL position at the last successful poll; null before one. */
  replayed: number | null = null;
  /** The time of the newest primary sample the replica has replayed (performance.now() ms); -Infinity: none. */
  coveredAt = Number.NEGATIVE_INFINITY;
  failed = false;
  polling = false;

  constructor(
    readonly location: string,
    readonly sql: Sql,
  ) {}
}

interface Sample {
  at: number;
  lsn: number;
}

export interface ReplicaSetOptions {
  maxLagMs: number;
  pollMs: number;
  /** A poll not answered within this long counts as failed (the source's timeout). */
  timeoutMs: number;
  /** The primary's pool now (it changes after a failover). */
  primary: () => Sql;
  writes: WriteLsn;
  /** The primary's poll failed (`error`) or succeeded again (null): the runner looks for a new primary. */
  primaryHealth: (error: unknown) => void;
}

const PRIMARY_POSITION = 'SELECT pg_current_wal_lsn()::text AS lsn';
/** A standby's replayed position; a promoted one (no longer in recovery) is as far as it gets. */
const REPLICA_POSITION =
  'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn';

export class ReplicaSet {
  private readonly samples: Sample[] = [];
  private primaryDown = false;
  private primaryPolling = false;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly replicas: Replica[],
    private readonly options: ReplicaSetOptions,
  ) {}

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  /**
   * A replica that may serve a read now, round-robin; undefined: the primary must. `primaryLost`: the runner
   * knows the primary is gone (a write lost its connection) before a poll says so.
   */
  pick(required: number | null, primaryLost = false): Replica | undefined {
    if (required === null) return undefined;
    const n = this.replicas.length;
    const now = performance.now();
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const r = this.replicas[index] as Replica;
      if (this.mayServe(r, required, now, primaryLost)) {
        this.next = index + 1;
        return r;
      }
    }
    // None has replayed this process's writes as far as the last poll knows: ask again now (one poll per
    // replica in flight at most), so the reads after this one can go to a replica once it has caught up,
    // instead of waiting for the next timed poll. This read goes to the primary.
    for (const r of this.replicas) {
      if (!r.failed && r.replayed !== null && r.replayed < required) this.pollReplica(r);
    }
    return undefined;
  }

  private mayServe(r: Replica, required: number, now: number, primaryLost = false): boolean {
    if (r.failed || r.replayed === null || r.replayed < required) return false;
    if (r.coveredAt >= now - this.options.maxLagMs) return true;
    // The primary is down: no newer sample will come. A replica that replayed the last one has everything the
    // primary was last seen with (the bound is then relative to that moment).
    const last = this.samples[this.samples.length - 1];
    return (this.primaryDown || primaryLost) && last !== undefined && r.replayed >= last.lsn;
  }

  /** A read on `r` lost its connection: not read again until a poll reaches it. */
  readFailed(r: Replica): void {
    r.failed = true;
  }

  stats(): ReplicaStats[] {
    const now = performance.now();
    return this.replicas.map((r) => ({
      location: r.location,
      reads: r.reads,
      lagMs: this.lagMs(r, now),
      state: this.state(r, now),
    }));
  }

  private state(r: Replica, now: number): ReplicaState {
    if (r.failed || r.replayed === null) return 'failed';
    return this.mayServe(r, 0, now) ? 'ok' : 'lagging';
  }

  /**
   * How stale `r` is: 0 when it replayed every position seen on the primary, else how long ago the newest
   * position it did replay was sampled (it has every write committed before then). Past max-replica-lag it
   * is `lagging`.
   */
  private lagMs(r: Replica, now: number): number | null {
    if (r.replayed === null) return null;
    const last = this.samples[this.samples.length - 1];
    if (last === undefined || r.replayed >= last.lsn) return 0;
    return r.coveredAt === Number.NEGATIVE_INFINITY ? null : Math.round(now - r.coveredAt);
  }

  close(): Promise<unknown> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return Promise.all(this.replicas.map((r) => r.sql.end({ timeout: 0 }).catch(() => undefined)));
  }

  private poll(): void {
    if (!this.primaryPolling) {
      this.primaryPolling = true;
      const at = performance.now();
      const cover = this.options.writes.positionQuery();
      // Bounded well below the timeout: a primary that stopped answering is noticed within about the lag bound.
      const bound = Math.min(this.options.timeoutMs, Math.max(1_000, this.options.maxLagMs));
      this.position(this.options.primary(), PRIMARY_POSITION, bound).then(
        (lsn) => {
          this.primaryPolling = false;
          cover(lsn);
          this.addSample({ at, lsn });
          if (this.primaryDown) this.options.primaryHealth(null);
          this.primaryDown = false;
        },
        (e) => {
          this.primaryPolling = false;
          this.primaryDown = true;
          this.options.primaryHealth(e);
        },
      );
    }
    for (const r of this.replicas) this.pollReplica(r);
  }

  /** Asks `r` its replayed position, unless a poll of it is already on its way. */
  private pollReplica(r: Replica): void {
    if (r.polling) return;
    r.polling = true;
    this.position(r.sql, REPLICA_POSITION, this.options.timeoutMs).then(
      (lsn) => {
        r.polling = false;
        r.failed = false;
        r.replayed = lsn;
        r.coveredAt = this.coveredAt(lsn, r.coveredAt);
      },
      () => {
        r.polling = false;
        r.failed = true;
      },
    );
  }

  private addSample(sample: Sample): void {
    this.samples.push(sample);
    // Kept long enough to tell the lag bound and report lag well past it.
    const keepMs = Math.max(2 * this.options.maxLagMs, 10_000);
    while (this.samples.length > 2 && (this.samples[1] as Sample).at < sample.at - keepMs) this.samples.shift();
  }

  /** The time of the newest sample at or below `lsn` (replay only moves forward: never earlier than `before`). */
  private coveredAt(lsn: number, before: number): number {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i] as Sample;
      if (s.lsn <= lsn) return Math.max(s.at, before);
    }
    return before;
  }

  /** One position query, failing after `timeoutMs`. */
  private position(sql: Sql, text: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      sql.unsafe(text).then(
        (rows) => {
          clearTimeout(timer);
          const lsn = (rows[0] as { lsn?: string | null } | undefined)?.lsn;
          if (typeof lsn === 'string') resolve(parseLsn(lsn));
          else reject(new Error('no WAL position (a standby that has replayed nothing yet)'));
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}
