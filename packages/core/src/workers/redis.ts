/** Entry of a Redis source's worker, bundled into dist/workers/redis.js with the operations built in (see scripts/bundle-workers.mjs). */
import { RedisRunner } from '@pkg/broker/runners/redis';
import { serveSource } from '@pkg/broker/worker-shell';
import { sourceModule } from '../operations/index.js';

serveSource(new RedisRunner(), sourceModule);
