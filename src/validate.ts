// Argument checks and error messages, shared by every backend so that the same input throws the
// same error everywhere. O(1) checks happen before any work; element checks are run by the kernels
// (fused into their pass) or by the reference, and reported through `elementError`.
import type { BceWithLogitsOptions, Reduction } from './types.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'function') {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
  }
  return typeof v === 'string' ? `the string '${v}'` : `${typeof v} ${String(v)}`;
}

export function expectF64(fn: string, name: string, v: unknown): Float64Array {
  if (!(v instanceof Float64Array)) throw new TypeError(`${fn}: ${name} must be a Float64Array, got ${describe(v)}`);
  return v;
}

export function expectLength(fn: string, name: string, a: Float64Array, n: number, of: string): void {
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

/** `out` for an elementwise kernel: a Float64Array of x's length, or a new one. */
export function outFor(fn: string, x: unknown, out: unknown): [Float64Array, Float64Array] {
  const xs = expectF64(fn, 'x', x);
  if (out === undefined) return [xs, new Float64Array(xs.length)];
  const o = expectF64(fn, 'out', out);
  expectLength(fn, 'out', o, xs.length, 'x');
  return [xs, o];
}

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

/** A validated binary-loss call. */
export interface BinaryCall {
  readonly fn: string;
  readonly names: readonly [string, string];
  readonly pred: Float64Array;
  readonly targets: Float64Array;
  readonly n: number;
  readonly reduction: Reduction;
  readonly weight: Float64Array | undefined;
  readonly grad: Float64Array | undefined;
  readonly posWeight: number;
  /** Factor of the gradient: 1/n for 'mean', else 1. */
  readonly gscale: number;
}

const BINARY_KEYS: Record<string, readonly string[]> = {
  bce: ['reduction', 'weight', 'grad'],
  bceWithLogits: ['reduction', 'weight', 'grad', 'posWeight'],
};

export function binaryCall(fn: 'bce' | 'bceWithLogits', pred: unknown, targets: unknown, options: unknown): BinaryCall {
  const names = [fn === 'bce' ? 'probs' : 'logits', 'targets'] as const;
  const p = expectF64(fn, names[0], pred);
  const t = expectF64(fn, names[1], targets);
  const n = p.length;
  expectLength(fn, names[1], t, n, names[0]);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  }
  const o = (options ?? {}) as BceWithLogitsOptions;
  for (const k of Object.keys(o)) {
    if (!BINARY_KEYS[fn].includes(k)) throw new TypeError(`${fn}: unknown option '${k}'`);
  }
  const reduction = o.reduction ?? 'mean';
  if (!REDUCTIONS.includes(reduction)) {
    throw new RangeError(`${fn}: reduction must be 'mean', 'sum' or 'none', got ${describe(reduction)}`);
  }
  let weight: Float64Array | undefined;
  if (o.weight !== undefined) {
    weight = expectF64(fn, 'weight', o.weight);
    expectLength(fn, 'weight', weight, n, names[0]);
  }
  let grad: Float64Array | undefined;
  if (o.grad !== undefined) {
    grad = expectF64(fn, 'grad', o.grad);
    expectLength(fn, 'grad', grad, n, names[0]);
  }
  const posWeight = o.posWeight ?? 1;
  if (typeof posWeight !== 'number')
    throw new TypeError(`${fn}: posWeight must be a number, got ${describe(posWeight)}`);
  if (!isWeight(posWeight)) {
    throw new RangeError(`${fn}: posWeight = ${posWeight} is not a finite number >= 0`);
  }
  return {
    fn,
    names,
    pred: p,
    targets: t,
    n,
    reduction: reduction as Reduction,
    weight,
    grad,
    posWeight,
    gscale: reduction === 'mean' ? 1 / n : 1,
  };
}

/** Argument positions of an element error, as the kernels report them. */
export const ARG_PRED = 1;
export const ARG_TARGET = 2;
export const ARG_WEIGHT = 3;

export function elementError(c: BinaryCall, arg: number, i: number): RangeError {
  if (arg === ARG_WEIGHT) return badWeight(c.fn, i, c.weight?.[i]);
  const name = c.names[arg - 1];
  if (arg === ARG_PRED && c.fn === 'bceWithLogits') return new RangeError(`${c.fn}: ${name}[${i}] is NaN`);
  return outsideUnit(c.fn, name, i, (arg === ARG_PRED ? c.pred : c.targets)[i]);
}

/**
 * The first bad argument at element i (0 if none), checked in argument order; the reference's
 * element check, and the order the kernels follow.
 */
export function badArgument(c: BinaryCall, i: number): number {
  const a = c.pred[i];
  if (c.fn === 'bce' ? !inUnit(a) : Number.isNaN(a)) return ARG_PRED;
  if (!inUnit(c.targets[i])) return ARG_TARGET;
  if (c.weight && !isWeight(c.weight[i])) return ARG_WEIGHT;
  return 0;
}
