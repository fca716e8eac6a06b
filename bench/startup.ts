// Size of each .wasm and the time from createKernel() to the first result (one small bce call), in a
// fresh Node process and in a fresh Chromium context (module fetched over loopback, no cache): the
// cold start a user's first call pays. "Again" is a second kernel in the same process or page, where
// the compiled module is reused. Part of `npm run bench -- --full` (bench/results/full.md).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as z } from 'node:zlib';
import { serve } from '../test/serve.js';
import { median } from './ops.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = 9;
const BUILDS = [
  ['wasm-simd', 'build/softxent.simd.wasm', true],
  ['wasm', 'build/softxent.wasm', false],
] as const;

/** Module source timing the first and a second kernel's first result; reports [ms, ms]. */
const timing = (entry: string, simd: boolean, report: (v: string) => string) => `
import { createKernel } from '${entry}';
const once = async () => {
  const t = performance.now();
  const k = await createKernel({ simd: ${simd} });
  k.bce(Float64Array.of(0.25), Float64Array.of(0.5));
  return performance.now() - t;
};
const first = await once();
${report('[first, await once()]')};`;

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const ms = (xs: number[]) =>
  `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;

export async function startup(): Promise<string> {
  const lines = [
    '| build | .wasm | gzip -9 | brotli | Node: first result | Node: again | Chromium: first result | Chromium: again |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const { chromium } = await import('playwright-core');
  const browser = existsSync(CHROMIUM)
    ? await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
      })
    : null;
  const { server, url } = await serve(ROOT);
  try {
    for (const [name, file, simd] of BUILDS) {
      const bytes = readFileSync(new URL(`../${file}`, import.meta.url));
      const gz = gzipSync(bytes, { level: 9 }).length;
      const br = brotliCompressSync(bytes, { params: { [z.BROTLI_PARAM_QUALITY]: 11 } }).length;
      const node: number[][] = [];
      const web: number[][] = [];
      for (let r = 0; r < RUNS; r++) {
        const code = timing(
          new URL('../dist/index.js', import.meta.url).href,
          simd,
          (v) => `console.log(JSON.stringify(${v}))`,
        );
        node.push(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code]).toString()));
        if (browser) {
          const context = await browser.newContext();
          const page = await context.newPage();
          await page.route(`${url}startup.html`, (r) =>
            r.fulfill({ contentType: 'text/html', body: '<!doctype html>' }),
          );
          await page.goto(`${url}startup.html`);
          await page.addScriptTag({
            type: 'module',
            content: timing('/dist/index.js', simd, (v) => `window.done = ${v}`),
          });
          web.push(
            (await page
              .waitForFunction(() => (window as unknown as { done?: number[] }).done)
              .then((h) => h.jsonValue())) as number[],
          );
          await context.close();
        }
      }
      const col = (xs: number[][], i: number) => (xs.length ? ms(xs.map((x) => x[i])) : 'no Chromium');
      lines.push(
        `| ${name} | ${kib(bytes.length)} | ${kib(gz)} | ${kib(br)} | ${col(node, 0)} | ${col(node, 1)} | ${col(web, 0)} | ${col(web, 1)} |`,
      );
    }
  } finally {
    await browser?.close();
    server.close();
  }
  return [
    '## Size and start-up',
    '',
    `Time from createKernel() to the first result of a small bce call, median (min-max) of ${RUNS} fresh Node`,
    'processes and fresh Chromium contexts (the module fetched over loopback, no cache); "again" is a second',
    'kernel in the same process or page (compiled module reused).',
    '',
    ...lines,
    '',
  ].join('\n');
}
