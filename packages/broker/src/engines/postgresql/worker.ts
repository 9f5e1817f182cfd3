/** Entry point of a PostgreSQL source worker: the one worker shell around the PostgreSQL runner. */
import { serveSource } from '../../worker-shell.js';
import { isConnectionLost } from './errors.js';
import { PostgresRunner } from './runner.js';

// During an outage the driver can leave a connection attempt's rejection unobserved (seen once in the full
// suite under load: the worker died of "connect ECONNREFUSED" while its server restarted, and 33 calls in
// flight got SOURCE_CRASHED). Such an error belongs to a connection, not to a call: every call still settles
// by its own deadline and the pool reconnects, so it must not take the source down. Anything else still does.
process.on('unhandledRejection', (reason) => {
  if (!isConnectionLost(reason)) throw reason;
});
serveSource(new PostgresRunner());
