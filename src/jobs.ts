// A call as a pool runs it: validated and prepared once by the calling thread (its 'mean' denominator
// and gradient factor set for the whole call), then cut into shares of whole cells of the kernel's
// chunk grid. Every thread runs its share with the family's own loop over views of the share, so every
// chunk is the kernel's chunk; the caller replays the chunks' partial sums in order (same bits) and,
// of the shares' first bad elements, reports the first (the kernel's error).
import { MAX_SLOT, rowGrid } from './arena.js';
import { binaryLoop, binaryPrepare } from './binary.js';
import { type MapFn, type MapKernel, mapKernels } from './elementwise.js';
import { labelBad, labelLoop, labelPrepare } from './labels.js';
import { softmaxLoop, softmaxPrepare, tooWide } from './softmax.js';
import { reduce, type Tally } from './sum.js';
import type { FloatArray } from './types.js';
import {
  type BinaryCall,
  type BinaryFn,
  binaryCall,
  elementError,
  isIndexArray,
  K0,
  K1,
  K2,
  K3,
  K4,
  K5,
  type LabelCall,
  labelCall,
  type MultiCall,
  meanOptions,
  multiCall,
  multiError,
  outFor,
  predError,
} from './validate.js';
import type { Wasm } from './wasm.js';

/** An elementwise call. */
export interface MapCall {
  readonly fn: MapFn;
  readonly x: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  /** cbMean: 1 for logits. */
  readonly arg: number;
  readonly kernel: number;
  /** The input's name and kind, for messages. */
  readonly name: string;
  readonly logits: boolean;
}

export type Job =
  | { readonly kind: 'binary'; readonly c: BinaryCall }
  | { readonly kind: 'multi'; readonly c: MultiCall }
  | { readonly kind: 'label'; readonly c: LabelCall }
  | { readonly kind: 'map'; readonly c: MapCall };

export type Kind = Job['kind'];

/** The functions a pool runs, by name. */
export type PoolFn = MapFn | BinaryFn | 'softmaxCrossEntropy' | 'entropy';

/**
 * A job's array fields: whether each has one entry per row (else one per element), and its bit in the
 * call's `kernel` mask (0: masks and labels, which kernels always copy); classWeight is whole.
 */
const FIELDS: Record<Kind, readonly (readonly [string, boolean, number])[]> = {
  binary: [
    ['pred', false, K0],
    ['targets', false, K1],
    ['weight', false, K2],
    ['mask', false, 0],
    ['grad', false, K3],
    ['out', false, K4],
  ],
  multi: [
    ['logits', false, K0],
    ['targets', false, K1],
    ['weight', true, K2],
    ['mask', true, 0],
    ['grad', false, K4],
    ['out', true, K5],
  ],
  label: [
    ['logits', false, K0],
    ['labels', true, 0],
    ['weight', true, K2],
    ['mask', true, 0],
    ['grad', false, K4],
    ['out', true, K5],
  ],
  map: [
    ['x', false, K0],
    ['out', false, K1],
  ],
};

/** The bit of a job's field in its call's `kernel` mask. */
export const bitOf = (kind: Kind, field: string): number => FIELDS[kind].find(([f]) => f === field)?.[2] ?? 0;

/** The fields a call writes. */
export const isOutput = (field: string): boolean => field === 'grad' || field === 'out';

/** Any typed array a job holds. */
export type Typed = FloatArray | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** A job's arrays: [field, array, per row], the absent ones left out. */
export function arraysOf(job: Job): [string, Typed, boolean][] {
  const c = job.c as unknown as Record<string, Typed | undefined>;
  const r: [string, Typed, boolean][] = [];
  for (const [f, perRow] of FIELDS[job.kind]) {
    const a = c[f];
    if (a) r.push([f, a, perRow]);
  }
  return r;
}

/** Classes per row: elements of the per-element arrays per row. */
export const classesOf = (job: Job): number => (job.kind === 'multi' || job.kind === 'label' ? job.c.classes : 1);

/** Rows per cell of the kernel's chunk grid. */
export function cellRows(job: Job, chunk: number): number {
  if (job.kind === 'multi') return rowGrid(chunk, job.c.classes, job.c.distill)[1];
  if (job.kind === 'label') return rowGrid(chunk, job.c.classes, false)[1];
  return chunk;
}

/**
 * A validated, prepared job for `fn(...args)` on the calling thread's kernel `w`; undefined for rows too
 * wide for the kernel (the kernel hands them to the reference). Throws the kernel's argument errors.
 */
export function makeJob(w: Wasm, fn: PoolFn, args: readonly unknown[]): Job | undefined {
  const [a0, a1, a2, a3] = args;
  switch (fn) {
    case 'log':
    case 'log1p':
    case 'cbLogNorm':
    case 'cbLogNormWithLogits':
    case 'cbMean': {
      const logits = fn === 'cbMean' ? meanOptions(a1) : fn === 'cbLogNormWithLogits';
      const name = fn === 'log' || fn === 'log1p' ? 'x' : logits ? 'logits' : 'probs';
      const [x, out, kernel] = outFor(fn, a0, fn === 'cbMean' ? a2 : a1, name);
      const arg = fn === 'cbMean' && logits ? 1 : 0;
      return { kind: 'map', c: { fn, x, out, n: x.length, arg, kernel, name, logits } };
    }
    case 'softmaxCrossEntropy':
    case 'entropy': {
      if (fn === 'softmaxCrossEntropy' && isIndexArray(a1)) {
        const c = labelCall(a0, a1, a2, a3);
        return c.classes > MAX_SLOT ? undefined : { kind: 'label', c: labelPrepare(w, c) };
      }
      const c = fn === 'entropy' ? multiCall(fn, undefined, a0, a1, a2) : multiCall(fn, a0, a1, a2, a3);
      return tooWide(c) ? undefined : { kind: 'multi', c: softmaxPrepare(w, c) };
    }
    default:
      return { kind: 'binary', c: binaryPrepare(w, binaryCall(fn, a0, a1, a2)) };
  }
}

/** The job over its rows [from, to): views of its arrays there, or the arrays given (a worker's). */
export function shareOf(job: Job, from: number, to: number, views?: Record<string, Typed>): Job {
  const C = classesOf(job);
  const c: Record<string, unknown> = { ...job.c, n: to - from };
  for (const [f, a, perRow] of arraysOf(job)) {
    c[f] = views ? views[f] : a.subarray(perRow ? from : from * C, perRow ? to : to * C);
  }
  return { kind: job.kind, c } as unknown as Job;
}

const maps = new WeakMap<Wasm, Record<MapFn, MapKernel>>();

/** Runs a job (a share) on kernel `w` into `t`: -1, or the index of its first bad element (code in t.arg). */
export function runJob(w: Wasm, job: Job, t: Tally): number {
  switch (job.kind) {
    case 'binary':
      return binaryLoop(w, job.c, t);
    case 'multi':
      return softmaxLoop(w, job.c, t);
    case 'label':
      return labelLoop(w, job.c, t);
    case 'map': {
      let k = maps.get(w);
      if (!k) {
        k = mapKernels(w.ex);
        maps.set(w, k);
      }
      const c = job.c;
      return w.arena.map(c.x, c.out, c.kernel, k[c.fn], c.arg);
    }
  }
}

/** The call's index of a bad element at `at` of the share starting at row `from` (its code `arg`). */
export function indexIn(job: Job, arg: number, at: number, from: number): number {
  // row-indexed: multi-class weights (3); class-index labels (2) and weights (3)
  const perRow = (job.kind === 'multi' && arg === 3) || (job.kind === 'label' && arg !== 1);
  return perRow ? from + at : from * classesOf(job) + at;
}

/** The error the kernel throws for a bad element at index `at` of the call (its code `arg`). */
export function jobError(job: Job, arg: number, at: number): RangeError {
  switch (job.kind) {
    case 'binary':
      return elementError(job.c, arg, at);
    case 'multi':
      return multiError(job.c, arg, at);
    case 'label':
      return labelBad(job.c, arg, at);
    case 'map':
      return predError(job.c.fn, job.c.name, job.c.logits, at, job.c.x[at]);
  }
}

/** The call's result from its summed chunks. */
export function resultOf(job: Job, t: Tally): number | FloatArray {
  switch (job.kind) {
    case 'map':
      return job.c.out;
    case 'label':
      // 'mean' divides by Σ classWeight[label] over the kept rows
      return reduce({ reduction: job.c.reduction, n: job.c.den }, t.sum, job.c.out, t.inf);
    default:
      return reduce(job.c, t.sum, job.c.out, t.inf);
  }
}

// The messages between a pool and its workers.

/** The typed arrays a share can hold, by name (a subclass travels as its base class). */
export const TYPES = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;

export type TypeName = keyof typeof TYPES;

export function typeName(a: Typed): TypeName {
  for (const [name, T] of Object.entries(TYPES)) if (a instanceof T) return name as TypeName;
  throw new TypeError('softxent: unreachable: an array of no known type reached a pool');
}

/**
 * An array of a share: n elements of type t at byte o of buffer b (a caller's shared array), or of the
 * request's stage, or (neither) of the worker's own memory, where the caller wrote it.
 */
export interface Desc {
  readonly t: TypeName;
  readonly b?: ArrayBufferLike;
  readonly o: number;
  readonly n: number;
}

export type Request =
  | { readonly type: 'init'; readonly module: WebAssembly.Module; readonly simd: boolean; readonly chunk: number }
  /** Two stages of `bytes` each in the worker's (shared) memory, in place of any before. */
  | { readonly type: 'stage'; readonly bytes: number }
  | {
      readonly type: 'run';
      readonly id: number;
      readonly kind: Kind;
      /** The share's call without its arrays. */
      readonly c: Record<string, unknown>;
      readonly arrays: Record<string, Desc>;
      /** Mode 'copy': the share's copied arrays, transferred there and back. */
      readonly stage: ArrayBufferLike | undefined;
    };

export type Reply =
  | { readonly type: 'ready' }
  /** The worker's memory and its stages' byte addresses. */
  | { readonly type: 'staged'; readonly buffer: SharedArrayBuffer; readonly at: readonly [number, number] }
  | { readonly type: 'fail'; readonly id?: number; readonly message: string }
  | {
      readonly type: 'done';
      readonly id: number;
      /** The chunks' partial sums (hi, lo) in order. */
      readonly parts: Float64Array;
      readonly inf: number;
      readonly arg: number;
      /** -1, or the share's first bad element. */
      readonly at: number;
      /** Milliseconds the share took. */
      readonly ms: number;
      /** The request's stage, if it was transferred. */
      readonly stage: ArrayBuffer | undefined;
    };
