// The raw exports of the WebAssembly builds and what a family needs of a kernel: types only, in a
// module of their own so that kernel.ts (which imports the families) is imported by none of them.
import type { Arena } from './arena.js';

/** The raw exports of build/softxent*.wasm (assembly/index.ts). */
export interface Exports {
  memory: WebAssembly.Memory;
  RES: WebAssembly.Global;
  heapBase(): number;
  log(px: number, pout: number, n: number, f32: number): void;
  log1p(px: number, pout: number, n: number, f32: number): void;
  // f32: which arrays hold float32, read and written where they are (F32 in assembly/math.ts)
  // pm: mask bytes (0 = none); keep, add: binary label smoothing t' = t keep + add
  bce(
    pp: number,
    pt: number,
    pw: number,
    pout: number,
    pg: number,
    n: number,
    gscale: number,
    f32: number,
    pm: number,
    keep: number,
    add: number,
  ): number;
  bceWithLogits(
    px: number,
    pt: number,
    pw: number,
    pout: number,
    pg: number,
    n: number,
    gscale: number,
    f32: number,
    posWeight: number,
    pm: number,
    keep: number,
    add: number,
  ): number;
  sigmoidFocalLoss(
    px: number,
    pt: number,
    pw: number,
    pout: number,
    pg: number,
    n: number,
    gscale: number,
    f32: number,
    pm: number,
    gamma: number,
    alpha: number,
  ): number;
  cbLogNorm(pv: number, pout: number, n: number, f32: number): number;
  cbLogNormWithLogits(pv: number, pout: number, n: number, f32: number): number;
  cbMean(pv: number, pout: number, n: number, logits: number, f32: number): number;
  cbNll(
    px: number,
    pv: number,
    pw: number,
    pout: number,
    pg: number,
    n: number,
    gscale: number,
    f32: number,
    pm: number,
  ): number;
  cbNllWithLogits(
    px: number,
    pv: number,
    pw: number,
    pout: number,
    pg: number,
    n: number,
    gscale: number,
    f32: number,
    pm: number,
  ): number;
  softmax(
    pz: number,
    pt: number,
    pcw: number,
    pw: number,
    pm: number,
    pout: number,
    pg: number,
    rows: number,
    classes: number,
    keep: number,
    add: number,
    gscale: number,
    flags: number,
  ): number;
  // assembly/distill.ts: flags = grad | teacher logits << 1 | class weights << 2 | mode << 3; pcw holds C class weights, then C of scratch
  distill(
    pz: number,
    pt: number,
    pcw: number,
    pw: number,
    pm: number,
    pout: number,
    pg: number,
    rows: number,
    classes: number,
    keep: number,
    add: number,
    gscale: number,
    temperature: number,
    beta: number,
    flags: number,
  ): number;
  // assembly/distill.ts: flags = grad | no ignoreIndex << 1 | class weights << 2; labels int32, mask bytes (0 = none);
  // pt: rows * classes doubles of scratch, ps: rows bytes of scratch
  softmaxIndex(
    pz: number,
    plab: number,
    pt: number,
    pcw: number,
    pw: number,
    pm: number,
    ps: number,
    pout: number,
    pg: number,
    rows: number,
    classes: number,
    keep: number,
    add: number,
    sumW: number,
    gscale: number,
    ignore: number,
    flags: number,
  ): number;
  bceDistill(
    px: number,
    pt: number,
    pw: number,
    pout: number,
    pg: number,
    n: number,
    gscale: number,
    f32: number,
    posWeight: number,
    temperature: number,
    targetLogits: number,
    pm: number,
  ): number;
  /** The 'mean' denominator of class indices over `rows` labels (flags: softmaxIndex's). */
  labelWeight(
    plab: number,
    pcw: number,
    pm: number,
    rows: number,
    classes: number,
    ignore: number,
    flags: number,
  ): number;
  /** The number of non-zero bytes of a mask. */
  kept(pm: number, n: number): number;
  promote(src: number, dst: number, n: number): void;
  demote(src: number, dst: number, n: number): void;
  entropy(
    pt: number,
    pcw: number,
    pw: number,
    pout: number,
    rows: number,
    classes: number,
    keep: number,
    add: number,
  ): number;
}

/** What a family needs from a WebAssembly kernel. */
export interface Wasm {
  readonly ex: Exports;
  readonly arena: Arena;
  /** Byte address of the kernels' result area (sum hi, sum lo, bad argument, infinity flags). */
  readonly res: number;
}
