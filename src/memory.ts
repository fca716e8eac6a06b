// A kernel's linear memory above the module's static data: the arena's slots and the caller's
// zero-copy arrays (`k.alloc`). First fit over a free list in address order, neighbours merged, the
// top given back when freed; the memory grows (whole 64 KiB pages, never shrinks) only when no free
// block fits. Growing detaches every view of the old buffer: the registry follows the memory's
// current buffer so that validation can tell a live block, a freed one and a detached view apart.
import type { FloatArray, KernelArray } from './types.js';

/** Block alignment: a cache line (and more than the 16 bytes a v128 wants). */
const ALIGN = 64;

// The heap of a memory's current buffer, as a property of the buffer (a kernel array's argument check
// finds it with one property lookup).
const HEAP = Symbol('softxent heap');

/** The heaps of buffers that take no property: a shared memory's (a pool worker's). */
const untagged = new WeakMap<ArrayBufferLike, Heap>();

/** Marks `b` as the current buffer of `heap`'s memory. */
function tag(b: ArrayBuffer, heap: Heap): void {
  if (Object.isExtensible(b)) Object.defineProperty(b, HEAP, { value: heap });
  else untagged.set(b, heap);
}

const up = (v: number) => Math.ceil(v / ALIGN) * ALIGN;

export class Heap {
  readonly memory: WebAssembly.Memory;
  /** The memory's current buffer and views of it (reading memory.buffer is a slow host call). */
  buffer: ArrayBuffer;
  view: Float64Array;
  view32: Float32Array;
  /** End of the highest block. */
  private top: number;
  /** Free blocks below top, in address order, never adjacent. */
  private readonly holes: { at: number; size: number }[] = [];
  /** Live blocks in increasing address order: their addresses and sizes in bytes. */
  private readonly starts: number[] = [];
  private readonly sizes: number[] = [];

  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.top = up(base);
    this.buffer = memory.buffer;
    this.view = new Float64Array(this.buffer);
    this.view32 = new Float32Array(this.buffer);
    tag(this.buffer, this);
  }

  /** Byte address of a new block of at least `bytes` bytes (contents unspecified). */
  alloc(bytes: number): number {
    const size = up(Math.max(bytes, 1));
    const i = this.holes.findIndex((h) => h.size >= size);
    let at: number;
    if (i >= 0) {
      const h = this.holes[i];
      at = h.at;
      if (h.size === size) this.holes.splice(i, 1);
      else Object.assign(h, { at: h.at + size, size: h.size - size });
    } else {
      at = this.top;
      this.reserve(at + size);
      this.top = at + size;
    }
    const j = this.below(at) + 1;
    this.starts.splice(j, 0, at);
    this.sizes.splice(j, 0, size);
    return at;
  }

  /** Gives a block back; false if `at` is not a live block. */
  release(at: number): boolean {
    const j = this.below(at);
    if (this.starts[j] !== at) return false;
    const size = this.sizes[j];
    this.starts.splice(j, 1);
    this.sizes.splice(j, 1);
    let i = this.holes.findIndex((h) => h.at > at);
    if (i < 0) i = this.holes.length;
    this.holes.splice(i, 0, { at, size });
    const h = this.holes[i];
    const next = this.holes[i + 1];
    if (next && h.at + h.size === next.at) {
      h.size += next.size;
      this.holes.splice(i + 1, 1);
    }
    const prev = this.holes[i - 1];
    if (prev && prev.at + prev.size === h.at) {
      prev.size += h.size;
      this.holes.splice(i, 1);
    }
    const last = this.holes[this.holes.length - 1];
    if (last && last.at + last.size === this.top) {
      this.top = last.at;
      this.holes.pop();
    }
    return true;
  }

  /** Whether the bytes of `a` lie inside one live block (a binary search: no allocation per call). */
  holds(a: FloatArray): boolean {
    const i = this.below(a.byteOffset);
    return i >= 0 && a.byteOffset + a.byteLength <= this.starts[i] + this.sizes[i];
  }

  /** Index of the last live block starting at or below `addr` (-1 if none). */
  private below(addr: number): number {
    let [lo, hi] = [0, this.starts.length - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  /** Grows the memory to at least `end` bytes; a RangeError beyond what WebAssembly allows. */
  private reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / 65536));
    } catch {
      throw new RangeError(`softxent: the kernel's memory cannot grow to ${end} bytes (WebAssembly allows 4 GiB)`);
    }
    this.buffer = this.memory.buffer;
    this.view = new Float64Array(this.buffer);
    this.view32 = new Float32Array(this.buffer);
    tag(this.buffer, this);
  }
}

/** The heap whose memory's current buffer is `b`, if any. */
export const heapOf = (b: ArrayBufferLike): Heap | undefined => (b as { [HEAP]?: Heap })[HEAP] ?? untagged.get(b);

/** Whether a view's buffer is detached (transferred, or a WebAssembly memory that has grown). */
export function detached(a: FloatArray): boolean {
  // length first: byteLength and buffer are slow getters in V8, and only an empty view can be detached
  if (a.length !== 0 || a.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(a.buffer);
    return false;
  } catch {
    return true;
  }
}

/** `k.alloc`'s handle over a view factory: refuses use after free(), and a second free(). */
export class Block<T extends FloatArray> implements KernelArray<T> {
  readonly length: number;
  private view: T | undefined;
  private make: (() => T) | undefined;
  private readonly release: () => void;

  constructor(length: number, make: () => T, release: () => void) {
    this.length = length;
    this.make = make;
    this.release = release;
    this.array.fill(0);
  }

  get array(): T {
    if (!this.make) throw new TypeError('KernelArray: array read after free()');
    if (!this.view || detached(this.view)) this.view = this.make();
    return this.view;
  }

  free(): void {
    if (!this.make) throw new TypeError('KernelArray: free() called twice');
    this.make = undefined;
    this.view = undefined;
    this.release();
  }
}

/**
 * The views `k.alloc` hands out: subclasses whose prototypes carry the brand KERNEL, so that a call
 * tells a kernel array (or a subarray of one, which keeps the class) from an ordinary one by one
 * property lookup (~1 ns; `instanceof` of a subclass walks the prototype chain, ~6 ns), without
 * reading `.buffer` (a ~20 ns getter in V8) for every argument.
 */
export const KERNEL = Symbol('softxent kernel array');
export class KernelFloat64Array extends Float64Array {}
export class KernelFloat32Array extends Float32Array {}
for (const c of [KernelFloat64Array, KernelFloat32Array]) Object.defineProperty(c.prototype, KERNEL, { value: true });

/** `alloc` of a heap: a block of n elements whose view follows the memory's current buffer. */
export function heapAlloc(heap: Heap, n: number, f32: boolean): KernelArray<FloatArray> {
  const at = heap.alloc(n * (f32 ? 4 : 8));
  const release = () => heap.release(at);
  return f32
    ? new Block(n, () => new KernelFloat32Array(heap.buffer, at, n), release)
    : new Block(n, () => new KernelFloat64Array(heap.buffer, at, n), release);
}
