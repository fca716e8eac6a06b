// Builds what is stale: the two .wasm when one is missing or older than assembly/ or asconfig.json
// (asc takes ~20 s), then dist/ (tsc, under a second). `--wasm` builds only the .wasm.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';

const sources = ['asconfig.json', ...readdirSync('assembly').map((f) => `assembly/${f}`)];
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
const stale = ['build/softxent.simd.wasm', 'build/softxent.wasm'].some(
  (f) => !existsSync(f) || statSync(f).mtimeMs < newest,
);
const run = (what, script) => {
  process.stderr.write(`softxent: ${what}\n`);
  execSync(`npm run --silent ${script}`, { stdio: 'inherit' });
};
if (stale) run('building the WebAssembly (SIMD and scalar, about 20 s)', 'build:wasm');
if (!process.argv.includes('--wasm')) run('compiling src/ to dist/', 'build:js');
