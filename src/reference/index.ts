// The pure TypeScript implementation of the contract: no WebAssembly, same errors, same results
// to within the documented accuracy.
import { Block } from '../memory.js';
import type { Dtype, Softxent } from '../types.js';
import { allocFloat32, allocLength } from '../validate.js';
import { bce, bceWithLogits, sigmoidFocalLoss } from './binary.js';
import { cb } from './cb.js';
import { log, log1p } from './elementwise.js';
import { softmax } from './softmax.js';

/**
 * The pure TypeScript implementation (`backend` 'js'): the same functions, options and errors as a kernel, no
 * WebAssembly and nothing to await; results agree with the kernels to within the documented accuracy.
 * `alloc` returns plain arrays and `memoryBytes()` is 0.
 */
export const reference: Softxent = {
  backend: 'js',
  memoryBytes: () => 0,
  alloc: ((n: number, dtype?: Dtype) => {
    const a = allocFloat32(dtype) ? new Float32Array(allocLength(n)) : new Float64Array(allocLength(n));
    // free() detaches the buffer, so that every function refuses the stale view as in the kernels.
    return new Block(
      a.length,
      () => a,
      () => structuredClone(a.buffer, { transfer: [a.buffer] }),
    );
  }) as Softxent['alloc'],
  log,
  log1p,
  bce,
  bceWithLogits,
  sigmoidFocalLoss,
  ...cb,
  softmaxCrossEntropy: softmax.softmaxCrossEntropy,
  entropy: softmax.entropy,
};
