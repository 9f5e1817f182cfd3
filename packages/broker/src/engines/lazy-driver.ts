/**
 * A CommonJS driver loaded on first use, resolved from this package (or from the bundle that holds this code).
 * `@pkg/broker/engines` is imported by every bot (the online move and `botdb` use its connect functions), so
 * drivers imported at the top would load in every process: mysql2 and ioredis took ~100 ms each on the main
 * thread of the 2-vCPU VM, for bots with no such source; better-sqlite3 is native and optional (see
 * sqlite/driver.ts). A driver that fails to load throws on each call: the caller decides what to keep.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyDriver<T>(name: string): () => T {
  let driver: T | undefined;
  return () => {
    driver ??= require(name) as T;
    return driver;
  };
}
