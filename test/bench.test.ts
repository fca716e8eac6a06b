// The bench script itself works: --help, a quick one-op run with its progress and table, a bad --op.
// (Its figures are checked by no test: speed is measured by `npm run bench`, never by timed tests.)
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

const bench = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/index.ts', ...args], { encoding: 'utf8' });

it('--help lists every option', () => {
  const r = bench('--help');
  expect(r.status).toBe(0);
  for (const o of ['--full', '--op', '--rounds', '--quick', '--help']) expect(r.stdout).toContain(o);
});

it('a quick run of one op prints progress on stderr and tables with their targets on stdout', () => {
  const r = bench('--quick', '--op', 'bce+grad');
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/\[ *\d+ s\] \[1\/1\] bce\+grad at N = 2\^14: plain JS [\d.]+ ns\/el, wasm-simd [\d.]+ \(/);
  const verdict = '[\\d.]+x (met|\\(missed by [\\d.]+%\\))';
  // plain JS, float64 and float32 through the copying API and zero-copy, then four targets
  const row = r.stdout.split('\n').find((l) => l.startsWith('| bce+grad |'));
  expect(row?.split('|').slice(1, -1)).toHaveLength(10);
  expect(row).toMatch(new RegExp(`( ${verdict} \\|){4}$`));
  // the small batches, per call, with the targets at N = 1, 16 and 64
  for (const n of [1, 16, 64, 1024]) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`| bce+grad | ${n} |`));
    expect(line, `N = ${n}`).toMatch(n === 1024 ? / - \|$/ : new RegExp(`≥ [\\d.]+x: ${verdict} \\|$`));
  }
  expect(r.stdout).toMatch(/Targets met \(\d+ of 7\)/);
});

it('an unknown --op or --rounds is refused with the list of ops', () => {
  const r = bench('--op', 'nope');
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('no op matches --op nope; the ops: log, bce,');
  expect(bench('--rounds', '0').status).toBe(2);
});
