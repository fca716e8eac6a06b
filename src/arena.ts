// The bounded scratch memory of a kernel: SLOTS arrays of `chunk` float64 each, one block of the
// kernel's heap. Calls stream their arrays through it chunk by chunk, so memory stays bounded whatever
// the length. A multi-class row longer than a chunk widens the slots to one row (up to MAX_SLOT
// elements, 48 MiB in all). Views are rebuilt whenever the memory has grown (growth detaches old
// buffers). Arrays that already live in the kernel's memory (`k.alloc`) are not copied: the kernel
// reads and writes them where they are. A Float32Array travels as float32 (half the bytes): kernels
// that read float32 (`raw`: all but softmax's) take it as it is, and for the others the module widens
// it in the slot (`promote`) and rounds the results on the way out (`demote`).
import type { Heap } from './memory.js';
import type { FloatArray, IndexArray } from './types.js';

/** Arrays one call can stream: up to four inputs, two outputs and a mask (slot MASK). */
export const SLOTS = 7;

/** The slot of a call's mask (bytes). */
export const MASK = 6;

/** The widest slot: 2^20 float64, so that the memory stays under 64 MiB. */
export const MAX_SLOT = 2 ** 20;

/**
 * Elements per chunk. Measured with the chunk sweep of `npm run bench -- --full` (N = 2^20, ns/element
 * through the API): 512 and 1024 pay the per-chunk overhead (~0.5 us), 16384 to 65536 are best; 16384
 * keeps the 6 slots (768 KiB) inside a 1 MiB L2.
 */
export const DEFAULT_CHUNK = 16384;

/**
 * A multi-class call's grid: elements per slot it needs, and rows per chunk (whole rows, at least one).
 */
export function rowGrid(chunk: number, C: number, distill: boolean): [number, number] {
  const rowsPer = Math.max(1, Math.floor(chunk / C));
  // The distillation kernel keeps a row of scratch after the class weights, two for rows of fewer than
  // 32 classes (assembly/distill.ts's SMALLD: it takes two rows at once).
  return [Math.max(rowsPer * C, distill ? (C < 32 ? 3 : 2) * C : C), rowsPer];
}

/** Below this many elements a copy is a plain loop: cheaper than `set` over a new `subarray`. */
const SHORT = 64;

/** Bits of a kernel's `f32` argument (assembly/math.ts): which arrays hold float32. */
export const F_PRED = 1;
export const F_TGT = 2;
export const F_W = 4;
export const F_OUT = 8;
export const F_G = 16;

/** An input of `directOut`: an array in the kernel's memory, or false (elsewhere) or absent. */
type Input = FloatArray | false | undefined;

/** The module's float32 conversions (assembly/convert.ts), over byte addresses. */
export interface Convert {
  promote(src: number, dst: number, n: number): void;
  demote(src: number, dst: number, n: number): void;
}

/** Whether input b (if any) shares no byte with a. */
const apart = (a: FloatArray, b: Input) =>
  !b || b.byteOffset >= a.byteOffset + a.byteLength || b.byteOffset + b.byteLength <= a.byteOffset;

function loop64(src: Float64Array, start: number, len: number, dst: Float64Array, at: number): void {
  for (let i = 0; i < len; i++) dst[at + i] = src[start + i];
}

function loop32(src: Float32Array, start: number, len: number, dst: Float32Array, at: number): void {
  for (let i = 0; i < len; i++) dst[at + i] = src[start + i];
}

export class Arena {
  readonly chunk: number;
  /** Elements per slot: chunk, or more after `fit`. */
  private slot = 0;
  private base = 0;
  private readonly heap_: Heap;
  private readonly cv: Convert;

  constructor(heap: Heap, chunk: number, cv: Convert) {
    this.heap_ = heap;
    this.chunk = chunk;
    this.cv = cv;
    this.fit(chunk);
  }

  /** Whether the slots hold `elems` elements each already. */
  fits(elems: number): boolean {
    return elems <= this.slot;
  }

  /** Widens the slots to hold `elems` elements each (a new block); false beyond MAX_SLOT. */
  fit(elems: number): boolean {
    if (elems <= this.slot) return true;
    if (elems > MAX_SLOT) return false;
    if (this.slot) this.heap_.release(this.base);
    this.base = this.heap_.alloc(SLOTS * elems * 8);
    this.slot = elems;
    return true;
  }

  /**
   * `fit`, keeping the caller's arrays usable: views of the kernel's memory are detached if it grows,
   * so they are rebuilt over the new buffer (same place, same length, same type). `mask`: bit i set
   * where arrays[i] lives in kernel memory (validation's `kernel` mask).
   */
  fitKeeping<T extends readonly (FloatArray | undefined)[]>(elems: number, arrays: T, mask: number): T | undefined {
    const before = this.heap_.buffer;
    const at = arrays.map((a, i) =>
      a && mask & (1 << i) && a.buffer === before ? [a.byteOffset, a.length] : undefined,
    );
    if (!this.fit(elems)) return undefined;
    const now = this.heap_.buffer;
    if (now === before) return arrays;
    return arrays.map((a, i) => {
      const p = at[i];
      if (!p) return a;
      return a instanceof Float32Array ? new Float32Array(now, p[0], p[1]) : new Float64Array(now, p[0], p[1]);
    }) as unknown as T;
  }

  /** Whether `a` lives in this kernel's memory, given validation's bit for it (0: in no kernel's). */
  own(a: FloatArray | undefined, bit: number): boolean {
    return bit !== 0 && a !== undefined && a.buffer === this.heap_.buffer;
  }

  /**
   * Whether output `a` (`own`: in this kernel's memory) is written where it is: overlapping none of the
   * inputs that live in the kernel's memory (the others: false), and a Float64Array, or a Float32Array
   * for a kernel that writes float32 (`raw`).
   */
  directOut(a: FloatArray | undefined, own: boolean, raw: boolean, i0?: Input, i1?: Input, i2?: Input): boolean {
    if (!own || !(a instanceof Float64Array || raw)) return false;
    return apart(a as FloatArray, i0) && apart(a as FloatArray, i1) && apart(a as FloatArray, i2);
  }

  /**
   * Copies src[start, start + len) into dst at `at`, arrays of one type: every copy between JavaScript
   * and the slots. Short copies loop, in a function per type so that each loop stays monomorphic.
   */
  copy(src: FloatArray, start: number, len: number, dst: FloatArray, at: number): void {
    if (len >= 8 && start === 0 && len === src.length) dst.set(src, at);
    else if (len >= SHORT) dst.set(src.subarray(start, start + len), at);
    else if (src instanceof Float64Array) loop64(src, start, len, dst as Float64Array, at);
    else loop32(src, start, len, dst as Float32Array, at);
  }

  /** Byte address of slot k. */
  ptr(k: number): number {
    return this.base + k * this.slot * 8;
  }

  /** A float64 view of the whole memory, valid until the memory grows. */
  heap(): Float64Array {
    return this.heap_.view;
  }

  bytes(): number {
    return this.heap_.buffer.byteLength;
  }

  /**
   * Byte address of elements [start, start + len) of input `a`: where it is (`own`, in this kernel's
   * memory), or copied into slot k. A Float32Array stays float32 for a kernel that reads float32
   * (`raw`); else the module widens it into slot k.
   */
  place(a: FloatArray | undefined, own: boolean, k: number, start: number, len: number, raw = false): number {
    if (!a) return 0;
    const slot = this.ptr(k);
    if (a instanceof Float64Array) {
      if (own) return a.byteOffset + start * 8;
      this.copy(a, start, len, this.heap_.view, slot / 8);
    } else if (own) {
      if (raw) return a.byteOffset + start * 4;
      this.cv.promote(a.byteOffset + start * 4, slot, len);
    } else {
      this.copy(a, start, len, this.heap_.view32, slot / 4);
      if (!raw) this.cv.promote(slot, slot, len);
    }
    return slot;
  }

  /**
   * Byte address of `a`[start, start + len) copied into slot k from byte `at` (a multiple of 4) as int32
   * (labels; wrapped as Int32Array.set does).
   */
  placeInts(a: IndexArray, k: number, start: number, len: number, at = 0): number {
    const p = this.ptr(k) + at;
    new Int32Array(this.heap_.buffer, p, len).set(a.subarray(start, start + len));
    return p;
  }

  /** Byte address of mask bytes [start, start + len) copied into slot MASK; 0 without a mask. */
  placeMask(m: Uint8Array | undefined, start: number, len: number): number {
    if (!m) return 0;
    const slot = this.ptr(MASK);
    new Uint8Array(this.heap_.buffer, slot, len).set(m.subarray(start, start + len));
    return slot;
  }

  /** Byte address where the kernel writes output `a`'s chunk from `start`: in place (`direct`) or slot k. */
  out(a: FloatArray | undefined, direct: boolean, k: number, start: number): number {
    return !a ? 0 : direct ? a.byteOffset + start * a.BYTES_PER_ELEMENT : this.ptr(k);
  }

  /**
   * Delivers `len` results of slot k into output `a` (`own`: in this kernel's memory) at `start`: float64
   * results, rounded once into a Float32Array; or, from a kernel that writes float32 (`raw`), float32.
   */
  collect(a: FloatArray, own: boolean, k: number, start: number, len: number, raw = false): void {
    const slot = this.ptr(k);
    if (a instanceof Float64Array) {
      this.copy(this.heap_.view, slot / 8, len, a, start);
    } else if (raw) {
      this.copy(this.heap_.view32, slot / 4, len, a, start);
    } else if (own) {
      this.cv.demote(slot, a.byteOffset + start * 4, len);
    } else {
      this.cv.demote(slot, slot, len);
      this.copy(this.heap_.view32, slot / 4, len, a, start);
    }
  }

  /**
   * Runs an elementwise kernel over x into out, chunk by chunk (`mask`: K0 x, K1 out in kernel memory);
   * `kernel(px, pout, n, arg, f32)` reads and writes float32 where the arrays are (F_PRED: x, F_OUT:
   * out, in `f32`) and returns -1 or the index of the first element it refused. Returns -1, or the
   * refused element's index in x.
   */
  map(
    x: FloatArray,
    out: FloatArray,
    mask: number,
    kernel: (px: number, pout: number, n: number, arg: number, f32: number) => number,
    arg = 0,
  ): number {
    const ox = this.own(x, mask & 1);
    const oo = this.own(out, mask & 2);
    const direct = this.directOut(out, oo, true, ox && x);
    const f32 = (x instanceof Float32Array ? F_PRED : 0) | (out instanceof Float32Array ? F_OUT : 0);
    for (let start = 0; start < x.length; start += this.chunk) {
      const len = Math.min(this.chunk, x.length - start);
      const bad = kernel(this.place(x, ox, 0, start, len, true), this.out(out, direct, 1, start), len, arg, f32);
      if (bad >= 0) return start + bad;
      if (!direct) this.collect(out, oo, 1, start, len, true);
    }
    return -1;
  }
}
