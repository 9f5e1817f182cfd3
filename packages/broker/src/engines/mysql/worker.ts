/** Entry point of a MySQL/MariaDB source worker: the one worker shell around the MySQL runner. */
import { serveSource } from '../../worker-shell.js';
import { isConnectionLost } from './errors.js';
import { MysqlRunner } from './runner.js';

// A connection's failure the driver reports with nobody waiting (a pooled connection that dies idle during an
// outage) belongs to that connection, not to a call: every call still settles by its own deadline and the pool
// opens new connections, so it must not take the source down. Anything else still does.
process.on('unhandledRejection', (reason) => {
  if (!isConnectionLost(reason)) throw reason;
});
serveSource(new MysqlRunner());
