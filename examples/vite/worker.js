import { createKernel } from 'softxent';

// Created once, before the first message arrives; every message awaits the same kernel.
const ready = createKernel();

self.onmessage = async ({ data: { logits, targets, classes } }) => {
  const k = await ready;
  const grad = new Float64Array(logits.length);
  const loss = k.softmaxCrossEntropy(logits, targets, classes, { grad });
  self.postMessage({ backend: k.backend, loss, grad }, [grad.buffer]);
};
