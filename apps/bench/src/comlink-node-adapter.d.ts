// comlink ships the node adapter as .mjs with a .d.ts beside it that NodeNext does not pick up.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  import type { MessagePort, Worker } from 'node:worker_threads';
  export default function nodeEndpoint(nep: Worker | MessagePort): Endpoint;
}
