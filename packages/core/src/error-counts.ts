/**
 * Failed calls counted by source and error `code`, at the wrapper: only a rejection runs this,
 * so successful calls pay nothing beyond the handler being attached.
 */
import { DatabaseError } from '@pkg/errors';

export class ErrorCounts {
  private readonly bySource = new Map<string, Record<string, number>>();

  note(source: string, error: unknown): void {
    const code = error instanceof DatabaseError ? error.code : 'UNKNOWN';
    let counts = this.bySource.get(source);
    if (counts === undefined) {
      counts = {};
      this.bySource.set(source, counts);
    }
    counts[code] = (counts[code] ?? 0) + 1;
  }

  /** A copy: `{ QUERY_FAILED: 2, ... }`, empty when the source never failed. */
  of(source: string): Record<string, number> {
    return { ...this.bySource.get(source) };
  }
}
