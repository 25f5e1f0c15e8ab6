"""Dot products summed the way the real server's numpy sums them, so predictions agree to the last bit.

scikit-learn's ``Ridge.predict`` is ``X @ coef_ + intercept_``; numpy hands
``X @ coef_`` to OpenBLAS: one row is ``ddot``, several rows are ``dgemv``
(the transposed kernel, ``kernel/x86_64/dgemv_t_4.c``).  Each kernel adds the
products in its own order, some with fused multiply-adds (one rounding for
``a * b + c``), so a left-to-right sum differs in the last digits.  This
module reproduces OpenBLAS 0.3.31's kernels for x86-64 with AVX-512
(``SkylakeX``, what numpy 2.4's wheel picks on such CPUs; the harness's
fidelity check prints the real server's kernel and measures what is left):

- ``ddot`` (one row, fewer than 16 features): ``d = fma(x[i], w[i], d)`` in order;
- ``dgemv_t``: the features in blocks of 4 (``m - m % 4`` of them), then the 1-3
  left over.  Rows in groups of 4 take four lanes of fused multiply-adds, lane
  ``l`` adding features ``l, l+4, ...``, reduced as ``(l0 + l2) + (l1 + l3)``;
  the 1-3 rows left over take SSE lanes of separate multiply and add.  The
  left-over features are added last: ``y + fma(x0, w0, x1 * w1)`` for two,
  ``y + fma(x2, w2, fma(x0, w0, x1 * w1))`` for three, ``fma(x0, w0, y)`` for one.

A pandas DataFrame's values are column-major (MLflow's pyfunc hands scikit-learn a frame), and numpy hands
those to ``dgemv_n`` (``kernel/x86_64/dgemv_n_4.c``, ``dgemv_n_microk_skylakex-4.c``): rows in groups of 4
add ``a0*x0 + a1*x1 + a2*x2 + a3*x3`` per block of 4 features (GCC fuses it as ``fma(a3, x3, fma(a2, x2,
fma(a0, x0, a1*x1)))``), then a block of 2, to ``y`` in turn; the 1-3 rows left over are summed one feature
at a time (``fma``), except in a matrix of 2 or 3 rows, summed two features at a time.  Measured equal, row
for row, to numpy 2.4 on 1 to 13 rows of 10 features.
"""

from __future__ import annotations

import math
from fractions import Fraction

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's split of a double into two halves of 26 bits


def fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` with one rounding (Python 3.13 has math.fma; this is for 3.11)."""
    p = a * b
    if not (1e-250 < abs(p) < 1e290 and abs(a) < 1e290 and abs(b) < 1e290):
        if p == 0 or not (math.isfinite(p) and math.isfinite(c)):
            return p + c
        return float(Fraction(a) * Fraction(b) + Fraction(c))  # exact, then one rounding
    t = _SPLIT * a
    ah = t - (t - a)
    t = _SPLIT * b
    bh = t - (t - b)
    al, bl = a - ah, b - bh
    error = al * bl - (((p - ah * bh) - al * bh) - ah * bl)  # Dekker: p + error == a * b exactly
    return math.fsum((p, error, c))  # fsum rounds the exact sum once


def ddot(x: list[float], w: list[float]) -> float:
    d = 0.0
    for a, b in zip(x, w):
        d = fma(a, b, d)
    return d


def _lanes4(x: list[float], w: list[float], n: int) -> float:
    acc = [0.0, 0.0, 0.0, 0.0]
    for i in range(0, n, 4):
        for lane in range(4):
            acc[lane] = fma(x[i + lane], w[i + lane], acc[lane])
    return (acc[0] + acc[2]) + (acc[1] + acc[3])


def _lanes2(x: list[float], w: list[float], n: int) -> float:
    lo = hi = 0.0
    for i in range(0, n, 2):
        lo += x[i] * w[i]
        hi += x[i + 1] * w[i + 1]
    return lo + hi


def _lanes2x2(x: list[float], w: list[float], n: int) -> float:
    a0 = a1 = b0 = b1 = 0.0
    for i in range(0, n, 4):
        a0 += x[i] * w[i]
        a1 += x[i + 1] * w[i + 1]
        b0 += x[i + 2] * w[i + 2]
        b1 += x[i + 3] * w[i + 3]
    return (a0 + b0) + (a1 + b1)


def _left_over(y: float, x: list[float], w: list[float], k: int) -> float:
    extra = len(w) - k
    if extra == 3:
        return y + fma(x[k + 2], w[k + 2], fma(x[k], w[k], x[k + 1] * w[k + 1]))
    if extra == 2:
        return y + fma(x[k], w[k], x[k + 1] * w[k + 1])
    if extra == 1:
        return fma(x[k], w[k], y)
    return y


def gemv_t(rows: list[list[float]], w: list[float]) -> list[float]:
    k, n = len(w) - len(w) % 4, len(rows)
    grouped = n - n % 4
    out = []
    for j, x in enumerate(rows):
        if k == 0:
            y = 0.0
        elif j < grouped:
            y = 0.0 + _lanes4(x, w, k)
        elif n % 4 >= 2 and j < grouped + 2:
            y = 0.0 + _lanes2(x, w, k)
        else:
            y = 0.0 + _lanes2x2(x, w, k)
        out.append(_left_over(y, x, w, k))
    return out


def _fused(x: list[float], w: list[float], j: int, count: int) -> float:
    s = fma(x[j], w[j], x[j + 1] * w[j + 1])
    for i in range(j + 2, j + count):
        s = fma(x[i], w[i], s)
    return s


def _blocks(x: list[float], w: list[float], k: int) -> float:
    y = 0.0
    for j in range(0, k, 4):
        y = y + _fused(x, w, j, 4)
    if len(w) - k >= 2:
        y = y + _fused(x, w, k, 2)
    return fma(x[-1], w[-1], y) if (len(w) - k) % 2 else y


def _pairs(x: list[float], w: list[float], k: int) -> float:
    t = 0.0
    for j in range(0, k, 2):
        t = t + _fused(x, w, j, 2)
    for i in range(k, len(w)):
        t = fma(x[i], w[i], t)
    return t


def gemv_n(rows: list[list[float]], w: list[float]) -> list[float]:
    """``rows @ w`` for rows stored column-major (a DataFrame's values), as numpy with OpenBLAS computes it."""
    k, m = len(w) - len(w) % 4, len(rows)
    blocked = m - m % 4
    if m == 1:
        return [ddot(rows[0], w)]
    return [_blocks(x, w, k) if j < blocked else _pairs(x, w, k) if m < 4 else ddot(x, w) for j, x in enumerate(rows)]


def matvec(rows: list[list[float]], w: list[float]) -> list[float]:
    """``rows @ w`` as numpy with OpenBLAS computes it."""
    if len(rows) == 1 and len(w) < 16:
        return [ddot(rows[0], w)]
    return gemv_t(rows, w)
