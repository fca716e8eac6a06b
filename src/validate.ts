// Argument checks and error messages, shared by every backend so that the same input throws the
// same error everywhere. O(1) checks happen before any work; element checks are run by the kernels
// (fused into their pass) or by the reference, and reported through `elementError`.
import { detached, heapOf, KERNEL } from './memory.js';
import { Sum } from './sum.js';
import type { BceWithLogitsOptions, FloatArray, IndexArray, Reduction } from './types.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'function') {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    // 'a Uint8Array': U sounds like 'you'
    return name ? `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
  }
  return typeof v === 'string' ? `the string '${v}'` : `${typeof v} ${String(v)}`;
}

/**
 * Checks that v is a Float64Array or Float32Array that can be read: not detached, and not a view of a
 * freed block of kernel memory. Returns `bit` if v is a `k.alloc` view (or a subarray of one) in a
 * live block of some kernel's memory, else 0.
 */
export function floatArg(fn: string, name: string, v: unknown, bit: number): number {
  if (!(v instanceof Float64Array || v instanceof Float32Array)) {
    throw new TypeError(`${fn}: ${name} must be a Float64Array or a Float32Array, got ${describe(v)}`);
  }
  if (detached(v)) {
    throw new TypeError(
      `${fn}: ${name} is a detached view (its buffer was transferred, or it is a k.alloc() view from before the kernel's memory grew: read .array again)`,
    );
  }
  if (!(v as { [KERNEL]?: true })[KERNEL]) return 0;
  const heap = heapOf(v.buffer);
  if (!heap) return 0;
  if (!heap.holds(v)) {
    throw new TypeError(`${fn}: ${name} is a view of kernel memory outside any live k.alloc() block (freed?)`);
  }
  return bit;
}

/** `floatArg` for callers that need only the check. */
export function expectFloat(fn: string, name: string, v: unknown): FloatArray {
  floatArg(fn, name, v, 0);
  return v as FloatArray;
}

/** Bits of a call's `kernel` mask: which array arguments live in kernel memory. */
export const K0 = 1;
export const K1 = 2;
export const K2 = 4;
export const K3 = 8;
export const K4 = 16;
export const K5 = 32;

/** The length of `k.alloc(n)`: an integer in [0, 2^29] (4 GiB of float64). */
export function allocLength(n: unknown): number {
  if (typeof n !== 'number') throw new TypeError(`alloc: n must be a number, got ${describe(n)}`);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 29)
    throw new RangeError(`alloc: n = ${n} is not an integer in [0, 2^29]`);
  return n;
}

/** The dtype of `k.alloc(n, dtype)`: true for 'float32', false for 'float64' (the default). */
export function allocFloat32(dtype: unknown): boolean {
  if (dtype === undefined || dtype === 'float64') return false;
  if (dtype === 'float32') return true;
  throw new TypeError(`alloc: dtype must be 'float64' or 'float32', got ${describe(dtype)}`);
}

export function expectLength(fn: string, name: string, a: FloatArray, n: number, of: string): void {
  if (a.length !== n) {
    throw new RangeError(`${fn}: ${name} has length ${a.length}, expected ${n} (the length of ${of})`);
  }
}

/** A probability or soft label: in [0, 1] (false for NaN). */
export const inUnit = (v: number): boolean => v >= 0 && v <= 1;

/** A weight: finite and >= 0 (false for NaN). */
export const isWeight = (v: number): boolean => v >= 0 && v < Infinity;

export function outsideUnit(fn: string, name: string, i: number, v: number): RangeError {
  return new RangeError(`${fn}: ${name}[${i}] = ${v} is outside [0, 1]`);
}

export function badWeight(fn: string, i: number, v: number | undefined): RangeError {
  return new RangeError(`${fn}: weight[${i}] = ${v} is not a finite number >= 0`);
}

/**
 * `out` for an elementwise kernel: a float array of the input's length, or a new Float64Array; and the
 * `kernel` mask (K0: x, K1: out).
 */
export function outFor(fn: string, x: unknown, out: unknown, name = 'x'): [FloatArray, FloatArray, number] {
  const k = floatArg(fn, name, x, K0);
  const xs = x as FloatArray;
  if (out === undefined) return [xs, new Float64Array(xs.length), k];
  const ko = floatArg(fn, 'out', out, K1);
  const o = out as FloatArray;
  expectLength(fn, 'out', o, xs.length, name);
  return [xs, o, k | ko];
}

/** The options of cbMean: whether the input is logits (default: probabilities). */
export function meanOptions(options: unknown): boolean {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`cbMean: options must be an object, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) if (k !== 'logits') throw new TypeError(`cbMean: unknown option '${k}'`);
  const logits = (options as { logits?: unknown }).logits ?? false;
  if (typeof logits !== 'boolean') throw new TypeError(`cbMean: logits must be a boolean, got ${describe(logits)}`);
  return logits;
}

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

const NO_OPTIONS: Record<string, unknown> = Object.freeze({});

/** A call's options: undefined or an object whose keys are all in `keys`. */
function optionsOf(fn: string, options: unknown, keys: readonly string[]): Record<string, unknown> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  }
  if (options === undefined) return NO_OPTIONS;
  const o = options as Record<string, unknown>;
  // for-in, not Object.keys: no array per call
  for (const k in o) if (!keys.includes(k) && Object.hasOwn(o, k)) throw new TypeError(`${fn}: unknown option '${k}'`);
  return o;
}

function reductionOf(fn: string, v: unknown): Reduction {
  const reduction = v ?? 'mean';
  if (!REDUCTIONS.includes(reduction as string)) {
    throw new RangeError(`${fn}: reduction must be 'mean', 'sum' or 'none', got ${describe(reduction)}`);
  }
  return reduction as Reduction;
}

/**
 * The `out` option of a loss: per-sample results for reduction 'none' (refused with another reduction),
 * n long (`why`: what n is); `floatArg`'s bit.
 */
function outOption(fn: string, v: unknown, reduction: Reduction, n: number, why: string, bit: number): number {
  if (v === undefined) return 0;
  if (reduction !== 'none') throw new RangeError(`${fn}: out is only for reduction 'none', got '${reduction}'`);
  return optionalFloat(fn, 'out', v, n, why, bit);
}

/** An optional array option: undefined, or a float array of length n (`why`: what n is); `floatArg`'s bit. */
function optionalFloat(fn: string, name: string, v: unknown, n: number, why: string, bit: number): number {
  if (v === undefined) return 0;
  const k = floatArg(fn, name, v, bit);
  const a = v as FloatArray;
  if (a.length !== n) throw new RangeError(`${fn}: ${name} has length ${a.length}, expected ${n} (${why})`);
  return k;
}

/** The binary losses: bce-style (prediction first) and continuous Bernoulli (x first). */
export type BinaryFn = 'bce' | 'bceWithLogits' | 'cbNll' | 'cbNllWithLogits' | 'sigmoidFocalLoss';

interface Shape {
  /** Argument names in the caller's order. */
  readonly names: readonly [string, string];
  /** Position of the prediction (probabilities or logits) among the two arrays. */
  readonly pred: 0 | 1;
  /** The prediction is logits (any number but NaN) rather than probabilities. */
  readonly logits: boolean;
  readonly keys: readonly string[];
  /** What the optional arrays' length is, for messages (built once, not per call). */
  readonly why: string;
}

const LOSS_KEYS = ['reduction', 'weight', 'grad', 'out', 'mask'];
const SHAPES: Record<BinaryFn, Shape> = {
  bce: {
    names: ['probs', 'targets'],
    pred: 0,
    logits: false,
    keys: [...LOSS_KEYS, 'labelSmoothing'],
    why: 'the length of probs',
  },
  bceWithLogits: {
    names: ['logits', 'targets'],
    pred: 0,
    logits: true,
    keys: [...LOSS_KEYS, 'posWeight', 'targetLogits', 'temperature', 'labelSmoothing'],
    why: 'the length of logits',
  },
  sigmoidFocalLoss: {
    names: ['logits', 'targets'],
    pred: 0,
    logits: true,
    keys: [...LOSS_KEYS, 'gamma', 'alpha'],
    why: 'the length of logits',
  },
  cbNll: { names: ['x', 'probs'], pred: 1, logits: false, keys: LOSS_KEYS, why: 'the length of probs' },
  cbNllWithLogits: { names: ['x', 'logits'], pred: 1, logits: true, keys: LOSS_KEYS, why: 'the length of logits' },
};

/** A validated binary-loss call. */
export interface BinaryCall {
  readonly fn: BinaryFn;
  readonly shape: Shape;
  readonly pred: FloatArray;
  readonly targets: FloatArray;
  readonly n: number;
  readonly reduction: Reduction;
  readonly weight: FloatArray | undefined;
  readonly grad: FloatArray | undefined;
  /** The caller's array for the per-sample losses ('none'). */
  readonly out: FloatArray | undefined;
  /** Which arrays live in kernel memory: K0 pred, K1 targets, K2 weight, K3 grad, K4 out. */
  readonly kernel: number;
  readonly posWeight: number;
  /** bceWithLogits: the targets are a teacher's logits (any number but NaN). */
  readonly targetLogits: boolean;
  /** bceWithLogits: T > 0, logits (and teacher logits) divided by T, the loss times T². */
  readonly temperature: number;
  /** Factor of the gradient: 1/den for 'mean', else 1 (with a mask, set by the backend: see `masked`). */
  readonly gscale: number;
  /** Samples 'mean' divides by: n, or the kept ones (with a mask, set by the backend). */
  readonly den: number;
  readonly mask: Uint8Array | undefined;
  /** Binary label smoothing t' = t keep + add (keep = 1 - eps, add = eps / 2). */
  readonly keep: number;
  readonly add: number;
  /** sigmoidFocalLoss: gamma >= 0 (default 2); alpha in [0, 1], or -1 for none (default 0.25). */
  readonly gamma: number;
  readonly alpha: number;
}

/** A call with its 'mean' denominator set: the kept samples of its mask. */
export function withDenominator<T extends { reduction: Reduction; gscale: number; den: number }>(c: T, den: number): T {
  return c.reduction === 'mean' ? { ...c, den, gscale: 1 / den } : c;
}

/** The number of non-zero bytes of a mask. */
export function keptCount(m: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) k++;
  return k;
}

/** `labelSmoothing`: a number in [0, 1], default 0. */
function smoothingOf(fn: string, v: unknown): number {
  const eps = v ?? 0;
  if (typeof eps !== 'number') throw new TypeError(`${fn}: labelSmoothing must be a number, got ${describe(eps)}`);
  if (!inUnit(eps)) throw new RangeError(`${fn}: labelSmoothing = ${eps} is outside [0, 1]`);
  return eps;
}

/** `targetLogits`: a boolean, default false. */
function targetLogitsOf(fn: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`${fn}: targetLogits must be a boolean, got ${describe(v)}`);
  return v;
}

/** `temperature`: a finite number > 0, default 1. */
function temperatureOf(fn: string, v: unknown): number {
  if (v === undefined) return 1;
  if (typeof v !== 'number') throw new TypeError(`${fn}: temperature must be a number, got ${describe(v)}`);
  if (!(v > 0 && v < Infinity)) throw new RangeError(`${fn}: temperature = ${v} is not a finite number > 0`);
  return v;
}

export function binaryCall(fn: BinaryFn, first: unknown, second: unknown, options: unknown): BinaryCall {
  const shape = SHAPES[fn];
  const [n0, n1] = shape.names;
  const p = shape.pred;
  let kernel = floatArg(fn, n0, first, p === 0 ? K0 : K1) | floatArg(fn, n1, second, p === 0 ? K1 : K0);
  const a = first as FloatArray;
  const b = second as FloatArray;
  const n = a.length;
  expectLength(fn, n1, b, n, n0);
  const o = optionsOf(fn, options, shape.keys) as BceWithLogitsOptions;
  const reduction = reductionOf(fn, o.reduction);
  kernel |= optionalFloat(fn, 'weight', o.weight, n, shape.why, K2);
  kernel |= optionalFloat(fn, 'grad', o.grad, n, shape.why, K3);
  kernel |= outOption(fn, o.out, reduction, n, shape.why, K4);
  const posWeight = o.posWeight ?? 1;
  if (typeof posWeight !== 'number')
    throw new TypeError(`${fn}: posWeight must be a number, got ${describe(posWeight)}`);
  if (!isWeight(posWeight)) {
    throw new RangeError(`${fn}: posWeight = ${posWeight} is not a finite number >= 0`);
  }
  const targetLogits = targetLogitsOf(fn, o.targetLogits);
  const temperature = temperatureOf(fn, o.temperature);
  const eps = smoothingOf(fn, (o as { labelSmoothing?: unknown }).labelSmoothing);
  if (eps !== 0 && targetLogits) throw new RangeError(`${fn}: labelSmoothing is not for targetLogits`);
  const mask = maskOf(fn, (o as { mask?: unknown }).mask, n, shape.why);
  const { gamma = 2, alpha = 0.25 } = o as { gamma?: unknown; alpha?: unknown };
  if (typeof gamma !== 'number') throw new TypeError(`${fn}: gamma must be a number, got ${describe(gamma)}`);
  if (!(gamma >= 0 && gamma < Infinity)) throw new RangeError(`${fn}: gamma = ${gamma} is not a finite number >= 0`);
  if (alpha !== null && typeof alpha !== 'number') {
    throw new TypeError(`${fn}: alpha must be a number or null, got ${describe(alpha)}`);
  }
  if (alpha !== null && !inUnit(alpha)) throw new RangeError(`${fn}: alpha = ${alpha} is outside [0, 1]`);
  return {
    fn,
    shape,
    pred: p === 0 ? a : b,
    targets: p === 0 ? b : a,
    n,
    reduction,
    weight: o.weight,
    grad: o.grad,
    out: o.out,
    kernel,
    posWeight,
    targetLogits,
    temperature,
    gscale: reduction === 'mean' ? 1 / n : 1,
    den: n,
    mask,
    keep: 1 - eps,
    add: eps / 2,
    gamma,
    alpha: alpha ?? -1,
  };
}

/** Argument positions of an element error, as the kernels report them. */
export const ARG_PRED = 1;
export const ARG_TARGET = 2;
export const ARG_WEIGHT = 3;

/** The error for element i of the prediction: outside [0, 1], or NaN for logits. */
export function predError(fn: string, name: string, logits: boolean, i: number, v: number): RangeError {
  return logits ? new RangeError(`${fn}: ${name}[${i}] is NaN`) : outsideUnit(fn, name, i, v);
}

/** A valid prediction: probabilities in [0, 1], logits not NaN. */
export const predOk = (logits: boolean, v: number): boolean => (logits ? !Number.isNaN(v) : inUnit(v));

export function elementError(c: BinaryCall, arg: number, i: number): RangeError {
  if (arg === ARG_WEIGHT) return badWeight(c.fn, i, c.weight?.[i]);
  const name = c.shape.names[arg === ARG_PRED ? c.shape.pred : 1 - c.shape.pred];
  if (arg === ARG_PRED) return predError(c.fn, name, c.shape.logits, i, c.pred[i]);
  if (c.targetLogits) return new RangeError(`${c.fn}: ${name}[${i}] is NaN (teacher logits)`);
  return outsideUnit(c.fn, name, i, c.targets[i]);
}

/**
 * The first bad argument at element i (0 if none), checked in the caller's argument order; the
 * reference's element check, and the order the kernels follow.
 */
export function badArgument(c: BinaryCall, i: number): number {
  const predBad = !predOk(c.shape.logits, c.pred[i]);
  const targetBad = c.targetLogits ? Number.isNaN(c.targets[i]) : !inUnit(c.targets[i]);
  if (c.shape.pred === 0 ? predBad : targetBad) return c.shape.pred === 0 ? ARG_PRED : ARG_TARGET;
  if (c.shape.pred === 0 ? targetBad : predBad) return c.shape.pred === 0 ? ARG_TARGET : ARG_PRED;
  if (c.weight && !isWeight(c.weight[i])) return ARG_WEIGHT;
  return 0;
}

/** The multi-class functions. */
export type MultiFn = 'softmaxCrossEntropy' | 'entropy';

/** A validated multi-class call; `n` is the number of samples (rows). */
export interface MultiCall {
  readonly fn: MultiFn;
  /** Absent for entropy. */
  readonly logits: FloatArray | undefined;
  readonly targets: FloatArray;
  readonly classes: number;
  readonly n: number;
  readonly reduction: Reduction;
  readonly weight: FloatArray | undefined;
  readonly grad: FloatArray | undefined;
  readonly classWeight: FloatArray | undefined;
  /** The caller's array for the per-row losses ('none'). */
  readonly out: FloatArray | undefined;
  /** Which arrays live in kernel memory: K0 logits, K1 targets, K2 weight, K3 classWeight, K4 grad, K5 out. */
  readonly kernel: number;
  /** t' = t keep + add: keep = 1 - eps, add = eps / classes. */
  readonly keep: number;
  readonly add: number;
  readonly mode: Mode;
  /** The targets are a teacher's logits. */
  readonly targetLogits: boolean;
  /** T > 0: logits divided by T, the loss times T². */
  readonly temperature: number;
  /** js: the teacher's weight in the mixture m. */
  readonly beta: number;
  /** Needs the distillation kernel: teacher logits, a temperature, reverse-kl or js. */
  readonly distill: boolean;
  /** Factor of the gradient: 1/den for 'mean', else 1. */
  readonly gscale: number;
  readonly mask: Uint8Array | undefined;
  /** Rows 'mean' divides by: the kept ones. */
  readonly den: number;
}

/** softmaxCrossEntropy's modes, in assembly/distill.ts's numbering. */
export type Mode = 'ce' | 'kl' | 'reverse-kl' | 'js';
export const MODES: readonly Mode[] = ['ce', 'kl', 'reverse-kl', 'js'];

const MULTI_KEYS: Record<MultiFn, readonly string[]> = {
  softmaxCrossEntropy: [
    'mask',
    'reduction',
    'weight',
    'grad',
    'out',
    'classWeight',
    'labelSmoothing',
    'mode',
    'targetLogits',
    'temperature',
    'beta',
    'ignoreIndex',
  ],
  entropy: ['reduction', 'weight', 'out', 'classWeight', 'labelSmoothing'],
};

/** Checks a multi-class call's `classes`: a positive integer dividing the length of `first`. */
function checkClasses(fn: string, classes: unknown, len: number, first: string): asserts classes is number {
  if (typeof classes !== 'number') throw new TypeError(`${fn}: classes must be a number, got ${describe(classes)}`);
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`${fn}: classes = ${classes} is not a positive integer`);
  }
  if (len % classes !== 0) {
    throw new RangeError(`${fn}: classes = ${classes} does not divide the length ${len} of ${first}`);
  }
}

/** softmaxCrossEntropy(logits, targets, classes, options) or entropy(targets, classes, options). */
export function multiCall(
  fn: MultiFn,
  logits: unknown,
  targets: unknown,
  classes: unknown,
  options: unknown,
): MultiCall {
  let kernel = fn === 'entropy' ? 0 : floatArg(fn, 'logits', logits, K0);
  if (fn === 'softmaxCrossEntropy' && !(targets instanceof Float64Array || targets instanceof Float32Array)) {
    throw new TypeError(
      `${fn}: targets must be a Float64Array or a Float32Array, or class indices in an integer typed array, got ${describe(targets)}`,
    );
  }
  kernel |= floatArg(fn, 'targets', targets, K1);
  const z = fn === 'entropy' ? undefined : (logits as FloatArray);
  const t = targets as FloatArray;
  const first = z ? 'logits' : 'targets';
  const len = (z ?? t).length;
  if (z) expectLength(fn, 'targets', t, len, 'logits');
  checkClasses(fn, classes, len, first);
  const rows = len / classes;
  const o = optionsOf(fn, options, MULTI_KEYS[fn]);
  const reduction = reductionOf(fn, o.reduction);
  kernel |= optionalFloat(fn, 'weight', o.weight, rows, 'the number of rows', K2);
  kernel |= optionalFloat(fn, 'grad', o.grad, len, 'the length of logits', K4);
  kernel |= outOption(fn, o.out, reduction, rows, 'the number of rows', K5);
  kernel |= optionalFloat(fn, 'classWeight', o.classWeight, classes, 'classes', K3);
  const { weight, grad, out, classWeight } = o as Record<string, FloatArray | undefined>;
  const i = classWeight ? classWeight.findIndex((v) => !isWeight(v)) : -1;
  if (classWeight && i >= 0) {
    throw new RangeError(`${fn}: classWeight[${i}] = ${classWeight[i]} is not a finite number >= 0`);
  }
  const eps = smoothingOf(fn, o.labelSmoothing);
  const mode = (o.mode ?? 'ce') as Mode;
  if (!MODES.includes(mode)) {
    throw new RangeError(`${fn}: mode must be 'ce', 'kl', 'reverse-kl' or 'js', got ${describe(mode)}`);
  }
  if (classWeight && mode !== 'ce' && mode !== 'kl') {
    throw new RangeError(`${fn}: classWeight is only for modes 'ce' and 'kl', got mode '${mode}'`);
  }
  const beta = o.beta ?? 0.5;
  if (o.beta !== undefined && mode !== 'js')
    throw new RangeError(`${fn}: beta is only for mode 'js', got mode '${mode}'`);
  if (typeof beta !== 'number') throw new TypeError(`${fn}: beta must be a number, got ${describe(beta)}`);
  if (!inUnit(beta)) throw new RangeError(`${fn}: beta = ${beta} is outside [0, 1]`);
  const targetLogits = targetLogitsOf(fn, o.targetLogits);
  const temperature = temperatureOf(fn, o.temperature);
  if (o.ignoreIndex !== undefined) throw new RangeError(`${fn}: ignoreIndex is only for class-index targets`);
  const mask = maskOf(fn, o.mask, rows, 'the number of rows');
  // with a mask, 'mean' counts the kept rows: the backend sets it (withDenominator)
  const den = rows;
  return {
    fn,
    logits: z,
    targets: t,
    classes,
    n: rows,
    reduction,
    weight,
    grad,
    classWeight,
    out,
    kernel,
    keep: 1 - eps,
    add: eps / classes,
    mode,
    targetLogits,
    temperature,
    beta,
    distill: targetLogits || temperature !== 1 || mode === 'reverse-kl' || mode === 'js',
    gscale: reduction === 'mean' ? 1 / den : 1,
    mask,
    den,
  };
}

/** A target: finite and >= 0 (false for NaN). */
export const isTarget = isWeight;

/** The error for a bad element of a multi-class call: global index i, argument position arg. */
export function multiError(c: MultiCall, arg: number, i: number): RangeError {
  if (arg === ARG_WEIGHT) return badWeight(c.fn, i, c.weight?.[i]);
  if (arg === ARG_PRED) return new RangeError(`${c.fn}: logits[${i}] is NaN`);
  if (c.targetLogits) return new RangeError(`${c.fn}: targets[${i}] is NaN (teacher logits)`);
  return new RangeError(`${c.fn}: targets[${i}] = ${c.targets[i]} is not a finite number >= 0`);
}

/**
 * The error for the first bad element of row r, or undefined: logits (NaN), then targets, then the
 * row's weight; the kernels follow the same order.
 */
export function badInRow(c: MultiCall, r: number): RangeError | undefined {
  const C = c.classes;
  if (c.logits) {
    for (let i = r * C; i < (r + 1) * C; i++) if (Number.isNaN(c.logits[i])) return multiError(c, ARG_PRED, i);
  }
  for (let i = r * C; i < (r + 1) * C; i++) {
    const t = c.targets[i];
    if (c.targetLogits ? Number.isNaN(t) : !isTarget(t)) return multiError(c, ARG_TARGET, i);
  }
  if (c.weight && !isWeight(c.weight[r])) return multiError(c, ARG_WEIGHT, r);
  return undefined;
}

/** Whether v is an integer typed array of class indices. */
export const isIndexArray = (v: unknown): v is IndexArray =>
  v instanceof Int32Array ||
  v instanceof Uint32Array ||
  v instanceof Int16Array ||
  v instanceof Uint16Array ||
  v instanceof Int8Array ||
  v instanceof Uint8Array;

/** The `mask` option: undefined, or a Uint8Array of length n (`why`: what n is). */
export function maskOf(fn: string, v: unknown, n: number, why: string): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw new TypeError(`${fn}: mask must be a Uint8Array, got ${describe(v)}`);
  if (v.length !== n) throw new RangeError(`${fn}: mask has length ${v.length}, expected ${n} (${why})`);
  return v;
}

/** A validated softmaxCrossEntropy call with class indices; `n` is the number of rows. */
export interface LabelCall {
  readonly fn: 'softmaxCrossEntropy';
  readonly logits: FloatArray;
  readonly labels: IndexArray;
  readonly classes: number;
  readonly n: number;
  readonly reduction: Reduction;
  readonly weight: FloatArray | undefined;
  readonly grad: FloatArray | undefined;
  readonly classWeight: FloatArray | undefined;
  readonly out: FloatArray | undefined;
  readonly mask: Uint8Array | undefined;
  /** Which arrays live in kernel memory: K0 logits, K2 weight, K3 classWeight, K4 grad, K5 out. */
  readonly kernel: number;
  readonly keep: number;
  readonly add: number;
  readonly ignoreIndex: number;
  /** No label of this array type can equal ignoreIndex. */
  readonly noIgnore: boolean;
  /** Σ classWeight (classes without class weights). */
  readonly sumW: number;
  /** 'mean''s denominator (Σ classWeight[label] over the kept rows) and 1/den: set by the kernel. */
  readonly den: number;
  readonly gscale: number;
}

const LABEL_KEYS = [
  'reduction',
  'weight',
  'grad',
  'out',
  'mask',
  'classWeight',
  'labelSmoothing',
  'ignoreIndex',
  'mode',
];
const MULTI_ONLY = ['targetLogits', 'temperature', 'beta'];

/** The range of values of an integer typed array. */
function labelRange(a: IndexArray): [number, number] {
  const bits = a.BYTES_PER_ELEMENT * 8;
  const signed = a instanceof Int32Array || a instanceof Int16Array || a instanceof Int8Array;
  return signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** softmaxCrossEntropy(logits, labels, classes, options) with an integer typed array of labels. */
export function labelCall(logits: unknown, labels: IndexArray, classes: unknown, options: unknown): LabelCall {
  const fn = 'softmaxCrossEntropy';
  let kernel = floatArg(fn, 'logits', logits, K0);
  const z = logits as FloatArray;
  checkClasses(fn, classes, z.length, 'logits');
  const rows = z.length / classes;
  if (labels.length !== rows) {
    throw new RangeError(
      `${fn}: targets (class indices) has length ${labels.length}, expected ${rows} (the number of rows)`,
    );
  }
  if (options !== undefined && options !== null && typeof options === 'object') {
    for (const k of MULTI_ONLY) {
      if ((options as Record<string, unknown>)[k] !== undefined) {
        throw new RangeError(`${fn}: ${k} is not for class-index targets`);
      }
    }
  }
  const o = optionsOf(fn, options, [...LABEL_KEYS, ...MULTI_ONLY]);
  const reduction = reductionOf(fn, o.reduction);
  kernel |= optionalFloat(fn, 'weight', o.weight, rows, 'the number of rows', K2);
  kernel |= optionalFloat(fn, 'grad', o.grad, z.length, 'the length of logits', K4);
  kernel |= outOption(fn, o.out, reduction, rows, 'the number of rows', K5);
  kernel |= optionalFloat(fn, 'classWeight', o.classWeight, classes, 'classes', K3);
  const mask = maskOf(fn, o.mask, rows, 'the number of rows');
  const { weight, grad, out, classWeight } = o as Record<string, FloatArray | undefined>;
  let sumW = classes;
  if (classWeight) {
    const s = new Sum();
    for (let i = 0; i < classes; i++) {
      const v = classWeight[i];
      if (!isWeight(v)) throw new RangeError(`${fn}: classWeight[${i}] = ${v} is not a finite number >= 0`);
      s.add(v);
    }
    sumW = s.value();
  }
  const eps = smoothingOf(fn, o.labelSmoothing);
  const mode = o.mode ?? 'ce';
  if (mode !== 'ce') {
    if (!MODES.includes(mode as Mode)) {
      throw new RangeError(`${fn}: mode must be 'ce', 'kl', 'reverse-kl' or 'js', got ${describe(mode)}`);
    }
    throw new RangeError(`${fn}: class-index targets take mode 'ce' only, got mode '${mode}'`);
  }
  const ignoreIndex = o.ignoreIndex ?? -100;
  if (typeof ignoreIndex !== 'number') {
    throw new TypeError(`${fn}: ignoreIndex must be a number, got ${describe(ignoreIndex)}`);
  }
  if (!Number.isInteger(ignoreIndex)) throw new RangeError(`${fn}: ignoreIndex = ${ignoreIndex} is not an integer`);
  const [lo, hi] = labelRange(labels);
  return {
    fn,
    logits: z,
    labels,
    classes,
    n: rows,
    reduction,
    weight,
    grad,
    classWeight,
    out,
    mask,
    kernel,
    keep: 1 - eps,
    add: eps / classes,
    ignoreIndex,
    noIgnore: ignoreIndex < lo || ignoreIndex > hi,
    sumW,
    // set by the kernel before the pass (its shape fixed here)
    den: 1,
    gscale: 1,
  };
}

/** The error for row r's label (outside [0, classes), not ignoreIndex). */
export function labelError(c: LabelCall, r: number): RangeError {
  return new RangeError(
    `${c.fn}: targets[${r}] = ${c.labels[r]} is not a class index in [0, ${c.classes}) (nor ignoreIndex ${c.ignoreIndex})`,
  );
}
