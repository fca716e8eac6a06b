#!/usr/bin/python3
"""The polynomial of assembly/math.ts's expPoly, fitted with mpmath.

e^r = 1 + r + r^2 q(r) for |r| <= ln2/2; q is interpolated at Chebyshev points (near-minimax) with
degree 9 (approximation error of e^r below 0.17 ulp; degree 8 would give 11 ulp). Prints the
coefficients (lowest degree first) as bit patterns and decimals.
Run: /usr/bin/python3 scripts/expfit.py
"""
import struct
import mpmath
from mpmath import mp, mpf

mp.prec = 200
A = mpmath.log(2) / 2 + mpf('1e-6')


def q(r):
    if abs(r) < mpf('1e-40'):
        return mpf(1) / 2
    return (mpmath.exp(r) - 1 - r) / r**2


coeffs, err = mpmath.chebyfit(q, [-A, A], 10, error=True)
coeffs = coeffs[::-1]  # chebyfit lists the highest degree first
print(f'// error of q {mpmath.nstr(err, 4)}, of e^r {mpmath.nstr(err * A**2 / mpmath.exp(-A) / mpf(2)**-53, 3)} ulp')
for i, c in enumerate(coeffs):
    v = float(c)
    bits = struct.unpack('>Q', struct.pack('>d', v))[0]
    print(f'const Q{i}: u64 = 0x{bits:016x}; // {v!r}')
