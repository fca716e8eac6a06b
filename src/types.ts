/** How per-sample losses are combined. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss function accepts. */
export interface LossOptions {
  /** Default 'mean': sum / number of samples (weighted calls too, as in PyTorch). */
  reduction?: Reduction;
  /** Per-sample weight, finite and >= 0, one per sample. */
  weight?: Float64Array;
  /**
   * Receives d(result)/d(prediction) elementwise. May be the very array of an input (in place), but
   * must not partially overlap one.
   */
  grad?: Float64Array;
}

export interface BceWithLogitsOptions extends LossOptions {
  /** Weight of the positive term, finite and >= 0 (PyTorch's pos_weight as a scalar). Default 1. */
  posWeight?: number;
}

type NoneOf<O> = O & { reduction: 'none' };
type Scalar<O> = O & { reduction?: 'mean' | 'sum' };

/** A binary loss: 'none' returns per-sample losses, 'mean' and 'sum' a number. */
export interface BinaryLoss<O extends LossOptions> {
  (pred: Float64Array, targets: Float64Array, options: NoneOf<O>): Float64Array;
  (pred: Float64Array, targets: Float64Array, options?: Scalar<O>): number;
  (pred: Float64Array, targets: Float64Array, options?: O): number | Float64Array;
}

/** An elementwise kernel: out[i] = f(x[i]); `out` (default: a new array) is returned. */
export type Elementwise = (x: Float64Array, out?: Float64Array) => Float64Array;

export type Backend = 'wasm-simd' | 'wasm' | 'js';

/** What `createKernel()` and `reference` both provide. */
export interface Softxent {
  readonly backend: Backend;
  /** Bytes of WebAssembly linear memory held now (0 for the reference). */
  memoryBytes(): number;
  /** Natural log, < 1 ulp, IEEE special cases (log(0) = -Infinity, log(-1) = NaN). */
  log: Elementwise;
  /** log(1 + x), < 1 ulp, IEEE special cases. */
  log1p: Elementwise;
  /**
   * Binary cross-entropy of probabilities p against soft targets t, both in [0, 1]:
   * -t max(log p, -100) - (1-t) max(log1p(-p), -100) (PyTorch's F.binary_cross_entropy, accurate).
   */
  bce: BinaryLoss<LossOptions>;
  /**
   * Binary cross-entropy of logits x against soft targets t in [0, 1]:
   * posWeight t softplus(-x) + (1-t) softplus(x) (PyTorch's F.binary_cross_entropy_with_logits).
   */
  bceWithLogits: BinaryLoss<BceWithLogitsOptions>;
}
