import type { Elementwise } from '../types.js';
import { outFor } from '../validate.js';

const map = (fn: 'log' | 'log1p', f: (x: number) => number): Elementwise =>
  ((x: unknown, out?: unknown) => {
    const [xs, o] = outFor(fn, x, out);
    for (let i = 0; i < xs.length; i++) o[i] = f(xs[i]);
    return o;
  }) as Elementwise;

// V8's Math.log and Math.log1p are fdlibm's (< 1 ulp, IEEE special cases).
export const log = map('log', Math.log);
export const log1p = map('log1p', Math.log1p);
