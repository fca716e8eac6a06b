// A pool's worker (spawned by src/pool.ts, in Node's worker_threads or as a module Web Worker): a
// private kernel over the compiled module the pool posts, running the shares it is sent with the
// kernel's own loops and answering with each chunk's partial sums. A message it does not know is a
// fault: it throws, uncaught, and the pool sees the worker fail.
import { rowGrid } from './arena.js';
import { bitOf, type Desc, type Job, type Reply, type Request, runJob, TYPES } from './jobs.js';
import { instantiate } from './kernel.js';
import type { Heap } from './memory.js';
import { Tally } from './sum.js';
import type { Wasm } from './wasm.js';

type Post = (r: Reply, transfer: Transferable[]) => void;

let w: Wasm | undefined;
let heap: Heap | undefined;
/** The stages the caller writes shares into (shared memory): two blocks. */
const stages: number[] = [];
const t = new Tally();
t.parts = [];

const messageOf = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

function run(m: Extract<Request, { type: 'run' }>, post: Post): void {
  try {
    if (!w) throw new Error('softxent worker: run before init');
    const t0 = performance.now();
    const c = m.c as { classes?: number; distill?: boolean };
    // wide rows widen the slots, which may grow the memory: first, so that views of it stay current
    if (m.kind === 'multi' || m.kind === 'label')
      w.arena.fit(rowGrid(w.arena.chunk, c.classes as number, !!c.distill)[0]);
    const views: Record<string, unknown> = {};
    let kernel = 0;
    for (const [f, d] of Object.entries(m.arrays) as [string, Desc][]) {
      const own = !d.b && !m.stage;
      views[f] = new TYPES[d.t]((d.b ?? m.stage ?? heap?.buffer) as ArrayBuffer, d.o, d.n);
      // in this kernel's memory: read and written in place
      if (own) kernel |= bitOf(m.kind, f);
    }
    const job = { kind: m.kind, c: { ...m.c, ...views, kernel } } as unknown as Job;
    t.reset();
    const at = runJob(w, job, t);
    const parts = new Float64Array(t.parts as number[]);
    const stage = m.stage instanceof ArrayBuffer ? m.stage : undefined;
    const ms = performance.now() - t0;
    post(
      { type: 'done', id: m.id, parts, inf: t.inf, arg: t.arg, at, ms, stage },
      stage ? [parts.buffer, stage] : [parts.buffer],
    );
  } catch (e) {
    post({ type: 'fail', id: m.id, message: messageOf(e) }, []);
  }
}

function onMessage(m: Request, post: Post): void {
  if (m.type === 'run') {
    run(m, post);
    return;
  }
  if (m.type === 'stage') {
    try {
      const h = heap as Heap;
      for (const at of stages.splice(0)) h.release(at);
      stages.push(h.alloc(m.bytes));
      stages.push(h.alloc(m.bytes));
      post({ type: 'staged', buffer: h.buffer as unknown as SharedArrayBuffer, at: [stages[0], stages[1]] }, []);
    } catch (e) {
      // the memory cannot grow to two stages of this size (its maximum: src/kernel.ts's SHARED_PAGES)
      post({ type: 'fail', message: messageOf(e) }, []);
    }
    return;
  }
  if (m.type === 'init') {
    instantiate(m.module, m.simd, m.chunk).then(
      (k) => {
        w = k.w;
        heap = k.heap;
        post({ type: 'ready' }, []);
      },
      (e) => post({ type: 'fail', message: messageOf(e) }, []),
    );
    return;
  }
  throw new Error(`softxent worker: unknown message ${JSON.stringify((m as { type?: unknown }).type)}`);
}

type Scope = { onmessage: ((e: { data: Request }) => void) | null; postMessage(m: unknown, t: Transferable[]): void };
const scope = globalThis as unknown as Scope & { WorkerGlobalScope?: unknown };
if (scope.WorkerGlobalScope !== undefined) {
  scope.onmessage = (e) => onMessage(e.data, (r, tr) => scope.postMessage(r, tr));
} else {
  import(/* @vite-ignore */ /* webpackIgnore: true */ 'node:worker_threads').then(({ parentPort }) => {
    const port = parentPort as NonNullable<typeof parentPort>;
    port.on('message', (m: Request) => onMessage(m, (r, tr) => port.postMessage(r, tr as never[])));
  });
}
