/** Entry of a PostgreSQL source's worker, bundled into dist/workers/postgresql.js with the operations built in (see scripts/bundle-workers.mjs). */
import { PostgresRunner } from '@pkg/broker/runners/postgresql';
import { serveSource } from '@pkg/broker/worker-shell';
import { sourceModule } from '../operations/index.js';

serveSource(new PostgresRunner(), sourceModule);
