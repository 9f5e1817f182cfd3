/** The PostgreSQL engine, as the main thread sees it (the worker side is worker.ts). */
import type { Engine } from '../../engine.js';
import { type PostgresSourceSpec, postgresLocation } from './spec.js';

export const postgresEngine: Engine<PostgresSourceSpec> = {
  label: 'PostgreSQL',
  workerUrl: new URL('./worker.js', import.meta.url),
  // The server may be back on a later call (an outage while the worker was restarting or idle).
  reopensAfterFailure: true,
  location: (spec) => postgresLocation(spec.url, spec.schema),
  checkSpec(spec, at, issues) {
    if (typeof spec.url !== 'string' || !/^postgres(ql)?:\/\//.test(spec.url)) {
      issues.push({ key: `${at}.url`, message: 'must be a postgres:// URL.', fix: 'give the server URL.' });
    }
    if (typeof spec.schema !== 'string' || spec.schema === '') {
      issues.push({ key: `${at}.schema`, message: 'must be a schema name.', fix: 'give the schema, e.g. "public".' });
    }
  },
};
