// Every public declaration has a doc comment: the shipped .d.ts keeps them (removeComments stays off),
// and an editor's hover is the first documentation a user reads. Line-based, on the sources of the
// modules src/index.ts re-exports; reads them with node:fs, so it runs in Node only (it skips itself
// elsewhere).
import { describe, expect, inject, it } from 'vitest';

const ROOT = new URL('../', import.meta.url);
const PUBLIC = ['expand.ts', 'kernel.ts', 'pool.ts', 'reference/index.ts', 'types.ts'];

/**
 * The public lines of a module without a doc comment on the line before: exported declarations, and
 * the members (properties, methods, call signatures) of exported interfaces.
 */
function undocumented(text: string): string[] {
  const lines = text.split('\n');
  const documented = (i: number) => {
    if (!lines[i - 1]?.trim().endsWith('*/')) return false;
    let j = i - 1;
    while (j > 0 && !lines[j].trim().startsWith('/*')) j--;
    return lines[j].trim().startsWith('/**');
  };
  const missing: string[] = [];
  let braces = 0;
  let parens = 0;
  let inComment = false;
  let iface = false;
  lines.forEach((line, i) => {
    const t = line.trim();
    if (inComment || t.startsWith('/*')) {
      inComment = !t.endsWith('*/');
      return;
    }
    if (t === '' || t.startsWith('//') || t.startsWith('*')) return;
    const decl = braces === 0 && /^export\s+(async\s+)?(function|const|let|class|interface|type\s+\w|enum)\b/.test(t);
    const member = iface && braces === 1 && parens === 0 && !/^[}|&]/.test(t);
    if ((decl || member) && !documented(i)) missing.push(`${i + 1}: ${t}`);
    if (decl) iface = /^export\s+interface\b/.test(t);
    const code = t.replace(/\/\/.*$/, '').replace(/'[^']*'/g, "''");
    for (const ch of code) {
      if (ch === '{') braces++;
      else if (ch === '}') braces--;
      else if (ch === '(') parens++;
      else if (ch === ')') parens--;
    }
    if (braces === 0) iface = false;
  });
  return missing;
}

describe.skipIf(inject('where') !== 'node')('the public types', () => {
  it('document every export and every member of an exported interface', async () => {
    const { readFileSync } = await import(/* @vite-ignore */ 'node:fs');
    const read = (f: string) => readFileSync(new URL(f, ROOT), 'utf8');
    // Every module src/index.ts re-exports is checked (and those are all the public ones).
    const index = [...read('src/index.ts').matchAll(/from '\.\/(.+)\.js'/g)].map((m) => `${m[1]}.ts`);
    expect(index.sort()).toEqual(PUBLIC);
    const missing = PUBLIC.flatMap((f) => undocumented(read(`src/${f}`)).map((m) => `src/${f}:${m}`));
    expect(missing, `no doc comment:\n${missing.join('\n')}`).toEqual([]);
    // The emitted .d.ts keeps the comments.
    for (const f of ['tsconfig.json', 'tsconfig.build.json']) {
      expect(read(f), f).not.toMatch(/"removeComments"\s*:\s*true/);
    }
  });

  it('finds an undocumented export, property, method and call signature', () => {
    const text = [
      '/** A. */',
      'export interface A {',
      '  /** ok */',
      '  a?: number;',
      '  b?: { c: string };',
      '  m(',
      '    x: number,',
      '  ): void;',
      '  // not a doc comment',
      '  (x: number): number;',
      '  /** ok */',
      "  u?:\n    | 'a'\n    | 'b';",
      '}',
      'export function f(): void {',
      '  const inner = 1;',
      '}',
      '/* not a doc comment */',
      'export const c = 1;',
      'type Private = number;',
      "export type { A as B } from './a.js';",
    ].join('\n');
    expect(undocumented(text)).toEqual([
      '5: b?: { c: string };',
      '6: m(',
      '10: (x: number): number;',
      '16: export function f(): void {',
      '20: export const c = 1;',
    ]);
  });
});
