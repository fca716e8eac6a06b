import { parentPort } from 'node:worker_threads';
import { createKernel } from 'softxent';

// Created once, before the first message arrives; every message awaits the same kernel.
const ready = createKernel();

parentPort.on('message', async ({ logits, targets, classes }) => {
  const k = await ready;
  const grad = new Float64Array(logits.length);
  const loss = k.softmaxCrossEntropy(logits, targets, classes, { grad });
  parentPort.postMessage({ backend: k.backend, loss, grad }, [grad.buffer]);
});
