import { kv, kLG1, kLG2, kLG3, kLG4, kLG5, kLG6, kLG7, kLN2_HI, kLN2_LO, kSQRT2_SHIFT, kMANT, kSQRT2_HALF, kONE, kTWO, kHALF, kSHIFT, kKBIAS, logV } from './math';

export function heapBase(): usize { return __heap_base; }

export function logA(px: usize, pout: usize, n: i32): void {
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i << 3;
    v128.store(pout + o, logV(v128.load(px + o)));
  }
}

export function logB(px: usize, pout: usize, n: i32): void {
  const lg1 = kv(kLG1), lg2 = kv(kLG2), lg3 = kv(kLG3), lg4 = kv(kLG4), lg5 = kv(kLG5), lg6 = kv(kLG6), lg7 = kv(kLG7);
  const ln2hi = kv(kLN2_HI), ln2lo = kv(kLN2_LO), sh = kv(kSQRT2_SHIFT), mant = kv(kMANT), sqh = kv(kSQRT2_HALF);
  const one = kv(kONE), two = kv(kTWO), half = kv(kHALF), shift = kv(kSHIFT), kbias = kv(kKBIAS);
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i << 3;
    const x = v128.load(px + o);
    const ix = i64x2.add(x, sh);
    const dk = f64x2.sub(i64x2.add(i64x2.shr_u(ix, 52), shift), kbias);
    const fr = f64x2.sub(i64x2.add(v128.and(ix, mant), sqh), one);
    const hfsq = f64x2.mul(f64x2.mul(half, fr), fr);
    const s = f64x2.div(fr, f64x2.add(two, fr));
    const z = f64x2.mul(s, s);
    const w = f64x2.mul(z, z);
    const t1 = f64x2.mul(w, f64x2.add(lg2, f64x2.mul(w, f64x2.add(lg4, f64x2.mul(w, lg6)))));
    const t2 = f64x2.mul(z, f64x2.add(lg1, f64x2.mul(w, f64x2.add(lg3, f64x2.mul(w, f64x2.add(lg5, f64x2.mul(w, lg7)))))));
    const r = f64x2.add(t2, t1);
    let y = f64x2.mul(s, f64x2.add(hfsq, r));
    y = f64x2.add(y, f64x2.mul(dk, ln2lo));
    y = f64x2.sub(y, hfsq);
    y = f64x2.add(y, fr);
    v128.store(pout + o, f64x2.add(y, f64x2.mul(dk, ln2hi)));
  }
}

// Same as B but no division: s via reciprocal approximations is not allowed; measure the div cost by replacing with mul.
export function logC(px: usize, pout: usize, n: i32): void {
  const lg1 = kv(kLG1), lg2 = kv(kLG2), lg3 = kv(kLG3), lg4 = kv(kLG4), lg5 = kv(kLG5), lg6 = kv(kLG6), lg7 = kv(kLG7);
  const ln2hi = kv(kLN2_HI), ln2lo = kv(kLN2_LO), sh = kv(kSQRT2_SHIFT), mant = kv(kMANT), sqh = kv(kSQRT2_HALF);
  const one = kv(kONE), two = kv(kTWO), half = kv(kHALF), shift = kv(kSHIFT), kbias = kv(kKBIAS);
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i << 3;
    const x = v128.load(px + o);
    const ix = i64x2.add(x, sh);
    const dk = f64x2.sub(i64x2.add(i64x2.shr_u(ix, 52), shift), kbias);
    const fr = f64x2.sub(i64x2.add(v128.and(ix, mant), sqh), one);
    const hfsq = f64x2.mul(f64x2.mul(half, fr), fr);
    const s = f64x2.mul(fr, f64x2.add(two, fr));
    const z = f64x2.mul(s, s);
    const w = f64x2.mul(z, z);
    const t1 = f64x2.mul(w, f64x2.add(lg2, f64x2.mul(w, f64x2.add(lg4, f64x2.mul(w, lg6)))));
    const t2 = f64x2.mul(z, f64x2.add(lg1, f64x2.mul(w, f64x2.add(lg3, f64x2.mul(w, f64x2.add(lg5, f64x2.mul(w, lg7)))))));
    const r = f64x2.add(t2, t1);
    let y = f64x2.mul(s, f64x2.add(hfsq, r));
    y = f64x2.add(y, f64x2.mul(dk, ln2lo));
    y = f64x2.sub(y, hfsq);
    y = f64x2.add(y, fr);
    v128.store(pout + o, f64x2.add(y, f64x2.mul(dk, ln2hi)));
  }
}
export function copy(px: usize, pout: usize, n: i32): void {
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i << 3;
    v128.store(pout + o, f64x2.mul(v128.load(px + o), v128.load(px + o)));
  }
}
