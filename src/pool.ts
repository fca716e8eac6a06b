// createPool: every kernel function on several threads, with the kernel's bits. The calling thread
// validates and prepares a call on its own kernel, cuts it into shares of whole cells of the kernel's
// chunk grid, runs the first share of each round itself and posts the others to workers (src/worker.ts),
// each with a private kernel instantiated from the same compiled module. It then replays every chunk's
// partial sum in grid order and reports the first bad element of the first share that has one: the
// kernel's sum and the kernel's error. 'shared' mode (SharedArrayBuffer available): workers run the build
// with its memory declared shared; SharedArrayBuffer arrays are read in place and the others copied into
// two bounded stages in each worker's memory. 'copy' mode: the stages are transferred there and back.
// Small calls, and larger ones measured faster so, run on the calling thread alone.
import {
  arraysOf,
  cellRows,
  classesOf,
  type Desc,
  indexIn,
  isOutput,
  type Job,
  jobError,
  makeJob,
  type PoolFn,
  type Reply,
  type Request,
  resultOf,
  runJob,
  shareOf,
  TYPES,
  type Typed,
  typeName,
} from './jobs.js';
import { compileShared, type KernelOptions, openKernel } from './kernel.js';
import { Block } from './memory.js';
import { Tally } from './sum.js';
import type { Dtype, FloatArray, Pool, PoolMode } from './types.js';
import { allocFloat32, allocLength } from './validate.js';

/** Options of `createPool`. */
export interface PoolOptions extends KernelOptions {
  /**
   * Threads a large call runs on, the calling thread included: an integer in [1, 256]. Default: the
   * machine's cores (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers),
   * at most 16.
   */
  threads?: number;
}

/**
 * Calls of fewer elements run on the calling thread: below this, posting shares and waiting for them
 * costs more than the workers save (the crossover of `npm run bench -- --threads`, docs/performance.md).
 * Above it, the pool measures per kind and size of call which way is faster.
 */
export const MIN_PARALLEL = 1 << 16;

/**
 * Chunks of elements per worker share and round (2^18 elements at the default chunk): the stages stay
 * bounded (two per worker, one per array of a share: 12 MiB for three float64 arrays), and a round is
 * long enough (1-4 ms) that posting it costs little.
 */
const ROUND = 16;

const MAX_DEFAULT = 16;

/**
 * Once in this many calls of a kind and size (times the square of how much slower it was, at most 16),
 * the slower way is measured afresh.
 */
const RELEARN = 16;

/**
 * What a pool measured of a kind and size of call: ms per cell split over the threads and on the
 * calling thread alone (smoothed; NaN until measured).
 */
interface Learned {
  split: number;
  alone: number;
  /** Calls measured each way. */
  splits: number;
  alones: number;
  /** Calls decided by the measurements: every RELEARN-th takes the slower way, to measure it afresh. */
  calls: number;
  /** The caller's share per worker share in the last round: the next call starts balanced. */
  ratio: number;
  /** The last split's ms (a worker restart or new stages left out: one-time costs). */
  last: number;
}

/** A smoothed time: the new one weighs 30% (the machine's speed drifts; a call can be unlucky). */
const smooth = (old: number, v: number) => (Number.isNaN(old) ? v : 0.7 * old + 0.3 * v);

/** Whether b is shared memory (a page that is not cross-origin isolated has no SharedArrayBuffer at all). */
const shared = (b: ArrayBufferLike) => typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer;

/** A kind of call: the function, classes, and each array's field, bytes per element and sharing. */
const signature = (fn: string, job: Job) =>
  `${fn}|${classesOf(job)}|${arraysOf(job)
    .map(([f, a]) => `${f}${a.BYTES_PER_ELEMENT}${shared(a.buffer) ? 's' : ''}`)
    .join(',')}`;

const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined && typeof window === 'undefined';

/** Forces 'copy' mode (tests of the fallback where SharedArrayBuffer exists). */
export const COPY: unique symbol = Symbol('softxent pool copy mode');

/** Overrides MIN_PARALLEL (the bench's crossover measurement). */
export const SPLIT: unique symbol = Symbol('softxent pool split size');

/**
 * For tests, `pool[PROBE]`: `fault(i, how)` ends worker i as a crash would ('terminate' kills it: 'exit'
 * in Node, and browsers report nothing, so the pool is told; 'message' sends it a message it does not
 * know, which it throws on: an 'error' event); `stageBytes()` is the bytes of every worker's stages;
 * `learned()` what the pool learned of each kind of call.
 */
export const PROBE: unique symbol = Symbol('softxent pool probe');

/** A worker as the pool sees it, in Node or in a browser. */
interface Endpoint {
  post(m: Request | { type: 'fault' }, transfer: Transferable[]): void;
  /** Node: whether the worker keeps the process alive. */
  hold(on: boolean): void;
  kill(): Promise<unknown>;
}

interface Slot {
  ep: Endpoint | undefined;
  /** Why the worker is gone (it died), if it is. */
  dead: Error | undefined;
  /** The replies being waited for, in the order they will come. */
  waits: { resolve(r: Reply): void; reject(e: Error): void }[];
  /** Starts so far: which worker is the slot's current one. */
  gen: number;
  /** Mode 'copy': two stages (one per round in flight), transferred to the worker and back. */
  stage: [ArrayBuffer | undefined, ArrayBuffer | undefined];
  /** Mode 'shared': the worker's memory, its two stages' addresses and their size. */
  mem: { buffer: SharedArrayBuffer; at: readonly [number, number]; bytes: number } | undefined;
}

async function spawn(slot: Slot, onDeath: (e: Error) => void): Promise<Endpoint> {
  const onMessage = (r: Reply) => slot.waits.shift()?.resolve(r);
  if (isNode) {
    const { Worker } = await import(/* @vite-ignore */ /* webpackIgnore: true */ 'node:worker_threads');
    // from the TypeScript source (tests, tsx), the built worker: Node runs no TypeScript in a worker
    const source = import.meta.url.endsWith('.ts');
    const wk = new Worker(
      source ? new URL('../dist/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url),
    );
    wk.on('message', onMessage);
    wk.on('error', (e) => onDeath(e instanceof Error ? e : new Error(String(e))));
    wk.on('exit', (code) => onDeath(new Error(`exited with code ${code}`)));
    return {
      post: (m, tr) => wk.postMessage(m, tr as never[]),
      hold: (on) => (on ? wk.ref() : wk.unref()),
      kill: () => wk.terminate(),
    };
  }
  const wk = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  wk.onmessage = (e: MessageEvent<Reply>) => onMessage(e.data);
  // A browser's worker lives on after an uncaught error: end it, so that it is dead as in Node.
  const die = (why: string) => {
    wk.terminate();
    onDeath(new Error(why));
  };
  wk.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    die(e.message || 'failed (an uncaught error, or its script did not load)');
  };
  wk.onmessageerror = () => die('sent a message that cannot be read');
  return {
    post: (m, tr) => wk.postMessage(m, tr),
    hold: () => {},
    kill: async () => die('terminated'),
  };
}

/** Posts m to a slot's worker and waits for its reply; rejects if the worker dies first. */
function request(slot: Slot, m: Request, transfer: Transferable[] = []): Promise<Reply> {
  return new Promise((resolve, reject) => {
    if (slot.dead || !slot.ep) return reject(slot.dead ?? new Error('softxent: pool worker not started'));
    slot.waits.push({ resolve, reject });
    slot.ep.post(m, transfer);
  });
}

/** The number of threads: the option, or the machine's cores at most MAX_DEFAULT. */
async function threadsOf(v: unknown): Promise<number> {
  if (v !== undefined) {
    if (typeof v !== 'number') throw new TypeError(`createPool: threads must be a number, got ${typeof v}`);
    if (!Number.isInteger(v) || v < 1 || v > 256) {
      throw new RangeError(`createPool: threads = ${v} is not an integer in [1, 256]`);
    }
    return v;
  }
  let cores = 1;
  if (isNode) cores = (await import(/* @vite-ignore */ /* webpackIgnore: true */ 'node:os')).availableParallelism();
  else if (typeof navigator !== 'undefined') cores = navigator.hardwareConcurrency || 1;
  return Math.min(Math.max(cores, 1), MAX_DEFAULT);
}

/**
 * A pool of threads running every kernel function, each call giving exactly the kernel's result and
 * error (`createKernel({ simd, chunk })`) whatever the number of threads.
 * @param options - {@link PoolOptions}: `threads`, `simd`, `chunk`; default {}.
 * @returns A Promise of the pool, its workers started.
 * @throws {TypeError} (a rejected Promise) options not an object, threads not a number.
 * @throws {RangeError} (a rejected Promise) threads not an integer in [1, 256]; chunk not an even integer in [2, 2^20].
 * @throws {Error} (a rejected Promise) the .wasm or the worker script cannot be loaded.
 * @example
 * ```ts
 * import { createPool } from 'softxent';
 * const pool = await createPool(); // threads: the machine's cores
 * const loss = await pool.bceWithLogits(logits, targets, { grad });
 * await pool.close();
 * ```
 */
export async function createPool(options: PoolOptions = {}): Promise<Pool> {
  if (options === null || typeof options !== 'object') throw new TypeError('createPool: options must be an object');
  const threads = await threadsOf(options.threads);
  const { k, w, module } = await openKernel('createPool', options);
  const simd = k.backend === 'wasm-simd';
  const chunk = w.arena.chunk;
  const mode: PoolMode =
    typeof SharedArrayBuffer !== 'undefined' &&
    (isNode || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true) &&
    !(options as { [COPY]?: boolean })[COPY]
      ? 'shared'
      : 'copy';
  const slots: Slot[] = Array.from({ length: threads - 1 }, () => ({
    ep: undefined,
    dead: undefined,
    waits: [],
    gen: 0,
    stage: [undefined, undefined],
    mem: undefined,
  }));
  let closing = false;
  // 'shared': workers run the build with a shared memory, which the calling thread writes shares into
  const workerModule = mode === 'shared' && threads > 1 ? await compileShared(simd) : module;
  const forced = (options as { [SPLIT]?: number })[SPLIT];
  const least = forced ?? MIN_PARALLEL;
  const learned = new Map<string, Learned>();

  /** Starts a slot's worker and its kernel. */
  const start = async (slot: Slot, i: number) => {
    slot.dead = undefined;
    slot.stage = [undefined, undefined];
    slot.mem = undefined;
    // this worker's death only (a dead one's late 'exit' must not touch its successor)
    const gen = ++slot.gen;
    slot.ep = await spawn(slot, (e) => {
      if (closing || slot.gen !== gen || slot.dead) return;
      slot.dead = new Error(`softxent: pool worker ${i + 1} died: ${e.message}`);
      slot.ep = undefined;
      for (const wait of slot.waits.splice(0)) wait.reject(slot.dead);
    });
    slot.ep.hold(true);
    const r = await request(slot, { type: 'init', module: workerModule, simd, chunk }).finally(() =>
      slot.ep?.hold(false),
    );
    if (r.type !== 'ready') {
      const e = new Error(`softxent: pool worker ${i + 1} did not start: ${r.type === 'fail' ? r.message : r.type}`);
      slot.dead = e;
      await slot.ep?.kill();
      throw e;
    }
  };
  try {
    await Promise.all(slots.map(start));
  } catch (e) {
    closing = true;
    await Promise.all(slots.map((s) => s.ep?.kill()));
    throw e;
  }

  /** A share posted to a worker: its first row, and the caller's arrays its outputs go back to. */
  interface Sent {
    readonly slot: Slot;
    readonly from: number;
    readonly parity: number;
    readonly back: [user: Typed, at: number][];
    /** Mode 'shared': the worker's memory the outputs are in. */
    readonly mem: SharedArrayBuffer | undefined;
    readonly reply: Promise<Reply>;
  }

  /** Posts rows [from, to) of job to a slot, staging the arrays workers cannot see in its stage `parity`. */
  const send = (slot: Slot, id: number, job: Job, from: number, to: number, parity: number): Sent => {
    const share = shareOf(job, from, to);
    const arrays: Record<string, Desc> = {};
    const staged: [string, Typed][] = [];
    let bytes = 0;
    const list = arraysOf(share);
    for (const [f, a] of list) {
      if (mode === 'shared' && shared(a.buffer)) {
        arrays[f] = { t: typeName(a), b: a.buffer, o: a.byteOffset, n: a.length };
      } else {
        staged.push([f, a]);
        bytes += (a.byteLength + 7) & ~7;
      }
    }
    const back: [Typed, number][] = [];
    // 'shared': into the worker's memory (the stages were sized before the rounds); 'copy': a buffer
    let stage: ArrayBuffer | undefined;
    let base = 0;
    if (staged.length && slot.mem) {
      stage = slot.mem.buffer as unknown as ArrayBuffer;
      base = slot.mem.at[parity];
    } else if (staged.length) {
      stage = slot.stage[parity];
      if (!stage || stage.byteLength < bytes) stage = new ArrayBuffer(bytes);
      slot.stage[parity] = undefined;
    }
    let o = base;
    for (const [f, a] of staged) {
      const t = typeName(a);
      if (isOutput(f)) back.push([a, o]);
      else new TYPES[t](stage as ArrayBuffer, o, a.length).set(a as never);
      arrays[f] = { t, o, n: a.length };
      o += (a.byteLength + 7) & ~7;
    }
    const c: Record<string, unknown> = { ...share.c };
    for (const [f] of list) delete c[f];
    const cw = (c as { classWeight?: FloatArray }).classWeight;
    if (cw) c.classWeight = cw.slice();
    // 'copy': the stage travels to the worker and back with the reply
    const moved = stage && !slot.mem ? stage : undefined;
    const m: Request = { type: 'run', id, kind: job.kind, c, arrays, stage: moved };
    const reply = request(slot, m, moved ? [moved] : []);
    return { slot, from, parity, back, mem: slot.mem?.buffer, reply };
  };

  const total = new Tally();
  const own = new Tally();
  own.parts = [];
  let id = 0;

  /**
   * A large call on every thread, in rounds: each round's shares are whole cells of the chunk grid, the
   * caller's first, then one per worker. The next round is posted before the caller runs its share of
   * this one, so workers never wait for the caller's copies; the caller's share is sized from the last
   * round's times so that it finishes with the workers (the split never changes a bit).
   */
  const spread = async (job: Job, key: string): Promise<number | FloatArray> => {
    // a worker that died is replaced first (start() lets it go idle), then every worker keeps Node's
    // process alive while the call waits for them
    for (let i = 0; i < slots.length; i++) if (!slots[i].ep) await start(slots[i], i);
    for (const s of slots) s.ep?.hold(true);
    try {
      return await rounds(job, key);
    } finally {
      for (const s of slots) s.ep?.hold(false);
    }
  };

  const rounds = async (job: Job, key: string): Promise<number | FloatArray> => {
    const rows = job.c.n;
    const unit = cellRows(job, chunk);
    const cells = Math.ceil(rows / unit);
    const W = slots.length;
    const width = unit * (job.kind === 'multi' || job.kind === 'label' ? job.c.classes : 1);
    const inPlace = mode === 'shared' && arraysOf(job).every(([, a]) => shared(a.buffer));
    // cells per worker share: all at once in place, else bounded by the stages
    const sw = Math.min(Math.ceil(cells / (W + 1)), inPlace ? cells : Math.max(1, Math.floor((ROUND * chunk) / width)));
    if (mode === 'shared' && !inPlace) {
      // stages in each worker's memory for a share of sw cells
      const share = Math.min(rows, sw * unit);
      let bytes = 0;
      for (const [, a, perRow] of arraysOf(job)) {
        if (!shared(a.buffer)) {
          bytes += (share * (perRow ? 1 : width / unit) * a.BYTES_PER_ELEMENT + 7) & ~7;
        }
      }
      for (const slot of slots) {
        if (slot.mem && slot.mem.bytes >= bytes) continue;
        const r = await request(slot, { type: 'stage', bytes });
        if (r.type !== 'staged') {
          // the worker released its old stages first
          slot.mem = undefined;
          const why = r.type === 'fail' ? r.message : r.type;
          throw new Error(
            `softxent: pool worker ${slots.indexOf(slot) + 1} cannot hold ${bytes} bytes of a share: ${why}`,
          );
        }
        slot.mem = { buffer: r.buffer, at: r.at, bytes };
      }
    }
    // the call's own time: from here (a restart or new stages are one-time costs)
    const began = performance.now();
    const known = learned.get(key);
    let so = known ? Math.max(1, Math.round(known.ratio * sw)) : sw;
    let next = 0;
    let parity = 0;
    let staging = 0;

    const plan = () => {
      if (next >= cells) return undefined;
      const t0 = performance.now();
      const first = next;
      next = Math.min(cells, next + so);
      const mine: [number, number] = [first * unit, Math.min(rows, next * unit)];
      const sent: Sent[] = [];
      id++;
      for (const slot of slots) {
        if (next >= cells) break;
        const to = Math.min(cells, next + sw);
        sent.push(send(slot, id, job, next * unit, Math.min(rows, to * unit), parity));
        next = to;
      }
      parity ^= 1;
      staging += performance.now() - t0;
      return { id, mine, sent };
    };
    const settle = (r: ReturnType<typeof plan>) => Promise.allSettled(r ? r.sent.map((s) => s.reply) : []);
    total.reset();
    let cur = plan();
    while (cur) {
      staging = 0;
      const ahead = plan();
      own.reset();
      const t0 = performance.now();
      const at = runJob(w, shareOf(job, cur.mine[0], cur.mine[1]), own);
      const mine = performance.now() - t0;
      const done = await settle(cur);
      const fault = done.find((d) => d.status === 'rejected');
      if (fault || at >= 0) await settle(ahead);
      if (fault) throw (fault as PromiseRejectedResult).reason;
      if (at >= 0) throw jobError(job, own.arg, indexIn(job, own.arg, at, cur.mine[0]));
      total.replay(own.parts as number[], own.inf);
      const t1 = performance.now();
      let busy = 0;
      for (let k = 0; k < done.length; k++) {
        const sent = cur.sent[k];
        const r = (done[k] as PromiseFulfilledResult<Reply>).value;
        if (r.type === 'done' && r.stage) sent.slot.stage[sent.parity] = r.stage;
        if (r.type !== 'done' || r.at >= 0) await settle(ahead);
        if (r.type === 'fail')
          throw new Error(`softxent: pool worker ${slots.indexOf(sent.slot) + 1} failed: ${r.message}`);
        if (r.type !== 'done' || r.id !== cur.id)
          throw new Error('softxent: unreachable: a pool worker answered out of turn');
        if (r.at >= 0) throw jobError(job, r.arg, indexIn(job, r.arg, r.at, sent.from));
        total.replay(r.parts, r.inf);
        const stage = (sent.mem ?? sent.slot.stage[sent.parity]) as ArrayBuffer;
        for (const [user, o] of sent.back) user.set(new TYPES[typeName(user)](stage, o, user.length) as never);
        busy = Math.max(busy, r.ms);
      }
      staging += performance.now() - t1;
      // Balance: the caller's time (its share, and the stages) against the slowest worker's.
      if (!inPlace && done.length && cur.mine[1] > cur.mine[0]) {
        // browsers' clocks are coarse (100 us on pages that are not cross-origin isolated): a share
        // may time as 0, which says nothing
        const perCell = (mine * unit) / (cur.mine[1] - cur.mine[0]);
        const fit = Math.round((busy - staging) / perCell);
        if (perCell > 0 && Number.isFinite(fit)) so = Math.max(1, Math.min(4 * sw, fit));
      }
      cur = ahead;
    }
    if (known) {
      known.ratio = so / sw;
      known.last = performance.now() - began;
    }
    return resultOf(job, total);
  };

  /** A call on the calling thread alone, as the kernel runs it. */
  const alone = (job: Job) => {
    total.reset();
    const at = runJob(w, job, total);
    if (at >= 0) throw jobError(job, total.arg, at);
    return resultOf(job, total);
  };

  const exec = async (fn: PoolFn, args: unknown[]) => {
    const n = (args[0] as { length?: unknown } | undefined)?.length;
    const kernel = k[fn] as (...a: unknown[]) => unknown;
    if (!slots.length || typeof n !== 'number' || n < least) return kernel(...args);
    const job = makeJob(w, fn, args);
    // rows too wide for the kernel: the kernel hands them to the reference
    if (!job) return kernel(...args);
    // the faster way for this kind and size of call, as measured (now and then the other, afresh)
    const cells = Math.ceil(job.c.n / cellRows(job, chunk));
    const key = `${signature(fn, job)}|${Math.floor(Math.log2(cells))}`;
    let l = learned.get(key);
    if (!l) {
      if (learned.size > 256) learned.clear();
      l = { split: Number.NaN, alone: Number.NaN, splits: 0, alones: 0, calls: 0, ratio: 1, last: 0 };
      learned.set(key, l);
    }
    // the slower way is tried again once in RELEARN calls, less often the slower it was
    const gap = Math.max(l.split / l.alone, l.alone / l.split);
    const again = ++l.calls % (RELEARN * Math.min(16, Math.ceil(gap * gap))) === 0;
    // each way is measured twice before it counts: a first call runs code the engine has not optimized yet
    const split = forced !== undefined || l.splits < 2 || (l.alones >= 2 && !(l.alone < l.split) !== again);
    if (!split) {
      const t0 = performance.now();
      const r = alone(job);
      const ms = (performance.now() - t0) / cells;
      l.alone = ++l.alones > 2 ? smooth(l.alone, ms) : ms;
      return r;
    }
    const r = await spread(job, key);
    l.split = ++l.splits > 2 ? smooth(l.split, l.last / cells) : l.last / cells;
    return r;
  };

  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  const call =
    (fn: PoolFn) =>
    (...args: unknown[]): Promise<unknown> => {
      if (closed) return Promise.reject(new Error(`softxent: ${fn} on a closed pool`));
      const p = tail.then(() => exec(fn, args));
      tail = p.catch(() => {});
      return p;
    };

  const fns: PoolFn[] = [
    'log',
    'log1p',
    'cbLogNorm',
    'cbLogNormWithLogits',
    'cbMean',
    'cbNll',
    'cbNllWithLogits',
    'bce',
    'bceWithLogits',
    'sigmoidFocalLoss',
    'softmaxCrossEntropy',
    'entropy',
  ];
  const probe = {
    fault: (i: number, how: 'terminate' | 'message') => {
      const ep = slots[i]?.ep;
      if (how === 'terminate') return ep?.kill();
      ep?.post({ type: 'fault' }, []);
    },
    learned: () => new Map(learned),
    stageBytes: () =>
      slots.reduce(
        (a, s) => a + 2 * (s.mem?.bytes ?? 0) + (s.stage[0]?.byteLength ?? 0) + (s.stage[1]?.byteLength ?? 0),
        0,
      ),
  };
  const pool: Pool = {
    backend: k.backend as Pool['backend'],
    threads,
    mode,
    alloc: ((n: number, dtype?: Dtype) => {
      const f32 = allocFloat32(dtype);
      const len = allocLength(n);
      const bytes = len * (f32 ? 4 : 8);
      const buf = mode === 'shared' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
      const a = f32 ? new Float32Array(buf) : new Float64Array(buf);
      return new Block(
        len,
        () => a,
        () => {},
      );
    }) as Pool['alloc'],
    close: async () => {
      closed = true;
      await tail;
      closing = true;
      await Promise.all(slots.map((s) => s.ep?.kill()));
      for (const s of slots) s.ep = undefined;
    },
    ...(Object.fromEntries(fns.map((f) => [f, call(f)])) as Omit<
      Pool,
      'backend' | 'threads' | 'mode' | 'alloc' | 'close'
    >),
  };
  return Object.defineProperty(pool, PROBE, { value: probe });
}
