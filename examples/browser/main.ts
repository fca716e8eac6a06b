// The demo page (`npm run demo`): BCE and the continuous-Bernoulli NLL across λ for a chosen soft label,
// drawn as SVG from one batched call each, an in-browser benchmark of wasm-simd against plain JS, and one
// of createPool against createKernel (`npm run demo:isolated` serves the page cross-origin isolated, where
// the pool runs in 'shared' mode). The pool's worker is src/worker.ts: Vite's dev server resolves the
// pool's `new URL('./worker.js', import.meta.url)` to it, as it resolves the sources' other .js imports.
import { type Data, inKernel, makeData, median, OPS } from '../../bench/ops.js';
import { createKernel, createPool, type Pool, type Softxent } from '../../src/index.js';

const SVG = 'http://www.w3.org/2000/svg';
const $ = <T extends Element>(sel: string) => document.querySelector(sel) as T;

/** Appends an SVG element with attributes (and text) to a parent. */
function add(parent: Element, tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, String(v));
  if (text !== undefined) e.textContent = text;
  parent.append(e);
  return e;
}

const t0 = performance.now();
const k = await createKernel();
k.bce(Float64Array.of(0.5), Float64Array.of(0.5));
const firstMs = performance.now() - t0;
$('#status').textContent =
  `backend ${k.backend}: first result ${firstMs.toFixed(1)} ms after createKernel() (fetch, compile, instantiate, one call)`;
document.body.dataset.backend = k.backend;

// λ on a grid of 999 interior points, so that every multiple of 0.001 is on it.
const M = 999;
const lam = Float64Array.from({ length: M }, (_, i) => (i + 1) / (M + 1));
const W = 720;
const H = 380;
const PAD = { l: 48, r: 16, t: 16, b: 40 };
const Y = [-2.5, 5] as const;
const sx = (v: number) => PAD.l + v * (W - PAD.l - PAD.r);
const sy = (v: number) => PAD.t + ((Y[1] - v) / (Y[1] - Y[0])) * (H - PAD.t - PAD.b);

/** The SVG path of a curve over the grid; off-scale points are clipped by the plot's clip path. */
function path(ys: Float64Array): string {
  let d = '';
  ys.forEach((y, i) => {
    const v = Math.min(Math.max(y, Y[0] - 1), Y[1] + 1);
    d += `${i === 0 ? 'M' : 'L'}${sx(lam[i]).toFixed(1)},${sy(v).toFixed(1)}`;
  });
  return d;
}

function argmin(ys: Float64Array): number {
  let j = 0;
  for (let i = 1; i < ys.length; i++) if (ys[i] < ys[j]) j = i;
  return j;
}

function plot(label: number): void {
  const x = new Float64Array(M).fill(label);
  const curves = [
    { name: 'BCE(λ; ℓ)', cls: 'bce', ys: k.bce(lam, x, { reduction: 'none' }) },
    { name: 'continuous-Bernoulli NLL(λ; ℓ)', cls: 'cb', ys: k.cbNll(x, lam, { reduction: 'none' }) },
  ];
  const svg = $<SVGSVGElement>('#plot');
  svg.replaceChildren();
  add(add(svg, 'clipPath', { id: 'area' }), 'rect', {
    x: PAD.l,
    y: PAD.t,
    width: W - PAD.l - PAD.r,
    height: H - PAD.t - PAD.b,
  });
  for (let v = 0; v <= 1.0001; v += 0.2) {
    add(svg, 'line', { class: 'grid', x1: sx(v), x2: sx(v), y1: sy(Y[0]), y2: sy(Y[1]) });
    add(svg, 'text', { x: sx(v), y: H - PAD.b + 16, 'text-anchor': 'middle' }, v.toFixed(1));
  }
  for (let v = Math.ceil(Y[0]); v <= Y[1]; v++) {
    add(svg, 'line', { class: v === 0 ? 'axis' : 'grid', x1: sx(0), x2: sx(1), y1: sy(v), y2: sy(v) });
    add(svg, 'text', { x: PAD.l - 6, y: sy(v) + 4, 'text-anchor': 'end' }, String(v));
  }
  add(svg, 'text', { x: sx(0.5), y: H - 6, 'text-anchor': 'middle' }, 'λ (the prediction)');
  add(svg, 'text', { x: 14, y: sy((Y[0] + Y[1]) / 2), transform: `rotate(-90 14 ${sy((Y[0] + Y[1]) / 2)})` }, 'nats');
  const rows = $<HTMLTableElement>('#minima').tBodies[0];
  rows.replaceChildren();
  curves.forEach(({ name, cls, ys }, c) => {
    add(svg, 'path', { class: cls, d: path(ys), 'clip-path': 'url(#area)' });
    const j = argmin(ys);
    add(svg, 'circle', { class: cls, cx: sx(lam[j]), cy: sy(ys[j]), r: 4 });
    add(svg, 'line', { class: cls, x1: sx(0.6), x2: sx(0.66), y1: PAD.t + 14 + 18 * c, y2: PAD.t + 14 + 18 * c });
    add(svg, 'text', { x: sx(0.67), y: PAD.t + 18 + 18 * c }, name);
    const tr = rows.insertRow();
    tr.className = cls;
    for (const text of [name, lam[j].toFixed(3), ys[j].toFixed(4)]) tr.insertCell().textContent = text;
  });
}

const slider = $<HTMLInputElement>('#label');
const show = () => {
  $('#label-value').textContent = Number(slider.value).toFixed(2);
  plot(Number(slider.value));
};
slider.addEventListener('input', show);
show();

/** ns per element of one call, timed over enough repetitions for ~20 ms. */
function time(f: () => unknown, n: number): number {
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) f();
    const ms = performance.now() - t;
    if (ms >= 20) return (ms * 1e6) / (reps * n);
    reps *= 2;
  }
}

/** `time` for calls that may return a Promise (a pool's): each call awaited before the next. */
async function timeAsync(f: () => unknown, n: number): Promise<number> {
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) await f();
    const ms = performance.now() - t;
    if (ms >= 20) return (ms * 1e6) / (reps * n);
    reps *= 2;
  }
}

const pause = () => new Promise((ok) => setTimeout(ok, 0));

/** A bar: `fast` against `base` (ns/el), drawn as the speedup base / fast. */
interface Bar {
  op: string;
  /** The row's label (the op's name, or a variant of it). */
  label: string;
  base: number;
  fast: number;
  color: string;
  data?: Record<string, string>;
}

async function bench(): Promise<void> {
  const button = $<HTMLButtonElement>('#run');
  button.disabled = true;
  const d = makeData(2 ** 16);
  const results: Bar[] = [];
  for (const [i, op] of OPS.entries()) {
    button.textContent = `running ${op.name} (${i + 1}/${OPS.length})…`;
    await pause();
    const plain: number[] = [];
    const simd: number[] = [];
    for (let r = 0; r < 7; r++) {
      plain.push(time(() => op.plain(d), d.n));
      simd.push(time(() => op.lib(k, d), d.n));
    }
    results.push({ op: op.name, label: op.name, base: median(plain), fast: median(simd), color: '#1f77b4' });
  }
  draw('#bars', results, 4);
  button.textContent = 'Run benchmark again';
  button.disabled = false;
}

/** Speedup bars, one row each, on an axis from 0 to at least `least`x. */
function draw(sel: string, results: Bar[], least: number): void {
  const svg = $<SVGSVGElement>(sel);
  const row = 30;
  svg.setAttribute('height', String(row * results.length + 30));
  svg.replaceChildren();
  const left = 170;
  const max = Math.ceil(Math.max(least, ...results.map((r) => r.base / r.fast)));
  const bx = (v: number) => left + (v / max) * (W - left - 250);
  for (let v = 0; v <= max; v++) {
    add(svg, 'line', { class: v === 1 ? 'axis' : 'grid', x1: bx(v), x2: bx(v), y1: 4, y2: row * results.length + 6 });
    add(svg, 'text', { x: bx(v), y: row * results.length + 22, 'text-anchor': 'middle' }, `${v}x`);
  }
  results.forEach((r, i) => {
    const speedup = r.base / r.fast;
    const data = Object.fromEntries(Object.entries(r.data ?? {}).map(([key, v]) => [`data-${key}`, v]));
    const g = add(svg, 'g', { class: 'bar', 'data-op': r.op, 'data-speedup': speedup.toFixed(3), ...data });
    add(g, 'text', { x: left - 8, y: row * i + 21, 'text-anchor': 'end' }, r.label);
    add(g, 'rect', { x: bx(0), y: row * i + 8, width: bx(speedup) - bx(0), height: row - 10, fill: r.color });
    add(
      g,
      'text',
      { class: 'value', x: bx(speedup) + 6, y: row * i + 21 },
      `${speedup.toFixed(2)}x (${r.fast.toPrecision(3)} vs ${r.base.toPrecision(3)} ns/el)`,
    );
  });
}

$('#run').addEventListener('click', () => void bench());

// Threads: createPool() against this page's kernel (the same chunk grid, so the same bits).

/** The operations: three compute-heavy ones and a memory-light one. */
const THREAD_OPS = ['cbNll+grad', 'bceWithLogits+grad', 'softmaxCE+grad C=1024', 'log'].map(
  (name) => OPS.find((o) => o.name === name) as (typeof OPS)[number],
);
const isolated = globalThis.crossOriginIsolated === true;
document.body.dataset.isolated = String(isolated);
$('#pool-status').textContent =
  `crossOriginIsolated: ${isolated} (a pool runs in '${isolated ? 'shared' : 'copy'}' mode here)`;

/** A pool's functions typed as a kernel's: the ops call them, and `timeAsync` awaits what they return. */
const asKernel = (p: Pool) => p as unknown as Softxent;

/** What a call gave: its value (a number, or 0 for an array) and the data's out and grad, copied. */
const seen = (v: unknown, d: Data) => [Float64Array.of(typeof v === 'number' ? v : 0), d.out.slice(), d.grad.slice()];

/** Whether two results are the same bits. */
const same = (a: ReturnType<typeof seen>, b: ReturnType<typeof seen>) =>
  a.every((x, i) => {
    const [u, v] = [new Uint8Array(x.buffer), new Uint8Array(b[i].buffer)];
    return u.length === v.length && u.every((byte, j) => byte === v[j]);
  });

/** The outputs zeroed, so that a call that wrote nothing is caught. */
function cleared(d: Data): Data {
  d.out.fill(0);
  d.grad.fill(0);
  return d;
}

let threads: { pool: Pool; d: Data; zc: Data } | undefined;

async function benchThreads(): Promise<void> {
  const button = $<HTMLButtonElement>('#run-threads');
  button.disabled = true;
  const N = 2 ** 20;
  if (!threads) {
    button.textContent = 'starting the pool…';
    const t0 = performance.now();
    const pool = await createPool();
    const ms = performance.now() - t0;
    const d = makeData(N);
    threads = { pool, d, zc: inKernel(asKernel(pool), d) };
    $('#pool-status').textContent =
      `crossOriginIsolated: ${isolated}; createPool(): mode '${pool.mode}', ${pool.threads} threads ` +
      `(${pool.backend}), started in ${ms.toFixed(1)} ms`;
    document.body.dataset.poolMode = pool.mode;
    document.body.dataset.poolThreads = String(pool.threads);
  }
  const { pool, d, zc } = threads;
  const p = asKernel(pool);
  const results: Bar[] = [];
  for (const [i, op] of THREAD_OPS.entries()) {
    button.textContent = `running ${op.name} (${i + 1}/${THREAD_OPS.length})…`;
    await pause();
    // one call of each (and a warm-up): the pool's bits are the kernel's
    const want = seen(op.lib(k, cleared(d)), d);
    const bits = same(want, seen(await op.lib(p, cleared(d)), d)) && same(want, seen(await op.lib(p, cleared(zc)), zc));
    const [kernel, ordinary, alloc]: number[][] = [[], [], []];
    for (let r = 0; r < 5; r++) {
      kernel.push(await timeAsync(() => op.lib(k, d), N));
      ordinary.push(await timeAsync(() => op.lib(p, d), N));
      alloc.push(await timeAsync(() => op.lib(p, zc), N));
    }
    const base = median(kernel);
    const data = { 'same-bits': String(bits) };
    results.push(
      {
        op: op.name,
        label: op.name,
        base,
        fast: median(ordinary),
        color: '#1f77b4',
        data: { ...data, arrays: 'ordinary' },
      },
      {
        op: op.name,
        label: 'on pool.alloc',
        base,
        fast: median(alloc),
        color: '#2ca02c',
        data: { ...data, arrays: 'pool.alloc' },
      },
    );
  }
  draw('#threads', results, 2);
  button.textContent = 'Run threads benchmark again';
  button.disabled = false;
}

$('#run-threads').addEventListener('click', () =>
  benchThreads().catch((e) => {
    $('#pool-status').textContent = `the threads benchmark failed: ${e}`;
    throw e;
  }),
);
