// createKernel: picks and instantiates a WebAssembly build, owns its memory and arena, and exposes
// the families. Works in Node (reads the .wasm beside the package) and in browsers and workers
// (fetches it relative to this module), with no top-level await.
import { Arena, DEFAULT_CHUNK } from './arena.js';
import { binaryFamily } from './binary.js';
import { cbFamily } from './cb.js';
import { elementwiseFamily } from './elementwise.js';
import { Heap, heapAlloc } from './memory.js';
import { softmaxFamily } from './softmax.js';
import type { Softxent } from './types.js';
import { allocLength } from './validate.js';

/** The raw exports of build/softxent*.wasm (assembly/index.ts). */
export interface Exports {
  memory: WebAssembly.Memory;
  RES: WebAssembly.Global;
  heapBase(): number;
  log(px: number, pout: number, n: number): void;
  log1p(px: number, pout: number, n: number): void;
  bce(pp: number, pt: number, pw: number, pout: number, pg: number, n: number, gscale: number): number;
  bceWithLogits(
    px: number,
    pt: number,
    pw: number,
    pout: number,
    pg: number,
    n: number,
    gscale: number,
    posWeight: number,
  ): number;
  cbLogNorm(pv: number, pout: number, n: number): number;
  cbLogNormWithLogits(pv: number, pout: number, n: number): number;
  cbMean(pv: number, pout: number, n: number, logits: number): number;
  cbNll(px: number, pv: number, pw: number, pout: number, pg: number, n: number, gscale: number): number;
  cbNllWithLogits(px: number, pv: number, pw: number, pout: number, pg: number, n: number, gscale: number): number;
  softmax(
    pz: number,
    pt: number,
    pcw: number,
    pw: number,
    pout: number,
    pg: number,
    rows: number,
    classes: number,
    keep: number,
    add: number,
    gscale: number,
    flags: number,
  ): number;
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

export interface KernelOptions {
  /** false forces the scalar build; default: SIMD where WebAssembly.validate accepts it. */
  simd?: boolean;
  /** Elements per streamed chunk (even, so that every slot is 16-byte aligned; 2..2^20); default 16384. */
  chunk?: number;
}

// The smallest module using v128 (i8x16.popcnt of a splat): valid only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

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
    const fs = await import(/* @vite-ignore */ 'node:fs/promises');
    return fs.readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`softxent: cannot load ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

function compile(simd: boolean): Promise<WebAssembly.Module> {
  let m = compiled.get(simd);
  if (!m) {
    const url = simd
      ? new URL('../build/softxent.simd.wasm', import.meta.url)
      : new URL('../build/softxent.wasm', import.meta.url);
    m = bytesOf(url).then((b) => WebAssembly.compile(b as BufferSource));
    m.catch(() => compiled.delete(simd));
    compiled.set(simd, m);
  }
  return m;
}

/** A WebAssembly kernel with its own memory. */
export async function createKernel(options: KernelOptions = {}): Promise<Softxent> {
  if (options === null || typeof options !== 'object') throw new TypeError('createKernel: options must be an object');
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunk) || chunk < 2 || chunk > 1 << 20 || chunk % 2 !== 0) {
    throw new RangeError(`createKernel: chunk = ${chunk} is not an even integer in [2, 2^20]`);
  }
  const simd = (options.simd ?? true) ? simdSupported() : false;
  const instance = await WebAssembly.instantiate(await compile(simd), {});
  const ex = instance.exports as unknown as Exports;
  const heap = new Heap(ex.memory, ex.heapBase());
  const w: Wasm = { ex, arena: new Arena(heap, chunk), res: ex.RES.value as number };
  return {
    backend: simd ? 'wasm-simd' : 'wasm',
    memoryBytes: () => w.arena.bytes(),
    alloc: (n: number) => heapAlloc(heap, allocLength(n)),
    ...elementwiseFamily(w),
    ...binaryFamily(w),
    ...cbFamily(w),
    ...softmaxFamily(w),
  };
}
