#!/usr/bin/python3
"""Seeded mutations of valid models: mlpc must never crash on them.

  mutated_models.py MLPC WORKDIR FIRST_SEED COUNT MODEL.mlir...

Each seed takes one of the models and changes it a little: a tensor
dimension or element type, an operand swapped for another value, an op
renamed to another mlp op, transpose_b dropped or flipped, a constant made
NaN, infinite or huge, an activation name, a token deleted, replaced or
copied, a line dropped or duplicated, the file cut short. mlpc compiles it
(to an object and a header, or to MLIR, LLVM IR, assembly, or for
--target=nvptx without ptxas). Whatever the input, mlpc must exit with 0 or
1 and never abort; on an error it must name a place in the input
(file:line:col) and leave no output file behind.
Prints one line per failure and "N passed, M failed".
"""
import os
import random
import re
import subprocess
import sys

OPS = ["mlp.matmul", "mlp.add", "mlp.relu", "mlp.sigmoid", "mlp.tanh",
       "mlp.gelu", "mlp.leaky_relu", "mlp.softmax", "mlp.log_softmax",
       "mlp.dense", "mlp.sub", "mlp.mul", "mlp.div", "mlp.pow", "mlp.prelu",
       "mlp.elu", "mlp.selu", "mlp.softplus", "mlp.silu", "mlp.hard_swish",
       "mlp.hard_sigmoid", "mlp.clip", "mlp.erf", "mlp.exp", "mlp.log",
       "mlp.neg", "mlp.sqrt", "mlp.layer_norm", "mlp.batch_norm",
       "mlp.reduce_mean", "mlp.reshape", "mlp.transpose", "mlp.concat"]
TOKENS = ["0", "-1", "1", "4", "1000000000000", "?", "x", "f16", "i32",
          "tensor", "mlp.softmax", "mlp.matmul", "{", "}", "<", ">", "(", ")",
          ",", ":", "->", "=", "nan", "0x7FC00000", '"tanh"', "axis",
          "alpha", "%x", "return", "dense<>", "dense<1.0>", '"', "#",
          "tensor<0x4xf32>", "tensor<?x?xf32>", "tensor<f32>", "private"]
CRASH = ["Stack dump", "LLVM ERROR", "Assertion", "UNREACHABLE",
         "PLEASE submit"]
TOKEN = re.compile(r"%[\w.#]+|@\w+|\d+\.\d+(?:e-?\d+)?|\d+|\w+(?:\.\w+)*|\S")


def change_type(s, r):
    ms = list(re.finditer(r"tensor<([^>]*)>", s))
    if not ms:
        return s
    m = r.choice(ms)
    dims = m.group(1).split("x")
    i = r.randrange(len(dims))
    if dims[i][:1] in ("f", "i", "b"):
        dims[i] = r.choice(["f32", "f16", "f64", "bf16", "i32"])
    else:
        dims[i] = r.choice(["0", "1", "2", "3", "5", "?", "10"])
    if r.random() < 0.1:
        dims.insert(0, r.choice(["1", "?", "2"]))
    return s[:m.start(1)] + "x".join(dims) + s[m.end(1):]


def change_operand(s, r):
    defs = re.findall(r"(%\w+)(?::\s*tensor| =)", s)
    uses = list(re.finditer(r"%\w+", s))
    if not defs or not uses:
        return s
    m = r.choice(uses)
    return s[:m.start()] + r.choice(defs) + s[m.end():]


def change_op(s, r):
    ms = list(re.finditer(r"mlp\.\w+", s))
    if not ms:
        return s
    m = r.choice(ms)
    return s[:m.start()] + r.choice(OPS) + s[m.end():]


def change_constant(s, r):
    ms = list(re.finditer(r"-?\d+\.\d+(e-?\d+)?", s))
    if not ms:
        return s
    m = r.choice(ms)
    return s[:m.start()] + r.choice(["0x7FC00000", "0x7F800000", "1.0e38",
                                     "-1.0e38", "0.0", "1e-45"]) + s[m.end():]


def change_string(s, r):
    ms = list(re.finditer(r'"(\w*)"', s))
    if not ms:
        return s
    m = r.choice(ms)
    return s[:m.start()] + r.choice(['"relu"', '"gelu"', '"bogus"', '"none"',
                                     '""', '"tanh"']) + s[m.end():]


def change_text(s, r):
    toks = [(m.start(), m.end()) for m in TOKEN.finditer(s)]
    if not toks:
        return s
    a, b = r.choice(toks)
    k = r.random()
    if k < 0.4:
        return s[:a] + r.choice(TOKENS) + s[b:]
    if k < 0.6:
        return s[:a] + s[b:]
    if k < 0.75:
        c, d = r.choice(toks)
        return s[:a] + s[c:d] + s[b:]
    if k < 0.9:
        lines = s.splitlines()
        i = r.randrange(len(lines))
        if r.random() < 0.5:
            del lines[i]
        else:
            lines.insert(r.randrange(len(lines)), lines[i])
        return "\n".join(lines)
    return s[:r.randrange(len(s))]


def transpose(s, r):
    if r.random() < 0.5:
        return s.replace("transpose_b = true", "transpose_b = false", 1)
    return s.replace(" {transpose_b = true}", "", 1)


MUTATIONS = [change_type] * 6 + [change_operand] * 5 + [change_op] * 3 + \
    [change_constant] * 2 + [change_string] * 2 + [transpose] * 2 + \
    [change_text] * 5


def check(mlpc, work, seed, models):
    r = random.Random(seed)
    text = models[r.randrange(len(models))]
    for _ in range(r.choice([1, 1, 2, 3])):
        text = r.choice(MUTATIONS)(text, r)
    path = os.path.join(work, "m%d.mlir" % seed)
    out = os.path.join(work, "m%d.out" % seed)
    with open(path, "w") as f:
        f.write(text)
    args = [mlpc, path, "-o", out, "--header", out + ".h"]
    k = r.random()
    if k < 0.2:
        args = [mlpc, path, "-o", out,
                "--emit=" + r.choice(["mlir", "llvm", "asm"])]
    elif k < 0.3:
        # Without the GPU backend (MUTATE_CPU_ONLY) the case stays in the
        # seed's sequence and compiles for the CPU instead.
        if not os.environ.get("MUTATE_CPU_ONLY"):
            args += ["--target=nvptx", "--ptxas=none"]
    elif k < 0.5:
        args += ["-O%d" % r.choice([0, 1, 2])]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "timed out"
    problem = None
    if p.returncode not in (0, 1):
        problem = "exit status %d" % p.returncode
    elif any(c in p.stderr for c in CRASH):
        problem = "crash report"
    elif p.returncode == 1 and (os.path.exists(out) or
                                os.path.exists(out + ".h")):
        problem = "output left behind"
    elif p.returncode == 1 and not re.search(
            re.escape(os.path.basename(path)) + r":\d+:\d+: error", p.stderr):
        problem = "error without file:line:col"
    for f in (out, out + ".h"):
        if os.path.exists(f):
            os.remove(f)
    if problem:
        first = p.stderr.strip().splitlines()[:1]
        return "%s (%s): %s" % (problem, " ".join(args[2:]), first)
    os.remove(path)
    return None


def main():
    mlpc, work = sys.argv[1:3]
    first, count = int(sys.argv[3]), int(sys.argv[4])
    models = []
    for name in sys.argv[5:]:
        with open(name) as f:
            models.append(f.read())
    os.makedirs(work, exist_ok=True)
    failed = 0
    for seed in range(first, first + count):
        problem = check(mlpc, work, seed, models)
        if problem:
            print("seed %d: %s" % (seed, problem))
            failed += 1
    print("%d passed, %d failed" % (count - failed, failed))


if __name__ == "__main__":
    main()
