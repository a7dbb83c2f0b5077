// Entry of a Node PoW worker thread (docs/PROTOCOL.md §1): passes each message through the platform-free
// handler of src/core/pow-worker.ts and posts the reply. Node 24 runs this .ts file natively.
import { parentPort } from 'node:worker_threads';
import { createPowWorkerHandler } from '../src/core/pow-worker.ts';

if (!parentPort) throw new Error('pow-worker-node.ts must run in a worker thread');
const port = parentPort;
const handle = createPowWorkerHandler();
port.on('message', (m: unknown) => port.postMessage(handle(m)));
