// Node module hooks for Vite's `?raw` imports (a file's text as the default export), which the test
// helpers use to load fixtures in Node and in Chromium alike; `npm run accuracy` runs them under tsx
// with `--import ./scripts/raw-hooks.mjs`.
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';

if (!import.meta.url.endsWith('?hooks')) register(`${import.meta.url}?hooks`);

export async function load(url, context, next) {
  if (!url.endsWith('?raw')) return next(url, context);
  const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
  return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
}
