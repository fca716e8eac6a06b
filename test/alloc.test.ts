// Zero-copy arrays (k.alloc): every function gives the same bits with arrays in the kernel's memory as
// with ordinary ones, never writes its inputs, and refuses detached and freed views by name; growth,
// reuse and misuse of blocks.
import { describe, expect, it, vi } from 'vitest';
import { Arena } from '../src/arena.js';
import type { KernelArray, Softxent } from '../src/index.js';
import { BACKENDS, CHUNKED, outcome, uniform } from './helpers.js';

/** Copies `a` into a new block of k; the block and its current view. */
function place(k: Softxent, a: Float64Array): [KernelArray, Float64Array] {
  const b = k.alloc(a.length);
  b.array.set(a);
  return [b, b.array];
}

/**
 * Every function on (p, t, x, z) with outputs in `g`, `g2` and `o`; returns every result and output.
 * Used with ordinary arrays and with views of kernel blocks.
 */
function all(
  k: Softxent,
  a: { p: Float64Array; t: Float64Array; x: Float64Array; w: Float64Array; z: Float64Array; cw: Float64Array },
  g: Float64Array,
  o: Float64Array,
  C: number,
): unknown[] {
  const r: unknown[] = [];
  const keep = (v: unknown) => r.push(v instanceof Float64Array ? Array.from(v) : v, Array.from(g), Array.from(o));
  keep(k.log(a.p, o));
  keep(k.log1p(a.x, o));
  keep(k.bce(a.p, a.t, { grad: g, weight: a.w, reduction: 'none' }));
  keep(k.bceWithLogits(a.x, a.t, { grad: g, posWeight: 1.5 }));
  keep(k.cbLogNorm(a.p, o));
  keep(k.cbMean(a.x, { logits: true }, o));
  keep(k.cbNll(a.t, a.p, { grad: g, reduction: 'sum' }));
  keep(k.cbNllWithLogits(a.t, a.x, { grad: g, weight: a.w, reduction: 'none' }));
  const rows = a.z.length / C;
  const gz = g.subarray(0, a.z.length);
  keep(k.softmaxCrossEntropy(a.z, a.t.subarray(0, a.z.length), C, { grad: gz, labelSmoothing: 0.1 }));
  keep(
    k.softmaxCrossEntropy(a.z, a.t.subarray(0, a.z.length), C, {
      grad: gz,
      weight: a.w.subarray(0, rows),
      classWeight: a.cw.subarray(0, C),
      mode: 'kl',
      reduction: 'none',
    }),
  );
  keep(k.entropy(a.t.subarray(0, a.z.length), C, { reduction: 'sum' }));
  keep(
    k.softmaxCrossEntropy(a.z, a.x.subarray(0, a.z.length), C, {
      grad: gz,
      mode: 'kl',
      targetLogits: true,
      temperature: 2,
      reduction: 'none',
    }),
  );
  keep(k.softmaxCrossEntropy(a.z, a.t.subarray(0, a.z.length), C, { grad: gz, mode: 'js', temperature: 3 }));
  keep(k.bceWithLogits(a.x, a.p, { grad: g, targetLogits: true, temperature: 2, reduction: 'none' }));
  return r;
}

const N = 70;

function data() {
  const p = uniform(N, 1);
  return {
    p,
    t: uniform(N, 2),
    x: p.map((v) => (v - 0.5) * 30),
    w: uniform(N, 3),
    z: p.map((v) => 8 * v - 4),
    cw: uniform(N, 4),
  };
}

describe.each([
  ...BACKENDS.map(([n, f]) => [n, f] as const),
  ...CHUNKED.map(([n, f]) => [`${n}, chunk 8`, f] as const),
])('k.alloc on %s', (_name, make) => {
  it.each([5, 35])('every function gives the same bits on kernel arrays (%i classes), inputs untouched', async (C) => {
    const k = await make();
    const d = data();
    const z = d.z.subarray(0, C * Math.floor(N / C));
    const want = all(k, { ...d, z }, new Float64Array(N), new Float64Array(N), C);
    const blocks = Object.fromEntries(Object.entries({ ...d, z }).map(([key, v]) => [key, place(k, v)]));
    const [gb] = place(k, new Float64Array(N));
    const [ob] = place(k, new Float64Array(N));
    // The plain run above has widened the arena for C already, so these views stay valid.
    const v = (key: string) => blocks[key][0].array;
    const got = all(k, { p: v('p'), t: v('t'), x: v('x'), w: v('w'), z: v('z'), cw: v('cw') }, gb.array, ob.array, C);
    expect(got).toEqual(want);
    for (const [key, v] of Object.entries({ ...d, z })) {
      expect(Array.from(blocks[key][0].array), key).toEqual(Array.from(v));
    }
  });

  it('a call that widens the arena (rows of 20000 classes) keeps its kernel arrays valid', async () => {
    const k = await make();
    const C = 20000;
    const z = uniform(2 * C, 5).map((v) => 10 * v - 5);
    const t = uniform(2 * C, 6);
    const [zb] = place(k, z);
    const [tb] = place(k, t);
    const gb = k.alloc(2 * C);
    const bytes = k.memoryBytes();
    const got = k.softmaxCrossEntropy(zb.array, tb.array, C, { grad: gb.array, reduction: 'none' });
    if (k.backend !== 'js') expect(k.memoryBytes()).toBeGreaterThan(bytes); // the memory grew during the call
    const g = new Float64Array(2 * C);
    const other = await make();
    expect(Array.from(got)).toEqual(Array.from(other.softmaxCrossEntropy(z, t, C, { grad: g, reduction: 'none' })));
    expect(Array.from(gb.array)).toEqual(Array.from(g));
    expect(Array.from(zb.array)).toEqual(Array.from(z));
  });

  it('copies nothing when every array is a kernel array', async () => {
    const k = await make();
    const { p, t, z } = data();
    const [pb, tb, zb, gb, ob] = [p, t, z, new Float64Array(N), new Float64Array(N)].map((a) => place(k, a)[0]);
    const copy = vi.spyOn(Arena.prototype, 'copy');
    try {
      k.bce(pb.array, tb.array, { grad: gb.array });
      k.log(pb.array, ob.array);
      k.cbNllWithLogits(tb.array, zb.array, { grad: gb.array, weight: pb.array });
      k.softmaxCrossEntropy(zb.array, tb.array, 7, { grad: gb.array });
      expect(copy).not.toHaveBeenCalled();
      k.bce(p, tb.array); // an ordinary array is copied in
      if (k.backend !== 'js') expect(copy.mock.calls.length).toBeGreaterThan(0);
      // a view made by hand over a block is an ordinary array: copied, same result
      copy.mockClear();
      const own = tb.array;
      const byHand = new Float64Array(own.buffer, own.byteOffset, own.length);
      expect(k.bce(pb.array, byHand)).toBe(k.bce(pb.array, tb.array));
      if (k.backend !== 'js') expect(copy.mock.calls.length).toBeGreaterThan(0);
    } finally {
      copy.mockRestore();
    }
  });

  it('names the same bad element as for ordinary arrays, and leaves the kernel usable', async () => {
    const k = await make();
    const { p, t, z } = data();
    const bad = p.slice();
    bad[50] = 1.5;
    const badZ = z.slice();
    badZ[43] = Number.NaN;
    const [pb] = place(k, bad);
    const [zb] = place(k, badZ);
    const gb = k.alloc(N);
    const before = k.bce(p, t);
    expect(outcome(() => k.bce(pb.array, t, { grad: gb.array }))).toBe(outcome(() => k.bce(bad, t)));
    expect(outcome(() => k.bce(pb.array, t))).toMatch(/^RangeError: bce: probs\[50\] = 1.5 is outside \[0, 1\]$/);
    expect(outcome(() => k.softmaxCrossEntropy(zb.array, t, 7, { grad: gb.array }))).toBe(
      outcome(() => k.softmaxCrossEntropy(badZ, t, 7)),
    );
    expect(k.bce(p, t)).toBe(before);
    expect(Array.from(pb.array)).toEqual(Array.from(bad));
  });

  it('grad may be the logits themselves, in kernel memory too', async () => {
    const k = await make();
    const { z, t, p } = data();
    const plain = z.slice();
    const lp = k.softmaxCrossEntropy(plain, t, 7, { grad: plain });
    const [zb] = place(k, z);
    expect(k.softmaxCrossEntropy(zb.array, t, 7, { grad: zb.array })).toBe(lp);
    expect(Array.from(zb.array)).toEqual(Array.from(plain));
    const q = p.slice();
    const lq = k.bce(q, t, { grad: q, reduction: 'sum' });
    const [pb] = place(k, p);
    expect(k.bce(pb.array, t, { grad: pb.array, reduction: 'sum' })).toBe(lq);
    expect(Array.from(pb.array)).toEqual(Array.from(q));
    // an unaligned subarray of a block is a kernel array too
    expect(Array.from(k.log(pb.array.subarray(3, 40)))).toEqual(Array.from(k.log(q.subarray(3, 40))));
  });

  it('refuses detached and freed views by name, and stays usable', async () => {
    const k = await make();
    const a = k.alloc(8);
    a.array.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    const stale = a.array;
    const t = new Float64Array(8).fill(0.5);
    const big = k.alloc(2 ** 20); // grows a WebAssembly memory: `stale` is detached there
    if (k.backend !== 'js') {
      expect(stale.length).toBe(0);
      expect(outcome(() => k.bce(stale, t))).toMatch(
        /^TypeError: bce: probs is a detached view \(.*read \.array again\)$/,
      );
    }
    expect(Array.from(a.array)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    const before = a.array;
    const want = k.bce(before, t);
    a.free();
    expect(outcome(() => a.array)).toBe('TypeError: KernelArray: array read after free()');
    expect(outcome(() => a.free())).toBe('TypeError: KernelArray: free() called twice');
    expect(outcome(() => k.bce(t, before))).toMatch(
      k.backend === 'js'
        ? /^TypeError: bce: targets is a detached view/
        : /^TypeError: bce: targets is a view of kernel memory outside any live k\.alloc\(\) block \(freed\?\)$/,
    );
    // A transferred buffer is detached in every backend.
    const moved = Float64Array.of(0.5, 0.5);
    structuredClone(moved.buffer, { transfer: [moved.buffer] });
    expect(outcome(() => k.log(moved))).toMatch(/^TypeError: log: x is a detached view/);
    expect(outcome(() => k.alloc(-1))).toBe('RangeError: alloc: n = -1 is not an integer in [0, 2^29]');
    expect(outcome(() => k.alloc(1.5))).toBe('RangeError: alloc: n = 1.5 is not an integer in [0, 2^29]');
    expect(outcome(() => k.alloc('3' as never))).toBe("TypeError: alloc: n must be a number, got the string '3'");
    // still usable, with the same result
    expect(k.bce(Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]), t)).toBe(want);
    expect(k.alloc(0).array.length).toBe(0);
    big.free();
  });

  it('reuses freed blocks (memory stops growing) and zero-fills them', async () => {
    const k = await make();
    const sizes = [1000, 17, 4096, 3, 20000];
    let peak = 0;
    for (let round = 0; round < 20; round++) {
      const bs = sizes.map((n) => k.alloc(n));
      for (const b of bs) {
        expect(b.array.every((v) => v === 0)).toBe(true);
        b.array.fill(round + 1);
      }
      // free in an order that needs merging of neighbours
      for (const i of [1, 3, 0, 4, 2]) bs[i].free();
      if (round === 0) peak = k.memoryBytes();
      expect(k.memoryBytes()).toBe(peak);
    }
  });

  it("another kernel's block is an ordinary array here (copied, same result)", async () => {
    const k = await make();
    const other = await make();
    const { p, t } = data();
    const [pb] = place(other, p);
    expect(k.bce(pb.array, t, { reduction: 'sum' })).toBe(k.bce(p, t, { reduction: 'sum' }));
  });
});
