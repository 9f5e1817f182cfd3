/** Turning what was thrown into a Problem, keeping the typed code of a DatabaseError. */
import { ConfigError, DatabaseError } from '@pkg/core';
import type { Problem } from './output.js';

export function toProblem(error: unknown, source?: string): Problem {
  const where = source === undefined ? {} : { source };
  if (error instanceof ConfigError) {
    return { code: error.code, message: error.message, ...where, issues: error.issues };
  }
  if (error instanceof DatabaseError) return { code: error.code, message: error.message, ...where };
  // Not one of ours (a bug, or Node refusing something): still a problem, never a stack trace.
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'UNEXPECTED', message, ...where };
}

/** A bad argument or option: exit code 2. */
export class UsageError extends Error {
  readonly code: string;
  constructor(message: string, code = 'BAD_USAGE') {
    super(message);
    this.code = code;
  }
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`: every wait of the CLI is bounded. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
