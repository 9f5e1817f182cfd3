/**
 * One MySQL session as the runner uses it: mysql2's own (callback) pooled connection, its commands queued in
 * order (a statement started after another runs after it, with no await in between), each statement a
 * promise the runner can fail itself when it gives the connection up (mysql2 never answers the commands of a
 * connection it was told to destroy).
 */
import type { FieldPacket } from 'mysql2';

/** mysql2's pooled connection, as far as the runner touches it. */
export interface Session {
  query(
    options: { sql: string; values?: unknown[] },
    callback: (error: unknown, result: unknown, fields: FieldPacket[] | undefined) => void,
  ): unknown;
  release(): void;
  destroy(): void;
  on(event: 'error' | 'end', listener: () => void): void;
  /** The server's status flags of the last OK packet (bit 1: a transaction is open). */
  serverStatus: number;
  /** Set by mysql2 from the server's greeting. */
  _isMariaDB?: boolean;
  stream?: { destroy(): void };
}

/** mysql2's core pool behind the promise pool. */
export interface SessionPool {
  getConnection(callback: (error: unknown, session: Session) => void): void;
  on(event: 'connection', listener: (session: Session) => void): void;
}

/** A statement's answer: rows and their fields (a statement that reads), or the OK packet (one that does not). */
export interface Answer {
  result: unknown;
  fields: FieldPacket[] | undefined;
}

/** The server's SERVER_STATUS_IN_TRANS flag. */
const IN_TRANSACTION = 1;

export function inTransaction(session: Session): boolean {
  return (session.serverStatus & IN_TRANSACTION) !== 0;
}

/** What a statement on a connection given up (or known lost) fails with; the error mapping sees a lost connection. */
export function connectionLost(): Error {
  return Object.assign(new Error('the connection was closed by the server or the network'), {
    code: 'CONNECTION_CLOSED',
  });
}

/**
 * The statements each session has in flight, so giving a session up fails them at once (mysql2 would leave
 * them unanswered), and sessions known to be lost, never used nor released again.
 */
export class Sessions {
  private readonly inFlight = new WeakMap<Session, Set<(e: unknown) => void>>();
  private readonly lost = new WeakSet<Session>();

  isLost(session: Session): boolean {
    return this.lost.has(session);
  }

  /** Runs one statement on `session`, queued behind what it already has. Never throws synchronously. */
  run(session: Session, sql: string, values?: readonly unknown[]): Promise<Answer> {
    if (this.lost.has(session)) return Promise.reject(connectionLost());
    return new Promise<Answer>((resolve, reject) => {
      let pending = this.inFlight.get(session);
      if (pending === undefined) {
        pending = new Set();
        this.inFlight.set(session, pending);
      }
      const set = pending;
      set.add(reject);
      try {
        session.query(
          values === undefined || values.length === 0 ? { sql } : { sql, values: values as unknown[] },
          (error, result, fields) => {
            set.delete(reject);
            if (error) reject(error);
            else resolve({ result, fields });
          },
        );
      } catch (e) {
        set.delete(reject);
        reject(e);
      }
    });
  }

  /** The session closed or failed: what it had in flight fails, and it is never used again. */
  markLost(session: Session): void {
    if (this.lost.has(session)) return;
    this.lost.add(session);
    const pending = this.inFlight.get(session);
    if (pending === undefined) return;
    this.inFlight.delete(session);
    const error = connectionLost();
    for (const reject of pending) reject(error);
  }

  /** Ends a session no longer trusted (a statement past its deadline): what waits on it fails now. */
  abandon(session: Session): void {
    if (this.lost.has(session)) return;
    this.markLost(session);
    session.destroy();
    // destroy() only half-closes the socket; the server may hold it open while a statement runs.
    session.stream?.destroy();
  }

  /** Gives a session back to the pool, or ends it if it is lost or its state cannot be trusted. */
  release(session: Session, trusted = true): void {
    if (this.lost.has(session)) return;
    if (!trusted) {
      this.abandon(session);
      return;
    }
    session.release();
  }
}
