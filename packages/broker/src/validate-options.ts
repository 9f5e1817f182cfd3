/**
 * Range checks for what the Broker constructor is given. `@pkg/config` validates the user's file;
 * this guards direct users of the broker, so a bad number becomes CONFIG_INVALID naming the option
 * and its range instead of a TypeError from deep inside a worker.
 */
import { ConfigError, type ConfigIssue } from '@pkg/errors';
import type { BrokerOptions } from './broker.js';
import type { Engine } from './engine.js';
import { ENGINE_NAMES, ENGINES, isEngineName, type SourceSpec } from './engines/registry.js';
import { MAX_SPIN_US } from './spin.js';

/** Upper bound of `maxBatchesInFlight`: more only queues messages in the worker's port. */
export const MAX_BATCHES_IN_FLIGHT = 64;

type Range = [key: keyof SourceSpec, min: number, max: number];

const SPEC_RANGES: Range[] = [
  ['poolSize', 1, 1_000],
  ['timeoutMs', 0, 2 ** 31 - 1],
  ['maxQueued', 1, 2 ** 31 - 1],
  ['transactionTimeoutMs', 1, 2 ** 31 - 1],
  ['queryTimeoutMs', 1, 2 ** 31 - 1],
  ['maxMemoryMb', 1, 1 << 20],
];

export function validateBrokerArguments(specs: unknown, options: unknown): void {
  const issues: ConfigIssue[] = [];
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    issues.push({
      key: 'options',
      message: 'must be an object.',
      fix: 'pass { maxBatchesInFlight, stopIdleWorkerAfterMs, spinUs } or nothing.',
    });
  } else {
    const n = (options as BrokerOptions | undefined)?.maxBatchesInFlight;
    if (n !== undefined) checkInt(issues, 'options.maxBatchesInFlight', n, 1, MAX_BATCHES_IN_FLIGHT);
    const idle = (options as BrokerOptions | undefined)?.stopIdleWorkerAfterMs;
    if (idle !== undefined) checkInt(issues, 'options.stopIdleWorkerAfterMs', idle, 1, 2 ** 31 - 1);
    const spin = (options as BrokerOptions | undefined)?.spinUs;
    if (spin !== undefined) checkInt(issues, 'options.spinUs', spin, 0, MAX_SPIN_US);
  }
  if (!Array.isArray(specs)) {
    issues.push({ key: 'specs', message: 'must be an array of source specs.', fix: 'pass one SourceSpec per source.' });
    throw new ConfigError(issues, 'new Broker()');
  }
  const seen = new Set<string>();
  specs.forEach((s: Partial<SourceSpec> | null, i) => {
    const at = `specs[${i}]`;
    if (typeof s !== 'object' || s === null) {
      issues.push({ key: at, message: 'must be a SourceSpec object.', fix: 'pass { name, path, ... }.' });
      return;
    }
    if (typeof s.name !== 'string' || s.name === '') {
      issues.push({ key: `${at}.name`, message: 'must be a non-empty string.', fix: 'name the source.' });
    } else if (seen.has(s.name)) {
      issues.push({ key: `${at}.name`, message: `"${s.name}" is given twice.`, fix: 'give each source its own name.' });
    } else seen.add(s.name);
    if (!isEngineName(s.engine)) {
      issues.push({
        key: `${at}.engine`,
        message: `must name an engine (got ${JSON.stringify(s.engine)}).`,
        fix: `set engine to one of ${ENGINE_NAMES.map((n) => `"${n}"`).join(', ')}.`,
      });
    } else (ENGINES[s.engine] as Engine<SourceSpec>).checkSpec(s, at, issues);
    if (typeof s.operationsModule !== 'string') {
      issues.push({
        key: `${at}.operationsModule`,
        message: 'must be the URL of an ES module.',
        fix: 'pass new URL("./ops.js", import.meta.url).href.',
      });
    }
    if (s.workerModule !== undefined && !isFileUrl(s.workerModule)) {
      issues.push({
        key: `${at}.workerModule`,
        message: `must be the file: URL of a worker entry (got ${JSON.stringify(s.workerModule)}).`,
        fix: 'pass new URL("./worker.js", import.meta.url).href, or leave it out for the engine\'s own entry.',
      });
    }
    for (const [key, min, max] of SPEC_RANGES) checkInt(issues, `${at}.${key}`, s[key], min, max);
  });
  if (issues.length > 0) throw new ConfigError(issues, 'new Broker()');
}

function isFileUrl(value: unknown): boolean {
  return typeof value === 'string' && URL.canParse(value) && new URL(value).protocol === 'file:';
}

function checkInt(issues: ConfigIssue[], key: string, value: unknown, min: number, max: number): void {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return;
  issues.push({
    key,
    message: `must be an integer from ${min} to ${max} (got ${typeof value === 'number' ? value : JSON.stringify(value)}).`,
    fix: `set ${key.split('.').pop()} within ${min}..${max}.`,
  });
}
