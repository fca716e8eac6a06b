// The package as its users get it: `npm pack`, installed offline from the tarball into a temporary
// project, then used from Node ESM, Node require(), a Vite production build in Chromium, a plain
// <script type="module"> in Chromium (no bundler), a Web Worker and a Node worker_threads worker.
// Each computes what this process computes from src/, bit for bit. Also runs the examples/ that
// docs/embedding.md quotes, and checks that it quotes them as they are.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Softxent } from '../src/index.js';
import { serve } from './serve.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

/**
 * Every function of the package on a few awkward inputs, and one error; numbers as their shortest
 * round-trip strings (so -0, NaN and ±Infinity survive), as one string. Runs in each consumer from
 * this function's source.
 */
function probe(k: Softxent): string {
  const p = Float64Array.from([0.1, 0.25, 0.5, 0.9, 1e-20, 0, 1]);
  const t = Float64Array.from([0, 0.5, 1, 0.3, 0, 0, 1]);
  const x = Float64Array.from([-3, 0, 2.5, 40, -800, 1e-300, Number.POSITIVE_INFINITY]);
  const z = Float64Array.from({ length: 60 }, (_, i) => ((i * 37) % 17) / 2 - 4);
  const st = Float64Array.from({ length: 60 }, (_, i) => (i % 3) / 4);
  const g = new Float64Array(7);
  const gx = new Float64Array(7);
  const gs = new Float64Array(60);
  const out: unknown[] = [
    k.backend,
    k.log(Float64Array.from([0.5, 2, 1e-310, 0, -1, Number.POSITIVE_INFINITY, 7])),
    k.log1p(Float64Array.from([-0, 1e-17, -0.5, 3, -1])),
    k.bce(p, t, { reduction: 'none', grad: g }),
    g,
    k.bceWithLogits(x, t, { grad: gx, posWeight: 2.5, reduction: 'sum' }),
    gx,
    k.cbLogNorm(p),
    k.cbLogNormWithLogits(x),
    k.cbMean(p),
    k.cbNll(
      t,
      p.map((v) => 0.5 * v + 0.25),
      { reduction: 'sum' },
    ),
    k.cbNllWithLogits(t, x, { reduction: 'none' }),
    k.softmaxCrossEntropy(z, st, 3, { reduction: 'none', grad: gs, labelSmoothing: 0.1 }),
    gs,
    k.softmaxCrossEntropy(z, st, 20, { reduction: 'sum', mode: 'kl' }),
    k.entropy(st, 20, { reduction: 'sum' }),
  ];
  try {
    k.bce(p, Float64Array.from([0, 0, 2, 0, 0, 0, 0]));
    out.push('no error');
  } catch (e) {
    out.push(`${(e as Error).name}: ${(e as Error).message}`);
  }
  const num = (v: number) => (Object.is(v, -0) ? '-0' : String(v));
  return JSON.stringify(out, (_key, v) =>
    typeof v === 'number' ? num(v) : v instanceof Float64Array ? Array.from(v, num) : v,
  );
}

const PROBE = `(${probe.toString()})`;

/**
 * createPool of the package against its createKernel, in the consumer's setting: 2 threads over a batch
 * large enough to split, every call's bits compared there; the pool's mode and the comparison, as JSON.
 */
async function poolProbe(sx: typeof import('../src/index.js')): Promise<string> {
  const n = 3 * 65536 + 7;
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 8);
  const t = Float64Array.from({ length: n }, (_, i) => (Math.cos(i * 0.7) + 1) / 2);
  const k = await sx.createKernel();
  const pool = await sx.createPool({ threads: 2 });
  const calls: [string, (f: typeof k) => unknown][] = [
    ['bceWithLogits', (f) => f.bceWithLogits(x, t, { grad: new Float64Array(n) })],
    [
      'cbNll',
      (f) =>
        f.cbNll(
          t,
          t.map((v) => v * 0.9 + 0.05),
          { reduction: 'none' },
        ),
    ],
    ['softmax', (f) => f.softmaxCrossEntropy(x.subarray(0, 1000 * 196), t.subarray(0, 1000 * 196), 1000)],
  ];
  const same: string[] = [];
  for (const [name, call] of calls) {
    const a = JSON.stringify(call(k), (_k, v) => (v instanceof Float64Array ? Array.from(v) : v));
    const b = JSON.stringify(await call(pool as unknown as typeof k), (_k, v) =>
      v instanceof Float64Array ? Array.from(v) : v,
    );
    same.push(`${name}: ${a === b ? 'same bits' : 'DIFFERENT'}`);
  }
  const out = JSON.stringify({ mode: pool.mode, threads: pool.threads, same });
  await pool.close();
  return out;
}

const POOL_PROBE = `(${poolProbe.toString()})`;

// The examples' batch: examples/*/ compute these in every setting.
async function exampleValues(): Promise<{ backend: string; loss: number; grad: number[] }> {
  const k = await createKernel();
  const grad = new Float64Array(3);
  const loss = k.softmaxCrossEntropy(Float64Array.from([2, -1, 0.5]), Float64Array.from([0.7, 0.1, 0.2]), 3, {
    grad,
  }) as number;
  return { backend: k.backend, loss, grad: [...grad] };
}

const SAME = ['bceWithLogits: same bits', 'cbNll: same bits', 'softmax: same bits'];

const run = (cwd: string, file: string, args: string[]) =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed package, installed offline from its tarball', () => {
  let dir = '';
  let expected = '';
  let browser: Browser | undefined;
  let server: Server | undefined;
  let chromiumReady: Promise<string> | undefined;
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('no dist/: run `npm run build` (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'softxent-consumer-'));
    // --ignore-scripts: `npm test` has just built dist/ and build/ (prepack would build them again).
    const tgz = run(ROOT, 'npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir])
      .trim()
      .split('\n')
      .at(-1) as string;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run(dir, 'npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', `./${tgz}`]);
    expected = probe(await createKernel());
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('contains the entry, its types and both .wasm builds, and no sources or tests', () => {
    const pkg = join(dir, 'node_modules', 'softxent');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'build/softxent.simd.wasm', 'build/softxent.wasm']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    for (const f of ['src', 'assembly', 'test', 'bench', 'examples']) expect(existsSync(join(pkg, f)), f).toBe(false);
    // Size budgets (docs/embedding.md, "Size and start-up"): the distillation kernels took the builds past
    // the first budgets (32 KiB gzipped, 16 KiB), issue 15's class-index, mask and focal-loss code past the
    // second (192 KiB raw and 36 KiB gzipped; 20 KiB raw) and to the scalar build's 8 KiB gzipped: today
    // 206.1 KiB (42.3 KiB gzipped) and 22.6 KiB (7.9 KiB).
    for (const [f, raw, gz] of [
      ['build/softxent.simd.wasm', 216, 45],
      ['build/softxent.wasm', 24, 9],
    ] as const) {
      const bytes = readFileSync(join(pkg, f));
      expect(bytes.length, f).toBeLessThanOrEqual(raw * 1024);
      expect(gzipSync(bytes, { level: 9 }).length, f).toBeLessThanOrEqual(gz * 1024);
    }
  });

  it('Node ESM: import { createKernel } from "softxent"', () => {
    const code = `import { createKernel } from 'softxent';\nprocess.stdout.write(${PROBE}(await createKernel()));`;
    expect(run(dir, process.execPath, ['--input-type=module', '-e', code])).toBe(expected);
  });

  it('Node CommonJS: require("softxent") (require of an ES module, Node >= 20.19)', () => {
    const code = `const { createKernel } = require('softxent');\ncreateKernel().then((k) => process.stdout.write(${PROBE}(k)));`;
    expect(run(dir, process.execPath, ['--input-type=commonjs', '-e', code])).toBe(expected);
  });

  it('Node worker_threads: the probe in a worker', async () => {
    writeFileSync(
      join(dir, 'probe-worker.mjs'),
      `import { parentPort } from 'node:worker_threads';\nimport { createKernel } from 'softxent';\nparentPort.postMessage(${PROBE}(await createKernel()));\n`,
    );
    // execArgv: [] because a worker inherits --input-type, which Node refuses for a file.
    const code = `const w = new (require('node:worker_threads').Worker)('./probe-worker.mjs', { execArgv: [] });
w.once('message', (m) => { process.stdout.write(m); w.terminate(); });`;
    expect(run(dir, process.execPath, ['--input-type=commonjs', '-e', code])).toBe(expected);
  });

  it('Node worker_threads: examples/node-worker', async () => {
    cpSync(join(EXAMPLES, 'node-worker'), join(dir, 'node-worker'), { recursive: true });
    const got = JSON.parse(run(dir, process.execPath, ['node-worker/main.mjs']));
    expect(got).toEqual(await exampleValues());
  });

  it("Node ESM: createPool (worker_threads) gives the kernel's bits", () => {
    writeFileSync(
      join(dir, 'pool.mjs'),
      `import * as sx from 'softxent';\nprocess.stdout.write(await ${POOL_PROBE}(sx));\n`,
    );
    const got = JSON.parse(run(dir, process.execPath, ['pool.mjs']));
    expect(got).toEqual({ mode: 'shared', threads: 2, same: SAME });
  });

  /** Builds and serves the browser consumers and starts Chromium, once; resolves to the server's URL. */
  function chromiumSetup(): Promise<string> {
    chromiumReady ??= (async () => {
      // A Vite production build of the probe, and one of examples/vite (main thread and a module worker).
      mkdirSync(join(dir, 'probe'));
      writeFileSync(join(dir, 'probe', 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
      writeFileSync(
        join(dir, 'probe', 'main.js'),
        `import { createKernel } from 'softxent';
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const inWorker = new Promise((ok) => (worker.onmessage = (e) => ok(e.data)));
window.result = ${PROBE}(await createKernel());
window.inWorker = await inWorker;
`,
      );
      // createPool's worker, found by Vite from the package's literal new Worker(new URL('./worker.js', ...))
      mkdirSync(join(dir, 'pool'));
      writeFileSync(join(dir, 'pool', 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
      writeFileSync(
        join(dir, 'pool', 'main.js'),
        `import * as sx from 'softxent';\nwindow.result = await ${POOL_PROBE}(sx);\n`,
      );
      writeFileSync(
        join(dir, 'probe', 'worker.js'),
        `import { createKernel } from 'softxent';\ncreateKernel().then((k) => self.postMessage(${PROBE}(k)));\n`,
      );
      cpSync(join(EXAMPLES, 'vite'), join(dir, 'vite'), { recursive: true });
      for (const app of ['probe', 'vite', 'pool']) {
        run(join(dir, app), process.execPath, [
          VITE,
          'build',
          '--base',
          './',
          '--logLevel',
          'error',
          '--outDir',
          'dist',
        ]);
      }
      // No bundler: an import map names the package entry in node_modules.
      writeFileSync(
        join(dir, 'plain.html'),
        `<!doctype html><script type="importmap">{ "imports": { "softxent": "./node_modules/softxent/dist/index.js" } }</script>
<script type="module">import { createKernel } from 'softxent';\nwindow.result = ${PROBE}(await createKernel());</script>`,
      );
      writeFileSync(
        join(dir, 'plain-pool.html'),
        `<!doctype html><script type="importmap">{ "imports": { "softxent": "./node_modules/softxent/dist/index.js" } }</script>
<script type="module">import * as sx from 'softxent';\nwindow.result = await ${POOL_PROBE}(sx);</script>`,
      );
      cpSync(join(EXAMPLES, 'plain', 'index.html'), join(dir, 'example.html'));
      const served = await serve(dir);
      server = served.server;
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
      });
      return served.url;
    })();
    return chromiumReady;
  }

  /** Loads a page, waits for `ready` to hold in it, and returns `value` from it; page errors fail. */
  async function load<T>(path: string, ready: string, value: string): Promise<T> {
    const url = await chromiumSetup();
    const page = await (browser as Browser).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    try {
      await page.goto(url + path);
      await page.waitForFunction(ready, null, { timeout: 30_000 });
      const got = (await page.evaluate(value)) as T;
      expect(errors).toEqual([]);
      return got;
    } finally {
      await page.close();
    }
  }

  const inChromium = it.skipIf(!existsSync(CHROMIUM));
  const OUT = "document.querySelector('#out').textContent";

  inChromium('Chromium: a Vite production build, on the main thread and in a module Web Worker', async () => {
    const got = await load<string[]>('probe/dist/', "'inWorker' in window", '[window.result, window.inWorker]');
    expect(got).toEqual([expected, expected]);
  });

  inChromium('Chromium: a plain <script type="module"> served over loopback, no bundler', async () => {
    expect(await load<string>('plain.html', "'result' in window", 'window.result')).toBe(expected);
  });

  inChromium("Chromium: createPool in a Vite production build and in a plain module script (mode 'copy')", async () => {
    for (const page of ['pool/dist/', 'plain-pool.html']) {
      const got = JSON.parse(await load<string>(page, "'result' in window", 'window.result'));
      expect(got.mode, page).toBe('copy');
      expect(got.same, page).toEqual(SAME);
    }
  });

  inChromium('Chromium: examples/plain, the docs/embedding.md snippet without a bundler', async () => {
    const out = await load<string>('example.html', `${OUT}.startsWith('{')`, OUT);
    expect(JSON.parse(out)).toEqual(await exampleValues());
  });

  inChromium('Chromium: examples/vite, main thread and a module Web Worker, built by Vite', async () => {
    const out = await load<string>('vite/dist/', `${OUT}.startsWith('{')`, OUT);
    const want = await exampleValues();
    expect(JSON.parse(out)).toEqual({ ...want, worker: want });
  });
});

describe('docs/embedding.md', () => {
  it('quotes every example file as it is', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'embedding.md'), 'utf8');
    for (const f of [
      'plain/index.html',
      'vite/main.js',
      'vite/worker.js',
      'node-worker/main.mjs',
      'node-worker/worker.mjs',
    ]) {
      expect(doc, f).toContain(readFileSync(join(EXAMPLES, f), 'utf8').trim());
    }
  });
});
