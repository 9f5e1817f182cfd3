/** Entry point of a MySQL/MariaDB source worker: the one worker shell around the MySQL runner. */
import { serveSource } from '../../worker-shell.js';
import { MysqlRunner } from './runner.js';

serveSource(new MysqlRunner());
