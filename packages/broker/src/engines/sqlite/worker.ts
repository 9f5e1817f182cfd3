/** Entry point of a SQLite source worker: the one worker shell around the SQLite runner. */
import { serveSource } from '../../worker-shell.js';
import { SqliteRunner } from './runner.js';

serveSource(new SqliteRunner());
