// The public types of `createKernel()` and `reference`. Their doc comments are what an editor shows
// on hover: each function's PyTorch equivalent, domains, defaults and errors (validate.ts).

/**
 * How per-sample losses are combined: 'mean' = sum / number of samples, 'sum', or 'none' (one loss per
 * sample: per element for binary losses, per row for multi-class ones).
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * A float array argument: Float64Array or Float32Array, in any mix. The math is float64 either way: a
 * Float32Array is read exactly (promoted), so it gives the same bits as its `Float64Array.from` copy; a
 * Float32Array output (`grad`, `out`) receives each float64 result rounded once (= `Math.fround`).
 */
export type FloatArray = Float64Array | Float32Array;

/**
 * Class indices, one per row (`softmaxCrossEntropy`'s class-index form, PyTorch's integer targets): any
 * integer typed array.
 */
export type IndexArray = Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** Element type of `alloc`'s arrays. */
export type Dtype = 'float64' | 'float32';

/** Options every loss function accepts. */
export interface LossOptions {
  /**
   * Default 'mean': the sum of (weighted) losses / number of samples (rows for multi-class losses), weighted
   * calls included (PyTorch's convention: weights do not change the denominator); NaN for an empty input.
   * 'sum': 0 for an empty input. 'none': a new Float64Array of per-sample losses.
   */
  reduction?: Reduction;
  /**
   * Per-sample weight (per row for multi-class losses), finite and >= 0; default: all 1. A weight of 0
   * removes its sample, even where its loss is infinite.
   */
  weight?: FloatArray;
  /**
   * When given, receives d(result)/d(prediction) elementwise (the prediction's length), weights and the
   * 1/N of 'mean' included; with 'none', each sample's own derivative. May be the very array of an input
   * (in place), but must not partially overlap one. Default: no gradient.
   */
  grad?: FloatArray;
  /**
   * With reduction 'none': receives the per-sample losses (per row for multi-class losses) and is
   * returned, instead of a new Float64Array; a Float32Array receives each loss rounded once. Refused
   * (RangeError) with another reduction.
   */
  out?: FloatArray;
  /**
   * One byte per sample (per row for multi-class losses): 0 = skip it entirely. A masked-out sample is not
   * read (padding may hold NaN), not validated, contributes 0, has 0 in 'none' and in `grad`, and is not
   * counted by 'mean'. Default: every sample kept.
   */
  mask?: Uint8Array;
}

/** Options of `bceWithLogits`. */
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive term t·softplus(-x), finite and >= 0 (PyTorch's pos_weight, one scalar). Default 1. */
  posWeight?: number;
  /**
   * The targets are a teacher's logits s (any number but NaN; ±Infinity give t = 1 or 0): t = sigmoid(s/T)
   * and 1 - t = sigmoid(-s/T), each computed directly (never 1 - t by subtraction). Default false.
   */
  targetLogits?: boolean;
  /** T > 0, finite: the loss is T² times the loss of logits/T (and teacher logits/T); `grad` is w.r.t. the raw logits. Default 1. */
  temperature?: number;
}

/** Options of `bce`. */
export interface BceOptions extends LossOptions {
  /** ε in [0, 1]: targets become t' = t (1 - ε) + ε / 2 (Keras's and TF.js's label_smoothing). Default 0. */
  labelSmoothing?: number;
}

/** Options of `sigmoidFocalLoss`. */
export interface FocalOptions extends LossOptions {
  /** γ >= 0, finite: the focusing exponent of (1 - p_t)^γ; 0 gives bceWithLogits exactly. Default 2. */
  gamma?: number;
  /** α in [0, 1]: the weight α t + (1 - α)(1 - t); null turns it off (torchvision's alpha = -1). Default 0.25. */
  alpha?: number | null;
}

/** T, or (`P` true: a pool's functions) a Promise of T. */
export type Ret<P extends boolean, T> = P extends true ? Promise<T> : T;

/** Options that select the overload returning per-sample losses. */
type NoneOf<O> = O & { reduction: 'none' };
/** Options that select the overload writing per-sample losses into the caller's `out`. */
type IntoOf<O, A> = O & { reduction: 'none'; out: A };
/** Options that select an overload returning a number. */
type Scalar<O> = O & { reduction?: 'mean' | 'sum' };

/** A binary loss over flat arrays of equal length N, prediction first: `bce`, `bceWithLogits`. */
export interface BinaryLoss<O extends LossOptions = LossOptions, P extends boolean = false> {
  /**
   * The per-sample losses, written into `options.out`.
   * @param pred - Probabilities in [0, 1] (`bce`) or logits, not NaN (`bceWithLogits`).
   * @param targets - Soft targets in [0, 1], length N.
   * @param options - `reduction: 'none'`, `out` (one entry per sample, per row for multi-class) and the other options.
   * @returns `out` (a Float32Array `out` holds each value rounded once).
   */
  <A extends FloatArray>(pred: FloatArray, targets: FloatArray, options: IntoOf<O, A>): Ret<P, A>;
  /**
   * The per-sample losses.
   * @param pred - Probabilities in [0, 1] (`bce`) or logits, not NaN (`bceWithLogits`).
   * @param targets - Soft targets in [0, 1], length N.
   * @param options - `reduction: 'none'` and the loss's other options.
   * @returns A new Float64Array of N losses.
   */
  (pred: FloatArray, targets: FloatArray, options: NoneOf<O>): Ret<P, Float64Array>;
  /**
   * The mean (default) or the sum of the losses.
   * @param pred - Probabilities in [0, 1] (`bce`) or logits, not NaN (`bceWithLogits`).
   * @param targets - Soft targets in [0, 1], length N.
   * @param options - The loss's options; default { reduction: 'mean' }.
   * @returns The mean (NaN for N = 0) or the sum.
   */
  (pred: FloatArray, targets: FloatArray, options?: Scalar<O>): Ret<P, number>;
  /**
   * The loss, with a reduction known only at run time.
   * @param pred - Probabilities in [0, 1] (`bce`) or logits, not NaN (`bceWithLogits`).
   * @param targets - Soft targets in [0, 1], length N.
   * @param options - The loss's options; default { reduction: 'mean' }.
   * @returns A number for 'mean' and 'sum'; for 'none', `out` or a new Float64Array.
   */
  (pred: FloatArray, targets: FloatArray, options?: O): Ret<P, number | FloatArray>;
}

/** A continuous-Bernoulli NLL over flat arrays of equal length N, observations first (PyTorch's order). */
export interface CbLoss<P extends boolean = false> {
  /**
   * The per-sample losses, written into `options.out`.
   * @param x - Observations in [0, 1].
   * @param pred - Probabilities lambda in [0, 1] (`cbNll`) or logits, not NaN (`cbNllWithLogits`), length N.
   * @param options - `reduction: 'none'`, `out` (one entry per sample, per row for multi-class) and the other options.
   * @returns `out` (a Float32Array `out` holds each value rounded once).
   */
  <A extends FloatArray>(x: FloatArray, pred: FloatArray, options: IntoOf<LossOptions, A>): Ret<P, A>;
  /**
   * The per-sample losses.
   * @param x - Observations in [0, 1].
   * @param pred - Probabilities lambda in [0, 1] (`cbNll`) or logits, not NaN (`cbNllWithLogits`), length N.
   * @param options - `reduction: 'none'`, `weight`, `grad` (with respect to `pred`).
   * @returns A new Float64Array of N losses.
   */
  (x: FloatArray, pred: FloatArray, options: NoneOf<LossOptions>): Ret<P, Float64Array>;
  /**
   * The mean (default) or the sum of the losses.
   * @param x - Observations in [0, 1].
   * @param pred - Probabilities lambda in [0, 1] (`cbNll`) or logits, not NaN (`cbNllWithLogits`), length N.
   * @param options - `reduction`, `weight`, `grad` (with respect to `pred`); default { reduction: 'mean' }.
   * @returns The mean (NaN for N = 0) or the sum.
   */
  (x: FloatArray, pred: FloatArray, options?: Scalar<LossOptions>): Ret<P, number>;
  /**
   * The loss, with a reduction known only at run time.
   * @param x - Observations in [0, 1].
   * @param pred - Probabilities lambda in [0, 1] (`cbNll`) or logits, not NaN (`cbNllWithLogits`), length N.
   * @param options - `reduction`, `weight`, `grad` (with respect to `pred`); default { reduction: 'mean' }.
   * @returns A number for 'mean' and 'sum'; for 'none', `out` or a new Float64Array.
   */
  (x: FloatArray, pred: FloatArray, options?: LossOptions): Ret<P, number | FloatArray>;
}

/** Options of `softmaxCrossEntropy`; `weight` is per row, `grad` has the logits' length. */
export interface SoftmaxOptions extends LossOptions {
  /** Per-class weight w_c, length `classes`, finite and >= 0; default all 1 (PyTorch's `weight` of F.cross_entropy). */
  classWeight?: FloatArray;
  /** ε in [0, 1]: each target row becomes t' = t (1 - ε) + ε / classes (PyTorch's label_smoothing). Default 0. */
  labelSmoothing?: number;
  /**
   * With q = softmax(z/T) and p' the (smoothed) target distribution, each row's loss is T² times:
   * 'ce' (default): cross-entropy Σ_c w_c p'_c (-log q_c). 'kl': KL(p'‖q) = Σ_c w_c p'_c (log p'_c - log q_c),
   * 0 log 0 = 0 (= 'ce' minus the target entropy; same gradient). 'reverse-kl': KL(q‖p') = Σ_c q_c (log q_c -
   * log p'_c) (+Infinity where the student has mass and the teacher none). 'js': β KL(p'‖m) + (1-β) KL(q‖m),
   * m = β p' + (1-β) q. `classWeight` is only for 'ce' and 'kl'.
   */
  mode?: 'ce' | 'kl' | 'reverse-kl' | 'js';
  /**
   * The targets are a teacher's logits (any number but NaN; -Infinity = probability 0, as a top-k teacher
   * gives): p = softmax(targets/T), taken in the same pass. Default false (targets are probabilities).
   */
  targetLogits?: boolean;
  /**
   * T > 0, finite: logits (and teacher logits) are divided by T and the loss multiplied by T² (Hinton et al.);
   * `grad` is w.r.t. the raw logits. Default 1.
   */
  temperature?: number;
  /** β in [0, 1], mode 'js' only: the teacher's weight in the mixture m = β p' + (1-β) q. Default 0.5. */
  beta?: number;
  /**
   * Class-index targets only: rows whose label equals it are skipped (loss 0, gradient 0, not counted by
   * 'mean'), PyTorch's ignore_index. Default -100.
   */
  ignoreIndex?: number;
}

/** Options of `entropy`: a loss's without `grad`, with the class weights and smoothing of `softmaxCrossEntropy`. */
export interface EntropyOptions {
  /** 'mean' (default): sum / rows (NaN for no rows); 'sum'; 'none': a new Float64Array, one value per row. */
  reduction?: Reduction;
  /** Per-row weight, finite and >= 0; default: all 1. */
  weight?: FloatArray;
  /** With reduction 'none': receives the per-row values and is returned (float32: rounded once). */
  out?: FloatArray;
  /** Per-class weight w_c, length `classes`, finite and >= 0. Default: all 1. */
  classWeight?: FloatArray;
  /** ε in [0, 1]: each target row becomes t' = t (1 - ε) + ε / classes. Default 0. */
  labelSmoothing?: number;
}

/** A multi-class loss over row-major [rows, classes] arrays: 'none' returns one loss per row. */
export interface SoftmaxLoss<P extends boolean = false> {
  /**
   * The per-row losses, written into `options.out`.
   * @param logits - Row-major [rows, classes] logits, not NaN (±Infinity allowed).
   * @param targets - Target rows of the same length, finite and >= 0 (used as given, not renormalized); or
   *   class indices, one per row, in an integer typed array (PyTorch's integer targets; `ignoreIndex`).
   * @param classes - A positive integer dividing the length.
   * @param options - `reduction: 'none'`, `out` (one entry per sample, per row for multi-class) and the other options.
   * @returns `out` (a Float32Array `out` holds each value rounded once).
   */
  <A extends FloatArray>(
    logits: FloatArray,
    targets: FloatArray | IndexArray,
    classes: number,
    options: IntoOf<SoftmaxOptions, A>,
  ): Ret<P, A>;
  /**
   * The per-row losses.
   * @param logits - Row-major [rows, classes] logits, not NaN (±Infinity allowed).
   * @param targets - Target rows of the same length, finite and >= 0 (used as given, not renormalized); or
   *   class indices, one per row, in an integer typed array (PyTorch's integer targets; `ignoreIndex`).
   * @param classes - A positive integer dividing the length.
   * @param options - `reduction: 'none'` and the other {@link SoftmaxOptions}.
   * @returns A new Float64Array of `rows` losses.
   */
  (
    logits: FloatArray,
    targets: FloatArray | IndexArray,
    classes: number,
    options: NoneOf<SoftmaxOptions>,
  ): Ret<P, Float64Array>;
  /**
   * The mean over rows (default) or the sum of the row losses.
   * @param logits - Row-major [rows, classes] logits, not NaN (±Infinity allowed).
   * @param targets - Target rows of the same length, finite and >= 0 (used as given, not renormalized); or
   *   class indices, one per row, in an integer typed array (PyTorch's integer targets; `ignoreIndex`).
   * @param classes - A positive integer dividing the length.
   * @param options - {@link SoftmaxOptions}; default { reduction: 'mean', mode: 'ce' }.
   * @returns The mean (NaN for no rows) or the sum.
   */
  (
    logits: FloatArray,
    targets: FloatArray | IndexArray,
    classes: number,
    options?: Scalar<SoftmaxOptions>,
  ): Ret<P, number>;
  /**
   * The loss, with a reduction known only at run time.
   * @param logits - Row-major [rows, classes] logits, not NaN (±Infinity allowed).
   * @param targets - Target rows of the same length, finite and >= 0 (used as given, not renormalized); or
   *   class indices, one per row, in an integer typed array (PyTorch's integer targets; `ignoreIndex`).
   * @param classes - A positive integer dividing the length.
   * @param options - {@link SoftmaxOptions}; default { reduction: 'mean', mode: 'ce' }.
   * @returns A number for 'mean' and 'sum'; for 'none', `out` or a new Float64Array.
   */
  (
    logits: FloatArray,
    targets: FloatArray | IndexArray,
    classes: number,
    options?: SoftmaxOptions,
  ): Ret<P, number | FloatArray>;
}

/** The entropy of each target row: 'none' returns one value per row. */
export interface Entropy<P extends boolean = false> {
  /**
   * The per-row entropies, written into `options.out`.
   * @param targets - Row-major [rows, classes] target rows, finite and >= 0.
   * @param classes - A positive integer dividing the length.
   * @param options - `reduction: 'none'`, `out` (one entry per sample, per row for multi-class) and the other options.
   * @returns `out` (a Float32Array `out` holds each value rounded once).
   */
  <A extends FloatArray>(targets: FloatArray, classes: number, options: IntoOf<EntropyOptions, A>): Ret<P, A>;
  /**
   * The per-row entropies.
   * @param targets - Row-major [rows, classes] target rows, finite and >= 0.
   * @param classes - A positive integer dividing the length.
   * @param options - `reduction: 'none'` and the other {@link EntropyOptions}.
   * @returns A new Float64Array of `rows` values.
   */
  (targets: FloatArray, classes: number, options: NoneOf<EntropyOptions>): Ret<P, Float64Array>;
  /**
   * The mean over rows (default) or the sum of the entropies.
   * @param targets - Row-major [rows, classes] target rows, finite and >= 0.
   * @param classes - A positive integer dividing the length.
   * @param options - {@link EntropyOptions}; default { reduction: 'mean' }.
   * @returns The mean (NaN for no rows) or the sum.
   */
  (targets: FloatArray, classes: number, options?: Scalar<EntropyOptions>): Ret<P, number>;
  /**
   * The entropy, with a reduction known only at run time.
   * @param targets - Row-major [rows, classes] target rows, finite and >= 0.
   * @param classes - A positive integer dividing the length.
   * @param options - {@link EntropyOptions}; default { reduction: 'mean' }.
   * @returns A number for 'mean' and 'sum'; for 'none', `out` or a new Float64Array.
   */
  (targets: FloatArray, classes: number, options?: EntropyOptions): Ret<P, number | FloatArray>;
}

/** Multi-class soft-label cross-entropy, KL divergence and target entropy. */
export interface SoftmaxFamily {
  /**
   * Soft-label cross-entropy per row: Σ_c w_c t'_c (logsumexp(z) - z_c), t' = t (1 - ε) + ε / classes; with
   * mode 'kl', Σ_c w_c t'_c (log t'_c - log q_c). `grad` (w.r.t. the logits): softmax(z) Σ_c w_c t'_c - w t',
   * times the row weight (and 1/rows for 'mean'). Distillation: `targetLogits` (the targets are a teacher's
   * logits), `temperature` T (the loss T² times that of z/T; `grad` w.r.t. z), modes 'reverse-kl' and 'js'
   * (see {@link SoftmaxOptions.mode} and docs/distillation.md).
   *
   * PyTorch: `F.cross_entropy(logits, targets, weight=classWeight, label_smoothing=ε, reduction=...)` with
   * probability targets; mode 'kl': `F.kl_div(F.log_softmax(logits, 1), targets, reduction='batchmean')`
   * ('sum' for 'sum'); with teacher logits and T: `F.kl_div(F.log_softmax(z/T, 1), F.log_softmax(s/T, 1),
   * log_target=True, reduction='batchmean') * T * T`.
   * @param logits - z: row-major [rows, classes] logits, not NaN (±Infinity allowed).
   * Class indices (an integer typed array of one label per row): PyTorch's `F.cross_entropy(logits, labels,
   * weight=classWeight, ignore_index=ignoreIndex, label_smoothing=ε)`, 'mean' over Σ classWeight[label] of the
   * kept rows; see docs/language-models.md. `mask` skips rows (not read).
   * @param logits - z: row-major [rows, classes] logits, not NaN (±Infinity allowed).
   * @param targets - t: probability rows of the same length, finite and >= 0 (used as given, not renormalized);
   * with `targetLogits`, the teacher's logits, not NaN (±Infinity allowed); or class indices, one per row.
   * @param classes - A positive integer dividing the length.
   * @param options - {@link SoftmaxOptions}; default { reduction: 'mean', mode: 'ce' }.
   * @returns The mean over rows or the sum; a new Float64Array of row losses for 'none'.
   * @throws {TypeError} logits or targets not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view), classes
   * not a number, options not an object, an unknown option, labelSmoothing, temperature or beta not a number,
   * targetLogits not a boolean.
   * @throws {RangeError} targets (or grad) not of the logits' length, weight not of length rows, classWeight not of
   * length classes; classes not a positive integer dividing the length; an unknown reduction or mode; labelSmoothing
   * or beta outside [0, 1], a temperature not finite and > 0, classWeight with 'reverse-kl' or 'js', beta with
   * another mode than 'js'; a NaN logit, a target or weight that is negative, infinite or NaN (the first, by index);
   * a label outside [0, classes) other than ignoreIndex; an option the class-index form does not take; a mask
   * not of length rows.
   * @example
   * ```ts
   * // 2 rows of 3 classes, soft targets; mean cross-entropy and its gradient
   * const logits = Float64Array.of(2, 1, 0, 0, 0, 3);
   * const targets = Float64Array.of(0.7, 0.2, 0.1, 0, 0.5, 0.5);
   * const grad = new Float64Array(logits.length);
   * const loss = k.softmaxCrossEntropy(logits, targets, 3, { grad, labelSmoothing: 0.1 });
   * ```
   */
  softmaxCrossEntropy: SoftmaxLoss;
  /**
   * Entropy per row: H(t') = -Σ_c w_c t'_c log t'_c, 0 log 0 = 0, so that cross-entropy = KL + entropy.
   *
   * PyTorch (without classWeight and labelSmoothing): `torch.special.entr(targets).sum(1)`.
   * @param targets - Row-major [rows, classes] target rows, finite and >= 0.
   * @param classes - A positive integer dividing the length.
   * @param options - {@link EntropyOptions}; default { reduction: 'mean' }.
   * @returns The mean over rows or the sum; a new Float64Array of row entropies for 'none'.
   * @throws {TypeError} targets not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view), classes not a number,
   * options not an object, an unknown option (`grad` and `mode` included), labelSmoothing not a number.
   * @throws {RangeError} weight not of length rows, classWeight not of length classes; classes not a positive
   * integer dividing the length; an unknown reduction; labelSmoothing outside [0, 1]; a target or weight that is
   * negative, infinite or NaN (the first, by index).
   */
  entropy: Entropy;
}

/**
 * An elementwise kernel: out[i] = f(x[i]).
 * @param x - The input.
 * @param out - Receives the results: x's length, may be x itself; default a new Float64Array.
 * @returns `out`, or the new array.
 */
export interface Elementwise<P extends boolean = false> {
  /**
   * The results in a new Float64Array.
   * @param x - The input, a Float64Array or Float32Array.
   */
  (x: FloatArray): Ret<P, Float64Array>;
  /**
   * The results in `out` (a Float32Array receives each result rounded once, as Math.fround would).
   * @param x - The input, a Float64Array or Float32Array.
   * @param out - Receives the results: x's length, may be x itself.
   */
  <O extends FloatArray>(x: FloatArray, out: O): Ret<P, O>;
}

/** The implementation behind a `Softxent`: WebAssembly with or without SIMD, or the TypeScript reference. */
export type Backend = 'wasm-simd' | 'wasm' | 'js';

/** The continuous Bernoulli (Loaiza-Ganem & Cunningham 2019), from probabilities or logits. */
export interface CbFamily {
  /**
   * log C(λ) = log(2 atanh(1 - 2λ) / (1 - 2λ)) elementwise; +Infinity at λ = 0 and 1.
   *
   * PyTorch: `ContinuousBernoulli(probs=probs)._cont_bern_log_norm()`.
   * @param probs - λ in [0, 1].
   * @param out - Receives the results: probs' length, may be probs itself; default a new Float64Array.
   * @returns `out`, or the new array.
   * @throws {TypeError} probs or out not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view).
   * @throws {RangeError} out of another length; a λ outside [0, 1] or NaN (the first, by index).
   */
  cbLogNorm: Elementwise;
  /**
   * log C(sigmoid(η)) = log(η / tanh(η / 2)) elementwise; +Infinity at ±Infinity.
   *
   * PyTorch: `ContinuousBernoulli(logits=logits)._cont_bern_log_norm()`.
   * @param logits - η, not NaN.
   * @param out - Receives the results: logits' length, may be logits itself; default a new Float64Array.
   * @returns `out`, or the new array.
   * @throws {TypeError} logits or out not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view).
   * @throws {RangeError} out of another length; a NaN η (the first, by index).
   */
  cbLogNormWithLogits: Elementwise;
  /**
   * The mean 1/(1 - e^-η) - 1/η elementwise (1/2 at η = 0), from probabilities λ = sigmoid(η) or logits η.
   *
   * PyTorch: `ContinuousBernoulli(probs=values).mean` (or `logits=values`).
   * @param values - λ in [0, 1], or with `{ logits: true }` η, not NaN.
   * @param options - `logits`: whether values are logits; default false (probabilities).
   * @param out - Receives the results: values' length, may be values itself; default a new Float64Array.
   * @returns `out`, or the new array.
   * @throws {TypeError} values or out not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view), options not an
   * object, an option other than `logits`, logits not a boolean.
   * @throws {RangeError} out of another length; a λ outside [0, 1] or NaN, or a NaN η (the first, by index).
   */
  cbMean<O extends FloatArray = Float64Array>(values: FloatArray, options?: { logits?: boolean }, out?: O): O;
  /**
   * -log p(x | λ) = -x log λ - (1-x) log(1-λ) - log C(λ) per element; `grad`, w.r.t. λ: (μ - x) / (λ (1 - λ)).
   * -Infinity (or +Infinity) at λ = 0 or 1 where x is (or is not) that endpoint.
   *
   * PyTorch: `-ContinuousBernoulli(probs=probs).log_prob(x)`.
   * @param x - Observations in [0, 1].
   * @param probs - λ in [0, 1], length N.
   * @param options - `reduction`, `weight`, `mask`, `grad` (w.r.t. probs), `labelSmoothing` (t' = t (1 - ε) + ε / 2);
   * default { reduction: 'mean' }.
   * @returns The mean or the sum; a new Float64Array of N losses for 'none'.
   * @throws {TypeError} x or probs not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view), options not an
   * object, an unknown option.
   * @throws {RangeError} probs, weight or grad not of x's length; an unknown reduction; x or λ outside [0, 1] or
   * NaN, a weight that is negative, infinite or NaN (the first, by index).
   */
  cbNll: CbLoss;
  /**
   * -log p(x | sigmoid(η)) = softplus(η) - x η - log C(sigmoid(η)) per element; `grad`, w.r.t. η: μ(η) - x.
   *
   * PyTorch: `-ContinuousBernoulli(logits=logits).log_prob(x)`.
   * @param x - Observations in [0, 1].
   * @param logits - η, not NaN, length N.
   * @param options - `reduction`, `weight`, `grad` (w.r.t. logits); default { reduction: 'mean' }.
   * @returns The mean or the sum; a new Float64Array of N losses for 'none'.
   * @throws {TypeError} x or logits not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view), options not an
   * object, an unknown option.
   * @throws {RangeError} logits, weight or grad not of x's length; an unknown reduction; x outside [0, 1] or NaN,
   * a NaN η, a weight that is negative, infinite or NaN (the first, by index).
   */
  cbNllWithLogits: CbLoss;
}

/**
 * An array in the kernel's own memory (`k.alloc(n)`): passed to any function of that kernel, it is
 * read or written where it is, with no copy. `array` is a current view: read it again after anything
 * that may grow the memory (another `alloc`, or a multi-class call with rows longer than the chunk);
 * an older view is then detached (length 0), and every function refuses it by name.
 */
export interface KernelArray<T extends FloatArray = Float64Array> {
  /** Number of elements. */
  readonly length: number;
  /** A Float64Array or Float32Array (per `alloc`'s dtype) of `length` elements over the block (zero-filled). */
  readonly array: T;
  /** Gives the block back; the handle and its views must not be used afterwards (functions refuse them). */
  free(): void;
}

/** What `createKernel()` and `reference` both provide. */
export interface Softxent extends CbFamily, SoftmaxFamily {
  /** Which implementation runs the calls. */
  readonly backend: Backend;
  /**
   * Bytes of WebAssembly linear memory this kernel holds now: bounded whatever the input lengths (the
   * arena; wider for rows longer than a chunk), plus `alloc` blocks. It grows, never shrinks.
   * @returns The byte count; 0 for the reference.
   */
  memoryBytes(): number;
  /**
   * A zero-filled block of n float64 in the kernel's memory, which every function reads and writes in place
   * (a plain array in the reference).
   * @param n - Number of elements: an integer in [0, 2^29].
   * @param dtype - 'float64' (the default).
   * @returns The block; `free()` it when done.
   * @throws {TypeError} n not a number; dtype neither 'float64' nor 'float32'.
   * @throws {RangeError} n not an integer in [0, 2^29].
   */
  alloc(n: number, dtype?: 'float64'): KernelArray<Float64Array>;
  /**
   * A zero-filled block of n float32 in the kernel's memory: functions read it (promoted exactly to
   * float64) and write it (each result rounded once) where it is, with no copy through JavaScript.
   * @param n - Number of elements: an integer in [0, 2^29].
   * @param dtype - 'float32'.
   * @returns The block; `free()` it when done.
   * @throws {TypeError} n not a number.
   * @throws {RangeError} n not an integer in [0, 2^29].
   */
  alloc(n: number, dtype: 'float32'): KernelArray<Float32Array>;
  /**
   * Natural log elementwise, < 1 ulp, IEEE special cases (NaN in, NaN out; log(0) = -Infinity, log(-1) = NaN).
   *
   * PyTorch: `torch.log(x)`.
   * @param x - The input.
   * @param out - Receives the results: x's length, may be x itself; default a new Float64Array.
   * @returns `out`, or the new array.
   * @throws {TypeError} x or out not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view).
   * @throws {RangeError} out of another length.
   */
  log: Elementwise;
  /**
   * log(1 + x) elementwise, < 1 ulp, IEEE special cases (NaN in, NaN out; log1p(-1) = -Infinity).
   *
   * PyTorch: `torch.log1p(x)`.
   * @param x - The input.
   * @param out - Receives the results: x's length, may be x itself; default a new Float64Array.
   * @returns `out`, or the new array.
   * @throws {TypeError} x or out not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view).
   * @throws {RangeError} out of another length.
   */
  log1p: Elementwise;
  /**
   * Binary cross-entropy of probabilities p against soft targets t per element:
   * -t max(log p, -100) - (1-t) max(log(1-p), -100), with log(1-p) computed accurately for tiny p.
   * `grad`, w.r.t. p: (p - t) / (p (1 - p)), where a clamped term contributes 0.
   *
   * PyTorch: `F.binary_cross_entropy(probs, targets, weight=weight, reduction=...)`.
   * @param probs - Probabilities in [0, 1], length N.
   * @param targets - Soft targets in [0, 1], length N.
   * @param options - `reduction`, `weight`, `mask`, `grad` (w.r.t. probs), `labelSmoothing` (t' = t (1 - ε) + ε / 2);
   * default { reduction: 'mean' }.
   * @returns The mean or the sum; a new Float64Array of N losses for 'none'.
   * @throws {TypeError} probs or targets not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view), options not
   * an object, an unknown option.
   * @throws {RangeError} targets, weight or grad not of probs' length; an unknown reduction; probs or targets
   * outside [0, 1] or NaN, a weight that is negative, infinite or NaN (the first, by index).
   * @example
   * ```ts
   * const k = await createKernel();
   * const probs = Float64Array.of(0.9, 0.2, 0.6);
   * const targets = Float64Array.of(1, 0.25, 0.5);
   * const grad = new Float64Array(probs.length);
   * const loss = k.bce(probs, targets, { grad }); // mean over 3; grad = d loss / d probs
   * const each = k.bce(probs, targets, { reduction: 'none' }); // Float64Array(3)
   * ```
   */
  bce: BinaryLoss<BceOptions>;
  /**
   * Binary cross-entropy of logits x against soft targets t per element:
   * posWeight t softplus(-x) + (1-t) softplus(x). `grad`, w.r.t. x: (posWeight t + 1 - t) sigmoid(x) - posWeight t.
   * Multi-label distillation: `targetLogits` (t = sigmoid(s/T), 1 - t = sigmoid(-s/T) from a teacher's logits s)
   * and `temperature` T (T² times the loss of x/T; `grad` w.r.t. the raw x).
   *
   * PyTorch: `F.binary_cross_entropy_with_logits(logits, targets, weight=weight,
   * pos_weight=torch.tensor(posWeight), reduction=...)`; with a teacher:
   * `F.binary_cross_entropy_with_logits(x/T, torch.sigmoid(s/T), ...) * T * T`.
   * @param logits - Logits, not NaN, length N.
   * @param targets - Soft targets in [0, 1], length N; with `targetLogits`, the teacher's logits, not NaN.
   * @param options - `reduction`, `weight`, `mask`, `grad` (w.r.t. logits), `posWeight`, `labelSmoothing`,
   * `targetLogits`, `temperature`; default { reduction: 'mean' }.
   * @returns The mean or the sum; a new Float64Array of N losses for 'none'.
   * @throws {TypeError} logits or targets not a Float64Array or Float32Array (or detached, or a freed `k.alloc` view), options not
   * an object, an unknown option, posWeight or temperature not a number, targetLogits not a boolean.
   * @throws {RangeError} targets, weight or grad not of logits' length; an unknown reduction; a NaN logit, targets
   * outside [0, 1] or NaN, a weight or posWeight that is negative, infinite or NaN (the first, by index); a
   * temperature not finite and > 0.
   */
  bceWithLogits: BinaryLoss<BceWithLogitsOptions>;
  /**
   * The focal loss (Lin et al. 2017) with soft targets t in [0, 1], per element:
   * a_t ce (1 - p_t)^γ, ce = bceWithLogits(x, t), 1 - p_t = t sigmoid(-x) + (1-t) sigmoid(x) (computed without
   * cancellation), a_t = α t + (1-α)(1-t) (1 with `alpha: null`). γ = 0 gives bceWithLogits exactly.
   * `grad`, w.r.t. x: a_t [(sigmoid(x) - t)(1-p_t)^γ + γ (1-2t) ce (1-p_t)^(γ-1) sigmoid(x) sigmoid(-x)].
   *
   * torchvision: `torchvision.ops.sigmoid_focal_loss(logits, targets, alpha=alpha ?? -1, gamma=gamma,
   * reduction=...)`; its default reduction is 'none', ours 'mean'.
   * @param logits - Logits, not NaN, length N.
   * @param targets - Soft targets in [0, 1], length N.
   * @param options - `reduction`, `weight`, `mask`, `grad` (w.r.t. logits), `gamma` (default 2), `alpha` (default
   * 0.25); default { reduction: 'mean' }.
   * @returns The mean or the sum; a new Float64Array of N losses for 'none'.
   * @throws {TypeError} logits or targets not a Float64Array or Float32Array, options not an object, an unknown
   * option, gamma not a number, alpha not a number or null, mask not a Uint8Array.
   * @throws {RangeError} targets, weight, mask or grad not of logits' length; an unknown reduction; a NaN logit,
   * targets outside [0, 1] or NaN, a negative, infinite or NaN weight (the first kept one, by index); gamma not
   * finite and >= 0; alpha outside [0, 1].
   */
  sigmoidFocalLoss: BinaryLoss<FocalOptions>;
}

/** How a pool's workers see the caller's arrays: 'shared' memory, or copies posted to them. */
export type PoolMode = 'shared' | 'copy';

/**
 * Every function of a kernel on several threads (`createPool()`): each returns a Promise of exactly the
 * value, bits included, that `createKernel({ simd, chunk })` returns for the same arguments, whatever the
 * number of threads, and rejects with exactly the error that kernel throws. Calls queue: one runs at a
 * time, on every thread. Arrays passed to a call must not be modified until its Promise settles.
 */
export interface Pool {
  /** Which build every thread runs. */
  readonly backend: 'wasm-simd' | 'wasm';
  /** Threads a large call runs on: the calling thread and `threads - 1` workers. */
  readonly threads: number;
  /**
   * 'shared': workers read and write the caller's arrays through SharedArrayBuffer (Node; pages that are
   * cross-origin isolated); 'copy': each call posts copies of the workers' shares (elsewhere). Same bits.
   */
  readonly mode: PoolMode;
  /**
   * A zero-filled array every worker reads and writes in place (SharedArrayBuffer-backed in 'shared'
   * mode; an ordinary array in 'copy' mode): no copy through the calling thread.
   * @param n - Number of elements: an integer in [0, 2^29].
   * @param dtype - 'float64' (the default).
   * @returns The array's handle; `free()` drops it.
   * @throws {TypeError} n not a number; dtype neither 'float64' nor 'float32'.
   * @throws {RangeError} n not an integer in [0, 2^29].
   */
  alloc(n: number, dtype?: 'float64'): KernelArray<Float64Array>;
  /**
   * `alloc` of float32.
   * @param n - Number of elements: an integer in [0, 2^29].
   * @param dtype - 'float32'.
   * @returns The array's handle; `free()` drops it.
   * @throws {TypeError} n not a number.
   * @throws {RangeError} n not an integer in [0, 2^29].
   */
  alloc(n: number, dtype: 'float32'): KernelArray<Float32Array>;
  /**
   * Waits for the calls already made, then ends the workers; later calls reject.
   * @returns A Promise settled when the workers are gone.
   */
  close(): Promise<void>;
  /** {@link Softxent.log} on the pool. */
  log: Elementwise<true>;
  /** {@link Softxent.log1p} on the pool. */
  log1p: Elementwise<true>;
  /** {@link CbFamily.cbLogNorm} on the pool. */
  cbLogNorm: Elementwise<true>;
  /** {@link CbFamily.cbLogNormWithLogits} on the pool. */
  cbLogNormWithLogits: Elementwise<true>;
  /**
   * {@link CbFamily.cbMean} on the pool.
   * @param values - λ in [0, 1], or with `{ logits: true }` η, not NaN.
   * @param options - `logits`: whether values are logits; default false.
   * @param out - Receives the results; default a new Float64Array.
   * @returns A Promise of `out`, or of the new array.
   */
  cbMean<O extends FloatArray = Float64Array>(values: FloatArray, options?: { logits?: boolean }, out?: O): Promise<O>;
  /** {@link CbFamily.cbNll} on the pool. */
  cbNll: CbLoss<true>;
  /** {@link CbFamily.cbNllWithLogits} on the pool. */
  cbNllWithLogits: CbLoss<true>;
  /** {@link Softxent.bce} on the pool. */
  bce: BinaryLoss<BceOptions, true>;
  /** {@link Softxent.bceWithLogits} on the pool. */
  bceWithLogits: BinaryLoss<BceWithLogitsOptions, true>;
  /** {@link Softxent.sigmoidFocalLoss} on the pool. */
  sigmoidFocalLoss: BinaryLoss<FocalOptions, true>;
  /** {@link SoftmaxFamily.softmaxCrossEntropy} on the pool. */
  softmaxCrossEntropy: SoftmaxLoss<true>;
  /** {@link SoftmaxFamily.entropy} on the pool. */
  entropy: Entropy<true>;
}
