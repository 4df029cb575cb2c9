#!/usr/bin/python3
"""Fits the polynomials of the functions mlpc builds in place
(compiler/lib/Activation.cpp): gelu's Gaussian tail, and the 2^f / e^r that
gelu and softmax's exp share.

  fit_polynomials.py          prints kP and kE as C++ arrays, and their max
                               errors
  fit_polynomials.py --check compiler/lib/Activation.cpp
                               exits 1 unless that file's kP and kE are
                               these fits (to half an f32 ulp)

gelu(x) = x * Phi(x); with a = |x|, q = Phi(-a) = erfc(a / sqrt(2)) / 2 is
computed as u * exp(P(u) - a^2 / 2), u = 1 / (1 + a / (2 sqrt(2))) (the form
of Numerical Recipes' erfcc), so P approximates
    g(u) = log(erfc(t) * (1 + t / 2)) + t^2,  t = a / sqrt(2) = 2 (1/u - 1)
on u in (0, 1]; g is smooth and tends to log(1 / (2 sqrt(pi))) as u -> 0.
2^f on f in [-1/2, 1/2] is 1 + f * E(f), fitted for relative error; the
exp of softmax uses it as e^r, r = f ln 2.

Both are near-minimax fits by Lawson's iteratively reweighted least squares
on Chebyshev nodes, in float64 (numpy). Coefficients are printed with 9
significant digits, enough to round to the same f32.
"""
import math
import re
import sys

import numpy as np

T_MAX = 9.2  # erfc(9.2) / 2 is below f32's normal range: no need to go on


def lawson(basis, target, weight_of_error, iterations=300):
    w = np.ones(len(target))
    for _ in range(iterations):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(basis * sw[:, None], target * sw, rcond=None)
        err = np.abs(basis @ c - target) * weight_of_error
        w = w * err
        w /= w.sum()
    return c


def chebyshev_nodes(lo, hi, n=4000):
    return (np.cos(np.linspace(0, np.pi, n)) * (hi - lo) + (hi + lo)) / 2


def fit_p(degree=9):
    u = chebyshev_nodes(1 / (1 + T_MAX / 2), 1.0)
    t = 2 * (1 / u - 1)
    erfc = np.vectorize(math.erfc)
    g = np.log(erfc(t) * (1 + t / 2)) + t * t
    basis = np.vander(u, degree + 1, increasing=True)
    c = lawson(basis, g, 1.0)
    return c, np.max(np.abs(basis @ c - g))


def fit_e(degree=5):
    f = chebyshev_nodes(-0.5, 0.5)
    y = 2.0**f
    basis = np.vander(f, degree + 1, increasing=True)[:, 1:] / y[:, None]
    c = lawson(basis, (y - 1) / y, 1.0)
    return c, np.max(np.abs(basis @ c - (y - 1) / y))


def show(name, c, err):
    print("// max error %.2g" % err)
    print("static const double %s[] = {%s};" %
          (name, ", ".join("%.9g" % v for v in c)))


def read_array(text, name):
    """The numbers of `static const double NAME[] = {...};` in C++ text."""
    m = re.search(r"\b%s\[\]\s*=\s*\{([^}]*)\}" % name, text)
    if not m:
        raise SystemExit("no array %s" % name)
    return [float(v) for v in m.group(1).replace("\n", " ").split(",") if v.strip()]


def check(path):
    text = open(path).read()
    ok = True
    for name, (fit, _) in (("kP", fit_p()), ("kE", fit_e())):
        have = read_array(text, name)
        if len(have) != len(fit):
            print("%s: %d coefficients, the fit has %d" % (name, len(have), len(fit)))
            ok = False
            continue
        for k, (h, f) in enumerate(zip(have, fit)):
            # Half an f32 ulp: the same f32 constant either way.
            if abs(h - f) > 3e-8 * abs(f):
                print("%s[%d] = %.9g, the fit gives %.9g" % (name, k, h, f))
                ok = False
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    show("kP", *fit_p())
    show("kE", *fit_e())
