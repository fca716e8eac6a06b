// The pure TypeScript implementation of the contract: no WebAssembly, same errors, same results
// to within the documented accuracy.
import type { Softxent } from '../types.js';
import { bce, bceWithLogits } from './binary.js';
import { cb } from './cb.js';
import { log, log1p } from './elementwise.js';
import { softmax } from './softmax.js';

export const reference: Softxent = {
  backend: 'js',
  memoryBytes: () => 0,
  log,
  log1p,
  bce,
  bceWithLogits,
  ...cb,
  softmaxCrossEntropy: softmax.softmaxCrossEntropy,
  entropy: softmax.entropy,
};
