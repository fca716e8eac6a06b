// The package as a browser loads it: dist/index.js imported by a plain <script type="module">, no
// bundler, served over loopback, in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core). Same values as in Node, bit for bit.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Softxent } from '../src/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** Softmax, KL and entropy values, computed in the page (from this function's source) and in Node. */
function softmaxProbe(k: Softxent): unknown[] {
  const z = Float64Array.from({ length: 60 }, (_, i) => ((i * 37) % 17) / 2 - 4);
  const st = Float64Array.from({ length: 60 }, (_, i) => (i % 3) / 4);
  const gs = new Float64Array(60);
  const l = k.softmaxCrossEntropy(z, st, 3, { reduction: 'none', grad: gs, labelSmoothing: 0.1 });
  const l20 = k.softmaxCrossEntropy(z, st, 20, { reduction: 'sum', mode: 'kl' });
  return [Array.from(l), Array.from(gs), l20, k.entropy(st, 20, { reduction: 'sum' })];
}

const PAGE = `<!doctype html><script type="module">
import { createKernel } from '/dist/index.js';
const k = await createKernel();
const p = Float64Array.from([0.1, 0.25, 0.5, 0.9, 1e-20, 0, 1]);
const t = Float64Array.from([0, 0.5, 1, 0.3, 0, 0, 1]);
const x = Float64Array.from([-3, 0, 2.5, 40, -800, 1e-300, Infinity]);
const g = new Float64Array(7), gx = new Float64Array(7);
window.result = {
  backend: k.backend,
  log: Array.from(k.log(Float64Array.from([0.5, 2, 1e-310, 0, -1, Infinity, 7]))),
  bce: Array.from(k.bce(p, t, { reduction: 'none', grad: g })), g: Array.from(g),
  logits: k.bceWithLogits(x, t, { grad: gx, posWeight: 2.5, reduction: 'sum' }), gx: Array.from(gx),
  cb: k.cbNll(t, p.map((v) => 0.5 * v + 0.25), { reduction: 'sum' }),
  cbx: Array.from(k.cbNllWithLogits(t, x, { reduction: 'none' })),
  logC: Array.from(k.cbLogNorm(p)),
  sm: (${softmaxProbe.toString()})(k),
};
</script>`;

if (!existsSync(CHROMIUM)) {
  console.warn(`\n*** SKIPPED the real-browser test: no Chromium at ${CHROMIUM} (apt-get install chromium) ***\n`);
}

describe.skipIf(!existsSync(CHROMIUM))('in headless Chromium, as a plain ES module', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        return;
      }
      const file = join(ROOT, path);
      if (!file.startsWith(ROOT) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
        .end(readFileSync(file));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('loads the SIMD build and computes what Node computes, bit for bit', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => 'result' in window, null, { timeout: 30_000 });
      const got = await page.evaluate(() => (window as unknown as { result: unknown }).result);
      expect(errors).toEqual([]);
      const k = await createKernel();
      const p = Float64Array.from([0.1, 0.25, 0.5, 0.9, 1e-20, 0, 1]);
      const t = Float64Array.from([0, 0.5, 1, 0.3, 0, 0, 1]);
      const x = Float64Array.from([-3, 0, 2.5, 40, -800, 1e-300, Infinity]);
      const g = new Float64Array(7);
      const gx = new Float64Array(7);
      expect(got).toEqual({
        backend: 'wasm-simd',
        log: Array.from(k.log(Float64Array.from([0.5, 2, 1e-310, 0, -1, Infinity, 7]))),
        bce: Array.from(k.bce(p, t, { reduction: 'none', grad: g }) as Float64Array),
        g: Array.from(g),
        logits: k.bceWithLogits(x, t, { grad: gx, posWeight: 2.5, reduction: 'sum' }),
        gx: Array.from(gx),
        cb: k.cbNll(
          t,
          p.map((v) => 0.5 * v + 0.25),
          { reduction: 'sum' },
        ),
        cbx: Array.from(k.cbNllWithLogits(t, x, { reduction: 'none' }) as Float64Array),
        logC: Array.from(k.cbLogNorm(p)),
        sm: softmaxProbe(k),
      });
    } finally {
      await browser.close();
    }
  });
});
