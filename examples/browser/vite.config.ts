// `npm run demo`: Vite's dev server on 127.0.0.1 with the demo as its root. The page imports the
// library's sources (src/) and the benchmark's operations (bench/ops.ts) directly, and the kernel
// fetches build/*.wasm (built by `predemo`), so the server may read the whole repository. A pool's
// worker is src/worker.ts: Vite resolves `new URL('./worker.js', import.meta.url)` in src/pool.ts to it.
//
// `npm run demo:isolated` (`--mode isolated`) serves the same page cross-origin isolated, on port 8081:
// every response carries COOP same-origin and COEP require-corp, so `crossOriginIsolated` is true and
// a pool runs in 'shared' mode (SharedArrayBuffer). Elsewhere it runs in 'copy' mode.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The two headers that make a page cross-origin isolated. */
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig(({ mode }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'info',
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    port: mode === 'isolated' ? 8081 : 8080,
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
    ...(mode === 'isolated' ? { headers: ISOLATED } : {}),
  },
}));
