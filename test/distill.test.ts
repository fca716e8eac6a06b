// Distillation (issue 14): softmaxCrossEntropy with teacher logits, temperature, modes 'reverse-kl' and
// 'js', and bceWithLogits against teacher logits, on every backend: mpmath truths within 32 eps of the
// terms' magnitudes, PyTorch's composites, the same bits from both WebAssembly builds, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type SoftmaxOptions, type Softxent } from '../src/index.js';
import {
  type DistillBatch,
  type DistillBce,
  type DistillCase,
  DS,
  distillAccuracy,
  distillBceAccuracy,
  dsOptions,
} from './accuracy.js';
import { BACKENDS, CHUNKED, fixture, outcome, ulpErr } from './helpers.js';

interface TorchCase extends DistillBatch {
  reduction: 'mean' | 'sum' | 'none';
  loss: number | number[];
  grad: number[];
}

interface TorchBce {
  logits: number[];
  targets: number[];
  temperature: number;
  posWeight: number | null;
  weight: number[] | null;
  reduction: 'mean' | 'sum' | 'none';
  loss: number | number[];
  grad: number[];
}

const F = fixture<{
  torch: {
    torch: string;
    cases: TorchCase[];
    bce: TorchBce[];
    lossy: {
      bce: { logits: number[]; targets: number[]; temperature: number; torch: number; true: [number, number] };
      kl: { classes: number; logits: number[]; targets: number[]; torch: number; true: [number, number] };
    };
  };
}>('distill.json');

const f64 = (a: readonly number[]) => Float64Array.from(a);
const EPS = 2 ** -52;
/** The bound: 32 eps times the magnitude of the formula's terms. */
const BOUND = 32;

describe.each(BACKENDS)('distillation on %s', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });

  it('covers every mode, both target forms, C = 2..1000 and 32768, T in [0.5, 10]', () => {
    const modes = new Set(DS.cases.map((c) => `${c.mode} ${c.targetLogits}`));
    for (const m of ['ce', 'kl', 'reverse-kl', 'js'])
      for (const tl of [true, false]) expect(modes.has(`${m} ${tl}`), `${m} ${tl}`).toBe(true);
    const Cs = new Set(DS.cases.map((c) => c.classes));
    for (const C of [2, 3, 8, 17, 64, 100, 1000, 32768]) expect(Cs.has(C), `C = ${C}`).toBe(true);
    const Ts = DS.cases.map((c) => c.temperature);
    expect(Math.min(...Ts)).toBe(0.5);
    expect(Math.max(...Ts)).toBe(10);
  });

  it('losses and gradients within 32 eps of the magnitude of their terms (mpmath)', () => {
    const a = distillAccuracy(k);
    expect(a.loss.points).toBeGreaterThan(500);
    expect(a.loss.ulps, a.loss.at).toBeLessThanOrEqual(BOUND);
    expect(a.grad.ulps, a.grad.at).toBeLessThanOrEqual(BOUND);
  });

  it("follows PyTorch's composites: kl_div(log_softmax(z/T), log_softmax(s/T), log_target) T², CE, reverse KL, JSD", () => {
    expect(F.torch.cases.length).toBeGreaterThanOrEqual(20);
    for (const c of F.torch.cases) {
      const what = `${c.mode} C=${c.classes} T=${c.temperature} ${c.reduction} eps=${c.labelSmoothing}`;
      const grad = new Float64Array(c.logits.length);
      const got = k.softmaxCrossEntropy(f64(c.logits), f64(c.targets), c.classes, {
        ...dsOptions(c, c.reduction),
        grad,
      });
      const want = typeof c.loss === 'number' ? [c.loss] : c.loss;
      const have = typeof got === 'number' ? [got] : Array.from(got);
      expect(have.length, what).toBe(want.length);
      have.forEach((v, i) => {
        expect(Math.abs(v - want[i]), `${what} loss ${i}`).toBeLessThanOrEqual(1e-12 * Math.abs(want[i]) + 1e-300);
      });
      const gmax = Math.max(...c.grad.map(Math.abs));
      c.grad.forEach((want, j) => {
        expect(Math.abs(grad[j] - want), `${what} grad ${j}`).toBeLessThanOrEqual(1e-12 * gmax);
      });
    }
  });

  it("where PyTorch's composite loses the digits of an agreeing student, the true loss comes out", () => {
    const { bce, kl } = F.torch.lossy;
    const b = k.bceWithLogits(f64(bce.logits), f64(bce.targets), { targetLogits: true, reduction: 'sum' });
    expect(ulpErr(b, bce.true[0], bce.true[1])).toBeLessThanOrEqual(4);
    expect(ulpErr(bce.torch, bce.true[0], bce.true[1])).toBeGreaterThan(1e14);
    const o = { mode: 'kl', targetLogits: true, reduction: 'sum' } as const;
    const l = k.softmaxCrossEntropy(f64(kl.logits), f64(kl.targets), kl.classes, o);
    expect(ulpErr(l, kl.true[0], kl.true[1])).toBeLessThanOrEqual(4);
    expect(ulpErr(kl.torch, kl.true[0], kl.true[1])).toBeGreaterThan(1e13);
  });

  it('bceWithLogits against teacher logits: within 32 eps of the terms (mpmath), and PyTorch', () => {
    const a = distillBceAccuracy(k);
    expect(a.loss.points).toBeGreaterThanOrEqual(500);
    expect(a.loss.ulps, a.loss.at).toBeLessThanOrEqual(BOUND);
    expect(a.grad.ulps, a.grad.at).toBeLessThanOrEqual(BOUND);
    for (const c of F.torch.bce) {
      const g = new Float64Array(c.logits.length);
      const got = k.bceWithLogits(f64(c.logits), f64(c.targets), {
        targetLogits: true,
        temperature: c.temperature,
        reduction: c.reduction,
        grad: g,
        ...(c.weight ? { weight: f64(c.weight) } : {}),
        ...(c.posWeight === null ? {} : { posWeight: c.posWeight }),
      });
      const want = typeof c.loss === 'number' ? [c.loss] : c.loss;
      const have = typeof got === 'number' ? [got] : Array.from(got);
      have.forEach((v, i) => {
        expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-12 * Math.abs(want[i]) + 1e-300);
      });
      const gmax = Math.max(...c.grad.map(Math.abs));
      c.grad.forEach((want, j) => {
        expect(Math.abs(g[j] - want)).toBeLessThanOrEqual(1e-12 * gmax);
      });
    }
  });

  it("'mean' is the batch mean (PyTorch's 'batchmean'), T² included, and grad is its derivative", () => {
    const C = 5;
    const z = f64([1, -2, 0.5, 3, 0, 2, 2, -1, 0, 4]);
    const s = f64([0, 1, 2, 3, 4, -1, 5, 0.5, 0, 1]);
    const o = { mode: 'kl', targetLogits: true, temperature: 3 } as const;
    const each = k.softmaxCrossEntropy(z, s, C, { ...o, reduction: 'none' });
    const sum = k.softmaxCrossEntropy(z, s, C, { ...o, reduction: 'sum' });
    const mean = k.softmaxCrossEntropy(z, s, C, o);
    expect(Math.abs(sum - (each[0] + each[1]))).toBeLessThanOrEqual(4 * EPS * sum);
    expect(mean).toBe(sum / 2);
    // the gradient against a central difference of the mean loss
    const g = new Float64Array(z.length);
    k.softmaxCrossEntropy(z, s, C, { ...o, grad: g });
    for (let j = 0; j < z.length; j++) {
      const h = 1e-5;
      const zp = z.slice();
      const zm = z.slice();
      zp[j] += h;
      zm[j] -= h;
      const d = (k.softmaxCrossEntropy(zp, s, C, o) - k.softmaxCrossEntropy(zm, s, C, o)) / (2 * h);
      expect(Math.abs(g[j] - d), `grad ${j}`).toBeLessThanOrEqual(1e-8);
    }
  });

  it('teacher logits equal their softmax given as probabilities; T = 1 equals the plain call', () => {
    const C = 4;
    const z = f64([0.3, -1, 2, 0.5, 1, 1, -3, 0]);
    const s = f64([1, 0, -1, 2, 0.5, 0.25, 3, -2]);
    const p = new Float64Array(s.length);
    for (let r = 0; r < 2; r++) {
      const row = s.subarray(r * C, r * C + C).map((v) => Math.exp(v / 2));
      const sum = row.reduce((a, b) => a + b);
      row.forEach((v, j) => {
        p[r * C + j] = v / sum;
      });
    }
    for (const mode of ['ce', 'kl', 'reverse-kl', 'js'] as const) {
      const a = k.softmaxCrossEntropy(z, s, C, { mode, targetLogits: true, temperature: 2, reduction: 'none' });
      const b = k.softmaxCrossEntropy(z, p, C, { mode, temperature: 2, reduction: 'none' });
      for (let r = 0; r < 2; r++) expect(Math.abs(a[r] - b[r]), `${mode} ${r}`).toBeLessThanOrEqual(1e-14 * (1 + a[r]));
    }
    const g1 = new Float64Array(z.length);
    const g2 = new Float64Array(z.length);
    const plain = k.softmaxCrossEntropy(z, p, C, { mode: 'kl', grad: g1, labelSmoothing: 0.1 });
    const viaDistill = k.softmaxCrossEntropy(z, p, C, { mode: 'kl', grad: g2, labelSmoothing: 0.1, temperature: 1 });
    expect(Math.abs(plain - viaDistill)).toBeLessThanOrEqual(8 * EPS * plain);
  });

  it('top-k teachers: -Infinity logits have probability 0; reverse KL is +Infinity where the student has mass there', () => {
    const C = 4;
    const z = f64([1, 0, -1, 0.5, 1, 0, -Infinity, -Infinity]);
    const s = f64([2, 1, -Infinity, -Infinity, 2, 1, -Infinity, -Infinity]);
    const g = new Float64Array(z.length);
    const fwd = k.softmaxCrossEntropy(z, s, C, { mode: 'kl', targetLogits: true, reduction: 'none', grad: g });
    expect(fwd.every(Number.isFinite)).toBe(true);
    expect(g.every(Number.isFinite)).toBe(true);
    const rev = k.softmaxCrossEntropy(z, s, C, { mode: 'reverse-kl', targetLogits: true, reduction: 'none', grad: g });
    // row 0: the student puts mass where the teacher has none; row 1: masked alike, finite
    expect(rev[0]).toBe(Infinity);
    expect(Number.isFinite(rev[1])).toBe(true);
    expect(Array.from(g.subarray(0, 4))).toEqual([-Infinity, -Infinity, Infinity, Infinity]);
    expect(Array.from(g.subarray(4)).every(Number.isFinite)).toBe(true);
    expect(g[6]).toBe(0);
    // a student masked where the teacher is not: forward KL is +Infinity, reverse KL finite
    const zm = f64([-Infinity, 0, 1, 2]);
    const sm = f64([1, 0, 1, 2]);
    expect(k.softmaxCrossEntropy(zm, sm, C, { mode: 'kl', targetLogits: true })).toBe(Infinity);
    expect(Number.isFinite(k.softmaxCrossEntropy(zm, sm, C, { mode: 'reverse-kl', targetLogits: true }))).toBe(true);
    const js = k.softmaxCrossEntropy(z, s, C, { mode: 'js', targetLogits: true, reduction: 'none', grad: g });
    expect(js.every(Number.isFinite) && g.every(Number.isFinite)).toBe(true);
    expect(js[0]).toBeLessThanOrEqual(Math.LN2);
  });

  it("'js' is symmetric at beta = 0.5, 0 at beta = 0 and 1, and at most log 2", () => {
    const C = 3;
    const z = f64([2, -1, 0.5, 0, 0, 9]);
    const s = f64([-1, 3, 0, 4, -4, 0]);
    const o = { mode: 'js', targetLogits: true, reduction: 'none' } as const;
    const a = k.softmaxCrossEntropy(z, s, C, o);
    const b = k.softmaxCrossEntropy(s, z, C, o);
    for (let r = 0; r < 2; r++) {
      expect(Math.abs(a[r] - b[r])).toBeLessThanOrEqual(8 * EPS);
      expect(a[r]).toBeLessThanOrEqual(Math.LN2);
    }
    for (const beta of [0, 1]) {
      const g = new Float64Array(z.length);
      const l = k.softmaxCrossEntropy(z, s, C, { ...o, beta, grad: g });
      for (const v of [...l, ...g]) expect(Math.abs(v)).toBeLessThanOrEqual(4 * EPS);
    }
  });

  it('bceWithLogits: T² times the loss of logits/T; probability targets with a temperature too', () => {
    const z = f64([3, -2, 0.5, 40, -700]);
    const t = f64([0.9, 0.1, 0.5, 1, 0]);
    const T = 4;
    const scaled = z.map((v) => v / T);
    const g = new Float64Array(z.length);
    const gs = new Float64Array(z.length);
    const a = k.bceWithLogits(z, t, { temperature: T, reduction: 'none', grad: g });
    const b = k.bceWithLogits(scaled, t, { reduction: 'none', grad: gs });
    for (let i = 0; i < z.length; i++) {
      expect(Math.abs(a[i] - T * T * b[i]), `loss ${i}`).toBeLessThanOrEqual(4 * EPS * T * T * (b[i] + 1));
      expect(Math.abs(g[i] - T * gs[i]), `grad ${i}`).toBeLessThanOrEqual(4 * EPS * T);
    }
    // teacher logits of ±Infinity are the targets 1 and 0
    const inf = k.bceWithLogits(z, f64([Infinity, -Infinity, 0, Infinity, -Infinity]), {
      targetLogits: true,
      reduction: 'none',
    });
    const hard = k.bceWithLogits(z, f64([1, 0, 0.5, 1, 0]), { reduction: 'none' });
    expect(Array.from(inf)).toEqual(Array.from(hard));
  });

  it('a zero row weight removes the row: loss and gradient 0, even where infinite', () => {
    const z = f64([1, 0, -Infinity, 0.5, 2, 1]);
    const s = f64([1, 1, 1, 0, 0, 0]);
    const g = new Float64Array(z.length).fill(7);
    const l = k.softmaxCrossEntropy(z, s, 3, {
      mode: 'kl',
      targetLogits: true,
      weight: f64([0, 2]),
      reduction: 'none',
      grad: g,
    });
    expect(l[0]).toBe(0);
    expect(Array.from(g.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Number.isFinite(l[1]) && l[1] > 0).toBe(true);
  });

  it('refuses what the form does not take, names the first bad element, leaves inputs untouched', () => {
    const z = f64([1, 2, 3, 4, 5, 6]);
    const s = f64([0, 1, Number.NaN, 2, Number.NaN, 0]);
    const copy = Array.from(s);
    const call = (o: object, t = s) => outcome(() => k.softmaxCrossEntropy(z, t, 3, o as SoftmaxOptions));
    expect(call({ targetLogits: true })).toBe('RangeError: softmaxCrossEntropy: targets[2] is NaN (teacher logits)');
    expect(call({})).toBe('RangeError: softmaxCrossEntropy: targets[2] = NaN is not a finite number >= 0');
    const ok = f64([0.2, 0.3, 0.5, 1, 0, 0]);
    expect(call({ mode: 'js', classWeight: f64([1, 1, 1]) }, ok)).toBe(
      "RangeError: softmaxCrossEntropy: classWeight is only for modes 'ce' and 'kl', got mode 'js'",
    );
    expect(call({ mode: 'kl', beta: 0.5 }, ok)).toBe(
      "RangeError: softmaxCrossEntropy: beta is only for mode 'js', got mode 'kl'",
    );
    expect(call({ mode: 'js', beta: 1.5 }, ok)).toBe('RangeError: softmaxCrossEntropy: beta = 1.5 is outside [0, 1]');
    expect(call({ mode: 'js', beta: '0.5' }, ok)).toBe(
      "TypeError: softmaxCrossEntropy: beta must be a number, got the string '0.5'",
    );
    for (const T of [0, -1, Number.NaN, Infinity]) {
      expect(call({ temperature: T }, ok)).toBe(
        `RangeError: softmaxCrossEntropy: temperature = ${T} is not a finite number > 0`,
      );
    }
    expect(call({ temperature: '2' }, ok)).toBe(
      "TypeError: softmaxCrossEntropy: temperature must be a number, got the string '2'",
    );
    expect(call({ targetLogits: 1 }, ok)).toBe(
      'TypeError: softmaxCrossEntropy: targetLogits must be a boolean, got number 1',
    );
    expect(call({ mode: 'jsd' }, ok)).toBe(
      "RangeError: softmaxCrossEntropy: mode must be 'ce', 'kl', 'reverse-kl' or 'js', got the string 'jsd'",
    );
    expect(outcome(() => k.bceWithLogits(z, s, { targetLogits: true }))).toBe(
      'RangeError: bceWithLogits: targets[2] is NaN (teacher logits)',
    );
    expect(outcome(() => k.bceWithLogits(z, f64([5, -3, 0, 1, 2, 3]), { targetLogits: true }))).toBe('ok');
    expect(outcome(() => k.bceWithLogits(z, ok, { temperature: 0 }))).toBe(
      'RangeError: bceWithLogits: temperature = 0 is not a finite number > 0',
    );
    expect(Array.from(s)).toEqual(copy);
    // still usable
    expect(Number.isFinite(k.softmaxCrossEntropy(z, ok, 3, { mode: 'js' }))).toBe(true);
  });
});

describe.each(CHUNKED)('distillation on %s with a small arena', (_name, make) => {
  it('rows wider than the arena and batches across chunks stay within the bounds', async () => {
    const k = await make();
    const a = distillAccuracy(k);
    expect(a.loss.ulps, a.loss.at).toBeLessThanOrEqual(BOUND);
    expect(a.grad.ulps, a.grad.at).toBeLessThanOrEqual(BOUND);
  });
});

describe('the WebAssembly builds on distillation', () => {
  it('give the same bits for losses, totals and gradients', async () => {
    const [v, s] = [await createKernel(), await createKernel({ simd: false })];
    const run = (k: Softxent, c: DistillCase) => {
      const g = new Float64Array(c.logits.length);
      const none = k.softmaxCrossEntropy(f64(c.logits), f64(c.targets), c.classes, { ...dsOptions(c), grad: g });
      const sum = k.softmaxCrossEntropy(f64(c.logits), f64(c.targets), c.classes, dsOptions(c, 'sum'));
      return [Array.from(none as Float64Array), sum, Array.from(g)];
    };
    for (const c of DS.cases) expect(run(v, c), `${c.mode} C=${c.classes}`).toEqual(run(s, c));
    const bce = (k: Softxent, c: DistillBce) => {
      const g = new Float64Array(c.logits.length);
      const o = {
        targetLogits: true,
        temperature: c.temperature,
        grad: g,
        ...(c.weight ? { weight: f64(c.weight) } : {}),
        ...(c.posWeight === null ? {} : { posWeight: c.posWeight }),
      };
      const none = k.bceWithLogits(f64(c.logits), f64(c.targets), { ...o, reduction: 'none' });
      return [
        Array.from(none),
        k.bceWithLogits(f64(c.logits), f64(c.targets), { ...o, reduction: 'sum' }),
        Array.from(g),
      ];
    };
    for (const c of DS.bce) expect(bce(v, c)).toEqual(bce(s, c));
  });
});
