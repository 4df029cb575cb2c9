#!/usr/bin/python3
"""mlpc-export: write trained MLP weights as a model in mlpc's `mlp` dialect.

Sources:
  * scikit-learn: a fitted MLPClassifier or MLPRegressor (any hidden layers,
    activations identity / logistic / tanh / relu; the classifier's output
    activation softmax or logistic is included).
  * PyTorch: an nn.Sequential of nn.Linear and activation modules (ReLU,
    Sigmoid, Tanh, GELU, LeakyReLU, Softmax, LogSoftmax, Identity, Dropout,
    Flatten), with BatchNorm1d folded into the Linear layer next to it, or
    its state_dict plus the list of activations.

Weights are written as `dense_resource` blobs (exact f32 bytes, no decimal
round trip), in PyTorch's [out, in] layout with `transpose_b = true`, so the
compiler can prepack them at compile time.

Command line:
  mlpc-export sklearn MODEL.pkl -o model.mlir [--name NAME]
  mlpc-export torch MODEL.pt -o model.mlir [--name NAME]
      MODEL.pt: a whole nn.Sequential (torch.save(model)), or a state_dict
      together with --activations relu,relu,none [--head softmax]

As a library:
  import mlpc_export
  text = mlpc_export.from_sklearn(clf, name="digits")
  text = mlpc_export.from_layers([(W1, b1, "relu"), (W2, b2, "none")],
                                 head="softmax", name="mnist")
"""

import argparse
import pickle
import re
import struct
import sys

ACTIVATIONS = ("none", "relu", "sigmoid", "tanh", "gelu", "gelu_tanh",
               "leaky_relu")
HEADS = ("none", "softmax", "log_softmax")


class ExportError(Exception):
    pass


def _as_rows(array):
    """A 2-D array-like (numpy, torch, nested lists) as a list of float rows."""
    if hasattr(array, "detach"):  # torch.Tensor
        array = array.detach().cpu().numpy()
    if hasattr(array, "tolist"):
        array = array.tolist()
    rows = [list(map(float, r)) for r in array]
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise ExportError("a weight matrix must be 2-D and rectangular")
    return rows


def _as_vector(array):
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    if hasattr(array, "tolist"):
        array = array.tolist()
    return [float(v) for v in array]


def _blob(values):
    # dense_resource blobs start with their alignment (4 bytes, LE).
    data = struct.pack("<I", 4) + struct.pack("<%df" % len(values), *values)
    return "0x" + data.hex().upper()


def from_layers(layers, head="none", name="model", alpha=0.01):
    """Layers: (W [out][in], b [out], activation) triples, PyTorch layout."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ExportError("name %r is not a C identifier" % name)
    if head not in HEADS:
        raise ExportError("head must be one of %s" % ", ".join(HEADS))
    if not layers:
        raise ExportError("a model needs at least one layer")
    lines, resources = [], []
    width = None
    cur = "%x"
    for i, (w, b, act) in enumerate(layers):
        if act not in ACTIVATIONS:
            raise ExportError("layer %d: unknown activation %r (use one of %s)"
                              % (i, act, ", ".join(ACTIVATIONS)))
        w, b = _as_rows(w), _as_vector(b)
        n, k = len(w), len(w[0])
        if len(b) != n:
            raise ExportError("layer %d: bias has %d values, weight has %d rows"
                              % (i, len(b), n))
        if width is not None and k != width:
            raise ExportError("layer %d takes %d inputs but the previous layer "
                              "gives %d" % (i, k, width))
        if width is None:
            in_width = k
        width = n
        in_t, out_t = "tensor<?x%dxf32>" % k, "tensor<?x%dxf32>" % n
        w_t, b_t = "tensor<%dx%dxf32>" % (n, k), "tensor<%dxf32>" % n
        wname, bname = "%s_w%d" % (name, i), "%s_b%d" % (name, i)
        resources.append('      %s: "%s"' % (wname, _blob([v for r in w for v in r])))
        resources.append('      %s: "%s"' % (bname, _blob(b)))
        lines.append("  %%w%d = arith.constant dense_resource<%s> : %s" % (i, wname, w_t))
        lines.append("  %%b%d = arith.constant dense_resource<%s> : %s" % (i, bname, b_t))
        lines.append("  %%h%d = mlp.matmul %s, %%w%d {transpose_b = true} : %s, %s -> %s"
                     % (i, cur, i, in_t, w_t, out_t))
        lines.append("  %%z%d = mlp.add %%h%d, %%b%d : %s, %s -> %s"
                     % (i, i, i, out_t, b_t, out_t))
        cur = "%%z%d" % i
        if act != "none":
            attrs = ""
            op = act
            if act == "gelu_tanh":
                op, attrs = "gelu", ' {approximate = "tanh"}'
            elif act == "leaky_relu":
                attrs = " {alpha = %r : f32}" % float(alpha)
            lines.append("  %%a%d = mlp.%s %s%s : %s -> %s"
                         % (i, op, cur, attrs, out_t, out_t))
            cur = "%%a%d" % i
    out_t = "tensor<?x%dxf32>" % width
    if head != "none":
        lines.append("  %%p = mlp.%s %s : %s -> %s" % (head, cur, out_t, out_t))
        cur = "%p"
    lines.append("  return %s : %s" % (cur, out_t))
    header = ("// Exported by mlpc-export: %d layer(s), %d inputs -> %d outputs.\n"
              "func.func @%s(%%x: tensor<?x%dxf32>) -> %s {"
              % (len(layers), in_width, width, name, in_width, out_t))
    return "\n".join([header] + lines + [
        "}", "", "{-#", "  dialect_resources: {", "    builtin: {",
        ",\n".join(resources), "    }", "  }", "#-}", ""])


_SKLEARN_ACT = {"identity": "none", "logistic": "sigmoid", "tanh": "tanh",
                "relu": "relu"}


def from_sklearn(model, name="model"):
    """A fitted sklearn.neural_network MLPClassifier / MLPRegressor."""
    for attr in ("coefs_", "intercepts_", "activation", "out_activation_"):
        if not hasattr(model, attr):
            raise ExportError("not a fitted scikit-learn MLP (no %s)" % attr)
    hidden = _SKLEARN_ACT.get(model.activation)
    if hidden is None:
        raise ExportError("unsupported hidden activation %r" % model.activation)
    out, head = model.out_activation_, "none"
    if out == "softmax":
        out, head = "none", "softmax"
    elif out == "logistic":
        out = "sigmoid"
    elif out == "identity":
        out = "none"
    else:
        raise ExportError("unsupported output activation %r" % out)
    layers = []
    count = len(model.coefs_)
    for i, (coef, bias) in enumerate(zip(model.coefs_, model.intercepts_)):
        # sklearn stores [in, out]; the exporter writes [out, in].
        rows = _as_rows(coef)
        w = [list(col) for col in zip(*rows)]
        layers.append((w, bias, hidden if i + 1 < count else out))
    return from_layers(layers, head=head, name=name)


_TORCH_ACT = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
              "Identity": None, "Dropout": None, "Flatten": None}


def _batchnorm_affine(module):
    """An eval-mode BatchNorm1d as y = s * x + t, per feature: its running
    statistics, as model.eval() uses them."""
    if module.running_mean is None or module.running_var is None:
        raise ExportError("BatchNorm1d without running statistics "
                          "(track_running_stats=False) cannot be exported")
    mean = _as_vector(module.running_mean)
    var = _as_vector(module.running_var)
    n = len(mean)
    gamma = _as_vector(module.weight) if module.weight is not None else [1.0] * n
    beta = _as_vector(module.bias) if module.bias is not None else [0.0] * n
    s = [g / (v + module.eps) ** 0.5 for g, v in zip(gamma, var)]
    return s, [b - m * k for b, m, k in zip(beta, mean, s)]


def from_torch_sequential(seq, name="model"):
    """An nn.Sequential of Linear layers and activation modules; an
    eval-mode BatchNorm1d is folded into the Linear layer right before it
    (W, b scaled per output), or else into the next one (W's columns
    scaled, W t added to b), as its running statistics make it affine."""
    layers, head, pending = [], "none", None
    scale = None  # a BatchNorm1d (s, t) waiting for the next Linear
    for module in seq:
        kind = type(module).__name__
        if kind == "BatchNorm1d":
            s, t = _batchnorm_affine(module)
            if scale is None and pending is not None and pending[2] == "none":
                w, b = _as_rows(pending[0]), _as_vector(pending[1])
                if len(s) != len(w):
                    raise ExportError("BatchNorm1d has %d features but the "
                                      "Linear before it %d outputs" % (len(s), len(w)))
                pending[0] = [[k * v for v in row] for k, row in zip(s, w)]
                pending[1] = [k * v + c for k, v, c in zip(s, b, t)]
            elif scale is None:
                scale = (s, t)
            else:  # two in a row: s2 (s1 x + t1) + t2
                s1, t1 = scale
                scale = ([b * a for a, b in zip(s1, s)],
                         [b * a + c for a, b, c in zip(t1, s, t)])
            continue
        if kind == "Linear":
            if pending is not None:
                layers.append(pending)
            bias = module.bias if module.bias is not None else [0.0] * module.out_features
            pending = [module.weight, bias, "none", 0.01]
            if scale is not None:
                s, t = scale
                w, b = _as_rows(pending[0]), _as_vector(pending[1])
                if len(s) != len(w[0]):
                    raise ExportError("BatchNorm1d has %d features but the "
                                      "Linear after it %d inputs" % (len(s), len(w[0])))
                pending[1] = [c + sum(v * u for v, u in zip(row, t))
                              for c, row in zip(b, w)]
                pending[0] = [[v * k for v, k in zip(row, s)] for row in w]
                scale = None
        elif kind in ("Softmax", "LogSoftmax"):
            if getattr(module, "dim", -1) not in (-1, 1, None):
                raise ExportError("%s over dim %r: only the last dim is "
                                  "supported" % (kind, module.dim))
            head = "softmax" if kind == "Softmax" else "log_softmax"
        elif kind in _TORCH_ACT or kind in ("GELU", "LeakyReLU"):
            act = _TORCH_ACT.get(kind)
            if kind == "GELU":
                act = "gelu_tanh" if getattr(module, "approximate", "none") == "tanh" else "gelu"
            if kind == "LeakyReLU":
                act = "leaky_relu"
            if act is None:
                continue
            if pending is None or pending[2] != "none":
                raise ExportError("%s must follow a Linear layer" % kind)
            pending[2] = act
            if kind == "LeakyReLU":
                pending[3] = float(module.negative_slope)
        else:
            raise ExportError("unsupported module %s in the Sequential" % kind)
    if scale is not None:
        raise ExportError("BatchNorm1d must be next to a Linear layer: right "
                          "after one, or with one after it")
    if pending is not None:
        layers.append(pending)
    alphas = {l[3] for l in layers if l[2] == "leaky_relu"}
    if len(alphas) > 1:
        raise ExportError("LeakyReLU slopes differ between layers")
    alpha = alphas.pop() if alphas else 0.01
    return from_layers([(w, b, a) for w, b, a, _ in layers], head=head,
                       name=name, alpha=alpha)


def from_state_dict(state_dict, activations, head="none", name="model"):
    """A Sequential's state_dict ("0.weight", "0.bias", "2.weight", ...)
    with one activation per Linear layer, in order."""
    prefixes = []
    for key in state_dict:
        if key.endswith(".weight"):
            prefixes.append(key[: -len(".weight")])
    if len(prefixes) != len(activations):
        raise ExportError("the state_dict has %d Linear layers but %d "
                          "activations were given" % (len(prefixes), len(activations)))
    layers = []
    for prefix, act in zip(prefixes, activations):
        w = state_dict[prefix + ".weight"]
        b = state_dict.get(prefix + ".bias")
        if b is None:
            b = [0.0] * len(_as_rows(w))
        layers.append((w, b, act))
    return from_layers(layers, head=head, name=name)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="mlpc-export",
        description="Write a trained MLP (scikit-learn or PyTorch) as an mlpc "
                    "model in the mlp MLIR dialect.")
    p.add_argument("source", choices=("sklearn", "torch"))
    p.add_argument("model", help="sklearn: a pickle (pickle/joblib) of a fitted "
                   "MLP; torch: a torch.save'd nn.Sequential or state_dict")
    p.add_argument("-o", "--output", required=True, help="model.mlir to write")
    p.add_argument("--name", default="model",
                   help="name of the C entry point (default: model)")
    p.add_argument("--activations", help="torch state_dict only: one per "
                   "Linear layer, comma separated, from: " + ", ".join(ACTIVATIONS))
    p.add_argument("--head", default="none", choices=HEADS,
                   help="torch state_dict only: softmax / log_softmax at the end")
    args = p.parse_args(argv)
    try:
        if args.source == "sklearn":
            with open(args.model, "rb") as f:
                text = from_sklearn(pickle.load(f), name=args.name)
        else:
            import torch  # only needed for this source
            obj = torch.load(args.model, map_location="cpu", weights_only=False) \
                if "weights_only" in torch.load.__code__.co_varnames else \
                torch.load(args.model, map_location="cpu")
            if hasattr(obj, "keys"):
                if not args.activations:
                    raise ExportError("a state_dict needs --activations")
                text = from_state_dict(obj, args.activations.split(","),
                                       head=args.head, name=args.name)
            else:
                text = from_torch_sequential(obj, name=args.name)
    except (ExportError, OSError, pickle.UnpicklingError) as e:
        print("mlpc-export: error: %s" % e, file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    import os
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
