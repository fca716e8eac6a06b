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
export interface BinaryLoss<O extends LossOptions = LossOptions> {
  (pred: Float64Array, targets: Float64Array, options: NoneOf<O>): Float64Array;
  (pred: Float64Array, targets: Float64Array, options?: Scalar<O>): number;
  (pred: Float64Array, targets: Float64Array, options?: O): number | Float64Array;
}

export interface SoftmaxOptions extends LossOptions {
  /** Per-class weight, length `classes`, finite and >= 0 (PyTorch's `weight` of cross_entropy). */
  classWeight?: Float64Array;
  /** eps in [0, 1]: targets become t (1 - eps) + eps / classes. Default 0. */
  labelSmoothing?: number;
  /** 'ce' (default): cross-entropy; 'kl': KL(t || softmax(z)) = CE - H(t), 0 log 0 = 0; same gradient. */
  mode?: 'ce' | 'kl';
}

/** Options of `entropy`: as a loss's, without a gradient, with the class weights and smoothing of CE. */
export interface EntropyOptions {
  reduction?: Reduction;
  /** Per-row weight, finite and >= 0. */
  weight?: Float64Array;
  classWeight?: Float64Array;
  labelSmoothing?: number;
}

/** A multi-class loss over row-major [rows, classes] arrays: 'none' returns one loss per row. */
export interface SoftmaxLoss {
  (logits: Float64Array, targets: Float64Array, classes: number, options: NoneOf<SoftmaxOptions>): Float64Array;
  (logits: Float64Array, targets: Float64Array, classes: number, options?: Scalar<SoftmaxOptions>): number;
  (logits: Float64Array, targets: Float64Array, classes: number, options?: SoftmaxOptions): number | Float64Array;
}

/** The entropy of each target row: 'none' returns one value per row. */
export interface Entropy {
  (targets: Float64Array, classes: number, options: NoneOf<EntropyOptions>): Float64Array;
  (targets: Float64Array, classes: number, options?: Scalar<EntropyOptions>): number;
  (targets: Float64Array, classes: number, options?: EntropyOptions): number | Float64Array;
}

/** Multi-class soft-label cross-entropy, KL divergence and target entropy. */
export interface SoftmaxFamily {
  /**
   * sum_c w_c t'_c (logsumexp(z) - z_c) per row, t' = t (1 - eps) + eps / classes (PyTorch's
   * F.cross_entropy with class-probability targets), or with mode 'kl' sum_c w_c t'_c (log t'_c - log q_c).
   * `grad`: softmax(z) sum_c w_c t'_c - w t', times the row weight (and 1/rows for 'mean').
   */
  softmaxCrossEntropy: SoftmaxLoss;
  /** H(t) = -sum_c w_c t'_c log t'_c per row, 0 log 0 = 0: softmaxCrossEntropy = KL + entropy. */
  entropy: Entropy;
}

/** An elementwise kernel: out[i] = f(x[i]); `out` (default: a new array) is returned. */
export type Elementwise = (x: Float64Array, out?: Float64Array) => Float64Array;

export type Backend = 'wasm-simd' | 'wasm' | 'js';

/** The continuous Bernoulli (Loaiza-Ganem & Cunningham 2019), from probabilities or logits. */
export interface CbFamily {
  /** log C(lambda) = log(2 atanh(1 - 2 lambda) / (1 - 2 lambda)), lambda in [0, 1]; +Infinity at 0 and 1. */
  cbLogNorm(probs: Float64Array, out?: Float64Array): Float64Array;
  /** log C(sigmoid(eta)) = log(eta / tanh(eta / 2)), eta not NaN; +Infinity at ±Infinity. */
  cbLogNormWithLogits(logits: Float64Array, out?: Float64Array): Float64Array;
  /** The mean 1/(1 - e^-eta) - 1/eta, from probabilities (default) or logits ({ logits: true }). */
  cbMean(values: Float64Array, options?: { logits?: boolean }, out?: Float64Array): Float64Array;
  /**
   * -log p(x | lambda) = -x log lambda - (1-x) log(1-lambda) - log C(lambda), x and lambda in [0, 1];
   * `grad` receives the derivative with respect to lambda, (mu - x) / (lambda (1 - lambda)).
   */
  cbNll: BinaryLoss<LossOptions>;
  /** -log p(x | sigmoid(eta)) = softplus(eta) - x eta - log C; `grad`: mu(eta) - x, w.r.t. eta. */
  cbNllWithLogits: BinaryLoss<LossOptions>;
}

/**
 * An array in the kernel's own memory (`k.alloc(n)`): passed to any function of that kernel, it is
 * read or written where it is, with no copy. `array` is a current view: read it again after anything
 * that may grow the memory (another `alloc`, or a multi-class call with rows longer than the chunk);
 * an older view is then detached (length 0), and every function refuses it by name.
 */
export interface KernelArray {
  readonly length: number;
  /** A Float64Array of `length` elements over the block (zero-filled by `alloc`). */
  readonly array: Float64Array;
  /** Gives the block back; the handle and its views must not be used afterwards (functions refuse them). */
  free(): void;
}

/** What `createKernel()` and `reference` both provide. */
export interface Softxent extends CbFamily, SoftmaxFamily {
  readonly backend: Backend;
  /** Bytes of WebAssembly linear memory held now (0 for the reference). */
  memoryBytes(): number;
  /** n float64 in the kernel's memory, zero-filled, for calls without copies (a plain array in the reference). */
  alloc(n: number): KernelArray;
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
