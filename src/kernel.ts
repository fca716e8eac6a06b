// createKernel: picks and instantiates a WebAssembly build, owns its memory and arena, and exposes
// the families. Works in Node (reads the .wasm beside the package) and in browsers and workers
// (fetches it relative to this module), with no top-level await.
import { Arena, DEFAULT_CHUNK } from './arena.js';
import { binaryFamily } from './binary.js';
import { cbFamily } from './cb.js';
import { elementwiseFamily } from './elementwise.js';
import { Heap, heapAlloc } from './memory.js';
import { softmaxFamily } from './softmax.js';
import type { Dtype, Softxent } from './types.js';
import { allocFloat32, allocLength } from './validate.js';
import type { Exports, Wasm } from './wasm.js';

/** Options of `createKernel`. */
export interface KernelOptions {
  /** Default true: the SIMD build where the engine runs it ({@link simdSupported}), else scalar. false: scalar. */
  simd?: boolean;
  /**
   * Elements per streamed chunk: an even integer (every slot stays 16-byte aligned) in [2, 2^20]; default 16384.
   * The arena holds 6 chunks of float64 (768 KiB by default).
   */
  chunk?: number;
}

// The smallest module using v128 (i8x16.popcnt of a splat): valid only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/**
 * Whether this engine runs WebAssembly SIMD (validates a tiny v128 module), i.e. which build
 * `createKernel()` picks by default.
 * @returns true where SIMD is supported.
 */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const compiled = new Map<boolean, Promise<WebAssembly.Module>>();

async function bytesOf(url: URL): Promise<ArrayBuffer | Uint8Array> {
  if (url.protocol === 'file:') {
    const fs = await import(/* @vite-ignore */ /* webpackIgnore: true */ 'node:fs/promises');
    return fs.readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`softxent: cannot load ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

const urlOf = (simd: boolean) =>
  simd ? new URL('../build/softxent.simd.wasm', import.meta.url) : new URL('../build/softxent.wasm', import.meta.url);

const loaded = new Map<boolean, Promise<ArrayBuffer | Uint8Array>>();

/** A build's bytes, loaded once (the shared-memory variant is made from them). */
function bytesFor(simd: boolean): Promise<ArrayBuffer | Uint8Array> {
  let b = loaded.get(simd);
  if (!b) {
    b = bytesOf(urlOf(simd));
    b.catch(() => loaded.delete(simd));
    loaded.set(simd, b);
  }
  return b;
}

function compile(simd: boolean): Promise<WebAssembly.Module> {
  let m = compiled.get(simd);
  if (!m) {
    m = bytesFor(simd).then((b) => WebAssembly.compile(b as BufferSource));
    m.catch(() => compiled.delete(simd));
    compiled.set(simd, m);
  }
  return m;
}

/**
 * Pages of 64 KiB a shared memory may grow to: 512 MiB, above a pool worker's bounded needs (its arena,
 * at most 56 MiB for rows of 2^20 classes, and its two stages, at most 48 MiB), and small enough to
 * reserve in a 32-bit browser.
 */
const SHARED_PAGES = 8192;

const LEB_MORE = 0x80;

/** An unsigned LEB128 at bytes[i]: its value and the index after it. */
function leb(bytes: Uint8Array, i: number): [number, number] {
  let v = 0;
  let shift = 0;
  let b: number;
  do {
    b = bytes[i++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & LEB_MORE);
  return [v, i];
}

function toLeb(v: number): number[] {
  const out: number[] = [];
  do {
    const b = v % 128;
    v = Math.floor(v / 128);
    out.push(v ? b | LEB_MORE : b);
  } while (v);
  return out;
}

/**
 * The module's bytes with its memory declared shared, growing to at most `pages`: the memory section
 * (id 5: one memory, limits flags 3 = shared with a maximum) rewritten, every other byte kept, so the
 * code is the same code. A pool's workers run it: the calling thread writes their shares into their
 * memories, where their kernels read and write them in place.
 */
export function sharedMemory(bytes: Uint8Array, pages = SHARED_PAGES): Uint8Array {
  let i = 8; // magic and version
  while (i < bytes.length) {
    const id = bytes[i];
    const [size, at] = leb(bytes, i + 1);
    if (id === 5) {
      const [count, lim] = leb(bytes, at);
      const [min] = leb(bytes, lim + 1);
      if (count !== 1 || min > pages) throw new Error('softxent: unreachable: an unexpected memory section');
      const body = [1, 3, ...toLeb(min), ...toLeb(pages)];
      const section = Uint8Array.from([5, ...toLeb(body.length), ...body]);
      const out = new Uint8Array(bytes.length - (at + size - i) + section.length);
      out.set(bytes.subarray(0, i));
      out.set(section, i);
      out.set(bytes.subarray(at + size), i + section.length);
      return out;
    }
    i = at + size;
  }
  throw new Error('softxent: unreachable: a module without a memory section');
}

const compiledShared = new Map<boolean, Promise<WebAssembly.Module>>();

/** A build with a shared memory (`sharedMemory`), compiled once. */
export function compileShared(simd: boolean): Promise<WebAssembly.Module> {
  let m = compiledShared.get(simd);
  if (!m) {
    m = bytesFor(simd).then((b) => WebAssembly.compile(sharedMemory(new Uint8Array(b)) as BufferSource));
    m.catch(() => compiledShared.delete(simd));
    compiledShared.set(simd, m);
  }
  return m;
}

/**
 * A WebAssembly kernel with its own memory: every loss and elementwise function of {@link Softxent}. Several
 * kernels may coexist; each streams its inputs through a bounded arena, so memory stays bounded whatever N.
 * @param options - {@link KernelOptions}: `simd`, `chunk`; default {}.
 * @returns A Promise of the kernel; `backend` says which build it runs ('wasm-simd' or 'wasm').
 * @throws {TypeError} (a rejected Promise) options not an object.
 * @throws {RangeError} (a rejected Promise) chunk not an even integer in [2, 2^20].
 * @throws {Error} (a rejected Promise) the .wasm cannot be loaded (missing file, HTTP error).
 * @example
 * ```ts
 * import { createKernel } from 'softxent';
 * const k = await createKernel(); // or { simd: false } for the scalar build
 * const loss = k.bceWithLogits(logits, targets, { posWeight: 2 });
 * ```
 */
export async function createKernel(options: KernelOptions = {}): Promise<Softxent> {
  return (await openKernel('createKernel', options)).k;
}

/** A kernel and its insides: what a pool's calling thread uses besides the API. */
export interface Opened {
  /** The kernel's API. */
  readonly k: Softxent;
  /** What its families run on. */
  readonly w: Wasm;
  /** The compiled build, which a pool posts to its workers. */
  readonly module: WebAssembly.Module;
}

/** `createKernel` (fn: the caller's name, for messages), with its insides. */
export async function openKernel(fn: string, options: KernelOptions): Promise<Opened> {
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object`);
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunk) || chunk < 2 || chunk > 1 << 20 || chunk % 2 !== 0) {
    throw new RangeError(`${fn}: chunk = ${chunk} is not an even integer in [2, 2^20]`);
  }
  const simd = (options.simd ?? true) ? simdSupported() : false;
  const module = await compile(simd);
  const { k, w } = await instantiate(module, simd, chunk);
  return { k, w, module };
}

/** A kernel over a new instance of a compiled build (a pool's worker gets the module posted). */
export async function instantiate(
  module: WebAssembly.Module,
  simd: boolean,
  chunk: number,
): Promise<{ k: Softxent; w: Wasm; heap: Heap }> {
  const instance = await WebAssembly.instantiate(module, {});
  const ex = instance.exports as unknown as Exports;
  const heap = new Heap(ex.memory, ex.heapBase());
  const w: Wasm = { ex, arena: new Arena(heap, chunk, ex), res: ex.RES.value as number };
  const k: Softxent = {
    backend: simd ? 'wasm-simd' : 'wasm',
    memoryBytes: () => w.arena.bytes(),
    alloc: ((n: number, dtype?: Dtype) => heapAlloc(heap, allocLength(n), allocFloat32(dtype))) as Softxent['alloc'],
    ...elementwiseFamily(w),
    ...binaryFamily(w),
    ...cbFamily(w),
    ...softmaxFamily(w),
  };
  return { k, w, heap };
}
