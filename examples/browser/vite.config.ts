// `npm run demo`: Vite's dev server on 127.0.0.1 with the demo as its root. The page imports the
// library's sources (src/) and the benchmark's operations (bench/ops.ts) directly, and the kernel
// fetches build/*.wasm (built by `predemo`), so the server may read the whole repository.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'info',
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    port: 8080,
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
  },
});
