// The module's exports: raw-pointer kernels. JavaScript owns the memory above heapBase().
export { log, log1p } from './elementwise';
export { bce, bceWithLogits } from './binary';
export { sigmoidFocalLoss } from './focal';
export { cbLogNorm, cbLogNormWithLogits, cbMean, cbNll, cbNllWithLogits } from './cb';
export { entropy, softmax } from './softmax';
export { bceDistill, distill, labelWeight, softmaxIndex } from './distill';
export { demote, promote } from './convert';
export { kept, RES } from './math';

/** First byte free for the arena. */
export function heapBase(): usize {
  return __heap_base;
}
