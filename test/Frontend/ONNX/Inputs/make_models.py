#!/usr/bin/python3
"""Writes the small ONNX models the frontend's lit tests read, by name:
make_models.py DIR NAME... (each into DIR/NAME.onnx)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
rng = np.random.default_rng(7)


def w(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def model(nodes, inputs, outputs, inits=(), opset=13, **kw):
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [numpy_helper.from_array(a, n) for n, a in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], **kw)


def io(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def mlp(opset):
    nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1",
                              transB=1, alpha=0.5, beta=2.0),
             helper.make_node("Relu", ["h"], ["a"], name="act"),
             helper.make_node("Gemm", ["a", "W2", "b2"], ["z"], name="fc2"),
             helper.make_node("Softmax", ["z"], ["y"], name="head", axis=1)]
    return model(nodes, [io("x", ["N", 4])], [io("y", ["N", 3])],
                 [("W1", w(5, 4)), ("b1", w(5)), ("W2", w(5, 3)), ("b2", w(3))],
                 opset=opset)


MODELS = {
    "mlp13": lambda: mlp(13),
    # Softmax before opset 13 coerces its input to 2-D at `axis`.
    "softmax3d_11": lambda: model(
        [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)],
        [io("x", ["N", 2, 3])], [io("y", ["N", 2, 3])], opset=11),
    # A reshape folds the batch into rows and back.
    "batch_fold": lambda: model(
        [helper.make_node("Reshape", ["x", "s1"], ["r"], name="fold"),
         helper.make_node("Softmax", ["r"], ["p"], name="sm", axis=-1),
         helper.make_node("Reshape", ["p", "s2"], ["y"], name="unfold")],
        [io("x", ["N", 12])], [io("y", ["N", 12])],
        [("s1", np.array([-1, 4], np.int64)), ("s2", np.array([-1, 12], np.int64))]),
    "layers": lambda: model(
        [helper.make_node("Flatten", ["x"], ["f"], name="flat"),
         helper.make_node("LayerNormalization", ["f", "g", "b"], ["n"], name="ln"),
         helper.make_node("Clip", ["n", "lo", "hi"], ["c"], name="relu6"),
         helper.make_node("Constant", [], ["k"], name="k",
                          value=numpy_helper.from_array(np.array(2.0, np.float32))),
         helper.make_node("Pow", ["c", "k"], ["y"], name="sq")],
        [io("x", ["N", 2, 3])], [io("y", ["N", 6])],
        [("g", w(6)), ("b", w(6)), ("lo", np.array(0, np.float32)),
         ("hi", np.array(6, np.float32))], opset=17),
    "my-model": lambda: mlp(13),
    "2layer": lambda: mlp(13),
    "old_initializer_inputs": lambda: model(
        [helper.make_node("Add", ["x", "c"], ["y"], name="add")],
        [io("x", ["N", 3]), io("c", [3])], [io("y", ["N", 3])],
        [("c", w(3))], opset=7),
    # Errors.
    "unsupported_op": lambda: model(
        [helper.make_node("Abs", ["x"], ["y"], name="abs1")],
        [io("x", ["N", 3])], [io("y", ["N", 3])]),
    "other_domain": lambda: model(
        [helper.make_node("Relu", ["x"], ["y"], name="r", domain="com.example")],
        [io("x", ["N", 3])], [io("y", ["N", 3])]),
    "control_flow": lambda: model(
        [helper.make_node("If", ["c"], ["y"], name="branch",
                          then_branch=helper.make_graph([], "t", [], [io("x", ["N", 3])]),
                          else_branch=helper.make_graph([], "e", [], [io("x", ["N", 3])]))],
        [io("x", ["N", 3])], [io("y", ["N", 3])], [("c", np.array(True))]),
    "int_input": lambda: model(
        [helper.make_node("Identity", ["x"], ["y"], name="id")],
        [io("x", ["N", 3], TensorProto.INT64)], [io("y", ["N", 3], TensorProto.INT64)]),
    "symbolic_feature": lambda: model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")],
        [io("x", ["N", "F"])], [io("y", ["N", "F"])]),
    "runtime_shape": lambda: model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape_of_x"),
         helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape_by_shape")],
        [io("x", ["N", 4])], [io("y", ["N", 4])]),
    "static_shape": lambda: model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape_of_x"),
         helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape_by_shape")],
        [io("x", [2, 4])], [io("y", [2, 4])]),
    "missing_initializer": lambda: model(
        [helper.make_node("Add", ["x", "bias"], ["y"], name="add_bias")],
        [io("x", ["N", 3])], [io("y", ["N", 3])]),
    "opset_too_new": lambda: model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")],
        [io("x", ["N", 3])], [io("y", ["N", 3])], opset=22),
    "bad_matmul": lambda: model(
        [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
        [io("x", ["N", 2, 4])], [io("y", ["N", 2, 3])], [("W", w(4, 3))]),
    "bad_broadcast": lambda: model(
        [helper.make_node("Add", ["x", "c"], ["y"], name="add_wrong")],
        [io("x", ["N", 4])], [io("y", ["N", 4])], [("c", w(3))]),
}


def external_data(d):
    """A model whose weight lives in a file beside it; and one whose file
    is missing."""
    m = model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
              [io("x", ["N", 64])], [io("y", ["N", 32])], [("W", w(64, 32))])
    onnx.save_model(m, os.path.join(d, "external.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external.onnx.data",
                    size_threshold=0)
    m = onnx.load(os.path.join(d, "external.onnx"), load_external_data=False)
    for kv in m.graph.initializer[0].external_data:
        if kv.key == "location":
            kv.value = "nowhere.data"
    onnx.save(m, os.path.join(d, "external_missing.onnx"))


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name in sys.argv[2:]:
        if name == "external":
            external_data(d)
            continue
        onnx.save(MODELS[name](), os.path.join(d, name + ".onnx"))


if __name__ == "__main__":
    main()
