// The demo page (examples/browser, `npm run demo`) in headless Chromium: it plots both curves, follows
// the slider, and its benchmark button draws a speedup bar per operation. Leaves a screenshot in
// test/artifacts/demo.png (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS } from '../bench/ops.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

describe.skipIf(!existsSync(CHROMIUM))('the demo page in headless Chromium', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    server = await createServer({
      configFile: fileURLToPath(new URL('../examples/browser/vite.config.ts', import.meta.url)),
      logLevel: 'error',
      server: { port: 0 },
    });
    await server.listen();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    page = await browser.newPage({ viewport: { width: 800, height: 1100 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(server.resolvedUrls?.local[0] as string);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
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
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}demo.png`, fullPage: true });
    expect(errors).toEqual([]);
  });
});
