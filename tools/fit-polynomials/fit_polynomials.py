#!/usr/bin/python3
"""Fits the polynomials of the functions mlpc builds in place
(compiler/lib/Utils/Activation.cpp): gelu's Gaussian tail, and the 2^f / e^r that
gelu and softmax's exp share.

  fit_polynomials.py          prints kP and kE as C++ arrays, and their max
                               errors
  fit_polynomials.py --check compiler/lib/Utils/Activation.cpp
                               exits 1 unless that file's kP and kE are as
                               accurate as these fits, and as f32 constants
                               within their documented error

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


def lawson(basis, target, iterations=300):
    w = np.ones(len(target))
    for _ in range(iterations):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(basis * sw[:, None], target * sw, rcond=None)
        err = np.abs(basis @ c - target)
        w = w * err
        w /= w.sum()
    return c


def chebyshev_nodes(lo, hi, n=4000):
    return (np.cos(np.linspace(0, np.pi, n)) * (hi - lo) + (hi + lo)) / 2


def p_problem(degree=9):
    """Basis and target of P's fit: log(erfc(t) (1 + t/2)) + t^2 in u."""
    u = chebyshev_nodes(1 / (1 + T_MAX / 2), 1.0)
    t = 2 * (1 / u - 1)
    erfc = np.vectorize(math.erfc)
    g = np.log(erfc(t) * (1 + t / 2)) + t * t
    return np.vander(u, degree + 1, increasing=True), g


def e_problem(degree=5):
    """Basis and target of E's fit, both divided by 2^f: relative error."""
    f = chebyshev_nodes(-0.5, 0.5)
    y = 2.0**f
    basis = np.vander(f, degree + 1, increasing=True)[:, 1:] / y[:, None]
    return basis, (y - 1) / y


def double_error(problem, c):
    """Max error of the polynomial with coefficients c, in float64."""
    basis, target = problem
    return np.max(np.abs(basis @ np.array(c, dtype=np.float64) - target))


def fit(problem):
    c = lawson(*problem)
    return c, double_error(problem, c)


def show(name, problem, c, err):
    print("// max error %.2g (%.2g with f32 coefficients)"
          % (err, compiled_error(name, problem, c)))
    print("static const double %s[] = {%s};" %
          (name, ", ".join("%.9g" % v for v in c)))


def read_array(text, name):
    """The numbers of `static const double NAME[] = {...};` in C++ text."""
    m = re.search(r"\b%s\[\]\s*=\s*\{([^}]*)\}" % name, text)
    if not m:
        raise SystemExit("no array %s" % name)
    return [float(v) for v in m.group(1).replace("\n", " ").split(",") if v.strip()]


def as_compiled(name, c):
    """The f32 constants Activation.cpp makes of the coefficients: kP scaled
    to base 2 with log2(1/2) = -1 folded into its constant term, kE as it
    is (its natural-base use divides by powers of ln 2, which rounds the
    same way)."""
    c = np.array(c, dtype=np.float64)
    if name == "kP":
        c = c / math.log(2)
        c[0] -= 1
    return c.astype(np.float32).astype(np.float64)


def compiled_error(name, problem, c):
    """Max error of the compiled f32 polynomial, in the fit's own units
    (for kP natural-log units: the relative error it gives q)."""
    basis, target = problem
    if name == "kP":
        err = basis @ as_compiled(name, c) - (target / math.log(2) - 1)
        return np.max(np.abs(err)) * math.log(2)
    return np.max(np.abs(basis @ as_compiled(name, c) - target))


# The f32 errors the comments in Activation.cpp and docs/accuracy.md give,
# in the fits' own units: 7e-8 relative in gelu's q, 1.1e-7 for 2^f.
DOCUMENTED_F32_ERROR = {"kP": 7.5e-8, "kE": 1.1e-7}


def check(path):
    """The file's polynomials must be as accurate as the fits in float64
    (within 10%: printing 9 digits of the ill-conditioned degree-9 fit
    costs 7%), and as the f32 constants the compiler makes of them, within
    the error the comments document. Comparing the f32 errors of file and
    fit instead would be fragile: fits that differ in the 9th digit (the
    least-squares solver's rounding, which follows the CPU's BLAS kernels)
    round to f32 constants whose errors range over 5.2e-8 to 7.2e-8."""
    text = open(path).read()
    ok = True
    for name, problem in (("kP", p_problem()), ("kE", e_problem())):
        best = fit(problem)[1]
        have = read_array(text, name)
        if len(have) != problem[0].shape[1]:
            print("%s: %d coefficients, the fit has %d" % (name, len(have), problem[0].shape[1]))
            ok = False
            continue
        err = double_error(problem, have)
        f32 = compiled_error(name, problem, have)
        print("%s: max error %.3g, the fit's %.3g; as f32 %.3g, documented %.3g"
              % (name, err, best, f32, DOCUMENTED_F32_ERROR[name]))
        ok = ok and err <= 1.10 * best and f32 <= DOCUMENTED_F32_ERROR[name]
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    for name, problem in (("kP", p_problem()), ("kE", e_problem())):
        show(name, problem, *fit(problem))
