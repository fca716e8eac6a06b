// The demo page (examples/browser, `npm run demo`) in headless Chromium: it plots both curves, follows
// the slider, its benchmark button draws a speedup bar per operation, and its threads button draws
// createPool's speedup over createKernel per operation (ordinary and pool.alloc arrays) with the kernel's
// bits: on the plain page ('copy' mode) and on the cross-origin-isolated one (`npm run demo:isolated`,
// 'shared' mode). Leaves screenshots in test/artifacts/demo.png and demo-isolated.png (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS } from '../bench/ops.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const CONFIG = fileURLToPath(new URL('../examples/browser/vite.config.ts', import.meta.url));
/** The threads benchmark's operations, in the page's order. */
const THREAD_OPS = ['cbNll+grad', 'bceWithLogits+grad', 'softmaxCE+grad C=1024', 'log'];

describe.skipIf(!existsSync(CHROMIUM))('the demo page in headless Chromium', () => {
  const servers: ViteDevServer[] = [];
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  /** The demo served by Vite (mode 'isolated': with COOP and COEP) in a new page, its errors collected. */
  async function open(mode: 'development' | 'isolated', into: string[]): Promise<Page> {
    const server = await createServer({ configFile: CONFIG, mode, logLevel: 'error', server: { port: 0 } });
    servers.push(server);
    await server.listen();
    const p = await browser.newPage({ viewport: { width: 800, height: 1100 } });
    p.on('pageerror', (e) => into.push(String(e)));
    p.on('console', (m) => {
      if (m.type() === 'error') into.push(m.text());
    });
    await p.goto(server.resolvedUrls?.local[0] as string);
    return p;
  }

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    page = await open('development', errors);
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
  });

  /** The minimizing λ of each curve, from the table under the plot. */
  const minima = () =>
    page.$$eval('#minima tbody tr', (rows) =>
      rows.map((r) => [r.className, Number((r as HTMLTableRowElement).cells[1].textContent)]),
    );

  it('plots BCE and the continuous-Bernoulli NLL for the chosen soft label', async () => {
    await page.waitForSelector('#plot path.cb', { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-backend')).toBe('wasm-simd');
    expect(await page.textContent('#status')).toMatch(/^backend wasm-simd: first result [\d.]+ ms after createKernel/);
    for (const cls of ['bce', 'cb']) {
      const d = (await page.getAttribute(`#plot path.${cls}`, 'd')) as string;
      expect(d.match(/[ML][\d.]+,[\d.]+/g)).toHaveLength(999);
    }
    // BCE is smallest at λ = ℓ; the continuous Bernoulli's NLL where its mean is ℓ (λ = 0.0646 for 0.3, 0.9918
    // for 0.8: bisection on the mean's closed form), on a grid of step 0.001.
    expect(await minima()).toEqual([
      ['bce', 0.3],
      ['cb', expect.closeTo(0.0646, 2)],
    ]);
    const before = await page.getAttribute('#plot path.cb', 'd');
    await page.fill('#label', '0.8');
    expect(await page.textContent('#label-value')).toBe('0.80');
    expect(await page.getAttribute('#plot path.cb', 'd')).not.toBe(before);
    expect(await minima()).toEqual([
      ['bce', 0.8],
      ['cb', expect.closeTo(0.9918, 2)],
    ]);
  });

  it('runs the benchmark on a click and draws a speedup bar per operation', async () => {
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('#bars g.bar').length > 0, null, { timeout: 300_000 });
    const bars = await page.$$eval('#bars g.bar', (gs) =>
      gs.map((g) => ({
        op: g.getAttribute('data-op'),
        speedup: Number(g.getAttribute('data-speedup')),
        width: Number(g.querySelector('rect')?.getAttribute('width')),
        label: g.querySelector('text.value')?.textContent,
      })),
    );
    expect(bars.map((b) => b.op)).toEqual(OPS.map((o) => o.name));
    for (const b of bars) {
      // wasm-simd beats the plain loop in every op (by 2-3x in Node; a margin for a noisy machine).
      expect(b.speedup, b.op as string).toBeGreaterThan(1);
      expect(b.width).toBeGreaterThan(0);
      expect(b.label).toMatch(/^\d+\.\d\dx \([\d.]+ vs [\d.]+ ns\/el\)$/);
    }
    expect(await page.textContent('#run')).toBe('Run benchmark again');
    expect(errors).toEqual([]);
  });

  /**
   * Clicks the threads button and checks what it draws: per operation, a finite positive speedup of the
   * pool over the kernel on ordinary arrays and on pool.alloc arrays, with the kernel's bits. Returns the
   * pool's mode, threads and the page's crossOriginIsolated, as the page shows them.
   */
  async function threads(p: Page, into: string[], screenshot: string) {
    await p.click('#run-threads');
    // the bars, or the page saying the benchmark failed (its error is then in `into`)
    await p.waitForFunction(
      () =>
        document.querySelectorAll('#threads g.bar').length > 0 ||
        document.querySelector('#pool-status')?.textContent?.startsWith('the threads benchmark failed'),
      null,
      { timeout: 120_000 },
    );
    expect(into).toEqual([]);
    const bars = await p.$$eval('#threads g.bar', (gs) =>
      gs.map((g) => ({
        op: g.getAttribute('data-op'),
        arrays: g.getAttribute('data-arrays'),
        same: g.getAttribute('data-same-bits'),
        speedup: Number(g.getAttribute('data-speedup')),
        width: Number(g.querySelector('rect')?.getAttribute('width')),
        label: g.querySelector('text.value')?.textContent,
      })),
    );
    expect(bars.map((b) => [b.op, b.arrays])).toEqual(
      THREAD_OPS.flatMap((op) => [
        [op, 'ordinary'],
        [op, 'pool.alloc'],
      ]),
    );
    for (const b of bars) {
      const what = `${b.op} on ${b.arrays}`;
      // on 2 cores, 'copy' mode and memory-bound ops may be slower than one thread: only a sane speedup
      expect(Number.isFinite(b.speedup) && b.speedup > 0, what).toBe(true);
      expect(b.same, what).toBe('true');
      expect(b.width, what).toBeGreaterThan(0);
      expect(b.label, what).toMatch(/^\d+\.\d\dx \([\d.]+ vs [\d.]+ ns\/el\)$/);
    }
    expect(await p.textContent('#run-threads')).toBe('Run threads benchmark again');
    mkdirSync(ARTIFACTS, { recursive: true });
    await p.screenshot({ path: `${ARTIFACTS}${screenshot}`, fullPage: true });
    expect(into).toEqual([]);
    const shown = await p.evaluate(() => ({
      mode: document.body.dataset.poolMode,
      threads: Number(document.body.dataset.poolThreads),
      isolated: document.body.dataset.isolated,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
    }));
    // the default: the browser's cores, at most 16
    expect(shown.threads).toBe(Math.min(shown.cores, 16));
    const status = await p.textContent('#pool-status');
    expect(status?.replace(/[\d.]+ ms$/, 'T ms')).toBe(
      `crossOriginIsolated: ${shown.crossOriginIsolated}; createPool(): mode '${shown.mode}', ${shown.threads} threads ` +
        '(wasm-simd), started in T ms',
    );
    return shown;
  }

  it("runs the threads benchmark on the plain page: createPool in 'copy' mode, the kernel's bits", async () => {
    expect(await threads(page, errors, 'demo.png')).toMatchObject({
      mode: 'copy',
      isolated: 'false',
      crossOriginIsolated: false,
    });
  });

  it("runs the threads benchmark on the cross-origin-isolated page (npm run demo:isolated): 'shared' mode", async () => {
    const into: string[] = [];
    const p = await open('isolated', into);
    await p.waitForSelector('body[data-isolated]', { timeout: 30_000 });
    expect(await threads(p, into, 'demo-isolated.png')).toMatchObject({
      mode: 'shared',
      isolated: 'true',
      crossOriginIsolated: true,
    });
  });
});
