// softmaxCrossEntropy with class indices (issue 15) on every backend: mpmath truths within 32 eps of
// the terms' magnitude (C up to 32768, and one row of C = 128256), PyTorch's cross_entropy semantics
// (ignore_index, the classWeight denominator of 'mean', label_smoothing), every integer array type,
// the same bits from both WebAssembly builds, errors, inputs untouched.
import { beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type FloatArray, type IndexArray, type Softxent } from '../src/index.js';
import { type LabelCase, LB } from './accuracy.js';
import { BACKENDS, CHUNKED, fixture, outcome, ulpErr, uniform } from './helpers.js';

interface BigCase {
  classes: number;
  label: number;
  labelSmoothing: number;
  loss: [number, number];
  scale: number;
  gradAt: Record<string, [number, number]>;
  gradScaleAt: Record<string, number>;
}

interface TorchCase {
  classes: number;
  logits: number[];
  labels: number[];
  ignoreIndex: number;
  labelSmoothing: number;
  classWeight: number[] | null;
  mean: number;
  sum: number;
  none: number[];
  gradMean: number[];
}

const F = { ...fixture<{ big: BigCase[]; torch: { cases: TorchCase[] } }>('labels.json'), cases: LB.cases };

/** The bound: 32 eps times the magnitude of the terms (|z| + |lse| conditioning). */
const BOUND = 32 * Number.EPSILON;

/** The logits of the fixture's wide rows: exact in both languages. */
const wide = (C: number) => Float64Array.from({ length: C }, (_, c) => ((c * 7919) % 2003) / 128 - 8);

const options = (c: LabelCase) => ({
  ignoreIndex: c.ignoreIndex,
  labelSmoothing: c.labelSmoothing,
  classWeight: c.classWeight ? Float64Array.from(c.classWeight) : undefined,
  weight: c.weight ? Float64Array.from(c.weight) : undefined,
});

for (const [backend, make] of BACKENDS) {
  describe(`softmaxCrossEntropy with class indices on ${backend}`, () => {
    let k: Softxent;
    beforeAll(async () => {
      k = await make();
    });

    it('matches the mpmath truths: per-row losses and gradients within 32 eps of the magnitude', () => {
      let rows = 0;
      for (const c of F.cases) {
        const z = Float64Array.from(c.logits);
        const y = Int32Array.from(c.labels);
        const grad = new Float64Array(z.length);
        const none = k.softmaxCrossEntropy(z, y, c.classes, { ...options(c), reduction: 'none', grad });
        for (let r = 0; r < y.length; r++) {
          const [hi, lo] = c.loss[r];
          const err = Number.isFinite(hi) ? Math.abs(none[r] - hi - lo) : Object.is(none[r], hi) ? 0 : Infinity;
          expect(err, `C = ${c.classes} row ${r}`).toBeLessThanOrEqual(BOUND * c.scale[r]);
          rows++;
        }
        // the gradient of a row against the magnitude of its terms (the row's largest), as for distillation
        const rowScale = new Float64Array(y.length);
        c.grad.forEach((_, j) => {
          const r = Math.floor((c.gradIndex ? c.gradIndex[j] : j) / c.classes);
          rowScale[r] = Math.max(rowScale[r], c.gradScale[j]);
        });
        c.grad.forEach((want, j) => {
          const i = c.gradIndex ? c.gradIndex[j] : j;
          expect(Math.abs(grad[i] - want), `C = ${c.classes} grad ${i}`).toBeLessThanOrEqual(
            BOUND * rowScale[Math.floor(i / c.classes)] + 2 ** -1074,
          );
        });
      }
      expect(rows).toBeGreaterThan(100);
    });

    it('C = 32768 and 128256: one row within the bound, in bounded memory', () => {
      for (const b of F.big) {
        const z = wide(b.classes);
        const grad = new Float64Array(b.classes);
        const l = k.softmaxCrossEntropy(z, Int32Array.of(b.label), b.classes, {
          labelSmoothing: b.labelSmoothing,
          grad,
          reduction: 'sum',
        });
        expect(Math.abs(l - b.loss[0] - b.loss[1])).toBeLessThanOrEqual(BOUND * b.scale);
        for (const [i, [hi, lo]] of Object.entries(b.gradAt)) {
          expect(Math.abs(grad[Number(i)] - hi - lo)).toBeLessThanOrEqual(BOUND * b.gradScaleAt[i] + 2 ** -1074);
        }
      }
      expect(k.memoryBytes()).toBeLessThanOrEqual(64 * 2 ** 20);
    });

    it("PyTorch's cross_entropy: 'mean' over Σ classWeight[label] of the kept rows, 'sum', 'none', the gradient", () => {
      for (const c of F.torch.cases) {
        const z = Float64Array.from(c.logits);
        const y = Int32Array.from(c.labels);
        const o = { ...options({ ...c, weight: null } as unknown as LabelCase) };
        const grad = new Float64Array(z.length);
        const mean = k.softmaxCrossEntropy(z, y, c.classes, { ...o, grad });
        if (Number.isNaN(c.mean)) expect(mean).toBeNaN();
        else expect(Math.abs(mean - c.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(c.mean));
        expect(
          Math.abs(k.softmaxCrossEntropy(z, y, c.classes, { ...o, reduction: 'sum' }) - c.sum),
        ).toBeLessThanOrEqual(1e-12 * Math.abs(c.sum));
        const none = k.softmaxCrossEntropy(z, y, c.classes, { ...o, reduction: 'none' });
        none.forEach((v, r) => {
          expect(Math.abs(v - c.none[r])).toBeLessThanOrEqual(1e-12 * Math.abs(c.none[r]));
        });
        if (!Number.isNaN(c.mean)) {
          grad.forEach((v, i) => {
            expect(Math.abs(v - c.gradMean[i])).toBeLessThanOrEqual(1e-12);
          });
        }
      }
    });

    it('equals the probability form with one-hot targets', () => {
      const C = 7;
      const rows = 9;
      const z = uniform(rows * C, 3).map((v) => (v - 0.5) * 30);
      const y = Int32Array.from(uniform(rows, 4), (v) => Math.floor(v * C));
      const t = new Float64Array(rows * C);
      y.forEach((c, r) => {
        t[r * C + c] = 1;
      });
      const o = { labelSmoothing: 0.2, classWeight: uniform(C, 5), weight: uniform(rows, 6) };
      const g1 = new Float64Array(z.length);
      const g2 = new Float64Array(z.length);
      const a = k.softmaxCrossEntropy(z, y, C, { ...o, grad: g1, reduction: 'none' });
      const b = k.softmaxCrossEntropy(z, t, C, { ...o, grad: g2, reduction: 'none' });
      a.forEach((v, r) => {
        expect(ulpErr(v, b[r], 0)).toBeLessThanOrEqual(8);
      });
      g1.forEach((v, i) => {
        expect(Math.abs(v - g2[i])).toBeLessThanOrEqual(8 * Number.EPSILON);
      });
    });

    it('takes every integer array type; ignoreIndex marks rows to skip, of any type', () => {
      const C = 4;
      const z = uniform(5 * C, 8).map((v) => (v - 0.5) * 6);
      const want = k.softmaxCrossEntropy(z, Int32Array.of(0, 3, 1, 2, 1), C, { reduction: 'none' });
      for (const T of [Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array]) {
        expect(k.softmaxCrossEntropy(z, T.of(0, 3, 1, 2, 1) as IndexArray, C, { reduction: 'none' })).toEqual(want);
      }
      const g = new Float64Array(z.length).fill(9);
      const none = k.softmaxCrossEntropy(z, Uint8Array.of(0, 255, 1, 255, 1), C, {
        ignoreIndex: 255,
        reduction: 'none',
        grad: g,
      });
      expect([none[0], none[1], none[2], none[3], none[4]]).toEqual([want[0], 0, want[2], 0, want[4]]);
      expect(g.subarray(C, 2 * C)).toEqual(new Float64Array(C));
      const mean = k.softmaxCrossEntropy(z, Int8Array.of(0, -100, 1, -100, 1), C);
      expect(mean).toBeCloseTo((want[0] + want[2] + want[4]) / 3, 14);
      // a Uint32 label of 2^32 - 100 is not ignoreIndex -100: it is out of range
      expect(() => k.softmaxCrossEntropy(z, Uint32Array.of(0, 2 ** 32 - 100, 1, 2, 1), C)).toThrow(
        new RangeError(
          'softmaxCrossEntropy: targets[1] = 4294967196 is not a class index in [0, 4) (nor ignoreIndex -100)',
        ),
      );
      // every row ignored: 'mean' is NaN (PyTorch's 0/0), 'sum' 0
      expect(k.softmaxCrossEntropy(z, Int32Array.of(-100, -100, -100, -100, -100), C)).toBeNaN();
      expect(k.softmaxCrossEntropy(z, Int32Array.of(-100, -100, -100, -100, -100), C, { reduction: 'sum' })).toBe(0);
    });

    it('names the first bad input; options the class-index form does not take; inputs untouched', () => {
      const z = Float64Array.of(1, 2, 3, Number.NaN, 0, 0);
      const y = Int32Array.of(3, 0);
      const before = [Float64Array.from(z), Int32Array.from(y)];
      expect(outcome(() => k.softmaxCrossEntropy(z, y, 3))).toBe(
        'RangeError: softmaxCrossEntropy: targets[0] = 3 is not a class index in [0, 3) (nor ignoreIndex -100)',
      );
      expect(outcome(() => k.softmaxCrossEntropy(z, Int32Array.of(2, 0), 3))).toBe(
        'RangeError: softmaxCrossEntropy: logits[3] is NaN',
      );
      expect(outcome(() => k.softmaxCrossEntropy(z, Int32Array.of(2, -100), 3))).toBe('ok');
      expect(
        outcome(() =>
          k.softmaxCrossEntropy(z, Int32Array.of(2, -100), 3, { weight: Float64Array.of(-1, 1) as FloatArray }),
        ),
      ).toBe('RangeError: softmaxCrossEntropy: weight[0] = -1 is not a finite number >= 0');
      expect(outcome(() => k.softmaxCrossEntropy(z, Int32Array.of(2), 3))).toBe(
        'RangeError: softmaxCrossEntropy: targets (class indices) has length 1, expected 2 (the number of rows)',
      );
      expect(outcome(() => k.softmaxCrossEntropy(z, y, 3, { mode: 'kl' }))).toBe(
        "RangeError: softmaxCrossEntropy: class-index targets take mode 'ce' only, got mode 'kl'",
      );
      expect(outcome(() => k.softmaxCrossEntropy(z, y, 3, { targetLogits: true }))).toBe(
        'RangeError: softmaxCrossEntropy: targetLogits is not for class-index targets',
      );
      expect(outcome(() => k.softmaxCrossEntropy(z, y, 3, { ignoreIndex: 1.5 }))).toBe(
        'RangeError: softmaxCrossEntropy: ignoreIndex = 1.5 is not an integer',
      );
      expect(outcome(() => k.softmaxCrossEntropy(z, new Float64Array(6), 3, { ignoreIndex: 0 }))).toBe(
        'RangeError: softmaxCrossEntropy: ignoreIndex is only for class-index targets',
      );
      expect([z, y]).toEqual(before);
      expect(k.softmaxCrossEntropy(Float64Array.of(0, 0), Int32Array.of(1), 2)).toBeCloseTo(Math.LN2, 15);
    });
  });
}

describe('class indices: Float32Array logits and k.alloc arrays give the same bits as Float64Arrays', () => {
  for (const [backend, make] of BACKENDS) {
    it(`on ${backend}, short and long rows, with a mask and row weights`, async () => {
      const k = await make();
      for (const C of [5, 100]) {
        const rows = 23;
        const z32 = Float32Array.from(uniform(rows * C, 21), (v) => (v - 0.5) * 30);
        const z = Float64Array.from(z32);
        const y = Int16Array.from(uniform(rows, 22), (v) => Math.floor(v * C));
        y[3] = -100;
        const o = { mask: Uint8Array.from(uniform(rows, 23), (v) => (v < 0.2 ? 0 : 1)), weight: uniform(rows, 24) };
        const g = new Float64Array(z.length);
        const want = k.softmaxCrossEntropy(z, y, C, { ...o, grad: g, reduction: 'none' });
        // float32 logits and a float32 gradient: the float64 results, rounded once
        const g32 = new Float32Array(z.length);
        expect(k.softmaxCrossEntropy(z32, y, C, { ...o, grad: g32, reduction: 'none' })).toEqual(want);
        expect(g32).toEqual(Float32Array.from(g));
        // logits and gradient in the kernel's memory
        const za = k.alloc(z.length);
        za.array.set(z);
        const ga = k.alloc(z.length);
        expect(k.softmaxCrossEntropy(za.array, y, C, { ...o, grad: ga.array, reduction: 'none' })).toEqual(want);
        expect(Float64Array.from(ga.array)).toEqual(g);
        za.free();
        ga.free();
      }
    });
  }
});

describe('class indices: both WebAssembly builds give the same bits', () => {
  it('on every fixture case, chunked or not, totals included', async () => {
    const [simd, scalar] = await Promise.all([createKernel(), createKernel({ simd: false })]);
    const small = await CHUNKED[0][1]();
    for (const c of F.cases) {
      const z = Float64Array.from(c.logits);
      const y = Int32Array.from(c.labels);
      const runs = [simd, scalar, small].map((k) => {
        const grad = new Float64Array(z.length);
        const none = k.softmaxCrossEntropy(z, y, c.classes, { ...options(c), reduction: 'none', grad });
        return [none, grad, k.softmaxCrossEntropy(z, y, c.classes, options(c))];
      });
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2][0]).toEqual(runs[0][0]);
      expect(runs[2][1]).toEqual(runs[0][1]);
    }
  });
});
