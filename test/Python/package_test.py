"""The mlpc Python package and mlpc-inspect, on models compiled here with
--trace --emit=shared: the digits example, a classifier with a loss, and a
tanh/sigmoid model that saturates."""
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np

SRC = os.environ["MLPC_SRC"]
MLPC = os.environ["MLPC"]
RUNTIME = os.environ["MLPC_RUNTIME_LIB"]
sys.path.insert(0, os.path.join(SRC, "runtime", "python"))
sys.path.insert(0, os.path.join(SRC, "tools", "mlpc-inspect"))
import mlpc  # noqa: E402
import mlpc_inspect  # noqa: E402

SATURATING = """
func.func @squash(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %w1 = arith.constant dense<[[3.0, -2.0, 1.0, 0.5], [0.1, 0.2, -0.3, 0.4],
                              [-4.0, 4.0, 2.0, -1.0], [1.0, 1.0, 1.0, 1.0],
                              [0.0, 0.0, 0.0, 0.01]]> : tensor<5x4xf32>
  %b1 = arith.constant dense<0.0> : tensor<5xf32>
  %w2 = arith.constant dense<[[1.0, -2.0, 3.0, 0.5, 0.0], [0.2, 0.2, 0.2, 0.2, 0.2],
                              [-3.0, 0.0, 3.0, 0.0, 1.0]]> : tensor<3x5xf32>
  %b2 = arith.constant dense<[0.0, 0.1, -0.1]> : tensor<3xf32>
  %h = mlp.dense %x, %w1, %b1 {activation = "tanh", transpose_w = true}
      : tensor<?x4xf32>, tensor<5x4xf32>, tensor<5xf32> -> tensor<?x5xf32>
  %y = mlp.dense %h, %w2, %b2 {activation = "sigmoid", transpose_w = true}
      : tensor<?x5xf32>, tensor<3x5xf32>, tensor<3xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
"""

CLASSIFIER = """
func.func @scores(%x: tensor<?x3xf32>) -> tensor<?x4xf32> {
  %w = arith.constant dense<[[0.5, -1.0, 2.0], [1.5, 0.25, -0.5],
                             [-2.0, 1.0, 0.0], [0.0, 0.5, 0.5]]> : tensor<4x3xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3, 0.0]> : tensor<4xf32>
  %z = mlp.dense %x, %w, %b {transpose_w = true}
      : tensor<?x3xf32>, tensor<4x3xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %z : tensor<?x4xf32>
}
func.func @scores_loss(%x: tensor<?x3xf32>, %t: tensor<?xi32>) -> (tensor<?x4xf32>, tensor<?xf32>) {
  %z = call @scores(%x) : (tensor<?x3xf32>) -> tensor<?x4xf32>
  %l = mlp.cross_entropy %z, %t : tensor<?x4xf32>, tensor<?xi32> -> tensor<?xf32>
  return %z, %l : tensor<?x4xf32>, tensor<?xf32>
}
"""


TMP = tempfile.mkdtemp()


def compile_shared(source, name, *flags):
    """`source` (a path, or MLIR text) as TMP/name.so."""
    if not os.path.exists(source):
        path = os.path.join(TMP, name + ".mlir")
        with open(path, "w") as f:
            f.write(source)
        source = path
    out = os.path.join(TMP, name + ".so")
    subprocess.run([MLPC, source, "--emit=shared", "--runtime-lib=" + RUNTIME,
                    "-o", out] + list(flags), check=True)
    return out


DIGITS_SO = compile_shared(os.path.join(SRC, "examples", "digits",
                                        "digits.mlir"), "digits", "--trace")


def digits_inputs():
    rows = np.loadtxt(os.path.join(SRC, "examples", "digits",
                                   "digits_test.txt"), skiprows=1)
    return rows[:, 1:65].astype(np.float32), rows[:, 65:75]


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.digits_so = TMP, DIGITS_SO
        cls.classifier_so = compile_shared(CLASSIFIER, "classifier")

    def test_entries_are_callables(self):
        m = mlpc.load(self.digits_so)
        self.assertEqual(sorted(m.entries), ["digits", "digits_trace"])
        x, want = digits_inputs()
        p = m.digits(x)
        self.assertIsInstance(p, np.ndarray)
        self.assertEqual(p.shape, (450, 10))
        self.assertEqual(p.dtype, np.float32)
        # The probabilities the example's file was written with.
        np.testing.assert_allclose(p, want, atol=1e-5)
        # Any array-like of the right shape; one row without its batch axis.
        np.testing.assert_array_equal(m.digits(x[:3].astype(np.float64)),
                                      p[:3])
        np.testing.assert_array_equal(m.digits(x[5]), p[5:6])

    def test_trace_is_a_dict_of_layers(self):
        m = mlpc.load(self.digits_so)
        x, _ = digits_inputs()
        t = m.digits_trace(x)
        self.assertEqual(list(t), ["out0", "z1", "a1", "z2", "a2", "z3", "a3"])
        np.testing.assert_array_equal(t["out0"], m.digits(x))
        np.testing.assert_array_equal(t["a1"], np.maximum(t["z1"], 0))
        np.testing.assert_array_equal(t["a2"], np.maximum(t["z2"], 0))
        z3 = t["z3"].astype(np.float64)
        e = np.exp(z3 - z3.max(axis=1, keepdims=True))
        np.testing.assert_allclose(t["a3"], e / e.sum(axis=1, keepdims=True),
                                   atol=1e-6)
        self.assertEqual(t["z2"].shape, (450, 32))
        self.assertEqual(m.digits_trace.output_layers[1],
                         "dense relu, pre-activation")

    def test_out_arrays_are_written_in_place(self):
        m = mlpc.load(self.digits_so)
        x, _ = digits_inputs()
        want = m.digits_trace(x)
        out = {k: np.full_like(v, -1) for k, v in want.items()}
        got = m.digits_trace(x, out=out)
        self.assertIsInstance(got, dict)
        for k in want:
            self.assertIs(got[k], out[k])
            np.testing.assert_array_equal(got[k], want[k])
        y = np.empty((450, 10), np.float32)
        self.assertIs(m.digits(x, out=y), y)
        np.testing.assert_array_equal(y, want["out0"])
        with self.assertRaises(ValueError):
            m.digits(x, out=np.empty((450, 10), np.float64))
        with self.assertRaises(ValueError):
            m.digits(x, out=np.empty((449, 10), np.float32))

    def test_status_codes_are_exceptions(self):
        m = mlpc.load(self.digits_so)
        with self.assertRaises(mlpc.BadBatchError) as e:
            m.digits(np.zeros((0, 64), np.float32))
        self.assertEqual(e.exception.status, 2)
        self.assertEqual(e.exception.message, m.status_string(2))
        self.assertIn("bad batch size", str(e.exception))
        self.assertIsInstance(e.exception, mlpc.Error)
        with self.assertRaises(ValueError):
            m.digits(np.zeros((2, 63), np.float32))
        with self.assertRaises(TypeError):
            m.digits()

    def test_class_indices(self):
        m = mlpc.load(self.classifier_so)
        x = np.array([[1, 2, 3], [-1, 0.5, 2]], np.float32)
        z, loss = m.scores_loss(x, np.array([2, 0]))  # int64: converted
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        np.testing.assert_allclose(loss, -logp[[0, 1], [2, 0]], rtol=1e-6)
        with self.assertRaises(mlpc.BadIndexError) as e:
            m.scores_loss(x, [2, 4])
        self.assertEqual(e.exception.status, 7)
        self.assertIsInstance(e.exception, IndexError)
        with self.assertRaises(ValueError):
            m.scores_loss(x, [1, 2, 3])  # the inputs disagree on the batch

    def test_not_an_mlpc_library(self):
        with self.assertRaises(OSError):
            mlpc.load(os.path.join(self.tmp, "missing.so"))


class Inspect(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.digits_so = TMP, DIGITS_SO
        cls.squash_so = compile_shared(SATURATING, "squash", "--trace")

    def inspect(self, so, x, name):
        npy = os.path.join(self.tmp, name + ".npy")
        png = os.path.join(self.tmp, name + ".png")
        np.save(npy, x)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(mlpc_inspect.main([so, npy, "-o", png]), 0)
        return out.getvalue(), png

    def shares(self, printed):
        return [float(v) / 100 for v in re.findall(r": ([0-9.]+)%", printed)]

    def test_digits(self):
        x, _ = digits_inputs()
        printed, png = self.inspect(self.digits_so, x, "digits")
        import matplotlib.image
        image = matplotlib.image.imread(png)
        # One panel per layer: 2.2 inches each at 90 dpi.
        self.assertEqual(image.shape[0], round(3 * 2.2 * 90))
        self.assertIn("(3 panels)", printed)
        t = mlpc.load(self.digits_so).digits_trace(x)
        want = [np.mean(np.all(t[a] == 0, axis=0)) for a in ("a1", "a2")]
        got = self.shares(printed)
        self.assertEqual(len(got), 2, printed)
        np.testing.assert_allclose(got, want, atol=0.0005)
        self.assertIn("dead ReLU units", printed)

    def test_saturation(self):
        x = np.random.default_rng(0).normal(0, 3, (200, 4)).astype(np.float32)
        printed, png = self.inspect(self.squash_so, x, "squash")
        t = mlpc.load(self.squash_so).squash_trace(x)
        want = [np.mean(np.abs(t["a1"]) > 0.99),
                np.mean((t["a2"] < 0.01) | (t["a2"] > 0.99))]
        np.testing.assert_allclose(self.shares(printed), want, atol=0.0005)
        self.assertIn("saturated tanh outputs", printed)
        self.assertIn("saturated sigmoid outputs", printed)
        self.assertGreater(want[0], 0.1)

    def test_untraced_model_is_an_error(self):
        so = compile_shared(os.path.join(SRC, "examples", "digits",
                                         "digits.mlir"), "plain")
        npy = os.path.join(self.tmp, "x.npy")
        np.save(npy, np.zeros((1, 64), np.float32))
        with self.assertRaises(SystemExit) as e:
            mlpc_inspect.main([so, npy])
        self.assertIn("--trace", str(e.exception.code))


if __name__ == "__main__":
    unittest.main(verbosity=2)
