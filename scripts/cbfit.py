#!/usr/bin/python3
"""Polynomials of assembly/cb.ts (continuous Bernoulli near eta = 0), fitted with mpmath.

For a = |eta| < A0 (A0^2 = Z0), with z = a^2:
  log C(eta) = log(eta / tanh(eta/2)) = ln 2 + z P(z)
  mu(eta)    = 1/(1 - e^-eta) - 1/eta  = 1/2 + eta S(z)
Chebyshev interpolation on [0, Z0] (near-minimax); prints the coefficients (lowest degree first) as
bit patterns and decimals, and the worst error of their double-precision Estrin evaluation.
Run: /usr/bin/python3 scripts/cbfit.py
"""
import struct
import mpmath
from mpmath import mp, mpf

mp.prec = 200
Z0 = mpf(3.125)


def logc(a):
    return mpmath.log(a / mpmath.tanh(a / 2))


def mu(a):
    return 1 / (1 - mpmath.exp(-a)) - 1 / a


def P(z):
    if z == 0:
        return mpf(1) / 12
    return (logc(mpmath.sqrt(z)) - mpmath.log(2)) / z


def S(z):
    if z == 0:
        return mpf(1) / 12
    a = mpmath.sqrt(z)
    return (mu(a) - mpf(1) / 2) / a


def fit(f, deg):
    coeffs, err = mpmath.chebyfit(f, [0, Z0], deg + 1, error=True)
    return [float(c) for c in reversed(coeffs)], err


def estrin(cs, z):
    """Estrin's scheme in double precision, in the order of assembly/cb.ts."""
    terms = [cs[j] + cs[j + 1] * z if j + 1 < len(cs) else cs[j] for j in range(0, len(cs), 2)]
    p = z * z
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] * p if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
        p = p * p
    return terms[0]


def bits(v):
    return '0x%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]


LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10


def check(name, cs, truth, evaluate):
    worst = 0
    for i in range(1, 4001):
        a = float(mpmath.sqrt(Z0) * i / 4000)
        t = truth(mpf(a))
        got = evaluate(cs, a)
        ulp = mpmath.ldexp(1, int(mpmath.floor(mpmath.log(abs(t), 2))) - 52)
        worst = max(worst, abs(mpf(got) - t) / ulp)
    print(f'{name}: worst {float(worst):.3f} ulp over a in (0, {float(mpmath.sqrt(Z0)):.4f}]')


if __name__ == '__main__':
    import sys
    dp, ds = int(sys.argv[1]) if len(sys.argv) > 1 else 14, int(sys.argv[2]) if len(sys.argv) > 2 else 10
    p, ep = fit(P, dp)
    s, es = fit(S, ds)
    print('P fit error', mpmath.nstr(ep, 3), 'S fit error', mpmath.nstr(es, 3))
    for name, cs in (('P', p), ('S', s)):
        for i, c in enumerate(cs):
            print(f'const {name}{i}: u64 = {bits(c)}; // {c!r}')
    check('logC', p, logc, lambda cs, a: (a * a * estrin(cs, a * a) + LN2_LO) + LN2_HI)
    check('mu', s, mu, lambda cs, a: 0.5 + a * estrin(cs, a * a))
