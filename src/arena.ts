// The bounded scratch memory of a kernel: SLOTS arrays of `chunk` float64 each above the module's
// static data. Calls stream their arrays through it chunk by chunk, so memory stays bounded whatever
// the length. A multi-class row longer than a chunk widens the slots to one row (up to MAX_SLOT
// elements, 48 MiB in all). Views are rebuilt whenever the memory has grown (growth detaches old
// buffers).

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
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private view: Float64Array;

  constructor(memory: WebAssembly.Memory, heapBase: number, chunk: number) {
    this.memory = memory;
    this.chunk = chunk;
    this.base = (heapBase + 63) & ~63;
    this.fit(chunk);
    this.view = new Float64Array(memory.buffer);
  }

  /** Widens the slots to hold `elems` elements each (memory grows once); false beyond MAX_SLOT. */
  fit(elems: number): boolean {
    if (elems <= this.slot) return true;
    if (elems > MAX_SLOT) return false;
    const need = this.base + SLOTS * elems * 8;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / 65536));
    this.slot = elems;
    return true;
  }

  /** Byte address of slot k. */
  ptr(k: number): number {
    return this.base + k * this.slot * 8;
  }

  /** A float64 view of the whole memory, valid until the memory grows. */
  heap(): Float64Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float64Array(this.memory.buffer);
    return this.view;
  }

  bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Streams n elements: for each chunk, copies the present inputs into slots 0.., runs `body` with
   * the byte addresses (0 for an absent array) and copies the present outputs back from the slots
   * after the inputs'. Stops at the first chunk where body returns false.
   */
  stream(
    n: number,
    ins: readonly (Float64Array | undefined)[],
    outs: readonly (Float64Array | undefined)[],
    body: (ptrs: readonly number[], len: number, start: number) => boolean,
  ): void {
    const slots = [...ins, ...outs];
    const ptrs = slots.map((a, k) => (a ? this.ptr(k) : 0));
    for (let start = 0; start < n; start += this.chunk) {
      const len = Math.min(this.chunk, n - start);
      let h = this.heap();
      for (let k = 0; k < ins.length; k++) {
        const a = ins[k];
        if (a) h.set(a.subarray(start, start + len), ptrs[k] / 8);
      }
      if (!body(ptrs, len, start)) return;
      h = this.heap();
      for (let k = ins.length; k < slots.length; k++) {
        const a = slots[k];
        if (a) a.set(h.subarray(ptrs[k] / 8, ptrs[k] / 8 + len), start);
      }
    }
  }
}
