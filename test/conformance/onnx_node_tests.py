#!/usr/bin/python3
"""ONNX's own node conformance tests, compiled by mlpc and run.

Each test directory (Debian's libonnx-testdata) holds a model.onnx and
test_data_set_*/{input,output}_*.pb. A test runs when every op of its model
is one mlpc translates and every graph input and output is a float32
tensor of rank 1 or more; it is then compiled to an object, linked into a
shared library with mlpc's runtime, called through ctypes on each data set
and compared with the shipped outputs at ONNX's own tolerances (rtol 1e-3,
atol 1e-7). Inputs that mlpc needs at compile time (integer shapes and
axes, scalar bounds) are made initializers with each data set's values. The
summary gives how many ran, passed and were skipped, and each skip's
reason. Exit status 1 if any test that ran failed, or an expected failure
passed.
"""
import argparse
import concurrent.futures
import glob
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlpc_run  # noqa: E402

# What mlpc's ONNX frontend translates (compiler/lib/Frontend/ONNX/Ops.cpp).
SUPPORTED = {
    "Add", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Shape",
    "Div", "Dropout", "Elu", "Erf", "Exp", "Flatten", "Gelu", "Gemm",
    "HardSigmoid", "HardSwish", "Identity", "LayerNormalization",
    "LeakyRelu", "Log", "LogSoftmax", "MatMul", "Mul", "Neg", "PRelu", "Pow",
    "ReduceMean", "Relu", "Reshape", "Selu", "Sigmoid", "Softmax", "Softplus",
    "Sqrt", "Squeeze", "Sub", "Tanh", "Unsqueeze",
}

# Tests of supported ops that mlpc refuses on purpose, with the reason;
# the runner checks that each is refused with a diagnostic (exit 1, no
# crash) rather than skipping it silently.
REFUSED = {
    "test_dropout_default_mask": "the mask output (training only)",
    "test_dropout_default_mask_ratio": "the mask output (training only)",
    "test_batchnorm_epsilon_training_mode": "training mode",
    "test_batchnorm_example_training_mode": "training mode",
    "test_matmul_3d": "MatMul of rank-3 tensors",
    "test_matmul_4d": "MatMul of rank-4 tensors",
    "test_reshape_allowzero_reordered": "an input with no elements",
    "test_training_dropout": "training mode",
    "test_training_dropout_default": "training mode",
    "test_training_dropout_zero_ratio": "training mode",
}



def compile_time_inputs(model):
    """Graph inputs that mlpc needs as constants: integer tensors (shapes,
    axes, exponents, flags) and scalars (Clip's bounds, Dropout's ratio).
    The runner makes them initializers with each data set's values."""
    out = []
    for i, info in enumerate(model.graph.input):
        t = info.type.tensor_type
        if info.type.HasField("tensor_type") and (
                t.elem_type != onnx.TensorProto.FLOAT or len(t.shape.dim) == 0) \
                and t.elem_type in (onnx.TensorProto.INT64, onnx.TensorProto.INT32,
                                    onnx.TensorProto.FLOAT, onnx.TensorProto.BOOL):
            out.append(i)
    return out


def skip_reason(model, folded=()):
    graph = model.graph
    ops = sorted({n.op_type for n in graph.node} - SUPPORTED)
    if ops:
        return "unsupported op " + ", ".join(ops)
    for n in graph.node:
        if n.domain not in ("", "ai.onnx"):
            return "op of domain " + n.domain
    inits = {i.name for i in graph.initializer}
    data_inputs = [x for i, x in enumerate(graph.input)
                   if x.name not in inits and i not in folded]
    for kind, infos in (("input", data_inputs),
                        ("output", list(graph.output))):
        for info in infos:
            t = info.type.tensor_type
            if not info.type.HasField("tensor_type"):
                return "non-tensor " + kind
            if t.elem_type != onnx.TensorProto.FLOAT:
                return "non-float32 " + kind
            if len(t.shape.dim) == 0:
                return "rank-0 " + kind
    return None


def load_sets(test_dir):
    sets = []
    for d in sorted(glob.glob(os.path.join(test_dir, "test_data_set_*"))):
        def read(prefix):
            files = sorted(glob.glob(os.path.join(d, prefix + "_*.pb")),
                           key=lambda f: int(f.rsplit("_", 1)[1][:-3]))
            out = []
            for f in files:
                t = onnx.TensorProto()
                with open(f, "rb") as fh:
                    t.ParseFromString(fh.read())
                out.append(numpy_helper.to_array(t))
            return out
        sets.append((read("input"), read("output")))
    return sets


def run_one(args, test_dir):
    name = os.path.basename(test_dir)
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    folded = compile_time_inputs(model)
    reason = skip_reason(model, folded)
    if reason:
        return name, "skip", reason
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    for n, (inputs, expected) in enumerate(load_sets(test_dir)):
        result = run_set(args, name, model, folded, inputs, expected,
                         os.path.join(work, str(n)))
        if result:
            return result
    return name, "pass", ""


def run_set(args, name, model, folded, inputs, expected, work):
    """Compiles the model (with `folded` inputs made initializers) and runs
    it on one data set; None when it passes, else the test's result."""
    os.makedirs(work, exist_ok=True)
    model_path = os.path.join(work, "model.onnx")
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for i in sorted(folded, reverse=True):
        info = m.graph.input[i]
        m.graph.initializer.append(numpy_helper.from_array(inputs[i], info.name))
        del m.graph.input[i]
    inputs = [x for i, x in enumerate(inputs) if i not in folded]
    onnx.save(m, model_path)
    try:
        fn = mlpc_run.compile_model(args.mlpc, args.runtime, model_path, work)
    except mlpc_run.CompileError as e:
        if name in REFUSED and str(e).startswith("mlpc:") and "error" in str(e):
            return name, "refused", REFUSED[name]
        return name, "fail", str(e)[-500:]
    if name in REFUSED:
        return name, "fail", "expected a diagnostic, but it compiled"
    status, outs = mlpc_run.call(fn, inputs, [e.shape for e in expected])
    if status != 0:
        return name, "fail", "status %d" % status
    for i, (got, want) in enumerate(zip(outs, expected)):
        if not np.allclose(got, want, rtol=1e-3, atol=1e-7, equal_nan=True):
            err = np.nanmax(np.abs(got - want))
            return name, "fail", "output %d differs by up to %.3g" % (i, err)
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mlpc", required=True)
    p.add_argument("--runtime", required=True, help="libmlpc_runtime.a")
    p.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    p.add_argument("--work", required=True)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("-k", default="", help="only tests whose name has this")
    args = p.parse_args()
    if not os.path.isdir(args.data):
        print("no ONNX test data at %s (Debian's libonnx-testdata)" % args.data)
        return 1
    tests = sorted(d for d in glob.glob(os.path.join(args.data, "test_*"))
                   if args.k in os.path.basename(d))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda d: run_one(args, d), tests))
    by = {}
    for name, kind, why in results:
        by.setdefault(kind, []).append((name, why))
    skips = {}
    for name, why in by.get("skip", []):
        skips.setdefault(why, []).append(name)
    print("skipped, by reason:")
    for why, names in sorted(skips.items(), key=lambda kv: -len(kv[1])):
        print("  %4d  %s" % (len(names), why))
    for name, why in by.get("refused", []):
        print("refused (as intended): %s: %s" % (name, why))
    for name, why in by.get("fail", []):
        print("FAIL %s: %s" % (name, why))
    ran = len(by.get("pass", [])) + len(by.get("fail", []))
    print("ONNX node tests: %d found, %d ran, %d passed, %d failed, "
          "%d refused with a diagnostic, %d skipped"
          % (len(results), ran, len(by.get("pass", [])),
             len(by.get("fail", [])), len(by.get("refused", [])),
             len(by.get("skip", []))))
    return 1 if by.get("fail") else 0


if __name__ == "__main__":
    sys.exit(main())
