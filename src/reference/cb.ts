// The continuous-Bernoulli family written for clarity, with the method of assembly/cb.ts: everything
// from a = |eta| and e = exp(-a); near eta = 0 the same polynomials (values of assembly/cb.ts's bit
// patterns, checked by a test; evaluated here by Horner's rule, there by Estrin's), elsewhere
// log a + 2 atanh(e) (Math.atanh) and 1/a - e/(1 - e).
import type { CbFamily, Elementwise } from '../types.js';
import { meanOptions, outFor, predError, predOk } from '../validate.js';
import { type Element, loss } from './binary.js';

/** log C = ln2 + z P(z), z = a^2 < A0^2 (scripts/cbfit.py). */
export const P = [
  0.08333333333333333, -0.004861111111111012, 0.00034171075837535937, -2.6248346543806387e-5, 2.133604490551322e-6,
  -1.8027876229867674e-7, 1.5659155850384903e-8, -1.3879962175279049e-9, 1.2473767303869142e-10,
  -1.1224897342050178e-11, 9.758535607988388e-13, -7.518193948568053e-14, 4.342953926023947e-15,
  -1.3318535297714678e-16,
];
/** mu(eta) = 1/2 + eta S(z) for a < A0. */
export const S = [
  0.08333333333333333, -0.0013888888888888482, 3.306878306835265e-5, -8.267195749499064e-7, 2.0876753284804866e-8,
  -5.284145496953171e-10, 1.3379244998228459e-11, -3.3745400073795333e-13, 8.158573534191925e-15,
  -1.4805889730884743e-16,
];
export const A0 = 1.7677669529663689;

const horner = (cs: readonly number[], z: number) => cs.reduceRight((acc, c) => c + z * acc, 0);

/** log C and mu(-a) from a = |eta| >= 0 and e = exp(-a). */
function core(a: number, e: number): [logC: number, muNeg: number] {
  if (a === Infinity) return [Infinity, 0];
  if (a < A0) return [Math.LN2 + a * a * horner(P, a * a), 0.5 - a * horner(S, a * a)];
  return [Math.log(a) + 2 * Math.atanh(e), 1 / a - e / (1 - e)];
}

/** a, e, sign and the two log-probabilities of probability lambda: m = min(lambda, 1 - lambda) is exact. */
function fromProbs(lambda: number) {
  const neg = lambda < 0.5;
  const m = neg ? lambda : 1 - lambda;
  const lm = Math.log(m);
  const l1m = Math.log1p(-m);
  return { neg, a: l1m - lm, e: m / (1 - m), nlogL: -(neg ? lm : l1m), nlog1mL: -(neg ? l1m : lm), q: m * (1 - m) };
}

function fromLogits(eta: number) {
  const a = Math.abs(eta);
  const e = Math.exp(-a);
  const l = Math.log1p(e);
  // softplus(-eta), softplus(eta)
  return { neg: eta < 0, a, e, nlogL: (eta < 0 ? a : 0) + l, nlog1mL: (eta < 0 ? 0 : a) + l, q: 1 };
}

const mean = (neg: boolean, muNeg: number) => (neg ? muNeg : 1 - muNeg);

// NLL = x softplus(-eta) + (1-x) softplus(eta) - log C; the derivative mu - x (per lambda: / lambda(1-lambda)).
// At lambda = 0, 1 (eta = ±Infinity) the limits: -Infinity where x is that endpoint, else +Infinity.
const nll =
  (logits: boolean): Element =>
  (_c, v, x, lg) => {
    const d = logits ? fromLogits(v) : fromProbs(v);
    const [logC, muNeg] = core(d.a, d.e);
    const mu = mean(d.neg, muNeg);
    const b = (x === 0 ? 0 : x * d.nlogL) + (x === 1 ? 0 : (1 - x) * d.nlog1mL);
    if (d.a === Infinity) {
      lg[0] = x === mu ? -Infinity : Infinity;
      lg[1] = logits ? mu - x : (x === mu) === d.neg ? Infinity : -Infinity;
    } else {
      lg[0] = b - logC;
      lg[1] = (mu - x) / d.q;
    }
  };

function map(fn: string, name: string, logits: boolean, f: (v: number) => number, x: unknown, out: unknown) {
  const [xs, o] = outFor(fn, x, out, name);
  for (let i = 0; i < xs.length; i++) if (!predOk(logits, xs[i])) throw predError(fn, name, logits, i, xs[i]);
  for (let i = 0; i < xs.length; i++) o[i] = f(xs[i]);
  return o;
}

const logC = (logits: boolean) => (v: number) => {
  const d = logits ? fromLogits(v) : fromProbs(v);
  return core(d.a, d.e)[0];
};
const mu = (logits: boolean) => (v: number) => {
  const d = logits ? fromLogits(v) : fromProbs(v);
  return mean(d.neg, core(d.a, d.e)[1]);
};

export const cb: CbFamily = {
  cbLogNorm: ((probs: unknown, out?: unknown) =>
    map('cbLogNorm', 'probs', false, logC(false), probs, out)) as Elementwise,
  cbLogNormWithLogits: ((logits: unknown, out?: unknown) =>
    map('cbLogNormWithLogits', 'logits', true, logC(true), logits, out)) as Elementwise,
  cbMean: ((values: unknown, options: unknown, out?: unknown) => {
    const logits = meanOptions(options);
    return map('cbMean', logits ? 'logits' : 'probs', logits, mu(logits), values, out);
  }) as CbFamily['cbMean'],
  cbNll: loss('cbNll', nll(false)),
  cbNllWithLogits: loss('cbNllWithLogits', nll(true)),
};
