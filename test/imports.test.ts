// The modules of src/ import each other one way only (issue 12): a cycle, even through a type-only
// import, makes the load order (and a bundler's chunking) depend on which module is imported first.
// Reads the sources with node:fs, so it runs in Node only (it skips itself elsewhere).
import { describe, expect, inject, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url);

/** The relative specifiers a module imports or re-exports, type-only ones included. */
function specifiers(text: string): string[] {
  const re = /^[ \t]*(?:import|export)\b[^;]*?\bfrom\s*['"](\.[^'"]+)['"]|^[ \t]*import\s*['"](\.[^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2]);
}

/** A cycle of the graph as a path (its first module repeated at the end), or undefined. */
function cycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (m: string): string[] | undefined => {
    const at = path.indexOf(m);
    if (at >= 0) return [...path.slice(at), m];
    if (done.has(m)) return undefined;
    path.push(m);
    for (const d of graph.get(m) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    done.add(m);
    return undefined;
  };
  for (const m of graph.keys()) {
    const c = visit(m);
    if (c) return c;
  }
  return undefined;
}

describe.skipIf(inject('where') !== 'node')('src/ imports', () => {
  it('form no cycle, type-only imports included', async () => {
    const { readdirSync, readFileSync } = await import(/* @vite-ignore */ 'node:fs');
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .map((f) => f.replaceAll('\\', '/'))
      .filter((f) => f.endsWith('.ts'))
      .sort();
    expect(files).toContain('kernel.ts');
    const graph = new Map<string, string[]>();
    for (const f of files) {
      const from = new URL(f, SRC);
      const deps = specifiers(readFileSync(from, 'utf8')).map((s) =>
        new URL(s, from).href.slice(SRC.href.length).replace(/\.js$/, '.ts'),
      );
      for (const d of deps) expect(files, `${f} imports ${d}, which is not a module of src/`).toContain(d);
      graph.set(f, deps);
    }
    const c = cycle(graph);
    expect(c, `import cycle: ${c?.join(' -> ')}`).toBeUndefined();
  });

  it('sees every form of import, and finds a cycle', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "import {\n  c,\n  type C,\n} from './c/index.js';",
      "export { d } from './d.js';",
      "export type * from './e.js';",
      "import './f.js';",
      "import { g } from 'node:fs';",
      "// import { h } from './h.js';",
    ].join('\n');
    expect(specifiers(text)).toEqual(['./a.js', '../b.js', './c/index.js', './d.js', './e.js', './f.js']);
    const g = new Map([
      ['a', ['b']],
      ['b', ['c', 'd']],
      ['c', []],
      ['d', ['b']],
    ]);
    expect(cycle(g)).toEqual(['b', 'd', 'b']);
    g.set('d', []);
    expect(cycle(g)).toBeUndefined();
  });
});
