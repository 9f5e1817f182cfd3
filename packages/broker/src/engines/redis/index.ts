/** The Redis engine, as the main thread sees it (the worker side is worker.ts). */
import type { Engine } from '../../engine.js';
import { type RedisSourceSpec, redisLocation } from './spec.js';

export const redisEngine: Engine<RedisSourceSpec> = {
  label: 'Redis',
  workerUrl: new URL('./worker.js', import.meta.url),
  // The worker's client reconnects by itself; a failed open (a bad password-env) may be fixed later.
  reopensAfterFailure: true,
  location: redisLocation,
  checkSpec(spec, at, issues) {
    if (typeof spec.url !== 'string' || !/^rediss?:\/\//.test(spec.url)) {
      issues.push({
        key: `${at}.url`,
        message: 'must be a redis:// URL.',
        fix: 'give the server URL, e.g. redis://127.0.0.1:6379/0.',
      });
    }
    if (typeof spec.keyPrefix !== 'string') {
      issues.push({ key: `${at}.keyPrefix`, message: 'must be a string.', fix: 'give a prefix such as "botdb:".' });
    }
    if (typeof spec.maxAgeMs !== 'number' || !Number.isSafeInteger(spec.maxAgeMs) || spec.maxAgeMs < 1000) {
      issues.push({
        key: `${at}.maxAgeMs`,
        message: 'must be a whole number of ms, at least 1000.',
        fix: 'give the max-age in ms.',
      });
    }
    if (spec.sentinels != null && (typeof spec.masterName !== 'string' || spec.masterName === '')) {
      issues.push({
        key: `${at}.masterName`,
        message: 'is required with sentinels.',
        fix: 'name the master the sentinels watch.',
      });
    }
  },
};
