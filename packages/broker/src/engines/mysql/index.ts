/** The MySQL/MariaDB engine, as the main thread sees it (the worker side is worker.ts). */
import type { Engine } from '../../engine.js';
import { type MysqlSourceSpec, mysqlLocation } from './spec.js';

export const mysqlEngine: Engine<MysqlSourceSpec> = {
  label: 'MySQL',
  workerUrl: new URL('./worker.js', import.meta.url),
  // The server may be back on a later call (an outage while the worker was restarting or idle).
  reopensAfterFailure: true,
  location: (spec) => mysqlLocation(spec.url),
  checkSpec(spec, at, issues) {
    if (typeof spec.url !== 'string' || !/^mysql:\/\/[^/]+\/[^/?#]+/.test(spec.url)) {
      issues.push({
        key: `${at}.url`,
        message: 'must be a mysql:// URL naming a database.',
        fix: 'give the server URL with the database, e.g. "mysql://bot@127.0.0.1:3306/bot".',
      });
    } else if (/^mysql:\/\/[^/@]*:[^/@]+@/.test(spec.url)) {
      // As the configuration refuses it; a Broker built without the configuration gets the same check.
      issues.push({
        key: `${at}.url`,
        message: 'must not carry a password.',
        fix: 'remove it from url and name the environment variable holding it in password-env.',
      });
    }
  },
};
