// Two projects run the same tests: in Node, and in headless Chromium (Debian's /usr/bin/chromium,
// driven by Playwright; no browser download works here). Tests that need Node itself (files, child
// processes, workers, a browser of their own, 6 GiB of arrays, the source tree) run in Node only.
import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NODE_ONLY = [
  'test/bench.test.ts',
  'test/consumer.test.ts',
  'test/demo.test.ts',
  'test/dts.test.ts',
  'test/imports.test.ts',
  'test/large.test.ts',
];
const hasChromium = existsSync(CHROMIUM);

// Said before the run and again after it (once, though vitest may load this file more than once).
if (!hasChromium && !process.env.SOFTXENT_SKIP_WARNED) {
  process.env.SOFTXENT_SKIP_WARNED = '1';
  const warn = () =>
    console.warn(
      `\n*** SKIPPED every browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH) ***\n`,
    );
  warn();
  process.on('exit', warn);
}

// Cross-origin isolation (what a page gets from these two headers): SharedArrayBuffer, so a pool's
// 'shared' mode. The pool's tests run on a plain page ('copy' mode) and on an isolated one.
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function browserProject(
  name: string,
  include: string[],
  exclude: string[],
  headers?: Record<string, string>,
): TestProjectInlineConfiguration {
  return {
    extends: true,
    ...(headers ? { server: { headers } } : {}),
    test: {
      name,
      include,
      exclude,
      provide: { where: 'chromium' },
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({
          launchOptions: {
            executablePath: CHROMIUM,
            args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
          },
        }),
        instances: [{ browser: 'chromium' as const }],
      },
    },
  };
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], provide: { where: 'node' } } },
      ...(hasChromium
        ? [
            browserProject('chromium', ['test/**/*.test.ts'], NODE_ONLY),
            browserProject('chromium-isolated', ['test/pool.test.ts'], [], ISOLATED),
          ]
        : []),
    ],
  },
});
