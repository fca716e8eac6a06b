// sigmoidFocalLoss (issue 15) on every backend: mpmath truths within 32 eps of the terms' magnitude
// for soft targets, logits to ±800 and their infinite limits, gamma in {0, 0.5, 1, 2, 5} and alpha or
// none; torchvision's sigmoid_focal_loss where it keeps its digits (and its losses where it does not);
// gamma = 0 is bceWithLogits exactly; the same bits from both builds; errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type FocalOptions, type Softxent } from '../src/index.js';
import { FC } from './accuracy.js';
import { BACKENDS, CHUNKED, fixture, outcome, uniform } from './helpers.js';

interface TorchCase {
  gamma: number;
  alpha: number | null;
  logits: number[];
  targets: number[];
  mean: number;
  sum: number;
  none: number[];
  gradMean: number[];
}

const F = {
  ...FC,
  ...fixture<{
    lossy: {
      x: number;
      t: number;
      gamma: number;
      alpha: number | null;
      torchvision: number;
      truth: [number, number];
    }[];
    torch: { cases: TorchCase[] };
  }>('focal.json'),
};

const BOUND = 32 * Number.EPSILON;

const opts = (c: { gamma: number; alpha: number | null; weight?: number[] | null }): FocalOptions => ({
  gamma: c.gamma,
  alpha: c.alpha,
  weight: c.weight ? Float64Array.from(c.weight) : undefined,
});

for (const [backend, make] of [...BACKENDS, ['wasm-simd chunked', CHUNKED[0][1]] as const]) {
  describe(`sigmoidFocalLoss on ${backend}`, () => {
    let k: Softxent;
    beforeAll(async () => {
      k = await make();
    });

    it('matches the mpmath truths, limits included: losses and gradients within 32 eps of the magnitude', () => {
      let n = 0;
      for (const c of [...F.cases, ...F.limits]) {
        const x = Float64Array.from(c.logits);
        const t = Float64Array.from(c.targets);
        const grad = new Float64Array(x.length);
        const none = k.sigmoidFocalLoss(x, t, { ...opts(c), reduction: 'none', grad });
        for (let i = 0; i < x.length; i++) {
          const [hi, lo] = c.loss[i];
          const at = `gamma ${c.gamma} alpha ${c.alpha} x = ${x[i]} t = ${t[i]}`;
          if (Number.isFinite(hi)) {
            expect(Math.abs(none[i] - hi - lo), at).toBeLessThanOrEqual(BOUND * c.scale[i] + 2 ** -1074);
          } else expect(none[i], at).toBe(hi);
          expect(Math.abs(grad[i] - c.grad[i]), `${at} grad`).toBeLessThanOrEqual(BOUND * c.gradScale[i] + 2 ** -1074);
          n++;
        }
      }
      expect(n).toBeGreaterThan(1000);
    });

    it("agrees with torchvision's sigmoid_focal_loss: 'mean', 'sum', 'none', the gradient of 'mean'", () => {
      for (const c of F.torch.cases) {
        const x = Float64Array.from(c.logits);
        const t = Float64Array.from(c.targets);
        const grad = new Float64Array(x.length);
        const mean = k.sigmoidFocalLoss(x, t, { ...opts(c), grad }) as number;
        expect(Math.abs(mean - c.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(c.mean));
        expect(
          Math.abs((k.sigmoidFocalLoss(x, t, { ...opts(c), reduction: 'sum' }) as number) - c.sum),
        ).toBeLessThanOrEqual(1e-12 * Math.abs(c.sum));
        k.sigmoidFocalLoss(x, t, { ...opts(c), reduction: 'none' }).forEach((v, i) => {
          expect(Math.abs(v - c.none[i])).toBeLessThanOrEqual(1e-12 * Math.abs(c.none[i]) + 1e-300);
        });
        grad.forEach((v, i) => {
          expect(Math.abs(v - c.gradMean[i])).toBeLessThanOrEqual(1e-12 * (Math.abs(c.gradMean[i]) + 1e-3));
        });
      }
    });

    it('is right where torchvision loses its digits (1 - p_t by subtraction)', () => {
      for (const p of F.lossy) {
        const l = k.sigmoidFocalLoss(Float64Array.of(p.x), Float64Array.of(p.t), {
          gamma: p.gamma,
          alpha: p.alpha,
          reduction: 'sum',
        });
        const [hi, lo] = p.truth;
        expect(Math.abs(l - hi - lo)).toBeLessThanOrEqual(8 * Number.EPSILON * Math.abs(hi));
        expect(Math.abs(p.torchvision - hi)).toBeGreaterThan(8 * Number.EPSILON * Math.abs(hi));
      }
    });

    it('gamma = 0 and alpha = null is bceWithLogits; defaults gamma 2, alpha 0.25', () => {
      const x = uniform(50, 3).map((v) => (v - 0.5) * 40);
      const t = uniform(50, 4);
      const g1 = new Float64Array(50);
      const g2 = new Float64Array(50);
      const a = k.sigmoidFocalLoss(x, t, { gamma: 0, alpha: null, reduction: 'none', grad: g1 });
      const b = k.bceWithLogits(x, t, { reduction: 'none', grad: g2 });
      a.forEach((v, i) => {
        expect(Math.abs(v - b[i])).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(b[i]));
      });
      g1.forEach((v, i) => {
        expect(Math.abs(v - g2[i])).toBeLessThanOrEqual(2 * Number.EPSILON);
      });
      expect(k.sigmoidFocalLoss(x, t)).toBe(k.sigmoidFocalLoss(x, t, { gamma: 2, alpha: 0.25, reduction: 'mean' }));
    });

    it('names bad input and options; inputs untouched; the kernel stays usable', () => {
      const x = Float64Array.of(0, Number.NaN, 1);
      const t = Float64Array.of(0.5, 0.5, 2);
      const before = [Float64Array.from(x), Float64Array.from(t)];
      expect(outcome(() => k.sigmoidFocalLoss(x, t))).toBe('RangeError: sigmoidFocalLoss: logits[1] is NaN');
      expect(outcome(() => k.sigmoidFocalLoss(x, t, { mask: Uint8Array.of(1, 0, 1) }))).toBe(
        'RangeError: sigmoidFocalLoss: targets[2] = 2 is outside [0, 1]',
      );
      expect(outcome(() => k.sigmoidFocalLoss(t, t, { gamma: -1 }))).toBe(
        'RangeError: sigmoidFocalLoss: gamma = -1 is not a finite number >= 0',
      );
      expect(outcome(() => k.sigmoidFocalLoss(t, t, { alpha: 1.5 }))).toBe(
        'RangeError: sigmoidFocalLoss: alpha = 1.5 is outside [0, 1]',
      );
      expect(outcome(() => k.sigmoidFocalLoss(t, t, { alpha: '0.5' as unknown as number }))).toBe(
        "TypeError: sigmoidFocalLoss: alpha must be a number or null, got the string '0.5'",
      );
      expect(outcome(() => k.sigmoidFocalLoss(t, t, { posWeight: 2 } as FocalOptions))).toBe(
        "TypeError: sigmoidFocalLoss: unknown option 'posWeight'",
      );
      expect([x, t]).toEqual(before);
      expect(k.sigmoidFocalLoss(Float64Array.of(0), Float64Array.of(1), { reduction: 'sum' })).toBeCloseTo(
        0.25 * Math.LN2 * 0.25,
        15,
      );
    });
  });
}

describe('sigmoidFocalLoss: both WebAssembly builds give the same bits', () => {
  it('on every fixture case, totals included', async () => {
    const [simd, scalar] = await Promise.all([createKernel(), createKernel({ simd: false })]);
    for (const c of [...F.cases, ...F.limits]) {
      const x = Float64Array.from(c.logits);
      const t = Float64Array.from(c.targets);
      const [a, b] = [simd, scalar].map((k) => {
        const grad = new Float64Array(x.length);
        return [
          k.sigmoidFocalLoss(x, t, { ...opts(c), reduction: 'none', grad }),
          grad,
          k.sigmoidFocalLoss(x, t, opts(c)),
        ];
      });
      expect(b).toEqual(a);
    }
  });
});
