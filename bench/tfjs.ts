// TF.js 4.22 with its WebAssembly backend (SIMD, one thread), for comparison only: a devDependency
// the library never loads. Returns null, with a note, where it is not installed.
import type * as Tf from '@tensorflow/tfjs-core';

export async function loadTfjs(): Promise<typeof Tf | null> {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialize');
    await tf.ready();
    return tf;
  } catch (e) {
    console.warn(`TF.js comparison skipped: ${(e as Error).message}`);
    return null;
  }
}

/** What the TF.js column measured: version, backend and its SIMD and thread support. */
export async function tfjsLabel(tf: typeof Tf): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `TF.js ${tf.version_core} ${tf.getBackend()} backend, SIMD ${simd ? 'on' : 'off'}, ${threads ? 'threaded' : 'one thread'}, float32`;
}
