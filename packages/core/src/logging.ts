/**
 * The wrapper's logger. Every line is `logger.<level>(fields, message)`: pino's signature, so a pino
 * logger (or any structured logger with that order) gets the fields as JSON properties, and a
 * console-like logger (`console`) prints both. A logger written for messages only takes the message
 * as its second argument: `{ warn: (_fields, message) => ... }`.
 */
import { debuglog } from 'node:util';

/** Structured fields of a log line; `event` names what happened (see docs/operations.md). */
export interface LogFields {
  event: string;
  source?: string;
  chatId?: number;
  operation?: string;
  code?: string;
  [key: string]: unknown;
}

export type LogMethod = (fields: LogFields, message: string) => void;

/**
 * pino, or any object with these methods. `warn` is required; a missing `debug` or `info` drops
 * those lines, a missing `error` sends them to `warn`.
 */
export interface Logger {
  debug?: LogMethod;
  info?: LogMethod;
  warn: LogMethod;
  error?: LogMethod;
  /** pino's: read once at construction, so a disabled debug level costs the hot path nothing. */
  isLevelEnabled?: (level: string) => boolean;
}

/** Every level present, bound to its logger (pino's methods need their `this`). */
export interface Log {
  debug: LogMethod | null;
  info: LogMethod | null;
  warn: LogMethod;
  error: LogMethod;
}

const debug = debuglog('botdb');

/** Without a logger: debug lines under NODE_DEBUG=botdb, warnings and errors as process warnings. */
const DEFAULT_LOG: Log = {
  debug: debug.enabled ? (fields, message) => debug('%s %j', message, fields) : null,
  info: null,
  warn: (_fields, message) => process.emitWarning(message, { code: 'BOTDB' }),
  error: (_fields, message) => process.emitWarning(message, { code: 'BOTDB' }),
};

export function toLog(logger: Logger | undefined): Log {
  if (logger === undefined) return DEFAULT_LOG;
  const bind = (m: LogMethod | undefined) => (typeof m === 'function' ? m.bind(logger) : null);
  const warn = logger.warn.bind(logger);
  const enabled = (level: string) => typeof logger.isLevelEnabled !== 'function' || logger.isLevelEnabled(level);
  return {
    debug: enabled('debug') ? bind(logger.debug) : null,
    info: enabled('info') ? bind(logger.info) : null,
    warn,
    error: bind(logger.error) ?? warn,
  };
}
