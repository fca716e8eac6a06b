// The bounded scratch memory of a kernel: SLOTS arrays of `chunk` float64 each, one block of the
// kernel's heap. Calls stream their arrays through it chunk by chunk, so memory stays bounded whatever
// the length. A multi-class row longer than a chunk widens the slots to one row (up to MAX_SLOT
// elements, 48 MiB in all). Views are rebuilt whenever the memory has grown (growth detaches old
// buffers). Arrays that already live in the kernel's memory (`k.alloc`) are not copied: the kernel
// reads and writes them where they are.
import type { Heap } from './memory.js';

/** Arrays one call can stream: up to four inputs and two outputs. */
export const SLOTS = 6;

/** The widest slot: 2^20 float64, so that the memory stays under 64 MiB. */
export const MAX_SLOT = 2 ** 20;

/**
 * Elements per chunk. Measured with bench/chunk.ts (N = 2^20, ns/element through the API): 512 and
 * 1024 pay the per-chunk overhead (~0.5 us), 16384 to 65536 are best; 16384 keeps the 6 slots
 * (768 KiB) inside a 1 MiB L2.
 */
export const DEFAULT_CHUNK = 16384;

export class Arena {
  readonly chunk: number;
  /** Elements per slot: chunk, or more after `fit`. */
  private slot = 0;
  private base = 0;
  private readonly heap_: Heap;

  constructor(heap: Heap, chunk: number) {
    this.heap_ = heap;
    this.chunk = chunk;
    this.fit(chunk);
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
   * so they are rebuilt over the new buffer (same place, same length).
   */
  fitKeeping<T extends readonly (Float64Array | undefined)[]>(elems: number, arrays: T): T | undefined {
    const before = this.heap_.buffer;
    const at = arrays.map((a) => (a && a.buffer === before ? [a.byteOffset, a.length] : undefined));
    if (!this.fit(elems)) return undefined;
    const now = this.heap_.buffer;
    if (now === before) return arrays;
    return arrays.map((a, i) => {
      const p = at[i];
      return p ? new Float64Array(now, p[0], p[1]) : a;
    }) as unknown as T;
  }

  /** Whether `a` lives in the kernel's memory (validation has checked that its block is live). */
  direct(a: Float64Array | undefined): boolean {
    return a !== undefined && a.buffer === this.heap_.buffer;
  }

  /** Whether output `a` can be written in place: in the kernel's memory and overlapping no input there. */
  directOut(a: Float64Array | undefined, ins: readonly (Float64Array | undefined)[]): boolean {
    if (!a || !this.direct(a)) return false;
    const [lo, hi] = [a.byteOffset, a.byteOffset + a.byteLength];
    return ins.every((b) => !b || !this.direct(b) || b.byteOffset >= hi || b.byteOffset + b.byteLength <= lo);
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

  /** Byte address of elements [start, start + len) of input `a`: where it is, or copied into slot k. */
  place(a: Float64Array | undefined, k: number, start: number, len: number): number {
    if (!a) return 0;
    if (this.direct(a)) return a.byteOffset + start * 8;
    this.heap().set(a.subarray(start, start + len), this.ptr(k) / 8);
    return this.ptr(k);
  }

  /** Copies `len` elements of slot k into output `a` at `start`. */
  collect(a: Float64Array, k: number, start: number, len: number): void {
    const h = this.heap();
    a.set(h.subarray(this.ptr(k) / 8, this.ptr(k) / 8 + len), start);
  }

  /**
   * Streams n elements: for each chunk, copies the present inputs into slots 0.., runs `body` with
   * the byte addresses (0 for an absent array) and copies the present outputs back from the slots
   * after the inputs'. Arrays in the kernel's memory are passed where they are (an output that
   * overlaps such an input goes through its slot). Stops at the first chunk where body returns false.
   */
  stream(
    n: number,
    ins: readonly (Float64Array | undefined)[],
    outs: readonly (Float64Array | undefined)[],
    body: (ptrs: readonly number[], len: number, start: number) => boolean,
  ): void {
    const ni = ins.length;
    const direct = outs.map((a) => this.directOut(a, ins));
    const ptrs: number[] = new Array(ni + outs.length).fill(0);
    for (let start = 0; start < n; start += this.chunk) {
      const len = Math.min(this.chunk, n - start);
      for (let k = 0; k < ni; k++) ptrs[k] = this.place(ins[k], k, start, len);
      for (let j = 0; j < outs.length; j++) {
        const a = outs[j];
        ptrs[ni + j] = a ? (direct[j] ? a.byteOffset + start * 8 : this.ptr(ni + j)) : 0;
      }
      if (!body(ptrs, len, start)) return;
      for (let j = 0; j < outs.length; j++) {
        const a = outs[j];
        if (a && !direct[j]) this.collect(a, ni + j, start, len);
      }
    }
  }
}
