// Runs `npm run build:wasm` when a .wasm is missing or older than assembly/ or asconfig.json.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';

const sources = ['asconfig.json', ...readdirSync('assembly').map((f) => `assembly/${f}`)];
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
const stale = ['build/softxent.simd.wasm', 'build/softxent.wasm'].some(
  (f) => !existsSync(f) || statSync(f).mtimeMs < newest,
);
if (stale) execSync('npm run build:wasm', { stdio: 'inherit' });
