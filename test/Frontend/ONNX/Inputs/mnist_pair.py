#!/usr/bin/python3
"""Writes the MNIST-shaped model (784-128-64-10, ReLU, log_softmax) twice,
with the same weights: DIR/mnist.onnx as torch.onnx.export writes an
nn.Sequential of Linear layers (Gemm with transB, the weight [out, in]),
and DIR/mnist.mlir as a user writes it in the mlp dialect."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZES = [784, 128, 64, 10]


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(3)
    layers = [(rng.standard_normal((o, i)).astype(np.float32) / np.sqrt(i),
               rng.standard_normal(o).astype(np.float32) * 0.1)
              for i, o in zip(SIZES, SIZES[1:])]
    nodes, inits, prev = [], [], "input"
    for k, (w, b) in enumerate(layers):
        inits += [numpy_helper.from_array(w, "fc%d.weight" % k),
                  numpy_helper.from_array(b, "fc%d.bias" % k)]
        out = "gemm%d" % k
        nodes.append(helper.make_node("Gemm", [prev, "fc%d.weight" % k, "fc%d.bias" % k],
                                      [out], name="/fc%d/Gemm" % k, alpha=1.0,
                                      beta=1.0, transB=1))
        prev = out
        if k + 1 < len(layers):
            nodes.append(helper.make_node("Relu", [prev], ["relu%d" % k],
                                          name="/act%d/Relu" % k))
            prev = "relu%d" % k
    nodes.append(helper.make_node("LogSoftmax", [prev], ["output"], name="/out/LogSoftmax",
                                  axis=1))
    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 784])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])],
        inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(d, "mnist.onnx"))

    def hexconst(a):
        return 'dense<"0x%s">' % a.astype("<f4").tobytes().hex().upper()

    lines = ["func.func @mnist(%x: tensor<?x784xf32>) -> tensor<?x10xf32> {"]
    prev = "%x"
    for k, (w, b) in enumerate(layers):
        o, i = w.shape
        lines += ["  %%w%d = arith.constant %s : tensor<%dx%dxf32>" % (k, hexconst(w), o, i),
                  "  %%b%d = arith.constant %s : tensor<%dxf32>" % (k, hexconst(b), o),
                  "  %%m%d = mlp.matmul %s, %%w%d {transpose_b = true} : tensor<?x%dxf32>, "
                  "tensor<%dx%dxf32> -> tensor<?x%dxf32>" % (k, prev, k, i, o, i, o),
                  "  %%z%d = mlp.add %%m%d, %%b%d : tensor<?x%dxf32>, tensor<%dxf32> -> "
                  "tensor<?x%dxf32>" % (k, k, k, o, o, o)]
        prev = "%%z%d" % k
        if k + 1 < len(layers):
            lines.append("  %%a%d = mlp.relu %s : tensor<?x%dxf32> -> tensor<?x%dxf32>"
                         % (k, prev, o, o))
            prev = "%%a%d" % k
    lines += ["  %%y = mlp.log_softmax %s : tensor<?x10xf32> -> tensor<?x10xf32>" % prev,
              "  return %y : tensor<?x10xf32>", "}"]
    with open(os.path.join(d, "mnist.mlir"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
