/** Entry point of a MySQL/MariaDB source worker: the one worker shell around the MySQL runner. */
import { serveSource } from '../../worker-shell.js';
import { isConnectionLost } from './errors.js';
import { MysqlRunner } from './runner.js';

// A connection's failure the driver reports with no call waiting on it (a session killed or a server gone
// while idle) belongs to a connection, not to a call: the pool drops it and every call still settles by its
// own deadline, so it must not take the source down (as on PostgreSQL). Anything else still does.
process.on('unhandledRejection', (reason) => {
  if (!isConnectionLost(reason)) throw reason;
});
serveSource(new MysqlRunner());
