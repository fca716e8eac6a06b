// The README and docs/*.md as a reader meets them, in Node and in Chromium: every ts/js code block
// either runs here (and the claims of its comments hold) or is a file of examples/ quoted as it is
// (test/consumer.test.ts runs those); every relative link and #anchor resolves; the README stays small.
// A new ts/js block that is in neither list below fails the first test.
import { describe, expect, inject, it } from 'vitest';
import readme from '../README.md?raw';
import * as softxent from '../src/index.js';

/** The documents, by path from the repository root. */
const DOCS: Record<string, string> = {
  'README.md': readme,
  ...rooted(import.meta.glob<string>('../docs/*.md', { query: '?raw', import: 'default', eager: true })),
};

/** The example files a document may quote, by path from the repository root. */
const EXAMPLES = rooted(
  import.meta.glob<string>('../examples/**/*.{js,mjs,ts}', { query: '?raw', import: 'default', eager: true }),
);

/**
 * Every file of the repository as GitHub shows it (not the ignored node_modules, dist, build, artifacts),
 * by path from the root: the targets a relative link may have. Lazy: nothing is loaded. A glob leaves out
 * the file that holds it, hence the first entry.
 */
const FILES = new Set([
  'test/docs.test.ts',
  ...Object.keys(
    import.meta.glob(
      [
        '../**/*',
        '!../node_modules/**',
        '!../.git/**',
        '!../dist/**',
        '!../build/**',
        '!../test/artifacts/**',
        '!../**/__pycache__/**',
      ],
      { exhaustive: true },
    ),
  ).map(fromTest),
]);

/** Files that a link may name before they exist: written by a run that has not happened yet here. */
const PENDING = new Set<string>();

/** A glob key (relative to this file: `../x` or `./x`) as a path from the repository root. */
function fromTest(key: string): string {
  if (key.startsWith('../')) return key.slice(3);
  if (key.startsWith('./')) return `test/${key.slice(2)}`;
  throw new Error(`unexpected glob key ${key}`);
}

function rooted<T>(files: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [fromTest(k), v]));
}

interface Block {
  /** `file › heading › n`: the n-th ts/js block (from 1) under the nearest heading above it. */
  key: string;
  lang: string;
  code: string;
}

interface Parsed {
  blocks: Block[];
  headings: string[];
  /** The text outside code blocks. */
  prose: string;
}

const RUNNABLE = new Set(['ts', 'js', 'typescript', 'javascript', 'mjs', 'cjs', 'tsx', 'jsx']);
const OTHER = new Set(['html', 'sh', 'json', 'text']);

/** Fenced code blocks, headings and prose of a markdown document (CommonMark fences, ``` or ~~~). */
function parse(file: string, text: string): Parsed {
  const blocks: Block[] = [];
  const headings: string[] = [];
  const prose: string[] = [];
  const perHeading = new Map<string, number>();
  let heading = '(top)';
  let fence: { mark: string; lang: string; lines: string[] } | null = null;
  for (const line of text.split('\n')) {
    if (fence) {
      const close = line.match(/^ {0,3}(`{3,}|~{3,})\s*$/);
      if (close && close[1][0] === fence.mark[0] && close[1].length >= fence.mark.length) {
        const n = (perHeading.get(heading) ?? 0) + (RUNNABLE.has(fence.lang) ? 1 : 0);
        perHeading.set(heading, n);
        blocks.push({ key: `${file} › ${heading} › ${n}`, lang: fence.lang, code: fence.lines.join('\n') });
        fence = null;
      } else {
        fence.lines.push(line);
      }
      continue;
    }
    const open = line.match(/^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/);
    if (open) {
      fence = { mark: open[1], lang: open[2].toLowerCase(), lines: [] };
      continue;
    }
    const h = line.match(/^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/);
    if (h) {
      heading = h[1];
      headings.push(h[1]);
    }
    prose.push(line);
  }
  if (fence) throw new Error(`${file}: a code block is not closed`);
  return { blocks, headings, prose: prose.join('\n') };
}

const PARSED = Object.fromEntries(Object.entries(DOCS).map(([f, t]) => [f, parse(f, t)]));
const BLOCKS = Object.values(PARSED).flatMap((p) => p.blocks);

function block(key: string): Block {
  const b = BLOCKS.find((x) => x.key === key);
  if (!b) throw new Error(`no ts/js block ${key}; the blocks are:\n${runnableKeys().join('\n')}`);
  return b;
}

function runnableKeys(): string[] {
  return BLOCKS.filter((b) => RUNNABLE.has(b.lang)).map((b) => b.key);
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

/**
 * Runs a block as a user would: its `import { ... } from 'softxent'` gives exactly the names it imports
 * (from src/); any other import fails. Returns the values of `names` at the end of the block.
 */
// biome-ignore lint/suspicious/noExplicitAny: the block's variables are whatever it declares
async function run(key: string, names: string[]): Promise<Record<string, any>> {
  const code = block(key).code;
  const imported: string[] = [];
  const body = code.replace(/^import\s*\{([^}]*)\}\s*from\s*'softxent';?[ \t]*$/gm, (_m, list: string) => {
    imported.push(
      ...list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    return '';
  });
  expect(body, `${key}: only imports from 'softxent' can run here`).not.toMatch(/^\s*import\b/m);
  const lib = softxent as Record<string, unknown>;
  for (const name of imported) expect(lib[name], `${key}: softxent has no export ${name}`).toBeDefined();
  const f = new AsyncFunction(...imported, `${body}\nreturn { ${names.join(', ')} };`);
  return f(...imported.map((name) => lib[name]));
}

/** Blocks that run here, with the claims of their comments. */
const RUN: Record<string, () => Promise<void>> = {
  'README.md › Example › 1': async () => {
    const r = await run('README.md › Example › 1', ['k', 'probs', 'targets', 'grad', 'loss', 'tiny']);
    expect(r.k.backend).toBe(softxent.simdSupported() ? 'wasm-simd' : 'wasm');
    // the mean over elements
    const each = r.k.bce(r.probs, r.targets, { reduction: 'none' }) as Float64Array;
    expect(r.loss).toBeCloseTo((each[0] + each[1] + each[2]) / 3, 15);
    // grad[i] = d loss / d probs[i] = (p - t) / (p (1 - p)) / N
    for (let i = 0; i < 3; i++) {
      const [p, t] = [r.probs[i], r.targets[i]];
      const want = (p - t) / (p * (1 - p)) / 3;
      expect(Math.abs(r.grad[i] - want)).toBeLessThanOrEqual(4e-16 * Math.abs(want));
    }
    // 1e-20, where PyTorch's log(1 - p) gives 0
    expect(r.tiny).toBe(1e-20);
  },

  'docs/api.md › Example › 1': async () => {
    const r = await run('docs/api.md › Example › 1', [
      'k',
      's',
      'loss',
      'total',
      'grad',
      'perSample',
      'hard',
      'probs',
      'targets',
      'z',
      'soft',
      'ce',
      'kl',
      'h',
      'gz',
    ]);
    expect(r.k.backend).toBe('wasm-simd');
    expect(r.s.backend).toBe('wasm');
    expect(typeof r.loss).toBe('number');
    expect(r.total).toBeGreaterThan(r.loss);
    expect(r.grad.some((g: number) => g !== 0)).toBe(true);
    expect(r.perSample).toBeInstanceOf(Float64Array);
    // the expanded hard-label batch has the soft batch's 'sum'
    const soft = r.k.bce(r.probs, r.targets, { reduction: 'sum' });
    const hard = r.k.bce(r.hard.x, r.hard.targets, { weight: r.hard.weight, reduction: 'sum' });
    expect(Math.abs(hard - soft)).toBeLessThanOrEqual(1e-15 * soft);
    // CE = KL + H per row (without smoothing), and the smoothed CE's gradient sums to 0 over each row
    const ceRows = r.k.softmaxCrossEntropy(r.z, r.soft, 3, { reduction: 'none' });
    for (let i = 0; i < 2; i++) expect(Math.abs(ceRows[i] - r.kl[i] - r.h[i])).toBeLessThanOrEqual(1e-15 * ceRows[i]);
    expect(typeof r.ce).toBe('number');
    expect(Math.abs(r.gz[0] + r.gz[1] + r.gz[2])).toBeLessThanOrEqual(1e-16);
  },

  'docs/api.md › Arrays, options and reductions › 1': async () => {
    const r = await run('docs/api.md › Arrays, options and reductions › 1', [
      'k',
      'logits32',
      'targets32',
      'grad32',
      'loss32',
      'same',
    ]);
    // float64 math on float32 inputs: the bits of the Float64Array copies
    expect(r.loss32).toBe(r.same);
    // the gradient rounded once to float32
    const g = new Float64Array(3);
    r.k.bceWithLogits(Float64Array.from(r.logits32), Float64Array.from(r.targets32), { grad: g });
    expect(r.grad32).toBeInstanceOf(Float32Array);
    expect(Array.from(r.grad32)).toEqual(Array.from(g, Math.fround));
  },

  'docs/api.md › Every core › 1': async () => {
    const r = await run('docs/api.md › Every core › 1', ['pool', 'loss', 'same', 'grad', 'error', 'logits', 'targets']);
    expect(r.pool.mode).toBe(inject('where') === 'node' || globalThis.crossOriginIsolated ? 'shared' : 'copy');
    expect(r.pool.threads).toBe(2);
    // true: the kernel's bits
    expect(r.same).toBe(true);
    const k = await softxent.createKernel();
    const g = new Float64Array(r.grad.length);
    k.bceWithLogits(r.logits.array, r.targets.array, { grad: g });
    expect(r.grad).toEqual(g);
    // the kernel's error for the first bad element
    expect(r.error).toBe('bce: probs[1] = 3.365883939231586 is outside [0, 1]');
    // later calls reject
    await expect(r.pool.log(r.grad)).rejects.toThrow('closed');
  },
  'docs/api.md › Zero-copy arrays › 1': async () => {
    const r = await run('docs/api.md › Zero-copy arrays › 1', ['k', 'n', 'loss', 'stale', 'logs', 'logits']);
    // the last step's loss, recomputed from ordinary arrays
    const z = Float64Array.from({ length: r.n }, (_, i) => 2 - i / r.n);
    expect(r.loss).toBe(r.k.bceWithLogits(z, new Float64Array(r.n).fill(0.25)));
    // views taken before the memory grew are detached, and refused by name
    expect(r.stale.length).toBe(0);
    expect(() => r.k.log(r.stale)).toThrow(/^log: x is a detached view/);
    expect(Array.from(r.logs)).toEqual(Array.from(r.k.log(z)));
    // after free(), .array throws
    expect(() => r.logits.array).toThrow(TypeError);
  },

  'docs/distillation.md › Worked example: soft and hard targets › 1': async () => {
    const key = 'docs/distillation.md › Worked example: soft and hard targets › 1';
    const r = await run(key, ['student', 'teacher', 'labels', 'alpha', 'T', 'soft', 'hard', 'loss', 'grad', 'k']);
    const C = 4;
    const rows = r.student.length / C;
    // log-softmax of row i of x / T, written out
    const logSoftmax = (x: Float64Array, i: number, t: number) => {
      const row = Array.from(x.subarray(i * C, (i + 1) * C), (v) => v / t);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      return row.map((v) => v - lse);
    };
    let kl = 0;
    let ce = 0;
    for (let i = 0; i < rows; i++) {
      const lq = logSoftmax(r.student, i, r.T);
      const lp = logSoftmax(r.teacher, i, r.T);
      kl += lp.reduce((a, v, c) => a + Math.exp(v) * (v - lq[c]), 0);
      const l1 = logSoftmax(r.student, i, 1);
      ce -= l1.reduce((a, v, c) => a + r.labels[i * C + c] * v, 0);
    }
    // T² KL, 'batchmean'; the hard part's mean over rows
    expect(Math.abs(r.soft - (r.T * r.T * kl) / rows)).toBeLessThanOrEqual(1e-14);
    expect(Math.abs(r.hard - ce / rows)).toBeLessThanOrEqual(1e-14);
    expect(r.loss).toBe(r.alpha * r.soft + (1 - r.alpha) * r.hard);
    // the summed gradient is the derivative of the combined loss (central differences)
    const total = (z: Float64Array) =>
      r.alpha * r.k.softmaxCrossEntropy(z, r.teacher, C, { mode: 'kl', targetLogits: true, temperature: r.T }) +
      (1 - r.alpha) * r.k.softmaxCrossEntropy(z, r.labels, C);
    for (let j = 0; j < r.student.length; j++) {
      const h = 1e-6;
      const up = r.student.slice();
      const down = r.student.slice();
      up[j] += h;
      down[j] -= h;
      expect(Math.abs(r.grad[j] - (total(up) - total(down)) / (2 * h))).toBeLessThanOrEqual(1e-8);
    }
  },
  'docs/language-models.md › Perplexity of a padded batch › 1': async () => {
    const r = await run('docs/language-models.md › Perplexity of a padded batch › 1', [
      'k',
      'V',
      'logits',
      'labels',
      'attention',
      'nll',
      'perplexity',
      'same',
      'grad',
      'corpusPerplexity',
    ]);
    // the mean NLL over the 8 real tokens, from a direct log-softmax
    let sum = 0;
    for (let i = 0; i < 12; i++) {
      if (!r.attention[i]) continue;
      const row = Array.from(r.logits.subarray(i * r.V, (i + 1) * r.V) as Float32Array);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      sum += lse - row[r.labels[i]];
    }
    expect(Math.abs(r.nll - sum / 8)).toBeLessThanOrEqual(1e-12 * r.nll);
    expect(r.perplexity).toBe(Math.exp(r.nll));
    expect(r.same).toBe(r.nll);
    expect(Math.abs(r.corpusPerplexity - r.perplexity)).toBeLessThanOrEqual(1e-12 * r.perplexity);
    // padding rows: gradient 0; each kept row's gradient sums to 0
    for (let i = 0; i < 12; i++) {
      const g = r.grad.subarray(i * r.V, (i + 1) * r.V) as Float32Array;
      if (!r.attention[i]) expect(g.every((v: number) => v === 0)).toBe(true);
      else expect(Math.abs(g.reduce((a: number, v: number) => a + v, 0))).toBeLessThan(1e-6);
    }
  },
};

/** Blocks that quote a file of examples/ (run by test/consumer.test.ts, which cannot run here). */
const QUOTED: Record<string, string> = {
  'docs/embedding.md › With a bundler › 1': 'examples/vite/main.js',
  'docs/embedding.md › In a worker › 1': 'examples/vite/worker.js',
  'docs/embedding.md › In a worker › 2': 'examples/node-worker/main.mjs',
  'docs/embedding.md › In a worker › 3': 'examples/node-worker/worker.mjs',
};

describe('code blocks', () => {
  it('every ts/js block of the README and docs/ is run or quoted here, and nothing else is listed', () => {
    expect(Object.keys(DOCS)).toContain('docs/api.md');
    const listed = [...Object.keys(RUN), ...Object.keys(QUOTED)].sort();
    expect(runnableKeys().sort()).toEqual(listed);
  });

  it('every other block says its language (html, sh, json, text)', () => {
    const bad = BLOCKS.filter((b) => !RUNNABLE.has(b.lang) && !OTHER.has(b.lang));
    expect(bad.map((b) => `${b.key.replace(/ › \d+$/, '')}: \`\`\`${b.lang}`)).toEqual([]);
  });

  for (const [key, check] of Object.entries(RUN)) it(`runs ${key}`, check);

  for (const [key, file] of Object.entries(QUOTED)) {
    it(`${key} is ${file} as it is`, () => {
      expect(EXAMPLES[file], file).toBeDefined();
      expect(block(key).code.trim()).toBe(EXAMPLES[file].trim());
    });
  }
});

/** GitHub's anchor of a heading: its text, lower-cased, without punctuation, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, ''); // HTML tags
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a document, with GitHub's -1, -2 suffixes for repeated headings. */
function anchors(headings: string[]): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings) {
    const base = slug(h);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Joins a relative link to the directory of `file`; null when it leaves the repository. */
function resolve(file: string, link: string): string | null {
  const parts = file.split('/').slice(0, -1);
  for (const seg of link.split('/')) {
    if (seg === '..') {
      if (!parts.length) return null;
      parts.pop();
    } else if (seg !== '.' && seg !== '') {
      parts.push(seg);
    }
  }
  return parts.join('/');
}

/** The relative links of a document's prose (markdown links and images, href and src attributes). */
function links(prose: string): string[] {
  const text = prose.replace(/(`+)[^`]*?\1/g, 'code'); // code spans are not links
  const found = [
    ...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g),
    ...text.matchAll(/\b(?:href|src)="([^"]+)"/g),
  ];
  return found.map((m) => m[1]).filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
}

describe('links', () => {
  it('the repository listing works (it is what the link checks use)', () => {
    for (const f of ['README.md', 'docs/api.md', 'package.json', '.ci/run', 'examples/vite/main.js']) {
      expect(FILES.has(f), f).toBe(true);
    }
    expect([...FILES].some((f) => f.startsWith('node_modules/'))).toBe(false);
  });

  for (const [file, { prose }] of Object.entries(PARSED)) {
    it(`every relative link of ${file} resolves, to a heading where it names one`, () => {
      const broken: string[] = [];
      for (const link of links(prose)) {
        const [rawPath, anchor] = link.split('#', 2) as [string, string | undefined];
        const path = decodeURI(rawPath);
        const target = path === '' ? file : resolve(file, path);
        if (target === null) {
          broken.push(`${link}: outside the repository`);
          continue;
        }
        const dir = path.endsWith('/') || target === '';
        const exists = dir
          ? [...FILES].some((f) => f.startsWith(target === '' ? '' : `${target.replace(/\/$/, '')}/`))
          : FILES.has(target) || PENDING.has(target);
        if (!exists) {
          broken.push(`${link}: no ${target}`);
          continue;
        }
        if (anchor !== undefined) {
          const doc = PARSED[target];
          if (!doc) broken.push(`${link}: anchors are checked only in README.md and docs/*.md`);
          else if (!anchors(doc.headings).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${target}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }

  it('finds the links it checks', () => {
    expect(links(PARSED['README.md'].prose)).toContain('docs/api.md');
    expect(links(PARSED['docs/formulas.md'].prose)).toContain('performance.md#multi-class-kernels');
  });
});

describe('the README', () => {
  it('is under 16 KB (the rest belongs in docs/)', () => {
    expect(new TextEncoder().encode(readme).length).toBeLessThan(16 * 1024);
  });
});
