// Shared by every test file: the three backends and error measurement in ulps against fixtures.
import { createKernel, reference, type Softxent } from '../src/index.js';
import binary from './fixtures/binary.json?raw';
import cb from './fixtures/cb.json?raw';
import distill from './fixtures/distill.json?raw';
import focal from './fixtures/focal.json?raw';
import labels from './fixtures/labels.json?raw';
import log from './fixtures/log.json?raw';
import smoothing from './fixtures/smoothing.json?raw';
import softmax from './fixtures/softmax.json?raw';

/** The same suite runs on each: the SIMD build, the scalar build, the pure-JS reference. */
export const BACKENDS: readonly [string, () => Promise<Softxent>][] = [
  ['wasm-simd', () => createKernel()],
  ['wasm', () => createKernel({ simd: false })],
  ['js', async () => reference],
];

/** Like BACKENDS, with a small arena so that short arrays cross chunk boundaries. */
export const CHUNKED: readonly [string, () => Promise<Softxent>][] = [
  ['wasm-simd', () => createKernel({ chunk: 8 })],
  ['wasm', () => createKernel({ simd: false, chunk: 8 })],
  ['js', async () => reference],
];

const SPECIAL: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: Number.NaN };

// Imported as text (Vite's ?raw), so that the same tests read them in Node and in Chromium.
const FIXTURES: Record<string, string> = {
  'binary.json': binary,
  'cb.json': cb,
  'distill.json': distill,
  'focal.json': focal,
  'labels.json': labels,
  'log.json': log,
  'smoothing.json': smoothing,
  'softmax.json': softmax,
};

/** A fixture file from test/fixtures, with "Infinity", "-Infinity" and "NaN" decoded. */
export function fixture<T>(name: string): T {
  const text = FIXTURES[name];
  if (text === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(text, (_k, v) => (typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : v)) as T;
}

/** Column j of fixture rows, as a Float64Array. */
export const col = (rows: readonly (readonly number[])[], j: number): Float64Array =>
  Float64Array.from(rows, (r) => r[j]);

/** The spacing of doubles at |v| (2^-1074 in the subnormal range). */
export function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -1022) return 2 ** -1074;
  const e = Math.floor(Math.log2(a));
  // log2 may round across a power of two: correct it.
  const p = 2 ** e > a ? e - 1 : 2 ** (e + 1) <= a ? e + 1 : e;
  return 2 ** (p - 52);
}

/**
 * Error of `got` against the true value rounded + residual, in ulps of the true value; 0 when both
 * are the same non-finite value, Infinity when only one is.
 */
export function ulpErr(got: number, rounded: number, residual: number): number {
  if (!Number.isFinite(rounded) || !Number.isFinite(got)) return Object.is(got, rounded) ? 0 : Infinity;
  return Math.abs(got - rounded - residual) / ulp(rounded);
}

/** The largest error over a set of [got, rounded, residual]; also names where it was. */
export function worst(errs: Iterable<[number, string]>): { ulps: number; at: string } {
  let w = { ulps: 0, at: '' };
  for (const [e, at] of errs) if (!(e <= w.ulps)) w = { ulps: e, at };
  return w;
}

/** n deterministic values in (0, 1) from a linear congruential generator seeded with `seed`. */
export function uniform(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  });
}

/** `rows` rows of C soft labels each from `uniform` (each row sums to 1). */
export function softRows(rows: number, C: number, seed: number): Float64Array {
  const t = uniform(rows * C, seed);
  for (let r = 0; r < rows; r++) {
    const row = t.subarray(r * C, (r + 1) * C);
    const s = row.reduce((a, v) => a + v, 0);
    row.forEach((v, i) => {
      row[i] = v / s;
    });
  }
  return t;
}

/** 'ok', or the error a call throws as "RangeError: message" (to compare backends' errors). */
export function outcome(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}
