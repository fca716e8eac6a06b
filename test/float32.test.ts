// Float32Array wherever a float array goes: inputs give the same bits as their Float64Array copies,
// float32 outputs hold each float64 result rounded once (Math.fround), types mix freely, in place,
// float32 kernel arrays (k.alloc(n, 'float32')), across chunk boundaries, and bad element types.
import { describe, expect, it, vi } from 'vitest';
import { Arena } from '../src/arena.js';
import type { FloatArray, Softxent } from '../src/index.js';
import { BACKENDS, CHUNKED, outcome, uniform } from './helpers.js';

const N = 70;
const C = 7;
const ROWS = N / C;

/** The inputs of every call, float32 values: probabilities, targets, logits, weights, class weights. */
function inputs() {
  const p = Float32Array.from(uniform(N, 1));
  return {
    p,
    t: Float32Array.from(uniform(N, 2)),
    x: p.map((v) => (v - 0.5) * 30),
    w: Float32Array.from(uniform(N, 3)),
    rw: Float32Array.from(uniform(ROWS, 5)),
    cw: Float32Array.from(uniform(C, 4)),
  };
}
type In = ReturnType<typeof inputs>;
type Arrays = { [K in keyof In]: FloatArray };

/** Each function and option form: inputs by name; `grad`/`out` receive the results it writes. */
interface Call {
  name: string;
  /** The output array's length (grad or out), 0 if none. */
  outLen: number;
  run(k: Softxent, a: Arrays, out: FloatArray | undefined): unknown;
}

const CALLS: Call[] = [
  { name: 'log', outLen: N, run: (k, a, o) => (o ? k.log(a.p, o) : k.log(a.p)) },
  { name: 'log1p', outLen: N, run: (k, a, o) => (o ? k.log1p(a.x, o) : k.log1p(a.x)) },
  { name: 'cbLogNorm', outLen: N, run: (k, a, o) => (o ? k.cbLogNorm(a.p, o) : k.cbLogNorm(a.p)) },
  {
    name: 'cbLogNormWithLogits',
    outLen: N,
    run: (k, a, o) => (o ? k.cbLogNormWithLogits(a.x, o) : k.cbLogNormWithLogits(a.x)),
  },
  { name: 'cbMean', outLen: N, run: (k, a, o) => k.cbMean(a.x, { logits: true }, o) },
  { name: 'bce', outLen: N, run: (k, a, grad) => k.bce(a.p, a.t, { grad, weight: a.w }) },
  { name: 'bce none', outLen: N, run: (k, a, grad) => k.bce(a.p, a.t, { grad, reduction: 'none' }) },
  {
    name: 'bceWithLogits',
    outLen: N,
    run: (k, a, grad) => k.bceWithLogits(a.x, a.t, { grad, weight: a.w, posWeight: 1.5, reduction: 'sum' }),
  },
  { name: 'cbNll', outLen: N, run: (k, a, grad) => k.cbNll(a.t, a.p, { grad, weight: a.w }) },
  {
    name: 'cbNllWithLogits',
    outLen: N,
    run: (k, a, grad) => k.cbNllWithLogits(a.t, a.x, { grad, reduction: 'none' }),
  },
  {
    name: 'softmaxCrossEntropy',
    outLen: N,
    run: (k, a, grad) =>
      k.softmaxCrossEntropy(a.x, a.t, C, { grad, weight: a.rw, classWeight: a.cw, labelSmoothing: 0.1 }),
  },
  {
    name: 'softmaxCrossEntropy kl none',
    outLen: N,
    run: (k, a, grad) => k.softmaxCrossEntropy(a.x, a.t, C, { grad, mode: 'kl', reduction: 'none' }),
  },
  { name: 'entropy', outLen: 0, run: (k, a) => k.entropy(a.t, C, { classWeight: a.cw, weight: a.rw }) },
  {
    name: 'softmaxCrossEntropy teacher logits',
    outLen: N,
    run: (k, a, grad) =>
      k.softmaxCrossEntropy(a.x, a.w, C, { grad, mode: 'kl', targetLogits: true, temperature: 2.5, weight: a.rw }),
  },
  {
    name: 'softmaxCrossEntropy js none',
    outLen: N,
    run: (k, a, grad) =>
      k.softmaxCrossEntropy(a.x, a.t, C, { grad, mode: 'js', beta: 0.3, temperature: 0.7, reduction: 'none' }),
  },
  {
    name: 'softmaxCrossEntropy reverse-kl',
    outLen: N,
    run: (k, a, grad) =>
      k.softmaxCrossEntropy(a.x, a.x, C, { grad, mode: 'reverse-kl', targetLogits: true, labelSmoothing: 0.1 }),
  },
  {
    name: 'bceWithLogits teacher logits',
    outLen: N,
    run: (k, a, grad) =>
      k.bceWithLogits(a.x, a.p, { grad, weight: a.w, targetLogits: true, temperature: 3, reduction: 'none' }),
  },
];

const f64 = (a: Arrays): Arrays =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Float64Array.from(v)])) as Arrays;
/** A result as comparable data: numbers as they are, arrays as their type and elements. */
const bits = (v: unknown) => (typeof v === 'number' ? v : [(v as object).constructor.name, ...(v as FloatArray)]);
const fround = (a: ArrayLike<number>) => Array.from(a, Math.fround);

describe.each([
  ...BACKENDS.map(([n, f]) => [n, f] as const),
  ...CHUNKED.map(([n, f]) => [`${n}, chunk 8`, f] as const),
])('Float32Array on %s', (_name, make) => {
  it.each(CALLS)(
    '$name: float32 inputs give the bits of their float64 copies; float32 outputs are rounded once',
    async (c) => {
      const k = await make();
      const a32 = inputs();
      const a64 = f64(a32);
      const before = JSON.stringify(Object.values(a32).map((v) => Array.from(v)));
      const out64 = c.outLen ? new Float64Array(c.outLen) : undefined;
      const want = bits(c.run(k, a64, out64));
      const out32in64 = c.outLen ? new Float64Array(c.outLen) : undefined;
      expect(bits(c.run(k, a32, out32in64))).toEqual(want);
      if (out64) expect(Array.from(out32in64 as Float64Array)).toEqual(Array.from(out64));
      if (out64) {
        const out32 = new Float32Array(c.outLen);
        const r = c.run(k, a32, out32);
        if (r !== out32) expect(bits(r)).toEqual(want);
        expect(Array.from(out32)).toEqual(fround(out64));
      }
      // mixed: every other argument float32
      const mixed = Object.fromEntries(Object.entries(a32).map(([n, v], i) => [n, i % 2 ? v : Float64Array.from(v)]));
      expect(bits(c.run(k, mixed as Arrays, out64 && new Float64Array(c.outLen)))).toEqual(want);
      expect(JSON.stringify(Object.values(a32).map((v) => Array.from(v)))).toBe(before);
    },
  );

  it('float32 data crosses into the kernel as float32 (half the bytes), promoted there', async () => {
    const k = await make();
    if (k.backend === 'js') return;
    const a = inputs();
    const copy = vi.spyOn(Arena.prototype, 'copy');
    try {
      const g = new Float32Array(N);
      k.bceWithLogits(a.x, a.t, { grad: g, weight: Float64Array.from(a.w) });
      const types = copy.mock.calls.map(([src, , , dst]) => `${src.constructor.name}->${dst.constructor.name}`);
      // x, t: float32 in; the weight float64 in; the gradient float32 out
      expect(new Set(types)).toEqual(new Set(['Float32Array->Float32Array', 'Float64Array->Float64Array']));
      const count = (t: string) => types.filter((v) => v === t).length;
      // per chunk: two float32 inputs and the float32 gradient, one float64 weight
      expect(count('Float32Array->Float32Array')).toBe(3 * count('Float64Array->Float64Array'));
    } finally {
      copy.mockRestore();
    }
  });

  it('in place: a Float32Array as its own gradient or out', async () => {
    const k = await make();
    const a = inputs();
    const x = a.x.slice();
    const g = new Float64Array(N);
    const loss = k.bceWithLogits(Float64Array.from(x), a.t, { grad: g });
    expect(k.bceWithLogits(x, a.t, { grad: x })).toBe(loss);
    expect(Array.from(x)).toEqual(fround(g));
    const z = a.x.slice();
    const gz = new Float64Array(N);
    const ce = k.softmaxCrossEntropy(Float64Array.from(z), a.t, C, { grad: gz });
    expect(k.softmaxCrossEntropy(z, a.t, C, { grad: z })).toBe(ce);
    expect(Array.from(z)).toEqual(fround(gz));
    const p = a.p.slice();
    expect(k.log(p, p)).toBe(p);
    expect(Array.from(p)).toEqual(fround(k.log(Float64Array.from(a.p))));
  });

  it.each(CALLS)('$name: float32 kernel arrays (alloc(n, "float32")) read and written in place', async (c) => {
    const k = await make();
    const a32 = inputs();
    const put = (v: Float32Array) => {
      const b = k.alloc(v.length, 'float32');
      b.array.set(v);
      return b;
    };
    const blocks = Object.fromEntries(Object.entries(a32).map(([n, v]) => [n, put(v)]));
    const out = c.outLen ? k.alloc(c.outLen, 'float32') : undefined;
    const views = () => Object.fromEntries(Object.entries(blocks).map(([n, b]) => [n, b.array])) as Arrays;
    const ref32 = c.outLen ? new Float32Array(c.outLen) : undefined;
    const want = bits(c.run(k, a32, ref32));
    const r = c.run(k, views(), out?.array);
    if (!out || r !== out.array) expect(bits(r)).toEqual(want);
    if (out) expect(Array.from(out.array)).toEqual(Array.from(ref32 as Float32Array));
    for (const [n, b] of Object.entries(blocks)) expect(Array.from(b.array), n).toEqual(Array.from(a32[n as keyof In]));
    for (const b of [...Object.values(blocks), ...(out ? [out] : [])]) b.free();
  });

  it('refuses other typed arrays by name, and names a NaN inside a Float32Array by index', async () => {
    const k = await make();
    const a = inputs();
    for (const bad of [new Int32Array(N), new BigInt64Array(N), new Uint8ClampedArray(N)]) {
      const name = bad.constructor.name;
      const an = /^[AEIO]/.test(name) ? 'an' : 'a';
      expect(outcome(() => k.bce(bad as never, a.t))).toBe(
        `TypeError: bce: probs must be a Float64Array or a Float32Array, got ${an} ${name}`,
      );
      expect(outcome(() => k.softmaxCrossEntropy(a.x, a.t, C, { weight: bad as never }))).toBe(
        `TypeError: softmaxCrossEntropy: weight must be a Float64Array or a Float32Array, got ${an} ${name}`,
      );
      expect(outcome(() => k.log(a.p, bad as never))).toBe(
        `TypeError: log: out must be a Float64Array or a Float32Array, got ${an} ${name}`,
      );
    }
    const t = a.t.slice();
    t[37] = Number.NaN;
    expect(outcome(() => k.bce(a.p, t))).toBe('RangeError: bce: targets[37] = NaN is outside [0, 1]');
    const x = a.x.slice();
    x[66] = Number.NaN;
    expect(outcome(() => k.softmaxCrossEntropy(x, a.t, C))).toBe('RangeError: softmaxCrossEntropy: logits[66] is NaN');
    expect(outcome(() => k.cbNllWithLogits(a.t, x, { grad: new Float32Array(N) }))).toBe(
      'RangeError: cbNllWithLogits: logits[66] is NaN',
    );
    expect(outcome(() => k.alloc(3, 'int8' as never))).toBe(
      "TypeError: alloc: dtype must be 'float64' or 'float32', got the string 'int8'",
    );
    // still usable
    expect(k.bce(a.p, a.t)).toBe(k.bce(Float64Array.from(a.p), a.t));
  });
});
