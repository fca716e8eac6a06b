// Masks (issue 15) on every loss and every backend: a masked call equals the same call on the kept
// samples only (the same bits for per-sample values and gradients; sums within rounding), masked-out
// samples are not read (NaN padding passes), give 0 in 'none' and in the gradient, and are not counted
// by 'mean'; the mask's errors.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloatArray, Softxent } from '../src/index.js';
import { BACKENDS, CHUNKED, softRows, uniform } from './helpers.js';

type Loss = (k: Softxent, a: FloatArray, b: FloatArray, o: Record<string, unknown>) => unknown;

/** A loss over samples of `width` elements each in both arrays (binary: 1; softmax: classes). */
interface Case {
  name: string;
  width: number;
  /** Elements of b per sample (class indices: 1, with width classes in a). */
  bWidth?: number;
  make(n: number, seed: number): [FloatArray, FloatArray | Int32Array];
  call: Loss;
  /** Options beyond weight, grad, reduction and mask. */
  extra?: Record<string, unknown>;
}

const C = 5;
const logits = (n: number, seed: number, s = 20) => uniform(n, seed).map((v) => (v - 0.5) * s);
const soft = (rows: number, seed: number) => softRows(rows, C, seed);

const CASES: Case[] = [
  { name: 'bce', width: 1, make: (n, s) => [uniform(n, s), uniform(n, s + 1)], call: (k, a, b, o) => k.bce(a, b, o) },
  {
    name: 'bce, labelSmoothing',
    width: 1,
    make: (n, s) => [uniform(n, s), uniform(n, s + 1)],
    call: (k, a, b, o) => k.bce(a, b, o),
    extra: { labelSmoothing: 0.1 },
  },
  {
    name: 'bceWithLogits, posWeight',
    width: 1,
    make: (n, s) => [logits(n, s), uniform(n, s + 1)],
    call: (k, a, b, o) => k.bceWithLogits(a, b, o),
    extra: { posWeight: 2 },
  },
  {
    name: 'bceWithLogits, teacher logits',
    width: 1,
    make: (n, s) => [logits(n, s), logits(n, s + 1)],
    call: (k, a, b, o) => k.bceWithLogits(a, b, o),
    extra: { targetLogits: true, temperature: 2 },
  },
  {
    name: 'sigmoidFocalLoss',
    width: 1,
    make: (n, s) => [logits(n, s), uniform(n, s + 1)],
    call: (k, a, b, o) => k.sigmoidFocalLoss(a, b, o),
  },
  {
    name: 'cbNll',
    width: 1,
    make: (n, s) => [uniform(n, s), uniform(n, s + 1)],
    call: (k, a, b, o) => k.cbNll(a, b, o),
  },
  {
    name: 'cbNllWithLogits',
    width: 1,
    make: (n, s) => [uniform(n, s), logits(n, s + 1, 8)],
    call: (k, a, b, o) => k.cbNllWithLogits(a, b, o),
  },
  {
    name: 'softmaxCrossEntropy, probabilities',
    width: C,
    make: (rows, s) => [logits(rows * C, s), soft(rows, s + 1)],
    call: (k, a, b, o) => k.softmaxCrossEntropy(a, b as FloatArray, C, o),
    extra: { labelSmoothing: 0.1 },
  },
  {
    name: 'softmaxCrossEntropy, teacher logits',
    width: C,
    make: (rows, s) => [logits(rows * C, s), logits(rows * C, s + 1)],
    call: (k, a, b, o) => k.softmaxCrossEntropy(a, b as FloatArray, C, o),
    extra: { targetLogits: true, temperature: 2, mode: 'kl' },
  },
  {
    name: 'softmaxCrossEntropy, class indices',
    width: C,
    bWidth: 1,
    make: (rows, s) => [logits(rows * C, s), Int32Array.from(uniform(rows, s + 1), (v) => Math.floor(v * C))],
    call: (k, a, b, o) => k.softmaxCrossEntropy(a, b as unknown as FloatArray, C, o),
    extra: { labelSmoothing: 0.1, classWeight: uniform(C, 9) },
  },
];

/** Samples [from, to) of an array of `w` elements per sample, kept where the mask is non-zero. */
function compact<T extends FloatArray | Int32Array>(a: T, mask: Uint8Array, w: number): T {
  const parts: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) for (let j = 0; j < w; j++) parts.push(a[i * w + j]);
  return (a instanceof Int32Array ? Int32Array.from(parts) : Float64Array.from(parts)) as T;
}

/** A padding-like mask (runs of kept samples, then masked ones) with a few isolated holes. */
function maskOf(n: number, seed: number): Uint8Array {
  const u = uniform(n, seed);
  return Uint8Array.from(u, (v, i) => (i % 11 > 7 || v < 0.1 ? 0 : v < 0.5 ? 1 : 255));
}

for (const [backend, make] of [...BACKENDS, ...CHUNKED.map(([b, m]) => [`${b} chunked`, m] as const)]) {
  describe(`masks on ${backend}`, () => {
    let k: Softxent;
    beforeAll(async () => {
      k = await make();
    });

    for (const c of CASES) {
      it(`${c.name}: the masked call is the call on the kept samples`, () => {
        const n = 37;
        const [a, b] = c.make(n, 3);
        const bw = c.bWidth ?? c.width;
        const mask = maskOf(n, 5);
        const weight = uniform(n, 7);
        // padding: NaN in every masked-out sample of every input
        const a1 = Float64Array.from(a);
        const b1 = b instanceof Int32Array ? Int32Array.from(b) : Float64Array.from(b);
        const w1 = Float64Array.from(weight);
        for (let i = 0; i < n; i++) {
          if (mask[i]) continue;
          a1.fill(Number.NaN, i * c.width, (i + 1) * c.width);
          if (b1 instanceof Int32Array) b1[i] = -7;
          else b1.fill(Number.NaN, i * bw, (i + 1) * bw);
          w1[i] = Number.NaN;
        }
        const before = [Float64Array.from(a1), b1.slice(), Float64Array.from(w1), mask.slice()];
        const ka = compact(a, mask, c.width);
        const kb = compact(b, mask, bw);
        const kw = compact(weight, mask, 1);
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          const g = new Float64Array(a.length).fill(7);
          const kg = new Float64Array(ka.length);
          const got = c.call(k, a1, b1 as FloatArray, { ...c.extra, weight: w1, mask, grad: g, reduction });
          const want = c.call(k, ka, kb as FloatArray, { ...c.extra, weight: kw, grad: kg, reduction });
          if (reduction === 'none') {
            const per = got as Float64Array;
            expect(compact(per, mask, 1)).toEqual(want);
            for (let i = 0; i < n; i++) if (!mask[i]) expect(Object.is(per[i], 0)).toBe(true);
          } else {
            expect(Math.abs((got as number) - (want as number))).toBeLessThanOrEqual(
              4 * Number.EPSILON * Math.abs(want as number),
            );
          }
          expect(compact(g, mask, c.width)).toEqual(kg);
          for (let i = 0; i < n; i++) {
            if (!mask[i]) for (let j = 0; j < c.width; j++) expect(Object.is(g[i * c.width + j], 0)).toBe(true);
          }
        }
        expect([a1, b1, w1, mask]).toEqual(before);
      });
    }

    it('binary losses on Float32Arrays: the masked call is the call on the kept samples', () => {
      const n = 101;
      const mask = maskOf(n, 11);
      for (const c of CASES.filter((x) => x.width === 1)) {
        const [a, b] = c.make(n, 13).map((v) => Float32Array.from(v as Float64Array));
        const weight = Float32Array.from(uniform(n, 17));
        const g = new Float32Array(n).fill(7);
        const out = new Float32Array(n).fill(7);
        const keep = (v: Float32Array) => Float32Array.from(v.filter((_, i) => mask[i]));
        const kg = new Float32Array(keep(a).length);
        c.call(k, a, b, { ...c.extra, weight, mask, grad: g, out, reduction: 'none' });
        const want = c.call(k, keep(a), keep(b), { ...c.extra, weight: keep(weight), grad: kg, reduction: 'none' });
        expect(keep(out), c.name).toEqual(Float32Array.from(want as Float64Array));
        expect(keep(g), c.name).toEqual(kg);
        for (let i = 0; i < n; i++) if (!mask[i]) expect([out[i], g[i]]).toEqual([0, 0]);
      }
    });

    it("'mean' over a mask of zeros is NaN, 'sum' 0, 'none' zeros, the gradient zeros", () => {
      const x = new Float64Array([Number.NaN, 2, 3]);
      const t = new Float64Array([Number.NaN, 0.5, 2]);
      const mask = new Uint8Array(3);
      const g = new Float64Array(3).fill(1);
      expect(k.bceWithLogits(x, t, { mask, grad: g })).toBeNaN();
      expect(g).toEqual(new Float64Array(3));
      expect(k.bceWithLogits(x, t, { mask, reduction: 'sum' })).toBe(0);
      expect(k.bceWithLogits(x, t, { mask, reduction: 'none' })).toEqual(new Float64Array(3));
      expect(k.softmaxCrossEntropy(x, t, 3, { mask: new Uint8Array(1) })).toBeNaN();
    });

    it('a bad element of a kept sample is reported; the mask is checked', () => {
      const x = new Float64Array([Number.NaN, 2, Number.NaN]);
      const t = new Float64Array([0.5, 0.5, 0.5]);
      expect(() => k.bceWithLogits(x, t, { mask: new Uint8Array([0, 1, 1]) })).toThrow(
        new RangeError('bceWithLogits: logits[2] is NaN'),
      );
      expect(() => k.bceWithLogits(x, t, { mask: new Uint8Array([0, 1]) })).toThrow(
        new RangeError('bceWithLogits: mask has length 2, expected 3 (the length of logits)'),
      );
      expect(() => k.bce(t, t, { mask: [1, 1, 1] as unknown as Uint8Array })).toThrow(
        new TypeError('bce: mask must be a Uint8Array, got an Array'),
      );
      expect(() => k.softmaxCrossEntropy(t, t, 3, { mask: new Int8Array(1) as unknown as Uint8Array })).toThrow(
        new TypeError('softmaxCrossEntropy: mask must be a Uint8Array, got an Int8Array'),
      );
      // the kernel stays usable
      expect(k.bceWithLogits(t, t)).toBeCloseTo(0.7240769841801067, 14);
    });
  });
}
