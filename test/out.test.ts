// `out` with reduction 'none': every loss writes its per-sample (per-row) values into the caller's
// array and returns it, float64 or float32 (rounded once), ordinary or a kernel array, the same
// values as a new array would hold; refused with another reduction, a wrong length or type.
import { describe, expect, it } from 'vitest';
import type { FloatArray, Softxent } from '../src/index.js';
import { BACKENDS, CHUNKED, outcome, uniform } from './helpers.js';

const N = 70;
const C = 7;
const p = uniform(N, 1);
const t = uniform(N, 2);
const x = p.map((v) => (v - 0.5) * 30);
const w = uniform(N, 3);

/** Each loss with reduction 'none' and `out` (or none), and how many values it returns. */
const LOSSES: [string, number, (k: Softxent, out?: FloatArray) => unknown][] = [
  ['bce', N, (k, out) => k.bce(p, t, { reduction: 'none', out, weight: w })],
  ['bceWithLogits', N, (k, out) => k.bceWithLogits(x, t, { reduction: 'none', out, posWeight: 2 })],
  ['cbNll', N, (k, out) => k.cbNll(t, p, { reduction: 'none', out })],
  ['cbNllWithLogits', N, (k, out) => k.cbNllWithLogits(t, x, { reduction: 'none', out, grad: new Float32Array(N) })],
  ['softmaxCrossEntropy', N / C, (k, out) => k.softmaxCrossEntropy(x, t, C, { reduction: 'none', out })],
  [
    'softmaxCrossEntropy kl',
    N / C,
    (k, out) => k.softmaxCrossEntropy(x, t, C, { reduction: 'none', out, mode: 'kl', labelSmoothing: 0.1 }),
  ],
  ['entropy', N / C, (k, out) => k.entropy(t, C, { reduction: 'none', out })],
  [
    'softmaxCrossEntropy distillation',
    N / C,
    (k, out) =>
      k.softmaxCrossEntropy(x, x, C, {
        reduction: 'none',
        out,
        mode: 'reverse-kl',
        targetLogits: true,
        temperature: 2,
      }),
  ],
  [
    'bceWithLogits distillation',
    N,
    (k, out) => k.bceWithLogits(x, x, { reduction: 'none', out, targetLogits: true, temperature: 2 }),
  ],
];

describe.each([
  ...BACKENDS.map(([n, f]) => [n, f] as const),
  ...CHUNKED.map(([n, f]) => [`${n}, chunk 8`, f] as const),
])('out on %s', (_name, make) => {
  it.each(LOSSES)('%s writes into out and returns it (float64, float32, kernel arrays)', async (_fn, n, call) => {
    const k = await make();
    const want = call(k) as Float64Array;
    expect(want).toBeInstanceOf(Float64Array);
    expect(want.length).toBe(n);
    const o64 = new Float64Array(n);
    expect(call(k, o64)).toBe(o64);
    expect(Array.from(o64)).toEqual(Array.from(want));
    const o32 = new Float32Array(n);
    expect(call(k, o32)).toBe(o32);
    expect(Array.from(o32)).toEqual(Array.from(want, Math.fround));
    for (const b of [k.alloc(n), k.alloc(n, 'float32')]) {
      expect(call(k, b.array)).toBe(b.array);
      expect(Array.from(b.array)).toEqual(Array.from(b.array instanceof Float32Array ? o32 : o64));
      b.free();
    }
  });

  it('out may be an input (in place)', async () => {
    const k = await make();
    const want = k.bce(p, t, { reduction: 'none' });
    const q = p.slice();
    expect(k.bce(q, t, { reduction: 'none', out: q })).toBe(q);
    expect(Array.from(q)).toEqual(Array.from(want));
  });

  it('refuses out with another reduction, of the wrong length or type, and stays usable', async () => {
    const k = await make();
    const before = [p, t, x].map((a) => Array.from(a));
    expect(outcome(() => k.bce(p, t, { out: new Float64Array(N) }))).toBe(
      "RangeError: bce: out is only for reduction 'none', got 'mean'",
    );
    expect(outcome(() => k.softmaxCrossEntropy(x, t, C, { reduction: 'sum', out: new Float64Array(N / C) }))).toBe(
      "RangeError: softmaxCrossEntropy: out is only for reduction 'none', got 'sum'",
    );
    expect(outcome(() => k.cbNll(t, p, { reduction: 'none', out: new Float64Array(3) }))).toBe(
      'RangeError: cbNll: out has length 3, expected 70 (the length of probs)',
    );
    expect(outcome(() => k.entropy(t, C, { reduction: 'none', out: new Float64Array(N) }))).toBe(
      'RangeError: entropy: out has length 70, expected 10 (the number of rows)',
    );
    expect(outcome(() => k.bceWithLogits(x, t, { reduction: 'none', out: [] as never }))).toBe(
      'TypeError: bceWithLogits: out must be a Float64Array or a Float32Array, got an Array',
    );
    expect([p, t, x].map((a) => Array.from(a))).toEqual(before);
    expect(k.bce(p, t, { reduction: 'sum' })).toBeGreaterThan(0);
  });
});
