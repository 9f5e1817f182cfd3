/**
 * Reloads a configuration file when it changes. fs.watch on the file's folder, not the file: an
 * editor that saves by writing a new file and renaming it over the old one would end a watch on
 * the file itself. Changes are debounced (an editor writes in several steps) and reloads run one
 * at a time, so the last saved version is the one applied.
 */
import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { type DatabaseConfig, loadConfig } from '@pkg/config';
import { DatabaseError } from '@pkg/errors';
import type { Log } from './logging.js';

export interface WatchConfigOptions {
  /** Quiet time after the last change before reloading, in ms (default 200). */
  debounceMs?: number;
}

export interface ConfigWatcher {
  /** The absolute path watched. */
  readonly file: string;
  /** Stops watching; a reload already running still finishes. */
  close(): void;
}

export function watchConfigFile(
  file: string,
  options: WatchConfigOptions,
  apply: (config: DatabaseConfig) => Promise<unknown>,
  log: Log,
  onClose: () => void,
): ConfigWatcher {
  const absolute = path.resolve(file);
  const name = path.basename(absolute);
  const debounceMs = options.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const reload = async () => {
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
    // reconfigure() logs its own outcome.
    if (!closed) await apply(config).catch(() => undefined);
  };

  const watcher: FSWatcher = watch(path.dirname(absolute), (_event, changed) => {
    if (closed || (changed !== null && changed !== name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
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
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      watcher.close();
      onClose();
    },
  };
}
