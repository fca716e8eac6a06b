import { readFileSync } from 'node:fs';
import { makeData } from './ops.js';
const N = 2 ** 20;
const d = makeData(N);
const files = process.argv.slice(2);
const insts = files.map((f) => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(f))).exports as any;
  e.memory.grow(10);
  const base = (e.heapBase() + 63) & ~63;
  const C = 4096;
  const h = new Float64Array(e.memory.buffer);
  const P = base, T = base + 8 * C, O = base + 16 * C, G = base + 24 * C, X = base + 32 * C;
  h.set(d.p.subarray(0, C), P / 8); h.set(d.t.subarray(0, C), T / 8); h.set(d.x.subarray(0, C), X / 8);
  return { f, e, C, P, T, O, G, X };
});
const res: Record<string, number[]> = {};
function time(name: string, f: () => void) {
  const t0 = performance.now(); f(); const t = ((performance.now() - t0) * 1e6) / N;
  (res[name] ??= []).push(t);
}
for (let round = 0; round < 40; round++) {
  for (const { f, e, C, P, T, O, G, X } of insts) {
    time(`${f} log`, () => { for (let s = 0; s < N; s += C) e.log(P, O, C); });
    time(`${f} log1p`, () => { for (let s = 0; s < N; s += C) e.log1p(P, O, C); });
    time(`${f} bce+grad`, () => { for (let s = 0; s < N; s += C) if (e.bce(P, T, 0, 0, G, C, 1 / N) >= 0) throw 1; });
    time(`${f} logits+grad`, () => { for (let s = 0; s < N; s += C) if (e.bceWithLogits(X, T, 0, 0, G, C, 1 / N, 1) >= 0) throw 1; });
  }
  time('plain log', () => { for (let i = 0; i < N; i++) d.out[i] = Math.log(d.p[i]); });
}
for (const [k, v] of Object.entries(res)) {
  v.sort((a, b) => a - b);
  console.log(k.padEnd(50), 'min', v[0].toFixed(2), 'median', v[v.length >> 1].toFixed(2));
}
