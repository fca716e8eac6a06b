// createPool (issue 16): for 1, 2 and 3 threads, in 'shared' and 'copy' mode, every function in every
// option form gives the bits of createKernel with the same chunk (results, per-sample values and
// gradients, float64 and float32, ordinary and pool.alloc arrays); bad input rejects with exactly the
// kernel's error (the first bad element overall, wherever the shares fall); concurrent calls queue;
// close; a worker that dies mid-call rejects that call and the pool recovers. Runs on the built package
// (dist/): a worker is a file of its own, which Node loads as it is. In Chromium it runs twice: on a
// plain page ('copy' mode) and a cross-origin-isolated one ('shared'; vitest.config.ts).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKernel, createPool, type FloatArray, type Pool, type Softxent } from '../dist/index.js';
import { COPY, MIN_PARALLEL, PROBE, SPLIT } from '../dist/pool.js';
import { softRows as soft, uniform } from './helpers.js';

/** A small chunk: test sizes span many cells and many pipelined rounds. */
const CHUNK = 1024;
const where = inject('where');
const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
/** 'shared' where the platform allows it, and always 'copy' (forced where it does). */
const MODES: ('shared' | 'copy')[] = where === 'node' || isolated ? ['shared', 'copy'] : ['copy'];

type Probe = {
  fault(i: number, how: 'terminate' | 'message'): unknown;
  stageBytes(): number;
  learned(): Map<string, { split: number; alone: number }>;
};
const probe = (p: Pool) => (p as unknown as { [PROBE]: Probe })[PROBE];

/** The functions of a kernel or (awaited) of a pool: the pool's are typed as the kernel's, for the cases. */
type Fns = Softxent;
const fns = (p: Pool) => p as unknown as Fns;
/** Fresh output arrays for one call. */
interface Outs {
  f64(n: number): Float64Array;
  f32(n: number): Float32Array;
}
type Case = [name: string, run: (f: Fns, o: Outs) => unknown];

const N = MIN_PARALLEL + 4099;
const logits = (n: number, seed: number, s = 16) => uniform(n, seed).map((v) => (v - 0.5) * s);
const probs = (n: number, seed: number) => uniform(n, seed).map((v) => v * 0.98 + 0.01);
const f32 = (a: Float64Array) => Float32Array.from(a);
const mask = (n: number, seed: number) => Uint8Array.from(uniform(n, seed), (v) => (v < 0.1 ? 0 : 1));

const x = logits(N, 1);
const p = probs(N, 2);
const t = probs(N, 3);
const w = uniform(N, 4);
const m = mask(N, 5);
const x32 = f32(x);
const t32 = f32(t);
// multi-class: short rows (7 classes), rows of 300 (3 per chunk), rows wider than a chunk (1500)
const shapes = [7, 300, 1500].map((C) => {
  const rows = Math.ceil(MIN_PARALLEL / C) + (C === 7 ? 10 : 1);
  return {
    C,
    rows,
    z: logits(rows * C, 10 + C, 12),
    t: soft(rows, C, 20 + C),
    v: logits(rows * C, 30 + C, 8),
    w: uniform(rows, 40 + C),
    cw: uniform(C, 50 + C).map((v) => v + 0.5),
    m: mask(rows, 60 + C),
    labels: Int32Array.from(uniform(rows, 70 + C), (v, i) => (i % 11 === 3 ? -100 : Math.floor(v * C))),
  };
});

const CASES: Case[] = [
  ['log', (f) => f.log(Float64Array.from(x, (v, i) => (i % 97 === 0 ? -v : v)))],
  ['log1p into float32', (f, o) => f.log1p(p, o.f32(N))],
  ['cbLogNorm', (f) => f.cbLogNorm(p)],
  ['cbLogNormWithLogits into out', (f, o) => f.cbLogNormWithLogits(x32, o.f64(N))],
  ['cbMean logits', (f, o) => f.cbMean(x, { logits: true }, o.f32(N))],
  ['bce', (f) => f.bce(p, t)],
  [
    'bce sum weight grad smoothing',
    (f, o) => f.bce(p, t, { reduction: 'sum', weight: w, grad: o.f64(N), labelSmoothing: 0.1 }),
  ],
  ['bceWithLogits none', (f) => f.bceWithLogits(x, t, { reduction: 'none' })],
  [
    'bceWithLogits float32 none out grad posWeight',
    (f, o) => f.bceWithLogits(x32, t32, { reduction: 'none', out: o.f32(N), grad: o.f32(N), posWeight: 2.5 }),
  ],
  ['bceWithLogits mask mean grad', (f, o) => f.bceWithLogits(x, t, { mask: m, grad: o.f64(N), weight: w })],
  [
    'bceWithLogits teacher logits temperature',
    (f, o) => f.bceWithLogits(x, logits(N, 6), { targetLogits: true, temperature: 2, grad: o.f64(N) }),
  ],
  ['sigmoidFocalLoss grad', (f, o) => f.sigmoidFocalLoss(x, t, { grad: o.f64(N) })],
  [
    'sigmoidFocalLoss gamma alpha null mask none',
    (f) => f.sigmoidFocalLoss(x, t, { gamma: 1.5, alpha: null, mask: m, reduction: 'none' }),
  ],
  ['cbNll grad', (f, o) => f.cbNll(t, p, { grad: o.f64(N) })],
  [
    'cbNllWithLogits sum weight mask grad',
    (f, o) => f.cbNllWithLogits(t, x, { reduction: 'sum', weight: w, mask: m, grad: o.f64(N) }),
  ],
];
for (const s of shapes) {
  const { C, rows, z, t: st, v, cw } = s;
  CASES.push(
    [`softmax C=${C} grad`, (f, o) => f.softmaxCrossEntropy(z, st, C, { grad: o.f64(rows * C) })],
    [
      `softmax C=${C} kl sum weight classWeight smoothing`,
      (f, o) =>
        f.softmaxCrossEntropy(z, st, C, {
          mode: 'kl',
          reduction: 'sum',
          weight: s.w,
          classWeight: cw,
          labelSmoothing: 0.05,
          grad: o.f64(rows * C),
        }),
    ],
    [
      `softmax C=${C} none mask float32`,
      (f, o) => f.softmaxCrossEntropy(f32(z), st, C, { reduction: 'none', mask: s.m, grad: o.f32(rows * C) }),
    ],
    [
      `distill js C=${C} teacher logits`,
      (f, o) =>
        f.softmaxCrossEntropy(z, v, C, {
          mode: 'js',
          targetLogits: true,
          temperature: 2,
          beta: 0.3,
          mask: s.m,
          grad: o.f64(rows * C),
        }),
    ],
    [`distill reverse-kl C=${C}`, (f) => f.softmaxCrossEntropy(z, st, C, { mode: 'reverse-kl', reduction: 'none' })],
    [`entropy C=${C}`, (f) => f.entropy(st, C, { weight: s.w, classWeight: cw })],
    [
      `class indices C=${C} mean classWeight mask grad`,
      (f, o) => f.softmaxCrossEntropy(z, s.labels, C, { classWeight: cw, mask: s.m, grad: o.f64(rows * C) }),
    ],
    [
      `class indices C=${C} Int16 none smoothing weight`,
      (f) =>
        f.softmaxCrossEntropy(z, Int16Array.from(s.labels), C, { reduction: 'none', labelSmoothing: 0.1, weight: s.w }),
    ],
  );
}

/** Runs a case, returning what it returned and every output array it was given. */
async function outcome(f: Fns, run: Case[1]): Promise<unknown[]> {
  const made: FloatArray[] = [];
  const o: Outs = {
    f64: (n) => {
      const a = new Float64Array(n);
      made.push(a);
      return a;
    },
    f32: (n) => {
      const a = new Float32Array(n);
      made.push(a);
      return a;
    },
  };
  return [await run(f, o), ...made];
}

/** The first difference of bits between two outcomes, or '' if none. */
function diff(a: unknown[], b: unknown[]): string {
  if (a.length !== b.length) return `${a.length} values vs ${b.length}`;
  for (let j = 0; j < a.length; j++) {
    const [u, v] = [a[j], b[j]];
    if (typeof u === 'number') {
      if (!Object.is(u, v)) return `value ${j}: ${u} vs ${v}`;
      continue;
    }
    const [ua, va] = [u as FloatArray, v as FloatArray];
    if (ua.constructor !== va.constructor || ua.length !== va.length) return `array ${j}: type or length`;
    for (let i = 0; i < ua.length; i++) if (!Object.is(ua[i], va[i])) return `array ${j}[${i}]: ${ua[i]} vs ${va[i]}`;
  }
  return '';
}

/** The kernel's error message for a call, or the pool's rejection's ('' if none). */
async function failure(call: () => unknown): Promise<string> {
  try {
    await call();
    return '';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

let kernel: Softxent;
beforeAll(async () => {
  kernel = await createKernel({ chunk: CHUNK });
});

for (const mode of MODES) {
  for (const threads of [1, 2, 3]) {
    describe(`${threads} thread(s), ${mode} mode`, () => {
      let pool: Pool;
      beforeAll(async () => {
        // every call split over the threads (a pool may otherwise run a call alone, measured faster)
        pool = await createPool({
          threads,
          chunk: CHUNK,
          ...{ [SPLIT]: 0 },
          ...(mode === 'copy' ? { [COPY]: true } : {}),
        });
      });
      afterAll(() => pool.close());

      it('reports its threads, mode and build', () => {
        expect([pool.threads, pool.mode, pool.backend]).toEqual([threads, mode, kernel.backend]);
      });

      it.each(CASES)("%s: the kernel's bits", async (_name, run) => {
        expect(diff(await outcome(fns(pool), run), await outcome(kernel, run))).toBe('');
      });

      it("pool.alloc arrays in and out: the kernel's bits", async () => {
        const a = (src: Float64Array) => {
          const b = pool.alloc(src.length);
          b.array.set(src);
          return b.array;
        };
        const [xa, ta, ga] = [a(x), a(t), pool.alloc(N).array];
        const o = pool.alloc(N, 'float32').array;
        expect(o).toBeInstanceOf(Float32Array);
        if (mode === 'shared') expect(xa.buffer).toBeInstanceOf(SharedArrayBuffer);
        const g = new Float64Array(N);
        const want = kernel.bceWithLogits(x, t, { grad: g });
        expect(await pool.bceWithLogits(xa, ta, { grad: ga })).toBe(want);
        expect(diff([ga], [g])).toBe('');
        const wantOut = kernel.sigmoidFocalLoss(x, t, { reduction: 'none', out: new Float32Array(N) });
        await pool.sigmoidFocalLoss(xa, ta, { reduction: 'none', out: o });
        expect(diff([o], [wantOut])).toBe('');
        const { C, rows, z, t: st } = shapes[1];
        const [za, sa, gz] = [a(z), a(st), pool.alloc(rows * C).array];
        const gk = new Float64Array(rows * C);
        expect(await pool.softmaxCrossEntropy(za, sa, C, { grad: gz })).toBe(
          kernel.softmaxCrossEntropy(z, st, C, { grad: gk }),
        );
        expect(diff([gz], [gk])).toBe('');
      });

      it('never modifies the inputs', async () => {
        const [xc, tc, wc, mc] = [x.slice(), t.slice(), w.slice(), m.slice()];
        await pool.bceWithLogits(x, t, { weight: w, mask: m, grad: new Float64Array(N) });
        expect(diff([x, t, w, Float64Array.from(m)], [xc, tc, wc, Float64Array.from(mc)])).toBe('');
      });

      it("rejects bad input with the kernel's error: the first bad element overall", async () => {
        const early = x.slice();
        early[N - 7] = Number.NaN; // in the last share
        early[1234] = Number.NaN; // in the caller's share
        const late = x.slice();
        late[N - 7] = Number.NaN;
        const badT = t.slice();
        badT[N - 100] = 1.5;
        const badW = w.slice();
        badW[40000] = -1;
        const { C, rows, z, t: st, labels } = shapes[0];
        const badZ = z.slice();
        badZ[rows * C - 3] = Number.NaN;
        const badRow = shapes[0].w.slice();
        badRow[rows - 2] = Number.POSITIVE_INFINITY;
        const badLabel = labels.slice();
        badLabel[rows - 5] = C;
        const badP = p.slice();
        badP[N - 1] = 2;
        const calls: ((f: Fns) => unknown)[] = [
          (f) => f.bceWithLogits(early, t),
          (f) => f.bceWithLogits(late, t, { grad: new Float64Array(N) }),
          (f) => f.bce(p, badT, { reduction: 'none' }),
          (f) => f.cbNll(t, p, { weight: badW }),
          (f) => f.softmaxCrossEntropy(badZ, st, C),
          (f) => f.softmaxCrossEntropy(z, st, C, { weight: badRow }),
          (f) => f.softmaxCrossEntropy(z, badLabel, C),
          (f) => f.cbLogNorm(badP),
          (f) => f.bce('probs' as unknown as Float64Array, t),
          (f) => f.bce(p, t.subarray(1)),
          (f) => f.softmaxCrossEntropy(z, st, C, { mode: 'nope' as 'kl' }),
          (f) => f.log(p, new Float64Array(3)),
        ];
        for (const call of calls) {
          const want = await failure(() => call(kernel));
          expect(want).not.toBe('');
          expect(await failure(() => call(fns(pool)))).toBe(want);
        }
        // and the pool is still right afterwards
        expect(await pool.bce(p, t)).toBe(kernel.bce(p, t));
      });

      it('queues concurrent calls, each with its own result', async () => {
        const picks = [0, 3, 7, 9, 14, 16, 27, 33].map((i) => CASES[i % CASES.length]);
        const got = await Promise.all(picks.map(([, run]) => outcome(fns(pool), run)));
        for (const [i, [, run]] of picks.entries()) expect(diff(got[i], await outcome(kernel, run))).toBe('');
      });
    });
  }
}

describe('a pool of 2 threads', () => {
  it('bounds the stages: two per worker, of a round of 16 chunks per array', async () => {
    const pool = await createPool({ threads: 2, chunk: CHUNK });
    const big = 1 << 20;
    const [a, b, g] = [logits(big, 7), probs(big, 8), new Float64Array(big)];
    await pool.bceWithLogits(a, b, { grad: g, weight: probs(big, 9) });
    // the largest: 4 float64 arrays of 16 chunks, in each of 2 stages
    const bytes = probe(pool).stageBytes();
    if (pool.mode === 'shared') expect(bytes).toBe(2 * 4 * 16 * CHUNK * 8);
    await pool.close();
  });

  it('rejects a call on a closed pool, and finishes the calls made before close()', async () => {
    const pool = await createPool({ threads: 2, chunk: CHUNK });
    const pending = pool.bceWithLogits(x, t);
    const closing = pool.close();
    expect(await pending).toBe(kernel.bceWithLogits(x, t));
    await closing;
    await expect(pool.bce(p, t)).rejects.toThrow('bce on a closed pool');
    await expect(pool.log(p)).rejects.toThrow('closed');
  });

  it('rejects the call a worker dies in (never hangs), then recovers', async () => {
    const pool = await createPool({ threads: 2, chunk: CHUNK });
    const big = 1 << 20;
    const [a, b] = [logits(big, 11), probs(big, 12)];
    const want = kernel.bceWithLogits(a, b);
    for (const how of ['terminate', 'message'] as const) {
      const call = pool.bceWithLogits(a, b, { grad: new Float64Array(big) });
      // mid-call: the caller yields while it waits for the workers
      await new Promise((r) => setTimeout(r, 2));
      probe(pool).fault(0, how);
      const got = await call.then(
        (v) => v,
        (e: Error) => e.message,
      );
      // the fault may land after the workers' last share: then the call is right
      if (typeof got === 'string') expect(got).toMatch(/^softxent: pool worker 1 died/);
      else expect(got).toBe(want);
      // the next calls restart the worker
      expect(await pool.bceWithLogits(a, b)).toBe(want);
    }
    // a fault between calls
    probe(pool).fault(0, 'terminate');
    await new Promise((r) => setTimeout(r, 50));
    expect(await pool.bceWithLogits(a, b)).toBe(want);
    await pool.close();
  });

  it('defaults to the machine’s threads, and checks its options', async () => {
    const pool = await createPool();
    const cores =
      where === 'node'
        ? (await import(/* @vite-ignore */ 'node:os')).availableParallelism()
        : navigator.hardwareConcurrency;
    expect(pool.threads).toBe(Math.min(cores, 16));
    expect(pool.mode).toBe(where === 'node' || isolated ? 'shared' : 'copy');
    await pool.close();
    await expect(createPool({ threads: 0 })).rejects.toThrow('createPool: threads = 0 is not an integer in [1, 256]');
    await expect(createPool({ threads: 1.5 })).rejects.toThrow(RangeError);
    await expect(createPool({ threads: '2' as unknown as number })).rejects.toThrow(TypeError);
    await expect(createPool({ chunk: 3 })).rejects.toThrow('createPool: chunk = 3 is not an even integer');
  });

  it('measures, per kind and size of call, whether splitting or the calling thread alone is faster; same bits', async () => {
    const pool = await createPool({ threads: 2, chunk: CHUNK });
    const g = new Float64Array(N);
    const want = kernel.cbNll(t, p, { grad: g });
    for (let i = 0; i < 4; i++) {
      const gp = new Float64Array(N);
      expect(await pool.cbNll(t, p, { grad: gp })).toBe(want);
      expect(diff([gp], [g])).toBe('');
    }
    // the first call split, the second ran alone: both measured
    const [[key, l]] = [...probe(pool).learned()];
    expect(key).toMatch(/^cbNll\|1\|pred8,targets8,grad8\|\d+$/);
    expect([l.split > 0, l.alone > 0]).toEqual([true, true]);
    await pool.close();
  });

  it('pool.alloc: lengths, dtypes, free', async () => {
    const pool = await createPool({ threads: 2 });
    const a = pool.alloc(5, 'float32');
    expect([a.length, a.array.length, a.array.constructor.name]).toEqual([5, 5, 'Float32Array']);
    a.free();
    expect(() => a.array).toThrow('after free()');
    expect(() => pool.alloc(-1)).toThrow(RangeError);
    expect(() => pool.alloc(2, 'int8' as 'float32')).toThrow(TypeError);
    await pool.close();
  });
});
