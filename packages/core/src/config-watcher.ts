/**
 * Reloads a configuration file when it changes. fs.watch on the file's folder, not the file: an
 * editor that saves by writing a new file and renaming it over the old one would end a watch on
 * the file itself. A change is applied only once the file is stable: unchanged (size, mtime, inode)
 * over `settleMs`, since editors and `cp` write in steps and a half-written file can be a valid
 * prefix (a source or a chat's mapping missing). Reloads run one at a time, so the last saved
 * version is the one applied.
 */
import { type FSWatcher, type Stats, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DatabaseConfig, loadConfig } from '@pkg/config';
import { DatabaseError, InvalidArgumentError } from '@pkg/errors';
import type { Log } from './logging.js';

export interface WatchConfigOptions {
  /** Quiet time after the last change event before looking at the file, in ms (default 200). */
  debounceMs?: number;
  /** How long the file must stay unchanged (size, mtime, inode) before it is read, in ms (default 500). */
  settleMs?: number;
  /**
   * How long to wait for the file to settle, in ms (default 30,000). A file still changing then is not
   * applied (logged at warn); its next change is looked at again.
   */
  maxSettleMs?: number;
}

export interface ConfigWatcher {
  /** The absolute path watched. */
  readonly file: string;
  /**
   * Resolves once the file's folder is watched; rejects with INVALID_ARGUMENT for an option out of
   * range (nothing is watched then, and it is logged at error too, so a caller that ignores it still sees it).
   */
  readonly ready: Promise<void>;
  /** Stops watching; a reload already running still finishes. */
  close(): void;
}

const LIMITS = { debounceMs: [0, 60_000], settleMs: [0, 60_000], maxSettleMs: [0, 3_600_000] } as const;
const DEFAULTS = { debounceMs: 200, settleMs: 500, maxSettleMs: 30_000 } as const;

export function watchConfigFile(
  file: string,
  options: WatchConfigOptions,
  apply: (config: DatabaseConfig) => Promise<unknown>,
  log: Log,
  onClose: () => void,
): ConfigWatcher {
  const absolute = path.resolve(file);
  const name = path.basename(absolute);
  const invalid = invalidOption(options);
  if (invalid !== null) return refused(absolute, invalid, log, onClose);
  const debounceMs = options.debounceMs ?? DEFAULTS.debounceMs;
  const settleMs = options.settleMs ?? DEFAULTS.settleMs;
  const maxSettleMs = options.maxSettleMs ?? DEFAULTS.maxSettleMs;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** A reload is queued and has not looked at the file yet: later events need no other one. */
  let queued = false;
  let closed = false;

  const reload = async () => {
    queued = false;
    const stable = await settled(absolute, settleMs, maxSettleMs, () => closed);
    if (closed) return;
    if (stable === 'missing') return; // Deleted, or between an editor's unlink and rename: its next change comes.
    if (stable === 'changing') {
      log.warn(
        { event: 'config-reload-unsettled', file: absolute },
        `configuration file ${absolute} was still changing after ${maxSettleMs} ms and was not applied; its next change is looked at again.`,
      );
      return;
    }
    let config: DatabaseConfig;
    try {
      ({ config } = await loadConfig({
        path: absolute,
        env: {},
        logger: { warn: (message) => log.warn({ event: 'config-warning', file: absolute }, message) },
      }));
    } catch (e) {
      log.error(
        { event: 'config-reload-failed', file: absolute, code: e instanceof DatabaseError ? e.code : undefined },
        `configuration file ${absolute} changed but was not applied, the running configuration stays: ${(e as Error).message}`,
      );
      return;
    }
    // Written again while it was read: what was read may be half of it. The write's own event reloads it.
    if (!sameFile(stable, await stat(absolute).catch(() => null))) return;
    // reconfigure() logs its own outcome.
    if (!closed) await apply(config).catch(() => undefined);
  };

  const watcher: FSWatcher = watch(path.dirname(absolute), (_event, changed) => {
    if (closed || (changed !== null && changed !== name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (queued) return;
      queued = true;
      chain = chain.then(reload);
    }, debounceMs);
  });
  // The watch alone never keeps the bot's process alive.
  watcher.unref();
  watcher.on('error', (e) =>
    log.error({ event: 'config-watch-failed', file: absolute }, `stopped watching ${absolute}: ${e.message}`),
  );

  return {
    file: absolute,
    ready: Promise.resolve(),
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      watcher.close();
      onClose();
    },
  };
}

/**
 * The file's stats once they stayed the same over `settleMs`; 'changing' when that did not happen
 * within `maxSettleMs`, 'missing' when the file is not there.
 */
async function settled(
  file: string,
  settleMs: number,
  maxSettleMs: number,
  stopped: () => boolean,
): Promise<Stats | 'changing' | 'missing'> {
  const deadline = Date.now() + maxSettleMs;
  let last = await stat(file).catch(() => null);
  for (;;) {
    if (last === null) return 'missing';
    await sleep(settleMs, undefined, { ref: false });
    const now = await stat(file).catch(() => null);
    if (sameFile(last, now)) return last;
    if (stopped() || Date.now() >= deadline) return 'changing';
    last = now;
  }
}

function sameFile(a: Stats, b: Stats | null): boolean {
  return b !== null && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.ctimeMs === b.ctimeMs;
}

/** The first option that is not a whole number of ms within its range, as INVALID_ARGUMENT; else null. */
function invalidOption(options: WatchConfigOptions): InvalidArgumentError | null {
  for (const key of Object.keys(LIMITS) as Array<keyof typeof LIMITS>) {
    const value = options[key] ?? DEFAULTS[key];
    const [min, max] = LIMITS[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      return new InvalidArgumentError(
        'watchConfig',
        `options.${key}`,
        `must be a whole number of milliseconds from ${min} to ${max} (got ${String(value)}). Fix: pass ${key}: ${DEFAULTS[key]} or leave it out.`,
      );
    }
  }
  return null;
}

/**
 * A watcher that watches nothing, for options out of range. No call throws synchronously: the error
 * reaches the caller as `ready`'s rejection, and the log at error, for a caller that does not await it.
 */
function refused(file: string, error: InvalidArgumentError, log: Log, onClose: () => void): ConfigWatcher {
  log.error({ event: 'config-watch-invalid', file, code: error.code }, error.message);
  const ready = Promise.reject(error);
  // Not awaiting `ready` must not end the bot with an unhandled rejection: the log already said it.
  ready.catch(() => undefined);
  let closed = false;
  return {
    file,
    ready,
    close() {
      if (closed) return;
      closed = true;
      onClose();
    },
  };
}
