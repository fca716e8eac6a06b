// Bundlers that understand `new URL('…', import.meta.url)` (Vite, webpack 5, Parcel, esbuild with a
// file loader) copy both .wasm builds into the output: nothing to configure.
import { createKernel } from 'softxent';

const logits = Float64Array.from([2, -1, 0.5]);
const targets = Float64Array.from([0.7, 0.1, 0.2]);

// On the main thread.
const k = await createKernel();
const grad = new Float64Array(3);
const loss = k.softmaxCrossEntropy(logits, targets, 3, { grad });

// In a module worker, with its own kernel (a kernel is not shared between threads).
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const inWorker = await new Promise((resolve) => {
  worker.onmessage = (e) => resolve(e.data);
  worker.postMessage({ logits, targets, classes: 3 });
});
worker.terminate();

document.querySelector('#out').textContent = JSON.stringify({
  backend: k.backend,
  loss,
  grad: [...grad],
  worker: { backend: inWorker.backend, loss: inWorker.loss, grad: [...inWorker.grad] },
});
