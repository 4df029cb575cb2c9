#!/usr/bin/python3
"""Writes the benchmark's MLP as an ONNX model for ONNX Runtime, from the
same weights file mlp_bench reads (W1 b1 W2 b2 ..., f32, [out][in]).

  make_onnx.py WEIGHTS.bin DIMS HEAD OUT.onnx [HIDDEN] [--int8]
    e.g. make_onnx.py mnist_weights.bin 784,128,64,10 1 mnist.onnx

With --int8, each layer is written as ONNX Runtime's quantize_dynamic
writes it (see quantized_layer): the int8 peer of mlpc --precision=int8.

Each layer is a Gemm (transB = 1) followed by Relu on hidden layers (Gelu,
ONNX opset 20, when HIDDEN is gelu), then a
Softmax over the classes when HEAD is 1, a Sigmoid when it is 2; the batch
dimension is dynamic
("N"). The protobuf is encoded here (a few message types of onnx.proto), so
that the benchmark needs no onnx package.
"""
import struct
import sys

import numpy as np


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire_type):
    return varint(number << 3 | wire_type)


def f_int(number, value):
    return field(number, 0) + varint(value)


def f_bytes(number, data):
    return field(number, 2) + varint(len(data)) + data


def f_str(number, text):
    return f_bytes(number, text.encode())


def tensor(name, array, data_type=1):  # TensorProto: dims=1, data_type=2, name=8, raw_data=9
    dims = b"".join(f_int(1, d) for d in array.shape)
    raw = array.astype({1: "<f4", 3: "i1"}[data_type]).tobytes()
    return dims + f_int(2, data_type) + f_str(8, name) + f_bytes(9, raw)


def quantized_layer(i, prev, w, b):
    """What ONNX Runtime's quantize_dynamic (per_channel=True, QInt8
    weights) writes for a MatMul: the input quantized per tensor to uint8
    (DynamicQuantizeLinear), an integer product with the symmetric
    per-column int8 weights, then the scales and the bias in float. ORT's
    optimizer fuses it into DynamicQuantizeMatMul / MatMulIntegerToFloat."""
    wt = w.T.astype(np.float64)  # [K, N]
    scale = (np.abs(wt).max(axis=0) / 127).astype(np.float32)
    q = np.clip(np.rint(wt / np.where(scale > 0, scale, 1)), -127, 127).astype(np.int8)
    inits = [tensor("wq%d" % i, q, 3), tensor("wzp%d" % i, np.zeros(len(scale), np.int8), 3),
             tensor("ws%d" % i, scale), tensor("b%d" % i, b)]
    names = ["%s%d" % (n, i) for n in ("xq", "xs", "xzp", "acc", "accf", "s", "p", "z")]
    xq, xs, xzp, acc, accf, s, p, z = names
    nodes = [node("DynamicQuantizeLinear", [prev], [xq, xs, xzp]),
             node("MatMulInteger", [xq, "wq%d" % i, xzp, "wzp%d" % i], [acc]),
             node("Cast", [acc], [accf], [attr_int("to", 1)]),
             node("Mul", [xs, "ws%d" % i], [s]),
             node("Mul", [accf, s], [p]),
             node("Add", [p, "b%d" % i], [z])]
    return nodes, inits, z


def attr_int(name, value):  # AttributeProto: name=1, i=3, type=20 (INT=2)
    return f_str(1, name) + f_int(3, value) + f_int(20, 2)


def node(op, inputs, outputs, attrs=()):  # NodeProto: input=1, output=2, op_type=4, attribute=5
    return (b"".join(f_str(1, i) for i in inputs) + b"".join(f_str(2, o) for o in outputs)
            + f_str(4, op) + b"".join(f_bytes(5, a) for a in attrs))


def value_info(name, width):  # ValueInfoProto{name=1, type=2{tensor_type=1{elem_type=1, shape=2}}}
    shape = f_bytes(1, f_str(2, "N")) + f_bytes(1, f_int(1, width))
    tensor_type = f_int(1, 1) + f_bytes(2, shape)
    return f_str(1, name) + f_bytes(2, f_bytes(1, tensor_type))


def main():
    args = [a for a in sys.argv[1:] if a != "--int8"]
    int8 = "--int8" in sys.argv
    weights_path, dims_arg, head, out_path = args[:4]
    hidden = args[4] if len(args) > 4 else "relu"
    hidden_op = {"relu": "Relu", "gelu": "Gelu"}[hidden]
    dims = [int(d) for d in dims_arg.split(",")]
    data = np.fromfile(weights_path, dtype="<f4")
    nodes, inits, pos, prev = [], [], 0, "x"
    for i, (k, n) in enumerate(zip(dims, dims[1:])):
        w = data[pos:pos + n * k].reshape(n, k)
        pos += n * k
        b = data[pos:pos + n]
        pos += n
        last = i == len(dims) - 2
        if int8:
            layer_nodes, layer_inits, z = quantized_layer(i, prev, w, b)
            nodes += layer_nodes
            inits += layer_inits
        else:
            inits += [tensor("w%d" % i, w), tensor("b%d" % i, b)]
            z = "z%d" % i
            nodes.append(node("Gemm", [prev, "w%d" % i, "b%d" % i], [z], [attr_int("transB", 1)]))
        if last:
            prev = z
        else:
            nodes.append(node(hidden_op, [z], ["h%d" % i]))
            prev = "h%d" % i
    if head == "1":
        nodes.append(node("Softmax", [prev], ["y"], [attr_int("axis", 1)]))
    elif head == "2":
        nodes.append(node("Sigmoid", [prev], ["y"]))
    else:
        nodes.append(node("Identity", [prev], ["y"]))
    # GraphProto: node=1, name=2, initializer=5, input=11, output=12
    graph = (b"".join(f_bytes(1, n) for n in nodes) + f_str(2, "mlp")
             + b"".join(f_bytes(5, t) for t in inits)
             + f_bytes(11, value_info("x", dims[0])) + f_bytes(12, value_info("y", dims[-1])))
    # OperatorSetIdProto: domain=1, version=2; Gelu is new in opset 20
    opset = f_str(1, "") + f_int(2, 20 if hidden == "gelu" else 17)
    # ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8
    ir_version = 9 if hidden == "gelu" else 8  # IR 9 goes with opset 20
    model = f_int(1, ir_version) + f_str(2, "mlpc-bench") + f_bytes(7, graph) + f_bytes(8, opset)
    with open(out_path, "wb") as f:
        f.write(model)


if __name__ == "__main__":
    main()
