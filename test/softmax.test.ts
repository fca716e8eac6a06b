import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKernel, reference, type SoftmaxOptions, type Softxent } from '../src/index.js';
import { SM, type SoftmaxBatch, type SoftmaxCase, smOptions, softmaxAccuracy } from './accuracy.js';
import { BACKENDS, CHUNKED, fixture, outcome, ulpErr } from './helpers.js';

interface TorchCase extends SoftmaxBatch {
  reduction: 'mean' | 'sum' | 'none';
  loss: number | number[];
  grad: number[];
}
const F = fixture<{
  limits: { classes: number; logits: number[]; targets: number[]; ce: number[][]; grad: number[]; torch: number[] };
  torch: {
    torch: string;
    cases: TorchCase[];
    lossy: { logits: number[]; targets: number[]; torch: number; true: [number, number] };
  };
}>('softmax.json');

const f64 = (a: readonly number[]) => Float64Array.from(a);
const EPS = 2 ** -52;

/** A random batch: rows x C logits in [-s, s], soft targets (some rows not summing to 1, some zeros). */
function batch(rows: number, C: number, seed: number, s = 8) {
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return (x + 0.5) / 2 ** 32;
  };
  const z = Float64Array.from({ length: rows * C }, () => (rnd() - 0.5) * 2 * s);
  const t = Float64Array.from({ length: rows * C }, () => (rnd() < 0.2 ? 0 : rnd()));
  for (let r = 0; r < rows; r++) {
    if (r % 3 === 2) continue; // unnormalized rows
    let sum = 0;
    for (let c = 0; c < C; c++) sum += t[r * C + c];
    for (let c = 0; c < C; c++) t[r * C + c] = sum ? t[r * C + c] / sum : 0;
  }
  return { z, t, w: Float64Array.from({ length: rows }, () => rnd() * 3), cw: Float64Array.from({ length: C }, rnd) };
}

describe.each(BACKENDS)('softmaxCrossEntropy, entropy on %s', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });

  it('CE per row within 16 eps (|loss| + sum |w t| (|z| + |lse|)) of mpmath; gradients within 16 eps of their terms', () => {
    const a = softmaxAccuracy(k, 'ce');
    expect(a.loss.points).toBeGreaterThan(300);
    expect(a.loss.ulps, a.loss.at).toBeLessThanOrEqual(16);
    expect(a.grad.ulps, a.grad.at).toBeLessThanOrEqual(16);
  });

  it("mode 'kl' and entropy within 16 eps of their terms; KL has CE's gradient", () => {
    for (const mode of ['kl', 'h'] as const) {
      const a = softmaxAccuracy(k, mode);
      expect(a.loss.ulps, a.loss.at).toBeLessThanOrEqual(16);
      if (mode === 'kl') expect(a.grad.ulps, a.grad.at).toBeLessThanOrEqual(16);
    }
  });

  it('covers C = 1, 2, 3, 10, 33, 1000 with class weights, label smoothing and row weights', () => {
    expect(new Set(SM.cases.map((c) => c.classes))).toEqual(new Set([1, 2, 3, 10, 33, 1000]));
    expect(SM.cases.some((c) => c.classWeight && c.weight && c.labelSmoothing > 0)).toBe(true);
  });

  it('extreme logits (±1e3, rows in -745..-700, -1e9 masks, subnormal exps) give finite, accurate losses', () => {
    const z = f64([1000, -1000, 0, -1e9, -745, -700, -720, -745, 5, -1e9, -1e9, 5]);
    const t = f64([0.25, 0.25, 0.5, 0, 0.5, 0.5, 0, 0, 0.5, 0, 0, 0.5]);
    const l = k.softmaxCrossEntropy(z, t, 4, { reduction: 'none' });
    // row 0: 0.25 * 2000 + 0.5 * 1000 (+ e^-1000 terms below an ulp); row 2: two tied maxima
    expect(l[0]).toBe(1000);
    const row1 = 0.5 * 45 + Math.log1p(Math.exp(-20) + 2 * Math.exp(-45));
    expect(Math.abs(l[1] - row1)).toBeLessThanOrEqual(2 * EPS * row1);
    expect(l[2]).toBe(Math.LN2);
    expect(l.every(Number.isFinite)).toBe(true);
  });

  it("follows PyTorch's F.cross_entropy with probability targets: weights, smoothing, reductions, autograd", () => {
    expect(F.torch.cases.length).toBeGreaterThanOrEqual(48);
    for (const c of F.torch.cases) {
      const what = `C=${c.classes} ${c.reduction} cw=${!!c.classWeight} eps=${c.labelSmoothing} w=${!!c.weight}`;
      const grad = new Float64Array(c.logits.length);
      const o: SoftmaxOptions = { ...smOptions(c, c.reduction), grad };
      const loss = k.softmaxCrossEntropy(f64(c.logits), f64(c.targets), c.classes, o);
      const want = typeof c.loss === 'number' ? [c.loss] : c.loss;
      const got = typeof loss === 'number' ? [loss] : Array.from(loss);
      expect(got.length, what).toBe(want.length);
      got.forEach((v, i) => {
        expect(Math.abs(v - want[i]), `${what} loss ${i}`).toBeLessThanOrEqual(16 * EPS * Math.abs(want[i]));
      });
      // the bound: each gradient within 16 eps of its row's largest component (autograd's)
      const C = c.classes;
      for (let r = 0; r < c.logits.length / C; r++) {
        const row = c.grad.slice(r * C, (r + 1) * C);
        const gmax = Math.max(...row.map(Math.abs));
        row.forEach((want, j) => {
          expect(Math.abs(grad[r * C + j] - want), `${what} grad ${r * C + j}`).toBeLessThanOrEqual(16 * EPS * gmax);
        });
      }
    }
  });

  it('where PyTorch rounds a confident row to 0, the true loss comes out', () => {
    const L = F.torch.lossy;
    expect(Math.abs(L.torch)).toBe(0);
    const l = k.softmaxCrossEntropy(f64(L.logits), f64(L.targets), 3, { reduction: 'sum' });
    expect(ulpErr(l, L.true[0], L.true[1])).toBeLessThanOrEqual(2);
  });

  it('gives the limits for infinite logits where PyTorch gives NaN', () => {
    const L = F.limits;
    const g = new Float64Array(L.logits.length);
    const l = k.softmaxCrossEntropy(f64(L.logits), f64(L.targets), L.classes, { reduction: 'none', grad: g });
    L.ce.forEach(([r, res], i) => {
      if (Number.isFinite(r)) expect(ulpErr(l[i], r, res), `row ${i}`).toBeLessThanOrEqual(4);
      else expect(l[i], `row ${i}`).toBe(r);
    });
    g.forEach((v, i) => {
      expect(Math.abs(v - L.grad[i]), `grad ${i}`).toBeLessThanOrEqual(4 * EPS);
    });
    expect(L.torch.filter(Number.isNaN).length).toBeGreaterThanOrEqual(3);
    expect(k.softmaxCrossEntropy(f64(L.logits), f64(L.targets), L.classes, { reduction: 'sum' })).toBe(Infinity);
  });

  it('CE = KL + H and sum_c grad = 0 on random batches, with and without options (property)', () => {
    const arb = fc.record({
      rows: fc.integer({ min: 1, max: 9 }),
      C: fc.integer({ min: 1, max: 40 }),
      seed: fc.nat(),
      cw: fc.boolean(),
      w: fc.boolean(),
      eps: fc.constantFrom(0, 0.1, 1),
    });
    fc.assert(
      fc.property(arb, ({ rows, C, seed, cw, w, eps }) => {
        const b = batch(rows, C, seed);
        const o = { labelSmoothing: eps, ...(cw ? { classWeight: b.cw } : {}), ...(w ? { weight: b.w } : {}) };
        const g = new Float64Array(rows * C);
        const ce = k.softmaxCrossEntropy(b.z, b.t, C, { ...o, reduction: 'none', grad: g });
        const kl = k.softmaxCrossEntropy(b.z, b.t, C, { ...o, reduction: 'none', mode: 'kl' });
        const h = k.entropy(b.t, C, { ...o, reduction: 'none' });
        for (let r = 0; r < rows; r++) {
          const scale = Math.abs(ce[r]) + Math.abs(kl[r]) + Math.abs(h[r]) + 20;
          expect(Math.abs(ce[r] - kl[r] - h[r])).toBeLessThanOrEqual(64 * EPS * scale);
          let s = 0;
          let m = 0;
          for (let c = r * C; c < (r + 1) * C; c++) {
            s += g[c];
            m = Math.max(m, Math.abs(g[c]));
          }
          expect(Math.abs(s)).toBeLessThanOrEqual(4 * C * EPS * (m + 1));
        }
      }),
      { numRuns: 80, seed: 11 },
    );
  });

  it('reduces: mean = sum / rows, none per row, weights per row, gradient includes 1/rows', () => {
    const b = batch(5, 7, 3);
    const none = k.softmaxCrossEntropy(b.z, b.t, 7, { reduction: 'none', weight: b.w });
    const sum = k.softmaxCrossEntropy(b.z, b.t, 7, { reduction: 'sum', weight: b.w });
    const mean = k.softmaxCrossEntropy(b.z, b.t, 7, { weight: b.w });
    expect(none.length).toBe(5);
    expect(Math.abs(sum - none.reduce((a, v) => a + v, 0))).toBeLessThanOrEqual(8 * EPS * sum);
    expect(mean).toBe(sum / 5);
    const unweighted = k.softmaxCrossEntropy(b.z, b.t, 7, { reduction: 'none' });
    none.forEach((v, i) => {
      expect(Math.abs(v - b.w[i] * unweighted[i])).toBeLessThanOrEqual(2 * EPS * v);
    });
    const gs = new Float64Array(35);
    const gm = new Float64Array(35);
    k.softmaxCrossEntropy(b.z, b.t, 7, { reduction: 'sum', grad: gs });
    k.softmaxCrossEntropy(b.z, b.t, 7, { grad: gm });
    gm.forEach((v, i) => {
      expect(Math.abs(v - gs[i] / 5)).toBeLessThanOrEqual(2 * EPS * Math.abs(gs[i]));
    });
    const hs = k.entropy(b.t, 7, { reduction: 'sum' });
    expect(k.entropy(b.t, 7)).toBe(hs / 5);
  });

  it('handles empty inputs and C = 1 (loss 0, gradient 0)', () => {
    const e = new Float64Array(0);
    expect(k.softmaxCrossEntropy(e, e, 4)).toBeNaN();
    expect(k.softmaxCrossEntropy(e, e, 4, { reduction: 'sum', grad: e })).toBe(0);
    expect(k.softmaxCrossEntropy(e, e, 4, { reduction: 'none' })).toEqual(e);
    expect(k.entropy(e, 3, { reduction: 'sum' })).toBe(0);
    const g = new Float64Array(3).fill(7);
    const l = k.softmaxCrossEntropy(f64([3, -1e300, 5]), f64([0.5, 1, 2]), 1, { reduction: 'none', grad: g });
    expect(Array.from(l)).toEqual([0, 0, 0]);
    expect(Array.from(g)).toEqual([0, 0, 0]);
  });

  it('a zero row weight removes the row, even an infinite loss', () => {
    const z = f64([0, -Infinity, 1, 2]);
    const t = f64([0.5, 0.5, 0.5, 0.5]);
    expect(k.softmaxCrossEntropy(z, t, 2, { reduction: 'sum' })).toBe(Infinity);
    const g = new Float64Array(4);
    const l = k.softmaxCrossEntropy(z, t, 2, { reduction: 'none', weight: f64([0, 1]), grad: g });
    expect(l[0]).toBe(0);
    expect(g[0] === 0 && g[1] === 0).toBe(true);
  });

  it('writes the gradient in place into the logits', () => {
    const b = batch(6, 9, 5);
    const g = new Float64Array(54);
    const a = k.softmaxCrossEntropy(b.z, b.t, 9, { grad: g, labelSmoothing: 0.1 });
    const z = b.z.slice();
    expect(k.softmaxCrossEntropy(z, b.t, 9, { grad: z, labelSmoothing: 0.1 })).toBe(a);
    expect(z).toEqual(g);
  });
});

describe.each(CHUNKED)('softmax across chunk boundaries on %s (8-element chunks)', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });

  it('rows never split: every fixture batch (C = 1..1000, rows longer than a chunk) within the bounds', () => {
    for (const mode of ['ce', 'kl', 'h'] as const) {
      const a = softmaxAccuracy(k, mode);
      expect(a.loss.ulps, a.loss.at).toBeLessThanOrEqual(16);
      if (mode !== 'h') expect(a.grad.ulps, a.grad.at).toBeLessThanOrEqual(16);
    }
    expect(k.memoryBytes()).toBeLessThanOrEqual(2 ** 20);
  });

  it('names the global index of a bad element in a later chunk', () => {
    const b = batch(12, 3, 9);
    b.t[29] = -1;
    expect(() => k.softmaxCrossEntropy(b.z, b.t, 3)).toThrow(
      'softmaxCrossEntropy: targets[29] = -1 is not a finite number >= 0',
    );
    b.t[29] = 0.5;
    b.w[10] = Number.NaN;
    expect(() => k.entropy(b.t, 3, { weight: b.w })).toThrow('entropy: weight[10] = NaN is not a finite number >= 0');
  });
});

describe('the WebAssembly builds', () => {
  it('SIMD and scalar builds give the same bits for losses and gradients', async () => {
    const [v, s] = [await createKernel(), await createKernel({ simd: false })];
    const run = (k: Softxent, c: SoftmaxCase, mode: 'ce' | 'kl') => {
      const g = new Float64Array(c.logits.length);
      const l = k.softmaxCrossEntropy(f64(c.logits), f64(c.targets), c.classes, { ...smOptions(c), grad: g, mode });
      return [l, g, k.entropy(f64(c.targets), c.classes, smOptions(c))];
    };
    for (const c of SM.cases)
      for (const mode of ['ce', 'kl'] as const) expect(run(v, c, mode)).toEqual(run(s, c, mode));
  });

  it('rows of both layouts with infinite logits, huge targets or underflowing exps agree with the reference', async () => {
    const [v, s] = [await createKernel(), await createKernel({ simd: false })];
    for (const C of [3, 4, 5, 16, 17, 33, 79, 80, 81, 120]) {
      const rows = 9;
      const b = batch(rows, C, C);
      const z = b.z;
      const t = b.t;
      z[0] = -Infinity; // row 0: a masked class
      t[0] = 0;
      for (let c = C; c < 2 * C; c++) z[c] = -Infinity; // row 1: all masked (uniform)
      z[2 * C + 1] = Infinity; // row 2: one class at +Infinity
      z[3 * C] = -1e9; // row 3: an underflowing exp
      // row 4: huge targets (their sum overflows to Infinity)
      t[4 * C] = 1.7e308;
      t[4 * C + 1] = 1.7e308;
      b.cw[0] = 1;
      b.cw[1] = 1;
      z[5 * C + 1] = -Infinity; // row 5: a masked class with a target: +Infinity
      t[5 * C + 1] = 0.5;
      // rows 6-8: many masks (-Infinity, -1e9) with zero targets, and a subnormal exp among them
      for (let c = 0; c < C; c++) {
        if (c % 3 === 1) [z[6 * C + c], t[6 * C + c]] = [-Infinity, 0];
        if (c % 2 === 0 && c > 0) [z[7 * C + c], t[7 * C + c]] = [-1e9, 0];
        if (c % 4 === 3) [z[8 * C + c], t[8 * C + c]] = [c % 8 === 3 ? -Infinity : -1e9, 0];
      }
      z[7 * C + 1] = z[7 * C] - 720;
      const o = { reduction: 'none' as const, classWeight: b.cw, weight: b.w };
      const gv = new Float64Array(rows * C);
      const gs = new Float64Array(rows * C);
      const gr = new Float64Array(rows * C);
      const lv = v.softmaxCrossEntropy(z, t, C, { ...o, grad: gv });
      const ls = s.softmaxCrossEntropy(z, t, C, { ...o, grad: gs });
      const lr = reference.softmaxCrossEntropy(z, t, C, { ...o, grad: gr });
      expect(lv, `C=${C}`).toEqual(ls);
      expect(gv, `C=${C}`).toEqual(gs);
      expect(lv[4]).toBe(Infinity);
      expect(lv[5]).toBe(Infinity);
      lv.forEach((x, i) => {
        expect(Math.abs(x - lr[i]) <= 1e-13 * Math.abs(lr[i]) || x === lr[i], `C=${C} row ${i}: ${x} vs ${lr[i]}`).toBe(
          true,
        );
      });
      gv.forEach((x, i) => {
        expect(
          Math.abs(x - gr[i]) <= 1e-12 * (1 + Math.abs(gr[i])) || Object.is(x, gr[i]),
          `C=${C} grad ${i}: ${x} vs ${gr[i]}`,
        ).toBe(true);
      });
    }
  });

  it('a row of 2^20 classes fits a widened arena (memory <= 64 MiB); a longer one is computed too', async () => {
    const k = await createKernel();
    for (const C of [2 ** 20, 2 ** 20 + 2]) {
      const b = batch(1, C, 1);
      const g = new Float64Array(C);
      const gr = new Float64Array(C);
      const l = k.softmaxCrossEntropy(b.z, b.t, C, { grad: g });
      const lr = reference.softmaxCrossEntropy(b.z, b.t, C, { grad: gr });
      expect(Math.abs(l - lr)).toBeLessThanOrEqual(1e-12 * lr);
      expect(g.every((v, i) => Math.abs(v - gr[i]) <= 1e-15)).toBe(true);
      expect(k.memoryBytes()).toBeLessThanOrEqual(64 * 2 ** 20);
    }
  });
});

describe.each(BACKENDS)('softmax bad input on %s', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });
  const z = () => f64([1, 2, 3, 4, 5, 6]);
  const t = () => f64([0.2, 0.3, 0.5, 1, 0, 0]);
  const X = (v: unknown) => v as never;

  it('throws TypeError naming a wrong-typed argument or option', () => {
    expect(() => k.softmaxCrossEntropy(X([1, 2]), t(), 3)).toThrow(
      new TypeError('softmaxCrossEntropy: logits must be a Float64Array or a Float32Array, got an Array'),
    );
    expect(() => k.softmaxCrossEntropy(z(), X([0, 1]), 3)).toThrow(
      new TypeError(
        'softmaxCrossEntropy: targets must be a Float64Array or a Float32Array, or class indices in an integer typed array, got an Array',
      ),
    );
    expect(() => k.softmaxCrossEntropy(z(), t(), X('3'))).toThrow(
      new TypeError("softmaxCrossEntropy: classes must be a number, got the string '3'"),
    );
    expect(() => k.softmaxCrossEntropy(z(), t(), 3, { classWeight: X([1, 1, 1]) })).toThrow(
      /classWeight must be a Float64Array/,
    );
    expect(() => k.softmaxCrossEntropy(z(), t(), 3, { labelSmoothing: X('0.1') })).toThrow(
      /labelSmoothing must be a number/,
    );
    expect(() => k.softmaxCrossEntropy(z(), t(), 3, X({ posWeight: 2 }))).toThrow(/unknown option 'posWeight'/);
    expect(() => k.entropy(t(), 3, X({ grad: new Float64Array(6) }))).toThrow(
      new TypeError("entropy: unknown option 'grad'"),
    );
    expect(() => k.entropy(X(null), 3)).toThrow(TypeError);
  });

  it('throws RangeError for classes, lengths, options', () => {
    const cases: [() => unknown, string][] = [
      [
        () => k.softmaxCrossEntropy(z(), t(), 4),
        'softmaxCrossEntropy: classes = 4 does not divide the length 6 of logits',
      ],
      [() => k.softmaxCrossEntropy(z(), t(), 0), 'softmaxCrossEntropy: classes = 0 is not a positive integer'],
      [() => k.entropy(t(), 1.5), 'entropy: classes = 1.5 is not a positive integer'],
      [
        () => k.softmaxCrossEntropy(z(), f64([1]), 3),
        'softmaxCrossEntropy: targets has length 1, expected 6 (the length of logits)',
      ],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { weight: new Float64Array(6) }),
        'softmaxCrossEntropy: weight has length 6, expected 2 (the number of rows)',
      ],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { grad: new Float64Array(2) }),
        'softmaxCrossEntropy: grad has length 2, expected 6 (the length of logits)',
      ],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { classWeight: f64([1, 1]) }),
        'softmaxCrossEntropy: classWeight has length 2, expected 3 (classes)',
      ],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { classWeight: f64([1, -1, Number.NaN]) }),
        'softmaxCrossEntropy: classWeight[1] = -1 is not a finite number >= 0',
      ],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { labelSmoothing: 1.5 }),
        'softmaxCrossEntropy: labelSmoothing = 1.5 is outside [0, 1]',
      ],
      [() => k.entropy(t(), 3, { labelSmoothing: Number.NaN }), 'entropy: labelSmoothing = NaN is outside [0, 1]'],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { mode: X('jsd') }),
        "softmaxCrossEntropy: mode must be 'ce', 'kl', 'reverse-kl' or 'js', got the string 'jsd'",
      ],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { reduction: X('avg') }),
        "softmaxCrossEntropy: reduction must be 'mean', 'sum' or 'none', got the string 'avg'",
      ],
    ];
    for (const [call, msg] of cases) expect(call).toThrow(new RangeError(msg));
  });

  it('names the first bad element: rows in order; in a row logits, then targets, then the row weight', () => {
    const T = (v: number[]) => f64(v);
    const cases: [() => unknown, string][] = [
      [() => k.softmaxCrossEntropy(T([1, 2, 3, 4, Number.NaN, 6]), t(), 3), 'softmaxCrossEntropy: logits[4] is NaN'],
      [
        () => k.softmaxCrossEntropy(T([1, 2, 3, 4, Number.NaN, 6]), T([0, 0, 0, -1, 0, 0]), 3),
        'softmaxCrossEntropy: logits[4] is NaN',
      ],
      [
        () => k.softmaxCrossEntropy(T([1, 2, 3, 4, 5, Number.NaN]), T([0, 0, 0, 0, Infinity, 0]), 3),
        'softmaxCrossEntropy: logits[5] is NaN',
      ],
      [
        () => k.softmaxCrossEntropy(z(), T([0, 0, 0, 0, Infinity, 0]), 3, { weight: T([-1, 1]) }),
        'softmaxCrossEntropy: weight[0] = -1 is not a finite number >= 0',
      ],
      [
        () => k.softmaxCrossEntropy(z(), T([0, 0, 0, 0, Infinity, Number.NaN]), 3, { weight: T([1, -1]) }),
        'softmaxCrossEntropy: targets[4] = Infinity is not a finite number >= 0',
      ],
      [() => k.entropy(T([0.5, 0.5, 0, 0, -0.25, 1]), 3), 'entropy: targets[4] = -0.25 is not a finite number >= 0'],
      [
        () => k.softmaxCrossEntropy(z(), t(), 3, { weight: T([1, Infinity]) }),
        'softmaxCrossEntropy: weight[1] = Infinity is not a finite number >= 0',
      ],
    ];
    for (const [call, msg] of cases) expect(call).toThrow(new RangeError(msg));
  });

  it('leaves inputs untouched and the kernel usable after an error', () => {
    const logits = f64([1, 2, 3, 4, 5, Number.NaN]);
    const targets = t();
    const cw = f64([1, 2, 3]);
    const before = [logits.slice(), targets.slice(), cw.slice()];
    expect(() => k.softmaxCrossEntropy(logits, targets, 3, { classWeight: cw, grad: new Float64Array(6) })).toThrow(
      RangeError,
    );
    expect([logits, targets, cw]).toEqual(before);
    const first = k.softmaxCrossEntropy(z(), targets, 3, { classWeight: cw });
    expect(() => k.softmaxCrossEntropy(logits, targets, 3)).toThrow(RangeError);
    expect(k.softmaxCrossEntropy(z(), targets, 3, { classWeight: cw })).toBe(first);
  });
});

describe('every backend throws the same error for the same bad input', () => {
  it('holds for random batches with random bad values at random places (property)', async () => {
    const ks = await Promise.all(CHUNKED.map(([, make]) => make()));
    const bad = fc.constantFrom(Number.NaN, -0.5, Infinity, -Infinity, -1e-300);
    const arb = fc.record({
      rows: fc.integer({ min: 1, max: 8 }),
      C: fc.integer({ min: 1, max: 40 }),
      entropy: fc.boolean(),
      hits: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(), bad), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(arb, ({ rows, C, entropy, hits }) => {
        const b = batch(rows, C, rows * 31 + C);
        const arrays = [b.z, b.t, b.w];
        for (const [which, at, v] of hits) arrays[which][at % arrays[which].length] = v;
        const copies = arrays.map((a) => a.slice());
        const messages = ks.map((k) =>
          outcome(() =>
            entropy
              ? k.entropy(b.t, C, { weight: b.w })
              : k.softmaxCrossEntropy(b.z, b.t, C, { weight: b.w, grad: new Float64Array(rows * C) }),
          ),
        );
        expect(new Set(messages).size, messages.join(' | ')).toBe(1);
        expect(arrays).toEqual(copies);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
