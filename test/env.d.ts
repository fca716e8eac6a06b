// Vite's `?raw` imports (file text as a string), which load fixtures and sources in Node and in Chromium.
/// <reference types="vite/client" />

declare module 'vitest' {
  export interface ProvidedContext {
    /** Which project runs the test: 'node' or 'chromium' (vitest.config.ts). */
    where: 'node' | 'chromium';
  }
}

export {};
