/** Entry of a SQLite source's worker, bundled into dist/workers/sqlite.js with the operations built in (see scripts/bundle-workers.mjs). */
import { SqliteRunner } from '@pkg/broker/runners/sqlite';
import { serveSource } from '@pkg/broker/worker-shell';
import { sourceModule } from '../operations/index.js';

serveSource(new SqliteRunner(), sourceModule);
