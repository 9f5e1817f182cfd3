/** Entry point of a PostgreSQL source worker: the one worker shell around the PostgreSQL runner. */
import { serveSource } from '../../worker-shell.js';
import { PostgresRunner } from './runner.js';

serveSource(new PostgresRunner());
