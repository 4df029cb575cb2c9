"""mlpc-export end to end: export trained sklearn MLPs and a state_dict,
compile them with mlpc into a shared library, call them through ctypes and
compare with the framework's own predictions."""
import ctypes
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.environ["MLPC_EXPORT_DIR"])
import mlpc_export  # noqa: E402

MLPC = os.environ["MLPC"]
CC = os.environ.get("CC", "cc")


def compile_model(text, name, tmp):
    src = os.path.join(tmp, name + ".mlir")
    obj = os.path.join(tmp, name + ".o")
    lib = os.path.join(tmp, "lib" + name + ".so")
    with open(src, "w") as f:
        f.write(text)
    subprocess.run([MLPC, src, "-o", obj], check=True)
    subprocess.run([CC, "-shared", obj, "-o", lib, "-L" + os.environ["MLPC_LIB_DIR"],
                    "-lmlpc_runtime", "-lm", "-lpthread"], check=True)
    fn = getattr(ctypes.CDLL(lib), name)
    fn.restype = ctypes.c_int32
    return fn


def call(fn, x, out_width):
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.zeros((x.shape[0], out_width), dtype=np.float32)
    fp = ctypes.POINTER(ctypes.c_float)
    status = fn(x.ctypes.data_as(fp), y.ctypes.data_as(fp), ctypes.c_int64(x.shape[0]))
    assert status == 0, status
    return y


class ExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def test_sklearn_classifier_matches_predict_proba(self):
        from sklearn.datasets import load_iris
        from sklearn.neural_network import MLPClassifier
        x, y = load_iris(return_X_y=True)
        clf = MLPClassifier(hidden_layer_sizes=(7, 5), activation="tanh",
                            max_iter=300, random_state=1).fit(x, y)
        fn = compile_model(mlpc_export.from_sklearn(clf, name="iris"), "iris", self.tmp)
        got = call(fn, x, 3)
        np.testing.assert_allclose(got, clf.predict_proba(x), atol=2e-6)

    def test_sklearn_binary_classifier_has_sigmoid_output(self):
        from sklearn.neural_network import MLPClassifier
        rng = np.random.default_rng(0)
        x = rng.normal(size=(200, 6))
        y = (x[:, 0] + x[:, 1] > 0).astype(int)
        clf = MLPClassifier(hidden_layer_sizes=(9,), activation="logistic",
                            max_iter=300, random_state=0).fit(x, y)
        text = mlpc_export.from_sklearn(clf, name="binary")
        self.assertIn("mlp.sigmoid", text)
        fn = compile_model(text, "binary", self.tmp)
        got = call(fn, x, 1)
        np.testing.assert_allclose(got[:, 0], clf.predict_proba(x)[:, 1], atol=2e-6)

    def test_sklearn_regressor(self):
        from sklearn.neural_network import MLPRegressor
        rng = np.random.default_rng(1)
        x = rng.normal(size=(150, 4))
        y = np.stack([x.sum(1), x[:, 0] * x[:, 1]], 1)
        reg = MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=200,
                           random_state=0).fit(x, y)
        fn = compile_model(mlpc_export.from_sklearn(reg, name="reg"), "reg", self.tmp)
        np.testing.assert_allclose(call(fn, x, 2), reg.predict(x), rtol=1e-5, atol=1e-5)

    def test_state_dict_with_activations(self):
        rng = np.random.default_rng(2)
        sd = {"0.weight": rng.normal(size=(5, 3)).astype(np.float32),
              "0.bias": rng.normal(size=5).astype(np.float32),
              "2.weight": rng.normal(size=(4, 5)).astype(np.float32),
              "2.bias": rng.normal(size=4).astype(np.float32)}
        text = mlpc_export.from_state_dict(sd, ["gelu", "none"], head="log_softmax", name="sd")
        fn = compile_model(text, "sd", self.tmp)
        x = rng.normal(size=(11, 3)).astype(np.float32)
        from math import erf, sqrt
        h = x.astype(np.float64) @ sd["0.weight"].T + sd["0.bias"]
        h = 0.5 * h * (1 + np.vectorize(erf)(h / sqrt(2)))
        z = h @ sd["2.weight"].T + sd["2.bias"]
        z = z - z.max(1, keepdims=True)
        want = z - np.log(np.exp(z).sum(1, keepdims=True))
        np.testing.assert_allclose(call(fn, x, 4), want, rtol=1e-5, atol=1e-5)

    def test_torch_sequential(self):
        try:
            import torch
        except ImportError:
            self.skipTest("PyTorch is not installed (python3-torch)")
        torch.manual_seed(0)
        seq = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(),
                                  torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1))
        fn = compile_model(mlpc_export.from_torch_sequential(seq, name="seq"), "seq", self.tmp)
        x = torch.randn(5, 6)
        np.testing.assert_allclose(call(fn, x.numpy(), 3), seq(x).detach().numpy(), atol=2e-6)

    def test_torch_batchnorm_is_folded(self):
        # Modules stand-ins of the names and fields from_torch_sequential
        # reads (no PyTorch needed): Linear, eval-mode BatchNorm1d, ReLU.
        rng = np.random.default_rng(3)

        def module(kind, **fields):
            return type(kind, (), fields)()

        def linear(n_in, n_out):
            return module("Linear", weight=rng.normal(size=(n_out, n_in)),
                          bias=rng.normal(size=n_out), out_features=n_out)

        def batchnorm(n):
            return module("BatchNorm1d", running_mean=rng.normal(size=n),
                          running_var=rng.uniform(0.5, 2.0, size=n),
                          weight=rng.normal(size=n), bias=rng.normal(size=n),
                          eps=1e-5)

        def bn(m, h):
            return (h - m.running_mean) / np.sqrt(m.running_var + m.eps) * m.weight + m.bias

        l1, b1, l2, b2, b3 = linear(4, 6), batchnorm(6), linear(6, 3), batchnorm(6), batchnorm(6)
        relu = module("ReLU")
        # Linear, BatchNorm (folded back), ReLU, two BatchNorms (folded
        # forward), Linear.
        seq = [l1, b1, relu, b2, b3, l2]
        fn = compile_model(mlpc_export.from_torch_sequential(seq, name="bn"), "bn", self.tmp)
        x = rng.normal(size=(9, 4))
        h = np.maximum(bn(b1, x @ l1.weight.T + l1.bias), 0)
        want = bn(b3, bn(b2, h)) @ l2.weight.T + l2.bias
        np.testing.assert_allclose(call(fn, x, 3), want, rtol=1e-5, atol=1e-5)
        with self.assertRaisesRegex(mlpc_export.ExportError, "must be next to a Linear"):
            mlpc_export.from_torch_sequential([l1, relu, batchnorm(6)])

    def test_sklearn_pipelines_with_scalers(self):
        # The scaler becomes an affine map before the first layer (folded
        # into its weights by mlpc); the outputs match the pipeline's.
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler
        rng = np.random.default_rng(4)
        x = rng.normal(size=(120, 5)) * [1, 10, 100, 0.1, 3] + [0, 5, -50, 1, 2]
        multi = (x[:, 0] > 0).astype(int) + (x[:, 1] > 5).astype(int)
        cases = [
            (make_pipeline(StandardScaler(), MLPClassifier(
                hidden_layer_sizes=(8,), max_iter=400, random_state=0)), multi, "proba", 3),
            (make_pipeline(MinMaxScaler(), MLPClassifier(
                hidden_layer_sizes=(6, 4), max_iter=400, random_state=0)),
             (x[:, 2] > -50).astype(int), "proba1", 1),
            (make_pipeline(MaxAbsScaler(), StandardScaler(), MLPRegressor(
                hidden_layer_sizes=(7,), max_iter=400, random_state=0)),
             x[:, 0] + x[:, 3], "predict", 1),
        ]
        for i, (pipe, y, kind, width) in enumerate(cases):
            pipe.fit(x, y)
            name = "pipe%d" % i
            text = mlpc_export.from_sklearn(pipe, name=name)
            self.assertIn("mlp.mul", text)
            got = call(compile_model(text, name, self.tmp), x, width)
            if kind == "proba":
                want = pipe.predict_proba(x)
            elif kind == "proba1":
                want = pipe.predict_proba(x)[:, 1:]
            else:
                want = pipe.predict(x).reshape(-1, 1)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=name)
        with self.assertRaisesRegex(mlpc_export.ExportError, "unsupported pipeline step"):
            from sklearn.preprocessing import PolynomialFeatures
            mlpc_export.from_sklearn(make_pipeline(PolynomialFeatures(), cases[0][0][-1]))

    def test_torch_modules_stand_ins(self):
        # Stand-ins of the modules (names and fields from_torch_sequential
        # reads), nested Sequentials, against a numpy reference.
        from math import erf
        rng = np.random.default_rng(5)

        def module(kind, **fields):
            return type(kind, (), fields)()

        def linear(n_in, n_out):
            return module("Linear", weight=rng.normal(size=(n_out, n_in)) / np.sqrt(n_in),
                          bias=rng.normal(size=n_out) * 0.1, out_features=n_out)

        class Sequential(list):
            pass

        gamma, beta = rng.normal(size=6), rng.normal(size=6)
        slopes = rng.uniform(0.05, 0.3, size=6)
        steps = [
            (module("SiLU"), lambda h: h / (1 + np.exp(-h))),
            (module("ELU", alpha=0.7), lambda h: np.where(h > 0, h, 0.7 * np.expm1(h))),
            (module("Softplus", beta=1), lambda h: np.log1p(np.exp(h))),
            (module("Hardswish"), lambda h: h * np.clip(h / 6 + 0.5, 0, 1)),
            (module("Hardsigmoid"), lambda h: np.clip(h / 6 + 0.5, 0, 1)),
            (module("ReLU6"), lambda h: np.clip(h, 0, 6)),
            (module("PReLU", weight=slopes), lambda h: np.where(h >= 0, h, slopes * h)),
            (module("LayerNorm", normalized_shape=(6,), weight=gamma, bias=beta, eps=1e-5),
             lambda h: (h - h.mean(1, keepdims=True)) /
             np.sqrt(h.var(1, keepdims=True) + 1e-5) * gamma + beta),
            (module("GELU", approximate="none"),
             lambda h: 0.5 * h * (1 + np.vectorize(erf)(h / np.sqrt(2)))),
        ]
        seq, ref, n_in = Sequential(), [], 4
        for m, f in steps:
            lin = linear(n_in, 6)
            seq.append(Sequential([lin, module("Dropout"), m, module("Identity")]))
            ref.append((lin, f))
            n_in = 6
        fn = compile_model(mlpc_export.from_torch_sequential(seq, name="mods"), "mods",
                           self.tmp)
        x = rng.normal(size=(13, 4)) * 2
        h = x
        for lin, f in ref:
            h = f(h @ lin.weight.T + lin.bias)
        np.testing.assert_allclose(call(fn, x, 6), h, rtol=2e-5, atol=2e-5)
        with self.assertRaisesRegex(mlpc_export.ExportError, "torch.onnx.export"):
            mlpc_export.from_torch_sequential([linear(2, 2), module("Conv2d")])

    def test_errors_name_the_problem(self):
        with self.assertRaisesRegex(mlpc_export.ExportError, "not a C identifier"):
            mlpc_export.from_layers([([[1.0]], [0.0], "relu")], name="bad-name")
        with self.assertRaisesRegex(mlpc_export.ExportError, "unknown activation 'swish'"):
            mlpc_export.from_layers([([[1.0]], [0.0], "swish")])
        with self.assertRaisesRegex(mlpc_export.ExportError, "layer 1 takes 3 inputs"):
            mlpc_export.from_layers([([[1.0, 2.0]], [0.0], "relu"),
                                     ([[1.0, 2.0, 3.0]], [0.0], "none")])
        with self.assertRaisesRegex(mlpc_export.ExportError, "2 Linear layers but 1"):
            mlpc_export.from_state_dict({"0.weight": [[1.0]], "1.weight": [[1.0]]}, ["relu"])

    def test_loss_entries(self):
        """--loss: NAME_loss(x, targets) returns the output and the loss,
        which matches scikit-learn's log_loss and the float64 formulas."""
        from sklearn.datasets import load_iris
        from sklearn.metrics import log_loss
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        i32p = ctypes.POINTER(ctypes.c_int32)
        fp = ctypes.POINTER(ctypes.c_float)

        def loss_call(fn, x, t, width, rows):
            x = np.ascontiguousarray(x, dtype=np.float32)
            y = np.zeros((x.shape[0], width), dtype=np.float32)
            loss = np.zeros(rows, dtype=np.float32)
            tp = t.ctypes.data_as(i32p if t.dtype == np.int32 else fp)
            status = fn(x.ctypes.data_as(fp), tp, y.ctypes.data_as(fp),
                        loss.ctypes.data_as(fp), ctypes.c_int64(x.shape[0]))
            return status, y, loss

        x, labels = load_iris(return_X_y=True)
        clf = MLPClassifier(hidden_layer_sizes=(7,), max_iter=300,
                            random_state=1).fit(x, labels)
        text = mlpc_export.from_sklearn(clf, name="iris", loss="cross_entropy")
        self.assertIn("mlp.cross_entropy", text)
        fn = compile_model(text, "iris_loss", self.tmp)
        t = np.ascontiguousarray(labels, dtype=np.int32)
        status, y, loss = loss_call(fn, x, t, 3, 1)
        self.assertEqual(status, 0)
        np.testing.assert_allclose(y, clf.predict_proba(x), atol=2e-6)
        np.testing.assert_allclose(loss[0], log_loss(labels, clf.predict_proba(x)),
                                   rtol=2e-5)
        t[5] = 3
        self.assertEqual(loss_call(fn, x, t, 3, 1)[0], 7)  # MLPC_ERR_BAD_INDEX

        # A binary classifier's logit against the positive class: BCE per row.
        rng = np.random.default_rng(0)
        xb = rng.normal(size=(100, 4))
        yb = (xb[:, 0] > xb[:, 1]).astype(int)
        bin_clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=200,
                                random_state=0).fit(xb, yb)
        text = mlpc_export.from_sklearn(bin_clf, name="bin", loss="bce_with_logits",
                                        reduction="none")
        fn = compile_model(text, "bin_loss", self.tmp)
        status, p, loss = loss_call(fn, xb, np.ascontiguousarray(yb[:, None], np.float32),
                                    1, 100)
        self.assertEqual(status, 0)
        q = bin_clf.predict_proba(xb)[:, 1]
        want = -(yb * np.log(q) + (1 - yb) * np.log1p(-q))
        np.testing.assert_allclose(loss, want, rtol=1e-4, atol=1e-6)

        # A regressor's MSE, summed over the batch.
        reg = MLPRegressor(hidden_layer_sizes=(5,), max_iter=100,
                           random_state=0).fit(xb, xb[:, :2])
        text = mlpc_export.from_sklearn(reg, name="reg", loss="mse", reduction="sum")
        fn = compile_model(text, "reg_loss", self.tmp)
        target = np.ascontiguousarray(xb[:, :2], np.float32)
        status, y, loss = loss_call(fn, xb, target, 2, 1)
        self.assertEqual(status, 0)
        want = ((reg.predict(xb) - xb[:, :2]) ** 2).mean(axis=1).sum()
        np.testing.assert_allclose(loss[0], want, rtol=1e-4)

        with self.assertRaisesRegex(mlpc_export.ExportError,
                                    "takes the last layer's logits, but that layer applies sigmoid"):
            mlpc_export.from_sklearn(bin_clf, loss="cross_entropy")
        with self.assertRaisesRegex(mlpc_export.ExportError, "loss must be one of"):
            mlpc_export.from_sklearn(clf, loss="hinge")

    def test_command_line(self):
        import pickle
        from sklearn.neural_network import MLPClassifier
        x = np.random.default_rng(3).normal(size=(60, 4))
        clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=50, random_state=0)
        clf.fit(x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int))
        pkl = os.path.join(self.tmp, "clf.pkl")
        with open(pkl, "wb") as f:
            pickle.dump(clf, f)
        out = os.path.join(self.tmp, "cli.mlir")
        tool = os.path.join(os.environ["MLPC_EXPORT_DIR"], "mlpc_export.py")
        subprocess.run([sys.executable, tool, "sklearn", pkl, "-o", out, "--name", "cli"], check=True)
        with open(out) as f:
            fn = compile_model(f.read(), "cli", self.tmp)
        np.testing.assert_allclose(call(fn, x, 3), clf.predict_proba(x), atol=2e-6)
        subprocess.run([sys.executable, tool, "sklearn", pkl, "-o", out, "--name",
                        "cli", "--loss", "cross_entropy", "--loss-reduction", "sum"],
                       check=True)
        with open(out) as f:
            text = f.read()
        self.assertIn("func.func @cli_loss(%x: tensor<?x4xf32>, %t: tensor<?xi32>)", text)
        self.assertIn('{reduction = "sum"}', text)
        bad = subprocess.run([sys.executable, tool, "sklearn", out, "-o", out + "2"],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("mlpc-export: error:", bad.stderr)
        self.assertFalse(os.path.exists(out + "2"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
