/** The SQLite engine, as the main thread sees it (the worker side is worker.ts). */
import type { Engine } from '../../engine.js';
import type { SqliteSourceSpec } from './spec.js';

export const sqliteEngine: Engine<SqliteSourceSpec> = {
  label: 'SQLite',
  workerUrl: new URL('./worker.js', import.meta.url),
  // A missing or unreadable file does not come back by itself.
  reopensAfterFailure: false,
  location: (spec) => spec.path,
  checkSpec(spec, at, issues) {
    if (typeof spec.path !== 'string' || spec.path === '') {
      issues.push({ key: `${at}.path`, message: 'must be a file path.', fix: 'give the SQLite file path.' });
    }
  },
};
