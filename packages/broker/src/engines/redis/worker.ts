/** Entry point of a Redis source worker: the one worker shell around the Redis runner. */
import { serveSource } from '../../worker-shell.js';
import { RedisRunner } from './runner.js';

serveSource(new RedisRunner());
