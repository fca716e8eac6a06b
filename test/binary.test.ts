import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandSoftLabels, reference, type Softxent } from '../src/index.js';
import { bceAccuracy, logitsAccuracy, POS_WEIGHTS } from './accuracy.js';
import { BACKENDS, CHUNKED, col, fixture, outcome, ulp, ulpErr } from './helpers.js';

type BceRow = [p: number, t: number, loss: number, lossRes: number, grad: number, gradRes: number];
interface TorchCase {
  fn: 'bce' | 'bceWithLogits';
  pred: number[];
  targets: number[];
  weight: number[] | null;
  posWeight?: number | null;
  reduction: 'mean' | 'sum' | 'none';
  loss: number | number[];
  grad: number[];
}
const F = fixture<{
  bce: BceRow[];
  bceSum: [number, number];
  torch: {
    torch: string;
    cases: TorchCase[];
    lossy: { pred: number[]; targets: number[]; torch: number[]; true: [number, number][] };
  };
}>('binary.json');

const f64 = (a: readonly number[]) => Float64Array.from(a);

/** |a - b| <= tol * (|b| + scale + tiny), elementwise or for numbers. */
function close(a: number | ArrayLike<number>, b: number | number[], tol: number, what: string, scale = 0) {
  const xs = typeof a === 'number' ? [a] : Array.from(a);
  const ys = typeof b === 'number' ? [b] : b;
  expect(xs.length, what).toBe(ys.length);
  xs.forEach((x, i) => {
    const bound = tol * (Math.abs(ys[i]) + scale + 1e-300);
    expect(Math.abs(x - ys[i]), `${what}[${i}]: ${x} vs ${ys[i]}`).toBeLessThanOrEqual(bound);
  });
}

describe.each(BACKENDS)('bce, bceWithLogits on %s', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });

  it('bce: each loss within 4 ulp and each gradient within 4 ulp of the true value (mpmath)', () => {
    const { loss, grad } = bceAccuracy(k);
    expect(loss.ulps, loss.at).toBeLessThanOrEqual(4);
    expect(grad.ulps, grad.at).toBeLessThanOrEqual(4);
  });

  it('bce: sum within 4 ulp of the exact sum, mean = sum / N', () => {
    const p = col(F.bce, 0);
    const t = col(F.bce, 1);
    const [s, res] = F.bceSum;
    expect(ulpErr(k.bce(p, t, { reduction: 'sum' }), s, res)).toBeLessThanOrEqual(4);
    expect(k.bce(p, t)).toBe(k.bce(p, t, { reduction: 'sum' }) / p.length);
  });

  it('bce: where PyTorch computes log(1-p) as 0, the true loss comes out', () => {
    const L = F.torch.lossy;
    const loss = k.bce(f64(L.pred), f64(L.targets), { reduction: 'none' });
    L.true.forEach(([r, res], i) => {
      expect(ulpErr(loss[i], r, res), `p=${L.pred[i]}`).toBeLessThanOrEqual(4);
    });
    // PyTorch says 0 for p = 1e-20 and 1.1e-17 for p = 1e-17; the truth is p.
    expect(L.torch[0]).toBe(0);
    expect(loss[0]).toBe(1e-20);
    expect(ulpErr(L.torch[1], L.true[1][0], L.true[1][1])).toBeGreaterThan(1e10);
  });

  for (const pw of POS_WEIGHTS) {
    it(`bceWithLogits (posWeight ${pw}): losses within 4 ulp, gradients within 4 ulp of their terms`, () => {
      const { loss, grad } = logitsAccuracy(k, pw);
      expect(loss.ulps, loss.at).toBeLessThanOrEqual(4);
      expect(grad.ulps, grad.at).toBeLessThanOrEqual(4);
    });
  }

  it("follows PyTorch's semantics: reductions, weight, pos_weight, autograd gradients", () => {
    expect(F.torch.cases.length).toBeGreaterThan(50);
    for (const c of F.torch.cases) {
      const what = `${c.fn} n=${c.pred.length} ${c.reduction} w=${!!c.weight} pw=${c.posWeight ?? '-'}`;
      const grad = new Float64Array(c.pred.length);
      const opts = {
        reduction: c.reduction,
        grad,
        ...(c.weight ? { weight: f64(c.weight) } : {}),
        ...(c.posWeight != null ? { posWeight: c.posWeight } : {}),
      };
      const loss = k[c.fn](f64(c.pred), f64(c.targets), opts);
      // PyTorch's logits formula (1-t)x + max(-x,0) + log(...) cancels: allow for its rounding.
      const scale = c.fn === 'bce' ? 0 : 1 + Math.max(...c.pred.map(Math.abs));
      close(loss, c.loss, 1e-13, `${what} loss`, scale);
      close(grad, c.grad, 1e-12, `${what} grad`);
    }
  });

  it('sums without error growth: 2^20 + 3 equal losses sum to N times the true loss within 4 ulp', () => {
    const r = F.bce.find((row) => row[0] > 0.2 && row[0] < 0.8 && row[1] > 0 && row[1] < 1) as BceRow;
    const n = 2 ** 20 + 3;
    const s = k.bce(new Float64Array(n).fill(r[0]), new Float64Array(n).fill(r[1]), { reduction: 'sum' });
    // n (r + res) exactly: n < 2^21, so n*r has an exact two-term split.
    const hi = n * r[2];
    expect(ulpErr(s, hi, n * r[3] + (n * r[2] - hi))).toBeLessThanOrEqual(4);
  });

  it('handles empty inputs: mean NaN, sum 0, none empty', () => {
    const e = new Float64Array(0);
    for (const fn of ['bce', 'bceWithLogits'] as const) {
      expect(k[fn](e, e)).toBeNaN();
      expect(k[fn](e, e, { reduction: 'sum', grad: e })).toBe(0);
      expect(k[fn](e, e, { reduction: 'none' })).toEqual(new Float64Array(0));
    }
  });

  it('gives saturated predictions exact, finite losses and gradients', () => {
    const g = new Float64Array(4);
    const l = k.bce(f64([0, 1, 0, 1]), f64([0, 1, 1, 0]), { reduction: 'none', grad: g });
    expect(Array.from(l)).toEqual([0, 0, 100, 100]);
    expect(Array.from(g)).toEqual([1, -1, 0, 0]);
    // Clamped, tiny and saturated probabilities mixed with plain ones, in every position of a block.
    const ps = f64([1e-50, 0.3, 5e-324, 1, 1e-300, 2 ** -144, 0.999, 0, 4e-44, 0.5, 1 - 2 ** -53, 1e-20]);
    const ts = f64([0.5, 0.2, 1, 0.25, 0.75, 1, 0, 0.5, 0.5, 0.5, 1, 0]);
    const gm = new Float64Array(12);
    const lm = k.bce(ps, ts, { reduction: 'none', grad: gm });
    const gr = new Float64Array(12);
    const lr = reference.bce(ps, ts, { reduction: 'none', grad: gr });
    for (let i = 0; i < 12; i++) {
      expect(Math.abs(lm[i] - lr[i]), `loss ${i}`).toBeLessThanOrEqual(2 * ulp(lr[i]));
      expect(Math.abs(gm[i] - gr[i]), `grad ${i}`).toBeLessThanOrEqual(2 * ulp(gr[i]));
    }
    const gx = new Float64Array(4);
    const lx = k.bceWithLogits(f64([Infinity, -Infinity, Infinity, 3]), f64([1, 0, 0.5, 0.5]), {
      reduction: 'none',
      grad: gx,
      weight: f64([1, 1, 0, 0]),
    });
    expect(Array.from(lx)).toEqual([0, 0, 0, 0]);
    expect(Array.from(gx)).toEqual([0, 0, 0, 0]);
    expect(k.bceWithLogits(f64([Infinity, 0]), f64([0.5, 0.5]), { reduction: 'sum' })).toBe(Infinity);
  });

  it('writes the gradient in place into its own input', () => {
    const p = f64([0.1, 0.2, 0.3, 0.9, 0.5]);
    const t = f64([0, 1, 0.5, 0.25, 0.5]);
    const g = new Float64Array(5);
    const a = k.bce(p, t, { grad: g });
    const q = p.slice();
    expect(k.bce(q, t, { grad: q })).toBe(a);
    expect(q).toEqual(g);
  });

  it('matches the soft/hard equivalence: a soft batch equals its expanded hard-label batch', () => {
    const arb = fc.array(
      fc.record({
        p: fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
        x: fc.double({ min: -30, max: 30, noNaN: true }),
        t: fc.double({ min: 0, max: 1, noNaN: true }),
        w: fc.double({ min: 0, max: 4, noNaN: true }),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(arb, fc.boolean(), (rows, weighted) => {
        const t = f64(rows.map((r) => r.t));
        const w = weighted ? f64(rows.map((r) => r.w)) : undefined;
        for (const [fn, xs] of [
          ['bce', f64(rows.map((r) => r.p))],
          ['bceWithLogits', f64(rows.map((r) => r.x))],
        ] as const) {
          const g = new Float64Array(xs.length);
          const soft = k[fn](xs, t, { reduction: 'sum', grad: g, ...(w ? { weight: w } : {}) }) as number;
          const h = expandSoftLabels(xs, t, w);
          const gh = new Float64Array(h.x.length);
          const hard = k[fn](h.x, h.targets, { reduction: 'sum', grad: gh, weight: h.weight }) as number;
          expect(h.targets.every((v, i) => v === (i % 2 === 0 ? 1 : 0))).toBe(true);
          expect(Math.abs(soft - hard)).toBeLessThanOrEqual(1e-13 * Math.abs(soft) + 1e-300);
          g.forEach((v, i) => {
            const pair = gh[2 * i] + gh[2 * i + 1];
            expect(Math.abs(v - pair)).toBeLessThanOrEqual(
              1e-12 * (Math.abs(gh[2 * i]) + Math.abs(gh[2 * i + 1])) + 1e-300,
            );
          });
        }
      }),
      { numRuns: 60, seed: 20261123 },
    );
  });
});

describe.each(BACKENDS)('bad input on %s', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });
  const p = () => f64([0.1, 0.5, 0.9, 0.3, 0.7]);
  const t = () => f64([0, 1, 0.5, 0.25, 1]);
  const X = (v: unknown) => v as Float64Array;

  it('throws TypeError naming a wrong-typed argument', () => {
    expect(() => k.bce(X([0.5]), t())).toThrow(
      new TypeError('bce: probs must be a Float64Array or a Float32Array, got an Array'),
    );
    expect(() => k.bceWithLogits(p(), X(new Int8Array(5)))).toThrow(
      /bceWithLogits: targets must be a Float64Array or a Float32Array, got an Int8Array/,
    );
    expect(() => k.bce(p(), t(), { weight: X([1]) })).toThrow(/weight must be a Float64Array/);
    expect(() => k.bce(p(), t(), { grad: X(null) })).toThrow(TypeError);
    expect(() => k.bce(p(), t(), X('mean') as never)).toThrow(/options must be an object/);
    expect(() => k.bce(p(), t(), { reduce: 'sum' } as never)).toThrow(/unknown option 'reduce'/);
    expect(() => k.bce(p(), t(), { posWeight: 2 } as never)).toThrow(/unknown option 'posWeight'/);
    expect(() => k.bceWithLogits(p(), t(), { posWeight: '2' as never })).toThrow(/posWeight must be a number/);
  });

  it('throws RangeError for lengths, reductions and posWeight', () => {
    expect(() => k.bce(p(), f64([0.5]))).toThrow(
      new RangeError('bce: targets has length 1, expected 5 (the length of probs)'),
    );
    expect(() => k.bce(p(), t(), { weight: new Float64Array(4) })).toThrow(/weight has length 4, expected 5/);
    expect(() => k.bceWithLogits(p(), t(), { grad: new Float64Array(6) })).toThrow(/grad has length 6, expected 5/);
    expect(() => k.bce(p(), t(), { reduction: 'avg' as never })).toThrow(RangeError);
    expect(() => k.bce(p(), t(), { reduction: 'avg' as never })).toThrow(/reduction must be 'mean', 'sum' or 'none'/);
    for (const pw of [-1, Number.NaN, Infinity]) {
      expect(() => k.bceWithLogits(p(), t(), { posWeight: pw })).toThrow(
        `posWeight = ${pw} is not a finite number >= 0`,
      );
    }
  });

  it('throws RangeError naming the first bad element, its index and value', () => {
    const cases: [() => unknown, string][] = [
      [() => k.bce(f64([0.5, 0.5, 1.5, 0.5]), f64([0, 0, 0, 0])), 'bce: probs[2] = 1.5 is outside [0, 1]'],
      [() => k.bce(f64([0.5, -0, 0.5, Number.NaN]), f64([0, 0, 0, 0])), 'bce: probs[3] = NaN is outside [0, 1]'],
      [() => k.bce(f64([0.5, 0.5, 0.5, 2]), f64([0, -1e-300, 0, 0])), 'bce: targets[1] = -1e-300 is outside [0, 1]'],
      [() => k.bce(f64([0.5, 2]), f64([0, 2])), 'bce: probs[1] = 2 is outside [0, 1]'],
      [() => k.bceWithLogits(f64([1, 2, 3, Number.NaN]), f64([0, 0, 0, 0])), 'bceWithLogits: logits[3] is NaN'],
      [
        () => k.bceWithLogits(f64([1, 2, 3]), f64([0, 0, 0]), { weight: f64([1, -2, 1]) }),
        'bceWithLogits: weight[1] = -2 is not a finite number >= 0',
      ],
      [
        () => k.bce(f64([0.1, 0.2, 0.3]), f64([0, 0, 0]), { weight: f64([1, 1, Infinity]) }),
        'bce: weight[2] = Infinity is not a finite number >= 0',
      ],
    ];
    for (const [call, msg] of cases) expect(call).toThrow(new RangeError(msg));
  });

  it('leaves inputs untouched and the kernel usable after an error', () => {
    const probs = f64([0.1, 0.5, 0.9, 0.3, Number.NaN]);
    const targets = t();
    const w = f64([1, 2, 3, 4, 5]);
    const before = [probs.slice(), targets.slice(), w.slice()];
    expect(() => k.bce(probs, targets, { weight: w, grad: new Float64Array(5) })).toThrow(RangeError);
    expect([probs, targets, w]).toEqual(before);
    const good = p();
    const first = k.bce(good, targets, { weight: w });
    expect(() => k.bce(probs, targets)).toThrow(RangeError);
    expect(k.bce(good, targets, { weight: w })).toBe(first);
    expect(good).toEqual(p());
  });
});

describe.each(CHUNKED)('chunk boundaries on %s (8-element chunks)', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });
  const data = (n: number) => ({
    p: Float64Array.from({ length: n }, (_, i) => (i * 0.618034) % 1),
    x: Float64Array.from({ length: n }, (_, i) => ((i * 0.618034) % 1) * 20 - 10),
    t: Float64Array.from({ length: n }, (_, i) => (i * 0.414214) % 1),
    w: Float64Array.from({ length: n }, (_, i) => 1 + (i % 3)),
  });

  it('agrees with per-element math for lengths 0..33 around the chunk size', async () => {
    for (const n of [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 33]) {
      const d = data(n);
      const g = new Float64Array(n);
      const none = k.bce(d.p, d.t, { reduction: 'none', weight: d.w, grad: g }) as Float64Array;
      const sum = k.bce(d.p, d.t, { reduction: 'sum', weight: d.w });
      let s = 0;
      for (let i = 0; i < n; i++) {
        const l = -(d.t[i] * Math.max(Math.log(d.p[i]), -100) + (1 - d.t[i]) * Math.log1p(-d.p[i]));
        expect(Math.abs(none[i] - d.w[i] * l)).toBeLessThanOrEqual(4 * ulp(d.w[i] * l));
        s += none[i];
      }
      expect(Math.abs(sum - s)).toBeLessThanOrEqual(n * 4 * ulp(s));
      const gx = new Float64Array(n);
      const m = k.bceWithLogits(d.x, d.t, { grad: gx, posWeight: 1.5 });
      if (n === 0) expect(m).toBeNaN();
      for (let i = 0; i < n; i++) {
        const sig = 1 / (1 + Math.exp(-d.x[i]));
        const ref = ((1.5 * d.t[i] + 1 - d.t[i]) * sig - 1.5 * d.t[i]) / n;
        expect(Math.abs(gx[i] - ref)).toBeLessThanOrEqual(1e-14 * (Math.abs(ref) + 1 / n));
      }
    }
  });

  it('names the global index of a bad element in a later chunk', () => {
    const d = data(40);
    d.t[29] = 7;
    expect(() => k.bce(d.p, d.t)).toThrow('bce: targets[29] = 7 is outside [0, 1]');
  });
});

describe('every backend throws the same error for the same bad input', () => {
  it('holds for random batches with random bad values at random places (property)', async () => {
    const ks = await Promise.all(CHUNKED.map(([, make]) => make()));
    const bad = fc.constantFrom(Number.NaN, -0.5, 1.5, Infinity, -Infinity, -1e-300);
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 40 }),
      fn: fc.constantFrom('bce' as const, 'bceWithLogits' as const),
      hits: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(), bad), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(arb, ({ n, fn, hits }) => {
        const arrays = [0, 1, 2].map((j) => Float64Array.from({ length: n }, (_, i) => ((i + 1) * (j + 2) * 0.37) % 1));
        for (const [which, at, v] of hits) arrays[which][at % n] = v;
        const copies = arrays.map((a) => a.slice());
        const messages = ks.map((k) =>
          outcome(() => k[fn](arrays[0], arrays[1], { weight: arrays[2], reduction: 'sum' })),
        );
        expect(new Set(messages).size, messages.join(' | ')).toBe(1);
        expect(arrays).toEqual(copies);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('expandSoftLabels', () => {
  it('rejects bad input with the losses’ messages', () => {
    const x = f64([0.1, 0.2]);
    expect(() => expandSoftLabels(x, f64([0.5]))).toThrow(
      new RangeError('expandSoftLabels: targets has length 1, expected 2 (the length of x)'),
    );
    expect(() => expandSoftLabels(x, f64([0.5, 2]))).toThrow(
      new RangeError('expandSoftLabels: targets[1] = 2 is outside [0, 1]'),
    );
    expect(() => expandSoftLabels(x, f64([0.5, 1]), f64([1, -1]))).toThrow(
      new RangeError('expandSoftLabels: weight[1] = -1 is not a finite number >= 0'),
    );
    expect(() => expandSoftLabels(x, [0.5, 1] as unknown as Float64Array)).toThrow(TypeError);
  });
});

// Binary label smoothing (issue 15): t' = t (1 - eps) + eps / 2, Keras's and TF.js's convention.
interface SmoothCase {
  labelSmoothing: number;
  posWeight?: number | null;
  probs?: number[];
  logits?: number[];
  targets: number[];
  loss: [number, number][];
  scale: number[];
  grad: number[];
  gradScale: number[];
}
const SM = fixture<{ bce: SmoothCase[]; bceWithLogits: SmoothCase[] }>('smoothing.json');

for (const [backend, make] of [...BACKENDS, ['wasm-simd chunked', CHUNKED[0][1]] as const]) {
  describe(`binary label smoothing on ${backend}`, () => {
    let k: Softxent;
    beforeAll(async () => {
      k = await make();
    });

    it('matches the mpmath truths at t (1 - eps) + eps / 2 within 32 eps of the magnitude', () => {
      for (const fn of ['bce', 'bceWithLogits'] as const) {
        for (const c of SM[fn]) {
          const a = Float64Array.from((fn === 'bce' ? c.probs : c.logits) as number[]);
          const t = Float64Array.from(c.targets);
          const grad = new Float64Array(a.length);
          const o = { labelSmoothing: c.labelSmoothing, reduction: 'none' as const, grad };
          const none = fn === 'bce' ? k.bce(a, t, o) : k.bceWithLogits(a, t, { ...o, posWeight: c.posWeight ?? 1 });
          none.forEach((v, i) => {
            const [hi, lo] = c.loss[i];
            const at = `${fn} eps ${c.labelSmoothing} a = ${a[i]} t = ${t[i]}`;
            if (Number.isFinite(hi)) {
              expect(Math.abs(v - hi - lo), at).toBeLessThanOrEqual(32 * Number.EPSILON * c.scale[i] + 2 ** -1074);
            } else expect(v, at).toBe(hi);
            const g = c.grad[i];
            if (Number.isFinite(g)) {
              expect(Math.abs(grad[i] - g), `${at} grad`).toBeLessThanOrEqual(
                32 * Number.EPSILON * c.gradScale[i] + 2 ** -1074,
              );
            } else expect(grad[i], `${at} grad`).toBe(g);
          });
        }
      }
    });

    it('eps = 0 is the plain call; smoothing with teacher logits and eps outside [0, 1] are refused', () => {
      const p = Float64Array.of(0.2, 0.7, 0.9);
      const t = Float64Array.of(0, 1, 0.5);
      expect(k.bce(p, t, { labelSmoothing: 0 })).toBe(k.bce(p, t));
      expect(k.bce(p, t, { labelSmoothing: 0.2 })).toBe(k.bce(p, Float64Array.of(0.1, 0.9, 0.5)));
      expect(outcome(() => k.bceWithLogits(p, t, { labelSmoothing: 1.5 }))).toBe(
        'RangeError: bceWithLogits: labelSmoothing = 1.5 is outside [0, 1]',
      );
      expect(outcome(() => k.bceWithLogits(p, t, { labelSmoothing: 0.1, targetLogits: true }))).toBe(
        'RangeError: bceWithLogits: labelSmoothing is not for targetLogits',
      );
      // a target outside [0, 1] is refused even where its smoothed value would be inside
      expect(outcome(() => k.bce(p, Float64Array.of(0, 1, 1.2), { labelSmoothing: 0.5 }))).toBe(
        'RangeError: bce: targets[2] = 1.2 is outside [0, 1]',
      );
    });
  });
}
