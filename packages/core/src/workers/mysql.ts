/** Entry of a MySQL source's worker, bundled into dist/workers/mysql.js with the operations built in (see scripts/bundle-workers.mjs). */
import { MysqlRunner } from '@pkg/broker/runners/mysql';
import { serveSource } from '@pkg/broker/worker-shell';
import { sourceModule } from '../operations/index.js';

serveSource(new MysqlRunner(), sourceModule);
