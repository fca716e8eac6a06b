export { expandSoftLabels, type HardLabels } from './expand.js';
export { createKernel, type KernelOptions, simdSupported } from './kernel.js';
export { createPool, type PoolOptions } from './pool.js';
export { reference } from './reference/index.js';
export type {
  Backend,
  BceOptions,
  BceWithLogitsOptions,
  BinaryLoss,
  CbFamily,
  CbLoss,
  Dtype,
  Elementwise,
  Entropy,
  EntropyOptions,
  FloatArray,
  FocalOptions,
  IndexArray,
  KernelArray,
  LossOptions,
  Pool,
  PoolMode,
  Reduction,
  SoftmaxFamily,
  SoftmaxLoss,
  SoftmaxOptions,
  Softxent,
} from './types.js';
