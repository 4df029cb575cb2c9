#!/usr/bin/python3
"""Seeded mutations of valid ONNX models: mlpc must never crash on them.

  mutated_onnx.py MLPC WORKDIR FIRST_SEED COUNT MODEL.onnx...

Each seed changes one model a little: a node's op type (another that mlpc
translates), an attribute's value, a node input dropped, added or pointed
at another tensor, an initializer's shape, type or data, a graph input's
dimension or element type, the opset, or the serialized bytes themselves
(cut short, a byte flipped). mlpc compiles it (to an object, to --emit=mlp,
or for --target=nvptx without ptxas). Whatever the input, mlpc must exit
with 0 or 1 and never abort; on an error it must print an error and leave
no output file. Prints one line per failure and "N passed, M failed".
"""
import os
import random
import subprocess
import sys

import onnx

OPS = ["Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Relu", "Sigmoid", "Tanh",
       "Erf", "Exp", "Log", "Neg", "Sqrt", "Softplus", "HardSwish", "LeakyRelu",
       "Elu", "Selu", "HardSigmoid", "Gelu", "Clip", "Softmax", "LogSoftmax",
       "Gemm", "MatMul", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Concat",
       "Identity", "Dropout", "Cast", "BatchNormalization", "LayerNormalization",
       "ReduceMean", "Shape", "Constant", "Abs"]
VALUES = [0, 1, -1, 2, -2, 7, 1 << 40, -(1 << 40)]
FLOATS = [0.0, -1.0, 1e30, float("nan"), float("inf"), 1e-30]


def mutate(model, rng):
    g = model.graph
    kind = rng.randrange(11)
    nodes = list(g.node)
    if kind == 0 and nodes:
        rng.choice(nodes).op_type = rng.choice(OPS)
    elif kind == 1 and nodes:
        n = rng.choice(nodes)
        if n.attribute:
            a = rng.choice(n.attribute)
            if a.type == onnx.AttributeProto.INT:
                a.i = rng.choice(VALUES)
            elif a.type == onnx.AttributeProto.FLOAT:
                a.f = rng.choice(FLOATS)
            elif a.type == onnx.AttributeProto.INTS:
                a.ints[:] = [rng.choice(VALUES) for _ in range(rng.randrange(4))]
        else:
            n.attribute.append(onnx.helper.make_attribute(
                rng.choice(["axis", "alpha", "transB", "keepdims", "to"]),
                rng.choice(VALUES)))
    elif kind == 2 and nodes:
        n = rng.choice(nodes)
        if n.input and rng.random() < 0.5:
            del n.input[rng.randrange(len(n.input))]
        else:
            names = [i.name for i in g.input] + [i.name for i in g.initializer] + \
                [o for m in nodes for o in m.output] + ["", "nowhere"]
            n.input.append(rng.choice(names))
    elif kind == 3 and nodes:
        n = rng.choice(nodes)
        if n.input:
            names = [i.name for i in g.input] + [i.name for i in g.initializer] + \
                [o for m in nodes for o in m.output]
            n.input[rng.randrange(len(n.input))] = rng.choice(names)
    elif kind == 4 and g.initializer:
        t = rng.choice(g.initializer)
        if t.dims and rng.random() < 0.5:
            t.dims[rng.randrange(len(t.dims))] = rng.choice(VALUES)
        elif rng.random() < 0.5:
            t.data_type = rng.choice([onnx.TensorProto.INT64, onnx.TensorProto.FLOAT16,
                                      onnx.TensorProto.DOUBLE, onnx.TensorProto.BOOL, 99])
        else:
            t.raw_data = t.raw_data[: rng.randrange(len(t.raw_data) + 1)]
    elif kind == 5 and g.input:
        info = rng.choice(g.input)
        dims = info.type.tensor_type.shape.dim
        if dims and rng.random() < 0.7:
            d = dims[rng.randrange(len(dims))]
            if rng.random() < 0.5:
                d.dim_value = rng.choice(VALUES)
            else:
                d.dim_param = "sym"
        else:
            info.type.tensor_type.elem_type = rng.choice([1, 7, 10, 11])
    elif kind == 6:
        model.opset_import[0].version = rng.choice([1, 5, 6, 7, 11, 12, 13, 17, 18, 21, 22])
    elif kind == 7 and nodes:
        del g.node[rng.randrange(len(nodes))]
    elif kind == 8 and g.output:
        dims = g.output[0].type.tensor_type.shape.dim
        if dims:
            dims[rng.randrange(len(dims))].dim_value = rng.choice(VALUES[:5])
    elif kind == 9 and nodes:
        rng.choice(nodes).domain = rng.choice(["", "ai.onnx", "com.microsoft"])
    else:
        return None  # a byte-level mutation instead
    return model.SerializeToString()


def main():
    mlpc, work, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    models = sys.argv[5:]
    os.makedirs(work, exist_ok=True)
    passed = failed = 0
    for seed in range(first, first + count):
        rng = random.Random(seed)
        path = models[seed % len(models)]
        model = onnx.load(path)
        data = mutate(model, rng)
        if data is None:
            data = bytearray(open(path, "rb").read())
            if rng.random() < 0.5:
                data = data[: rng.randrange(len(data))]
            else:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        src = os.path.join(work, "m%d.onnx" % seed)
        with open(src, "wb") as f:
            f.write(bytes(data))
        out = os.path.join(work, "m%d.out" % seed)
        flags = rng.choice([[], ["--emit=mlp"], ["-O0"],
                            ["--target=nvptx", "--ptxas=none"]])
        if flags and flags[0] == "--target=nvptx" and os.environ.get("MUTATE_CPU_ONLY"):
            flags = []
        r = subprocess.run([mlpc, src, "-o", out, *flags], capture_output=True, text=True)
        problem = None
        if r.returncode not in (0, 1):
            problem = "exit status %d" % r.returncode
        elif r.returncode == 1 and ("error" not in r.stderr or os.path.exists(out)):
            problem = "an error without a message, or with an output file"
        if problem:
            failed += 1
            print("seed %d (%s %s): %s\n%s" % (seed, os.path.basename(path),
                                              " ".join(flags), problem, r.stderr[-2000:]))
        else:
            passed += 1
        for f in (src, out):
            if os.path.exists(f):
                os.remove(f)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
