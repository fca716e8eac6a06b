import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import src from '../assembly/cb.ts?raw';
import { createKernel, type Softxent } from '../src/index.js';
import { A0, P, S } from '../src/reference/cb.js';
import { cbLogNormAccuracy, cbMeanAccuracy, cbNllAccuracy } from './accuracy.js';
import { BACKENDS, CHUNKED, col, fixture } from './helpers.js';

const T = fixture<{
  logNorm: number[][];
  logNormLogits: number[][];
  torchNll: {
    probs: number[];
    logits: number[];
    x: number[];
    nll: number[];
    grad: number[];
    nllLogits: number[];
    gradLogits: number[];
  };
}>('cb.json');

const f64 = (a: readonly number[]) => Float64Array.from(a);
const EPS = 2 ** -52;

/** Simpson's rule over [0, 1] with n (even) intervals. */
function simpson(f: Float64Array): number {
  const n = f.length - 1;
  let s = f[0] + f[n];
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f[i];
  return s / (3 * n);
}

describe.each(BACKENDS)('continuous Bernoulli on %s', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });

  for (const logits of [false, true]) {
    const fn = logits ? 'cbLogNormWithLogits' : 'cbLogNorm';
    it(`${fn}: within 4 ulp of the true value everywhere (mpmath, adversarial and random points)`, () => {
      const w = cbLogNormAccuracy(k, logits);
      expect(w.points).toBeGreaterThan(900);
      expect(w.ulps, w.at).toBeLessThanOrEqual(4);
    });
    it(`cbMean (${logits ? 'logits' : 'probs'}): within 4 ulp of the true mean`, () => {
      const w = cbMeanAccuracy(k, logits);
      expect(w.ulps, w.at).toBeLessThanOrEqual(4);
    });
    it(`${logits ? 'cbNllWithLogits' : 'cbNll'}: loss and gradient within 16 eps of the magnitude of their terms`, () => {
      const { loss, grad } = cbNllAccuracy(k, logits);
      expect(loss.points).toBe(600);
      expect(loss.ulps, loss.at).toBeLessThanOrEqual(16);
      expect(grad.ulps, grad.at).toBeLessThanOrEqual(16);
    });
  }

  it('has the exact special values', () => {
    const lc = k.cbLogNorm(f64([0, 1, 0.5]));
    expect(Array.from(lc)).toEqual([Infinity, Infinity, Math.LN2]);
    expect(Array.from(k.cbLogNormWithLogits(f64([Infinity, -Infinity, 0, -0])))).toEqual([
      Infinity,
      Infinity,
      Math.LN2,
      Math.LN2,
    ]);
    expect(Array.from(k.cbMean(f64([0, 1, 0.5])))).toEqual([0, 1, 0.5]);
    expect(Array.from(k.cbMean(f64([-Infinity, Infinity, 0]), { logits: true }))).toEqual([0, 1, 0.5]);
  });

  it('is symmetric: log C(lambda) = log C(1 - lambda), mu(lambda) = 1 - mu(1 - lambda) (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.5, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }), (hi) => {
        const h = f64(hi);
        const lo = h.map((v) => 1 - v); // exact for v in [1/2, 1]
        expect(k.cbLogNorm(lo)).toEqual(k.cbLogNorm(h));
        const ml = k.cbMean(lo);
        k.cbMean(h).forEach((m, i) => {
          expect(Math.abs(1 - m - ml[i])).toBeLessThanOrEqual(2 * EPS);
        });
      }),
      { numRuns: 50 },
    );
  });

  it("follows PyTorch's -log_prob and autograd gradients (outside PyTorch's Taylor window)", () => {
    const t = T.torchNll;
    const g = new Float64Array(t.x.length);
    const nll = k.cbNll(f64(t.x), f64(t.probs), { reduction: 'none', grad: g });
    nll.forEach((v, i) => {
      expect(Math.abs(v - t.nll[i]), `nll ${i}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(t.nll[i])));
      expect(Math.abs(g[i] - t.grad[i]), `grad ${i}`).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(t.grad[i])));
    });
    const nl = k.cbNllWithLogits(f64(t.x), f64(t.logits), { reduction: 'none', grad: g });
    nl.forEach((v, i) => {
      expect(Math.abs(v - t.nllLogits[i]), `nll ${i}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(t.nllLogits[i])));
      expect(Math.abs(g[i] - t.gradLogits[i]), `grad ${i}`).toBeLessThanOrEqual(1e-10);
    });
  });

  it('is a density: exp(-cbNll(x, lambda)) integrates to 1 over [0, 1]', () => {
    const n = 4096;
    const x = Float64Array.from({ length: n + 1 }, (_, i) => i / n);
    for (const lam of [0.001, 0.1, 0.3, 0.5, 0.5 + 1e-12, 0.8, 0.99]) {
      const nll = k.cbNll(x, new Float64Array(n + 1).fill(lam), { reduction: 'none' });
      expect(Math.abs(simpson(nll.map((v) => Math.exp(-v))) - 1), `lambda ${lam}`).toBeLessThan(1e-9);
    }
    const eta = new Float64Array(n + 1).fill(-3);
    const nll = k.cbNllWithLogits(x, eta, { reduction: 'none' });
    expect(Math.abs(simpson(nll.map((v) => Math.exp(-v))) - 1)).toBeLessThan(1e-9);
  });

  it('equals bce minus the log-normalizer (the correction of the paper), from probabilities and logits', () => {
    const n = 200;
    const rnd = fc.sample(fc.double({ min: 1e-30, max: 1 - 1e-12, noNaN: true }), { numRuns: 2 * n, seed: 3 });
    const lam = f64(rnd.slice(0, n));
    const x = f64(rnd.slice(n));
    const nll = k.cbNll(x, lam, { reduction: 'none' });
    const b = k.bce(lam, x, { reduction: 'none' });
    const lc = k.cbLogNorm(lam);
    nll.forEach((v, i) => {
      expect(Math.abs(v - (b[i] - lc[i])), `${i}`).toBeLessThanOrEqual(8 * EPS * (b[i] + lc[i]));
    });
    const eta = lam.map((v) => 40 * v - 20);
    const nl = k.cbNllWithLogits(x, eta, { reduction: 'none' });
    const bl = k.bceWithLogits(eta, x, { reduction: 'none' });
    const ll = k.cbLogNormWithLogits(eta);
    nl.forEach((v, i) => {
      expect(Math.abs(v - (bl[i] - ll[i])), `${i}`).toBeLessThanOrEqual(8 * EPS * (bl[i] + ll[i]));
    });
  });

  it('gives the gradient w.r.t. logits as mean minus x, and w.r.t. probs divided by lambda(1 - lambda)', () => {
    const eta = f64([-30, -2, -1.7, -0.3, 0, 1e-9, 1.77, 4, 600]);
    const x = f64([0.1, 0.9, 0, 1, 0.5, 0.25, 0.75, 0.3, 1]);
    const g = new Float64Array(eta.length);
    k.cbNllWithLogits(x, eta, { reduction: 'none', grad: g });
    const mu = k.cbMean(eta, { logits: true });
    expect(g).toEqual(mu.map((m, i) => m - x[i]));
    const lam = f64([1e-300, 0.01, 0.2, 0.5, 0.7, 0.99, 1 - 2 ** -53, 0.4, 0.6]);
    k.cbNll(x, lam, { reduction: 'none', grad: g });
    const mp = k.cbMean(lam);
    g.forEach((v, i) => {
      const want = (mp[i] - x[i]) / (lam[i] * (1 - lam[i]));
      expect(Math.abs(v - want), `${i}`).toBeLessThanOrEqual(4 * EPS * Math.abs(want));
    });
  });

  it('reduces with weights: mean = sum / N, weight 0 removes a sample, grad carries 1/N', () => {
    const x = f64([0.1, 0.9, 0.5, 0.3, 0.7]);
    const lam = f64([0.2, 0.8, 0.5, 0, 0.6]);
    const w = f64([2, 0.5, 1, 0, 3]);
    const none = k.cbNll(x, lam, { reduction: 'none', weight: w });
    const gs = new Float64Array(5);
    const gm = new Float64Array(5);
    const sum = k.cbNll(x, lam, { reduction: 'sum', weight: w, grad: gs });
    const mean = k.cbNll(x, lam, { reduction: 'mean', weight: w, grad: gm });
    expect(none[3]).toBe(0);
    expect(gs[3]).toBe(0);
    expect(Math.abs(sum - none.reduce((a, b) => a + b))).toBeLessThanOrEqual(4 * EPS * 10);
    expect(mean).toBe(sum / 5);
    gm.forEach((v, i) => {
      expect(v).toBe(gs[i] * (1 / 5));
    });
    const e = new Float64Array(0);
    expect(k.cbNllWithLogits(e, e)).toBeNaN();
    expect(k.cbNllWithLogits(e, e, { reduction: 'sum' })).toBe(0);
  });

  it('gives the limits at lambda = 0, 1 (eta = ±Infinity): -Infinity at the endpoint, else +Infinity', () => {
    const g = new Float64Array(4);
    const l = k.cbNll(f64([0, 0.5, 1, 0.5]), f64([0, 0, 1, 1]), { reduction: 'none', grad: g });
    expect(Array.from(l)).toEqual([-Infinity, Infinity, -Infinity, Infinity]);
    expect(Array.from(g)).toEqual([Infinity, -Infinity, -Infinity, Infinity]);
    const gl = new Float64Array(4);
    const ll = k.cbNllWithLogits(f64([0, 0.5, 1, 0.5]), f64([-Infinity, -Infinity, Infinity, Infinity]), {
      reduction: 'none',
      grad: gl,
    });
    expect(Array.from(ll)).toEqual([-Infinity, Infinity, -Infinity, Infinity]);
    expect(Array.from(gl)).toEqual([0, -0.5, 0, 0.5]);
    // Sums: one infinity is that infinity, both signs are NaN (undefined).
    expect(k.cbNll(f64([0.5, 0.3, 0.5]), f64([0, 0.4, 1]), { reduction: 'sum' })).toBe(Infinity);
    expect(k.cbNll(f64([0, 0.3, 1]), f64([0, 0.4, 1]), { reduction: 'sum' })).toBe(-Infinity);
    expect(k.cbNll(f64([0, 0.3, 0.5]), f64([0, 0.4, 1]), { reduction: 'mean' })).toBeNaN();
  });

  it('writes out and grad in place into their own input', () => {
    const lam = f64([0.1, 0.5, 0.9, 1e-5, 0.3]);
    const want = k.cbLogNorm(lam);
    const wantG = new Float64Array(5);
    const x = f64([0.2, 0.2, 0.2, 0.2, 0.2]);
    const wantL = k.cbNll(x, lam, { reduction: 'none', grad: wantG });
    const l2 = lam.slice();
    expect(k.cbLogNorm(l2, l2)).toEqual(want);
    const l3 = lam.slice();
    expect(k.cbNll(x, l3, { reduction: 'none', grad: l3 })).toEqual(wantL);
    expect(l3).toEqual(wantG);
  });

  it('throws TypeError and RangeError naming the argument, index and value', () => {
    const ok = f64([0.5, 0.5]);
    expect(() => k.cbLogNorm([0.5] as unknown as Float64Array)).toThrow(
      new TypeError('cbLogNorm: probs must be a Float64Array or a Float32Array, got an Array'),
    );
    expect(() => k.cbLogNorm(f64([0.5, 1.5]))).toThrow(new RangeError('cbLogNorm: probs[1] = 1.5 is outside [0, 1]'));
    expect(() => k.cbLogNorm(f64([Number.NaN]))).toThrow(new RangeError('cbLogNorm: probs[0] = NaN is outside [0, 1]'));
    expect(() => k.cbLogNorm(ok, new Float64Array(3))).toThrow(
      new RangeError('cbLogNorm: out has length 3, expected 2 (the length of probs)'),
    );
    expect(() => k.cbLogNormWithLogits(f64([0, Number.NaN]))).toThrow(
      new RangeError('cbLogNormWithLogits: logits[1] is NaN'),
    );
    expect(() => k.cbMean(f64([2]))).toThrow(new RangeError('cbMean: probs[0] = 2 is outside [0, 1]'));
    expect(() => k.cbMean(f64([Number.NaN]), { logits: true })).toThrow(new RangeError('cbMean: logits[0] is NaN'));
    expect(() => k.cbMean(ok, { logits: 1 } as never)).toThrow(
      new TypeError('cbMean: logits must be a boolean, got number 1'),
    );
    expect(() => k.cbMean(ok, { log: true } as never)).toThrow(new TypeError("cbMean: unknown option 'log'"));
    expect(() => k.cbNll(ok, 'a' as never)).toThrow(
      new TypeError("cbNll: probs must be a Float64Array or a Float32Array, got the string 'a'"),
    );
    expect(() => k.cbNll(f64([0.5]), ok)).toThrow(
      new RangeError('cbNll: probs has length 2, expected 1 (the length of x)'),
    );
    // x is the first argument: checked first at the same index.
    expect(() => k.cbNll(f64([0.5, 2]), f64([0.5, -1]))).toThrow(new RangeError('cbNll: x[1] = 2 is outside [0, 1]'));
    expect(() => k.cbNll(f64([0.5, 0.5]), f64([0.5, -1]))).toThrow(
      new RangeError('cbNll: probs[1] = -1 is outside [0, 1]'),
    );
    expect(() => k.cbNllWithLogits(ok, f64([1, Number.NaN]))).toThrow(
      new RangeError('cbNllWithLogits: logits[1] is NaN'),
    );
    expect(() => k.cbNllWithLogits(ok, ok, { weight: f64([1, -1]) })).toThrow(
      new RangeError('cbNllWithLogits: weight[1] = -1 is not a finite number >= 0'),
    );
    expect(() => k.cbNllWithLogits(ok, ok, { posWeight: 2 } as never)).toThrow(
      new TypeError("cbNllWithLogits: unknown option 'posWeight'"),
    );
    expect(() => k.cbNll(ok, ok, { reduction: 'avg' } as never)).toThrow(RangeError);
  });

  it('leaves inputs untouched and the kernel usable after an error', () => {
    const x = f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    const lam = f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.7, 0.8]);
    const [xc, lc] = [x.slice(), lam.slice()];
    const g = new Float64Array(8);
    expect(() => k.cbNll(x, lam, { grad: g })).toThrow('probs[6] = 1.7');
    expect(() => k.cbLogNorm(lam)).toThrow('probs[6] = 1.7');
    expect(x).toEqual(xc);
    expect(lam).toEqual(lc);
    lam[6] = 0.7;
    expect(Number.isFinite(k.cbNll(x, lam, { grad: g }))).toBe(true);
  });
});

describe.each(CHUNKED.map((c, i) => [...c, BACKENDS[i][1]] as const))(
  'continuous Bernoulli across chunk boundaries on %s',
  (_name, make, makeWhole) => {
    it('gives the same values as one chunk and names the global index of a bad element', async () => {
      const k = await make();
      const whole = await makeWhole();
      const n = 37;
      const rnd = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { numRuns: 2 * n, seed: 9 });
      const x = f64(rnd.slice(0, n));
      const lam = f64(rnd.slice(n));
      const g = new Float64Array(n);
      const g1 = new Float64Array(n);
      expect(k.cbNll(x, lam, { reduction: 'none', grad: g })).toEqual(
        whole.cbNll(x, lam, { reduction: 'none', grad: g1 }),
      );
      expect(g).toEqual(g1);
      expect(k.cbNll(x, lam, { reduction: 'sum' })).toBeCloseTo(whole.cbNll(x, lam, { reduction: 'sum' }), 13);
      expect(k.cbLogNormWithLogits(x)).toEqual(whole.cbLogNormWithLogits(x));
      lam[29] = -0.5;
      expect(() => k.cbLogNorm(lam)).toThrow(new RangeError('cbLogNorm: probs[29] = -0.5 is outside [0, 1]'));
      expect(() => k.cbNll(x, lam)).toThrow(new RangeError('cbNll: probs[29] = -0.5 is outside [0, 1]'));
    });
  },
);

describe('continuous Bernoulli builds', () => {
  it('SIMD and scalar builds return the same bits', async () => {
    const simd = await createKernel();
    const scalar = await createKernel({ simd: false });
    const lam = col(T.logNorm, 0);
    const eta = col(T.logNormLogits, 0);
    const x = lam.map((_, i) => (i * 0.618) % 1);
    const xe = eta.map((_, i) => (i * 0.618) % 1);
    for (const k of [simd, scalar]) expect(k.backend).toBe(k === simd ? 'wasm-simd' : 'wasm');
    expect(simd.cbLogNorm(lam)).toEqual(scalar.cbLogNorm(lam));
    expect(simd.cbLogNormWithLogits(eta)).toEqual(scalar.cbLogNormWithLogits(eta));
    expect(simd.cbMean(lam)).toEqual(scalar.cbMean(lam));
    expect(simd.cbMean(eta, { logits: true })).toEqual(scalar.cbMean(eta, { logits: true }));
    const [g1, g2] = [new Float64Array(lam.length), new Float64Array(lam.length)];
    expect(simd.cbNll(x, lam, { reduction: 'none', grad: g1 })).toEqual(
      scalar.cbNll(x, lam, { reduction: 'none', grad: g2 }),
    );
    expect(g1).toEqual(g2);
    const [h1, h2] = [new Float64Array(eta.length), new Float64Array(eta.length)];
    expect(simd.cbNllWithLogits(xe, eta, { reduction: 'none', grad: h1 })).toEqual(
      scalar.cbNllWithLogits(xe, eta, { reduction: 'none', grad: h2 }),
    );
    expect(h1).toEqual(h2);
  });

  it("the reference's polynomial coefficients are the bit patterns of assembly/cb.ts", () => {
    const bits = (name: string) => {
      const m = src.match(new RegExp(`const ${name}: u64 = 0x([0-9a-f]{16});`));
      if (!m) throw new Error(`${name} not found`);
      return new Float64Array(new BigUint64Array([BigInt(`0x${m[1]}`)]).buffer)[0];
    };
    expect(P.map((_, i) => bits(`P${i}`))).toEqual(P);
    expect(S.map((_, i) => bits(`S${i}`))).toEqual(S);
    expect(bits('A0')).toBe(A0);
  });
});
