import { Worker } from 'node:worker_threads';

const worker = new Worker(new URL('./worker.mjs', import.meta.url));
const logits = Float64Array.from([2, -1, 0.5]);
const targets = Float64Array.from([0.7, 0.1, 0.2]);
worker.postMessage({ logits, targets, classes: 3 });
const { backend, loss, grad } = await new Promise((resolve) => worker.once('message', resolve));
await worker.terminate();
console.log(JSON.stringify({ backend, loss, grad: [...grad] }));
