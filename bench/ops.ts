// The benchmarked operations: each as the obvious hand-written JS loop (no validation) and through
// the library API, over the same data.
import type * as Tf from '@tensorflow/tfjs-core';
import type { Dtype, FloatArray, KernelArray, Softxent } from '../src/index.js';

export interface Data {
  n: number;
  p: FloatArray;
  x: FloatArray;
  t: FloatArray;
  /** Teacher logits (distillation): t spread over [-8, 8]. */
  v: FloatArray;
  out: FloatArray;
  grad: FloatArray;
  /** Soft labels per class count: t normalized over each row of C. */
  soft(C: number): FloatArray;
  /** Class indices per class count: one per row of C, from t. */
  labels(C: number): Int32Array;
  /**
   * A mask of `count` samples that keeps every one: what the mask itself costs (the checks), with the
   * same work to do as the unmasked call.
   */
  mask(count: number): Uint8Array;
}

/**
 * Data whose arrays come from `make` (each made once, on first use) as copies of `d`'s. Each access
 * reads the made array's `.array` again (a kernel array's view may be detached by growth), with no
 * allocation, so that the zero-copy variants time the library, not this wrapper.
 */
function derived(d: Data, make: (a: FloatArray) => { array: FloatArray }): Data & { blocks: { array: FloatArray }[] } {
  type Key = 'p' | 'x' | 't' | 'v' | 'out' | 'grad';
  const cache: Partial<Record<Key, { array: FloatArray }>> = {};
  const softs = new Map<number, { array: FloatArray }>();
  const one = (key: Key): FloatArray => {
    let b = cache[key];
    if (!b) {
      b = make(d[key]);
      cache[key] = b;
    }
    return b.array;
  };
  return {
    n: d.n,
    get p() {
      return one('p');
    },
    get x() {
      return one('x');
    },
    get t() {
      return one('t');
    },
    get v() {
      return one('v');
    },
    get out() {
      return one('out');
    },
    get grad() {
      return one('grad');
    },
    soft(C) {
      let b = softs.get(C);
      if (!b) {
        b = make(d.soft(C));
        softs.set(C, b);
      }
      return b.array;
    },
    labels: (C) => d.labels(C),
    mask: (count) => d.mask(count),
    get blocks() {
      return [...Object.values(cache), ...softs.values()];
    },
  };
}

export function makeData(n: number, seed = 1): Data {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const p = Float64Array.from({ length: n }, rnd);
  const t = Float64Array.from({ length: n }, rnd);
  const soft = new Map<number, Float64Array>();
  const labels = new Map<number, Int32Array>();
  const masks = new Map<number, Uint8Array>();
  return {
    n,
    p,
    x: p.map((v) => (v - 0.5) * 20),
    t,
    v: t.map((v) => (v - 0.5) * 16),
    out: new Float64Array(n),
    grad: new Float64Array(n),
    soft(C) {
      let s = soft.get(C);
      if (!s) {
        s = t.slice();
        for (let r = 0; r < n; r += C) {
          const row = s.subarray(r, r + C);
          const sum = row.reduce((a, v) => a + v, 0);
          row.forEach((v, i) => {
            row[i] = v / sum;
          });
        }
        soft.set(C, s);
      }
      return s;
    },
    mask(count) {
      let m = masks.get(count);
      if (!m) {
        m = new Uint8Array(count).fill(1);
        masks.set(count, m);
      }
      return m;
    },
    labels(C) {
      let y = labels.get(C);
      if (!y) {
        y = Int32Array.from({ length: n / C }, (_, r) => Math.floor(t[r] * C));
        labels.set(C, y);
      }
      return y;
    },
  };
}

/** The same data as Float32Arrays (each value rounded once). */
export const asFloat32 = (d: Data): Data => derived(d, (a) => ({ array: Float32Array.from(a) }));

/** The same data in k's own memory (k.alloc of `dtype`), for the zero-copy variants. */
export function inKernel(k: Softxent, d: Data, dtype: Dtype = 'float64'): Data & { free(): void } {
  const data = derived(d, (a) => {
    const b: KernelArray<FloatArray> = dtype === 'float32' ? k.alloc(a.length, 'float32') : k.alloc(a.length);
    b.array.set(a);
    return b;
  });
  return Object.assign(data, {
    free() {
      for (const b of data.blocks) (b as KernelArray<FloatArray>).free();
    },
  });
}

/** Softmax cross-entropy with its gradient, the obvious JS: max, exp (kept in grad), sums, scaling. */
function softmaxPlain({ x, grad, n, soft }: Data, C: number): number {
  const t = soft(C);
  const rows = n / C;
  let loss = 0;
  for (let r = 0; r < n; r += C) {
    let m = -Infinity;
    for (let c = r; c < r + C; c++) m = Math.max(m, x[c]);
    let s = 0;
    let st = 0;
    let a = 0;
    for (let c = r; c < r + C; c++) {
      const e = Math.exp(x[c] - m);
      grad[c] = e;
      s += e;
      st += t[c];
      a += t[c] * (m - x[c]);
    }
    loss += a + st * Math.log(s);
    const k = st / s;
    for (let c = r; c < r + C; c++) grad[c] = (grad[c] * k - t[c]) / rows;
  }
  return loss / rows;
}

/** Cross-entropy against class indices with its gradient, the obvious JS ('mean' over rows). */
function labelsPlain({ x, grad, n, labels }: Data, C: number): number {
  const y = labels(C);
  const rows = n / C;
  let loss = 0;
  for (let r = 0, i = 0; r < n; r += C, i++) {
    let m = -Infinity;
    for (let c = r; c < r + C; c++) m = Math.max(m, x[c]);
    let s = 0;
    for (let c = r; c < r + C; c++) {
      const e = Math.exp(x[c] - m);
      grad[c] = e;
      s += e;
    }
    loss += m + Math.log(s) - x[r + y[i]];
    const k = 1 / (s * rows);
    for (let c = r; c < r + C; c++) grad[c] *= k;
    grad[r + y[i]] -= 1 / rows;
  }
  return loss / rows;
}

/**
 * torchvision's sigmoid_focal_loss (gamma 2, alpha 0.25, 'mean') with its gradient, the obvious JS:
 * p, ce, 1 - p_t, the power, alpha_t; the derivative by hand.
 */
function focalPlain({ x, t, grad, n }: Data, gamma = 2, alpha = 0.25): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const ti = t[i];
    const p = 1 / (1 + Math.exp(-xi));
    const ce = Math.max(xi, 0) - xi * ti + Math.log1p(Math.exp(-Math.abs(xi)));
    const m = 1 - (p * ti + (1 - p) * (1 - ti));
    const mg = m ** gamma;
    const at = alpha * ti + (1 - alpha) * (1 - ti);
    loss += at * ce * mg;
    grad[i] = (at * ((p - ti) * mg + gamma * m ** (gamma - 1) * ce * (1 - 2 * ti) * p * (1 - p))) / n;
  }
  return loss / n;
}

/** The distillation benchmarks' temperature. */
const TEMP = 2;

/**
 * Distillation with its gradient as a user writes it (T² KL(teacher ‖ student) over z/T, 'batchmean'):
 * the teacher's softmax (kept in grad), the student's log-softmax, the KL terms, the gradient.
 */
function distillPlain({ x, v, grad, n }: Data, C: number, q: Float64Array): number {
  const rows = n / C;
  const T = TEMP;
  let loss = 0;
  for (let r = 0; r < n; r += C) {
    let mt = -Infinity;
    let ms = -Infinity;
    for (let c = r; c < r + C; c++) {
      mt = Math.max(mt, v[c] / T);
      ms = Math.max(ms, x[c] / T);
    }
    let st = 0;
    let ss = 0;
    for (let c = r; c < r + C; c++) {
      const p = Math.exp(v[c] / T - mt);
      grad[c] = p;
      st += p;
      const e = Math.exp(x[c] / T - ms);
      q[c - r] = e;
      ss += e;
    }
    const lt = mt + Math.log(st);
    const ls = ms + Math.log(ss);
    let kl = 0;
    for (let c = r; c < r + C; c++) {
      const p = grad[c] / st;
      if (p > 0) kl += p * (v[c] / T - lt - (x[c] / T - ls));
      grad[c] = (T * (q[c - r] / ss - p)) / rows;
    }
    loss += kl;
  }
  return (loss * T * T) / rows;
}

/** The middle value (the upper one of an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export interface Op {
  name: string;
  /** Input arrays of n float64 it reads (the memory floor copies as many). */
  inputs: 1 | 2;
  /** Classes per row (multi-class ops): n must be a multiple. */
  classes?: number;
  /** The issue whose targets the op carries (none: issues 6 and 13's, the original ops). */
  issue?: number;
  plain(d: Data): unknown;
  lib(k: Softxent, d: Data): unknown;
  /** The same call with a mask that keeps everything (d.mask), timed beside it: the mask's overhead. */
  masked?(k: Softxent, d: Data): unknown;
  /** TF.js's float32 loss alone on the same data (tensors made once), where it has the loss. */
  tfjs?(tf: typeof Tf, d: Data): () => unknown;
}

/** Runs a TF.js loss and reads its value (dataSync), releasing what it made. */
const tfRun = (tf: typeof Tf, loss: () => Tf.Tensor) => () => tf.tidy(loss).dataSync();

export const OPS: Op[] = [
  {
    name: 'log',
    inputs: 1,
    plain: ({ p, out, n }) => {
      for (let i = 0; i < n; i++) out[i] = Math.log(p[i]);
    },
    lib: (k, d) => k.log(d.p, d.out),
  },
  {
    name: 'bce',
    inputs: 2,
    plain: ({ p, t, n }) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s -= t[i] * Math.max(Math.log(p[i]), -100) + (1 - t[i]) * Math.max(Math.log(1 - p[i]), -100);
      }
      return s / n;
    },
    lib: (k, d) => k.bce(d.p, d.t),
  },
  {
    name: 'bce+grad',
    inputs: 2,
    plain: ({ p, t, grad, n }) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const q = p[i];
        s -= t[i] * Math.max(Math.log(q), -100) + (1 - t[i]) * Math.max(Math.log(1 - q), -100);
        grad[i] = (q - t[i]) / Math.max(q * (1 - q), 1e-12) / n;
      }
      return s / n;
    },
    lib: (k, d) => k.bce(d.p, d.t, { grad: d.grad }),
  },
  {
    name: 'bceWithLogits+grad',
    inputs: 2,
    plain: ({ x, t, grad, n }) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i];
        s += Math.max(v, 0) - t[i] * v + Math.log1p(Math.exp(-Math.abs(v)));
        grad[i] = (1 / (1 + Math.exp(-v)) - t[i]) / n;
      }
      return s / n;
    },
    lib: (k, d) => k.bceWithLogits(d.x, d.t, { grad: d.grad }),
    masked: (k, d) => k.bceWithLogits(d.x, d.t, { grad: d.grad, mask: d.mask(d.n) }),
    tfjs: (tf, d) => {
      const [x, t] = [tf.tensor1d(Float32Array.from(d.x)), tf.tensor1d(Float32Array.from(d.t))];
      return tfRun(tf, () => tf.losses.sigmoidCrossEntropy(t, x));
    },
  },
  {
    name: 'cbLogNorm',
    inputs: 1,
    plain: ({ p, out, n }) => {
      for (let i = 0; i < n; i++) {
        const y = 1 - 2 * p[i];
        out[i] = y === 0 ? Math.LN2 : Math.log((2 * Math.atanh(y)) / y);
      }
    },
    lib: (k, d) => k.cbLogNorm(d.p, d.out),
  },
  {
    name: 'cbNll+grad',
    inputs: 2,
    plain: ({ p, t, grad, n }) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const q = p[i];
        const x = t[i];
        const y = 1 - 2 * q;
        const at = Math.atanh(y);
        s -= x * Math.log(q) + (1 - x) * Math.log1p(-q) + (y === 0 ? Math.LN2 : Math.log((2 * at) / y));
        const mu = y === 0 ? 0.5 : q / (2 * q - 1) + 1 / (2 * at);
        grad[i] = (mu - x) / (q * (1 - q)) / n;
      }
      return s / n;
    },
    lib: (k, d) => k.cbNll(d.t, d.p, { grad: d.grad }),
  },
  {
    name: 'cbNllWithLogits+grad',
    inputs: 2,
    plain: ({ x, t, grad, n }) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const logC = v === 0 ? Math.LN2 : Math.log(v / Math.tanh(v / 2));
        s += Math.max(v, 0) - t[i] * v + Math.log1p(Math.exp(-Math.abs(v))) - logC;
        const mu = v === 0 ? 0.5 : 1 / (1 - Math.exp(-v)) - 1 / v;
        grad[i] = (mu - t[i]) / n;
      }
      return s / n;
    },
    lib: (k, d) => k.cbNllWithLogits(d.t, d.x, { grad: d.grad }),
  },
  ...[8, 1024].map(
    (C): Op => ({
      name: `softmaxCE+grad C=${C}`,
      inputs: 2,
      classes: C,
      plain: (d) => softmaxPlain(d, C),
      lib: (k, d) => k.softmaxCrossEntropy(d.x, d.soft(C), C, { grad: d.grad }),
      tfjs: (tf, d) => {
        const shape: [number, number] = [d.n / C, C];
        const [x, t] = [tf.tensor2d(Float32Array.from(d.x), shape), tf.tensor2d(Float32Array.from(d.soft(C)), shape)];
        return tfRun(tf, () => tf.losses.softmaxCrossEntropy(t, x));
      },
    }),
  ),
  ...[8, 1024].map((C): Op => {
    const q = new Float64Array(C);
    return {
      name: `distill KL+grad C=${C}`,
      inputs: 2,
      classes: C,
      issue: 14,
      plain: (d) => distillPlain(d, C, q),
      lib: (k, d) =>
        k.softmaxCrossEntropy(d.x, d.v, C, { mode: 'kl', targetLogits: true, temperature: TEMP, grad: d.grad }),
    };
  }),
  ...[8, 32768].map(
    (C): Op => ({
      name: `CE class index+grad C=${C}`,
      inputs: 1,
      classes: C,
      issue: 15,
      plain: (d) => labelsPlain(d, C),
      lib: (k, d) => k.softmaxCrossEntropy(d.x, d.labels(C), C, { grad: d.grad }),
      masked: (k, d) => k.softmaxCrossEntropy(d.x, d.labels(C), C, { grad: d.grad, mask: d.mask(d.n / C) }),
    }),
  ),
  {
    name: 'sigmoidFocalLoss+grad',
    inputs: 2,
    issue: 15,
    plain: (d) => focalPlain(d),
    lib: (k, d) => k.sigmoidFocalLoss(d.x, d.t, { grad: d.grad }),
    masked: (k, d) => k.sigmoidFocalLoss(d.x, d.t, { grad: d.grad, mask: d.mask(d.n) }),
  },
  {
    name: 'distill bceWithLogits+grad',
    inputs: 2,
    issue: 14,
    plain: ({ x, v, grad, n }) => {
      const T = TEMP;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const z = x[i] / T;
        const t = 1 / (1 + Math.exp(-v[i] / T));
        s += Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z)));
        grad[i] = (T * (1 / (1 + Math.exp(-z)) - t)) / n;
      }
      return (s * T * T) / n;
    },
    lib: (k, d) => k.bceWithLogits(d.x, d.v, { targetLogits: true, temperature: TEMP, grad: d.grad }),
  },
];
