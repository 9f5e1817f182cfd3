import { DatabaseError } from '@pkg/errors';

/**
 * Gives an error that came back from a source's worker the stack of the rejection handler that passes it
 * on. The worker's message handler that revived it has no caller on its stack; a handler run for a promise
 * the bot awaits gets V8's async frames (`at async handleUpdate (bot.ts:12)`), which V8 finds by following
 * the promise chain to the awaiting functions. Call it only in a handler that runs anyway on failure: the
 * success path must not pay for an extra promise. Message, code and details stay as they were.
 */
export function withCallerStack(e: unknown): unknown {
  if (e instanceof DatabaseError) Error.captureStackTrace(e, withCallerStack);
  return e;
}
