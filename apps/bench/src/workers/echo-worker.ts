import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { EchoApi } from './protocol.js';

const api: EchoApi = { echo: (key) => key };

if (parentPort === null) throw new Error('echo-worker must run inside a worker_thread');
expose(api, nodeEndpoint(parentPort));
