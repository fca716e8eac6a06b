// The chunk sweep of `npm run bench -- --full`: ns/element through the copying API for several arena
// chunk sizes at N = 2^20. It chose DEFAULT_CHUNK in src/arena.ts.
import { createKernel, type Softxent } from '../dist/index.js';
import { makeData, type Op } from './ops.js';
import { fmt, type Plan, progress, time } from './timing.js';

const N = 2 ** 20;
const SIZES = [1024, 4096, 16384, 65536];

export async function chunkSweep(ops: Op[], plan: Plan): Promise<string> {
  const d = makeData(N);
  const kernels: [number, Softxent][] = [];
  for (const chunk of SIZES) kernels.push([chunk, await createKernel({ chunk })]);
  const lines = [
    '## Chunk sweep',
    '',
    `ns per element through the copying API at N = 2^20, for each arena chunk (elements); default 16384.`,
    '',
    `| op | ${SIZES.join(' | ')} |`,
    `|---|${SIZES.map(() => '---:').join('|')}|`,
  ];
  for (const [i, op] of ops.entries()) {
    const ns = await time(
      N,
      plan,
      kernels.map(([chunk, k]) => [String(chunk), () => op.lib(k, d)]),
    );
    progress(`chunk sweep [${i + 1}/${ops.length}] ${op.name}: ${SIZES.map((c) => `${c} ${fmt(ns[c])}`).join(', ')}`);
    lines.push(`| ${op.name} | ${SIZES.map((c) => fmt(ns[c])).join(' | ')} |`);
  }
  return [...lines, ''].join('\n');
}
