// The README's usage example runs as written, against the library.
import { expect, it } from 'vitest';
import readme from '../README.md?raw';
import * as softxent from '../src/index.js';

it("the README's Use example runs and its comments hold", async () => {
  const block = readme.split('## Use')[1].split('```ts\n')[1].split('```')[0];
  const body = block.replace(/^import .*$/m, '');
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const run = new AsyncFunction(
    'createKernel',
    'reference',
    'expandSoftLabels',
    `${body}\nreturn { k, s, loss, total, grad, perSample, hard, probs, targets, z, soft, ce, kl, h, gz };`,
  );
  const r = await run(softxent.createKernel, softxent.reference, softxent.expandSoftLabels);
  expect(r.k.backend).toBe('wasm-simd');
  expect(r.s.backend).toBe('wasm');
  expect(typeof r.loss).toBe('number');
  expect(r.total).toBeGreaterThan(r.loss);
  expect(r.grad.some((g: number) => g !== 0)).toBe(true);
  expect(r.perSample).toBeInstanceOf(Float64Array);
  const soft = r.k.bce(r.probs, r.targets, { reduction: 'sum' });
  const hard = r.k.bce(r.hard.x, r.hard.targets, { weight: r.hard.weight, reduction: 'sum' });
  expect(Math.abs(hard - soft)).toBeLessThanOrEqual(1e-15 * soft);
  // CE = KL + H per row (without smoothing), and the smoothed CE's gradient sums to 0 over each row
  const ceRows = r.k.softmaxCrossEntropy(r.z, r.soft, 3, { reduction: 'none' });
  for (let i = 0; i < 2; i++) expect(Math.abs(ceRows[i] - r.kl[i] - r.h[i])).toBeLessThanOrEqual(1e-15 * ceRows[i]);
  expect(typeof r.ce).toBe('number');
  expect(Math.abs(r.gz[0] + r.gz[1] + r.gz[2])).toBeLessThanOrEqual(1e-16);
});

it("the README's zero-copy example runs and its comments hold", async () => {
  const block = readme.split('## Zero-copy arrays')[1].split('```ts\n')[1].split('```')[0];
  const body = block.replace(/^import .*$/m, '');
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const run = new AsyncFunction('createKernel', `${body}\nreturn { k, n, loss, stale, logs, logits };`);
  const r = await run(softxent.createKernel);
  // the last step's loss, recomputed from ordinary arrays
  const z = Float64Array.from({ length: r.n }, (_, i) => 2 - i / r.n);
  expect(r.loss).toBe(r.k.bceWithLogits(z, new Float64Array(r.n).fill(0.25)));
  expect(r.stale.length).toBe(0);
  expect(() => r.k.log(r.stale)).toThrow(/^log: x is a detached view/);
  expect(Array.from(r.logs)).toEqual(Array.from(r.k.log(z)));
  expect(() => r.logits.array).toThrow(TypeError);
});
