#!/usr/bin/python3
"""mlpc-export: write trained MLP weights as a model in mlpc's `mlp` dialect.

Sources:
  * scikit-learn: a fitted MLPClassifier or MLPRegressor (any hidden layers,
    activations identity / logistic / tanh / relu; the classifier's output
    activation softmax or logistic is included).
  * scikit-learn Pipelines of StandardScaler / MinMaxScaler / MaxAbsScaler
    ending in such an MLP: the scalers become an affine map before the
    first layer, which mlpc folds into its weights.
  * PyTorch: an nn.Sequential (nested ones too) of nn.Linear and the modules
    ReLU, Sigmoid, Tanh, GELU, LeakyReLU, SiLU, ELU, Softplus, Hardswish,
    Hardsigmoid, ReLU6, Hardtanh, PReLU, LayerNorm, Softmax, LogSoftmax,
    Identity, Dropout and Flatten, with BatchNorm1d folded into the Linear
    layer next to it; or its state_dict plus the list of activations. Any
    other nn.Module: torch.onnx.export it and compile the .onnx file.

Weights are written as `dense_resource` blobs (exact f32 bytes, no decimal
round trip), in PyTorch's [out, in] layout with `transpose_b = true`, so the
compiler can prepack them at compile time.

Command line:
  mlpc-export sklearn MODEL.pkl -o model.mlir [--name NAME]
  mlpc-export torch MODEL.pt -o model.mlir [--name NAME]
  ... [--loss cross_entropy|bce_with_logits|mse [--loss-reduction mean|sum|none]]
      also writes NAME_loss(x, targets) -> (output, loss)
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
LOSSES = ("cross_entropy", "bce_with_logits", "mse")
REDUCTIONS = ("mean", "sum", "none")


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


# Post-ops of a layer: (op, params). Unary ops take a dict of attributes;
# "prelu" takes its slopes (one, or one per output), "layer_norm" a tuple
# (gamma, beta, eps) over the layer's outputs.
_UNARY = ("relu", "sigmoid", "tanh", "gelu", "leaky_relu", "silu", "elu",
          "softplus", "hard_swish", "hard_sigmoid", "clip")


def _post_ops(act, alpha):
    """A layer's activation given as a name (from_layers' original form) or
    as a list of post-ops."""
    if isinstance(act, str):
        if act not in ACTIVATIONS:
            return None
        if act == "none":
            return []
        if act == "gelu_tanh":
            return [("gelu", {"approximate": "tanh"})]
        if act == "leaky_relu":
            return [("leaky_relu", {"alpha": alpha})]
        return [(act, {})]
    return list(act)


def _attrs(params):
    def value(v):
        if isinstance(v, str):
            return '"%s"' % v
        return "%.9e : f32" % float(v)  # MLIR needs the decimal point
    if not params:
        return ""
    return " {%s}" % ", ".join("%s = %s" % (k, value(v))
                               for k, v in sorted(params.items()))


class _Writer:
    """The lines and resource blobs of one entry point."""

    def __init__(self, name):
        self.name, self.lines, self.resources, self.count = name, [], [], 0

    def constant(self, values, shape):
        key = "%s_c%d" % (self.name, self.count)
        self.count += 1
        t = "tensor<%sxf32>" % "x".join(map(str, shape)) if shape else "tensor<f32>"
        self.resources.append('      %s: "%s"' % (key, _blob(values)))
        self.lines.append("  %%%s = arith.constant dense_resource<%s> : %s" % (key, key, t))
        return "%" + key, t

    def op(self, text):
        self.count += 1
        self.lines.append("  %%v%d = %s" % (self.count, text))
        return "%%v%d" % self.count

    def affine(self, cur, width, scale, shift):
        t = "tensor<?x%dxf32>" % width
        if scale is not None:
            s, st = self.constant(scale, [width])
            cur = self.op("mlp.mul %s, %s : %s, %s -> %s" % (cur, s, t, st, t))
        if shift is not None:
            c, ct = self.constant(shift, [width])
            cur = self.op("mlp.add %s, %s : %s, %s -> %s" % (cur, c, t, ct, t))
        return cur

    def post(self, cur, width, op, params, where):
        t = "tensor<?x%dxf32>" % width
        if op in _UNARY:
            return self.op("mlp.%s %s%s : %s -> %s" % (op, cur, _attrs(params), t, t))
        if op == "prelu":
            slope = _as_vector(params)
            if len(slope) not in (1, width):
                raise ExportError("%s: PReLU has %d slopes for %d features"
                                  % (where, len(slope), width))
            s, st = self.constant(slope, [len(slope)] if len(slope) > 1 else [])
            return self.op("mlp.prelu %s, %s : %s, %s -> %s" % (cur, s, t, st, t))
        if op == "layer_norm":
            gamma, beta, eps = params
            g, gt = self.constant(_as_vector(gamma), [width])
            b, bt = self.constant(_as_vector(beta), [width])
            return self.op("mlp.layer_norm %s, %s, %s {epsilon = %.9e : f32} : %s, %s, %s -> %s"
                           % (cur, g, b, float(eps), t, gt, bt, t))
        raise ExportError("%s: unknown operation %r" % (where, op))


def from_layers(layers, head="none", name="model", alpha=0.01, pre=None,
                loss=None, reduction="mean"):
    """Layers: (W [out][in], b [out], activation) triples, PyTorch layout.
    The activation is a name (ACTIVATIONS; leaky_relu's slope is `alpha`)
    or a list of post-ops, e.g. [("elu", {"alpha": 0.5}), ("prelu", [0.25]),
    ("layer_norm", (gamma, beta, 1e-5))]. `pre` is an optional (scale,
    shift) applied to the input features first (a fitted scaler); mlpc
    folds it into the first layer's weights.

    With `loss` (LOSSES), a second entry NAME_loss(x, targets) returns the
    model's output and the loss (`reduction`: "mean", "sum" or "none", a
    loss per row): cross_entropy of the last layer's logits against class
    indices (int32, the index into the classifier's classes), bce_with_logits
    of them against probabilities, or mse of the output against targets."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ExportError("name %r is not a C identifier" % name)
    if head not in HEADS:
        raise ExportError("head must be one of %s" % ", ".join(HEADS))
    if not layers:
        raise ExportError("a model needs at least one layer")
    if loss is not None and loss not in LOSSES:
        raise ExportError("loss must be one of %s" % ", ".join(LOSSES))
    if reduction not in REDUCTIONS:
        raise ExportError("reduction must be one of %s" % ", ".join(REDUCTIONS))
    out = _Writer(name)
    width = None
    cur = "%x"
    for i, (w, b, act) in enumerate(layers):
        posts = _post_ops(act, alpha)
        if posts is None:
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
            if pre is not None:
                scale, shift = pre
                if len(_as_vector(scale)) != k or len(_as_vector(shift)) != k:
                    raise ExportError("the scaler has %d features but the first "
                                      "layer %d inputs" % (len(_as_vector(scale)), k))
                cur = out.affine(cur, k, _as_vector(scale), _as_vector(shift))
        width = n
        in_t, out_t = "tensor<?x%dxf32>" % k, "tensor<?x%dxf32>" % n
        wv, w_t = out.constant([v for r in w for v in r], [n, k])
        bv, b_t = out.constant(b, [n])
        h = out.op("mlp.matmul %s, %s {transpose_b = true} : %s, %s -> %s"
                   % (cur, wv, in_t, w_t, out_t))
        cur = out.op("mlp.add %s, %s : %s, %s -> %s" % (h, bv, out_t, b_t, out_t))
        logits, last_posts = cur, posts
        for op, params in posts:
            cur = out.post(cur, n, op, params, "layer %d" % i)
    out_t = "tensor<?x%dxf32>" % width
    if head != "none":
        cur = out.op("mlp.%s %s : %s -> %s" % (head, cur, out_t, out_t))
    body = list(out.lines)
    out.lines.append("  return %s : %s" % (cur, out_t))
    header = ("// Exported by mlpc-export: %d layer(s), %d inputs -> %d outputs.\n"
              "func.func @%s(%%x: tensor<?x%dxf32>) -> %s {"
              % (len(layers), in_width, width, name, in_width, out_t))
    functions = [header] + out.lines + ["}"]
    if loss is not None:
        functions += [""] + _loss_entry(
            name, body, loss, reduction, in_width, width, cur, logits,
            [op for op, _ in last_posts], head)
    return "\n".join(functions + [
        "", "{-#", "  dialect_resources: {", "    builtin: {",
        ",\n".join(out.resources), "    }", "  }", "#-}", ""])


def _loss_entry(name, body, loss, reduction, in_width, width, output, logits,
                last_posts, head):
    """The lines of NAME_loss: the model's body again (its weights are the
    same resources), then the loss."""
    out_t = "tensor<?x%dxf32>" % width
    if loss in ("cross_entropy", "bce_with_logits"):
        allowed = ("sigmoid",) if loss == "bce_with_logits" else ()
        if any(op not in allowed for op in last_posts) or \
                (loss == "bce_with_logits" and head != "none"):
            raise ExportError(
                "%s takes the last layer's logits, but that layer applies %s;"
                " export the model without it or use --loss mse"
                % (loss, ", ".join(last_posts + ([head] if head != "none"
                                                  else []))))
        if loss == "cross_entropy" and width < 2:
            raise ExportError("cross_entropy needs two or more classes; a "
                              "model with one output takes bce_with_logits")
        value = logits
    else:
        value = output
    if loss == "cross_entropy":
        target_t, op = "tensor<?xi32>", "mlp.cross_entropy"
    else:
        target_t, op = out_t, "mlp." + ("mse_loss" if loss == "mse" else loss)
    loss_t = "tensor<?xf32>" if reduction == "none" else "tensor<1xf32>"
    attrs = "" if reduction == "none" else ' {reduction = "%s"}' % reduction
    return ["// The output and its %s (%s over the batch) against the "
            "targets %%t." % (loss, reduction),
            "func.func @%s_loss(%%x: tensor<?x%dxf32>, %%t: %s) -> (%s, %s) {"
            % (name, in_width, target_t, out_t, loss_t)] + body + [
        "  %%loss = %s %s, %%t%s : %s, %s -> %s"
        % (op, value, attrs, out_t, target_t, loss_t),
        "  return %s, %%loss : %s, %s" % (output, out_t, loss_t), "}"]


_SKLEARN_ACT = {"identity": "none", "logistic": "sigmoid", "tanh": "tanh",
                "relu": "relu"}


def _scaler_affine(step, width):
    """A fitted StandardScaler, MinMaxScaler or MaxAbsScaler as y = s x + t
    per feature."""
    kind = type(step).__name__
    ones, zeros = [1.0] * width, [0.0] * width
    if kind == "StandardScaler":
        scale = _as_vector(step.scale_) if step.scale_ is not None else ones
        mean = _as_vector(step.mean_) if step.mean_ is not None else zeros
        s = [1.0 / v for v in scale]
        return s, [-m * k for m, k in zip(mean, s)]
    if kind == "MinMaxScaler":
        return _as_vector(step.scale_), _as_vector(step.min_)
    if kind == "MaxAbsScaler":
        return [1.0 / v for v in _as_vector(step.scale_)], zeros
    raise ExportError("unsupported pipeline step %s (mlpc-export reads "
                      "StandardScaler, MinMaxScaler and MaxAbsScaler before "
                      "the MLP)" % kind)


def from_sklearn(model, name="model", loss=None, reduction="mean"):
    """A fitted sklearn.neural_network MLPClassifier / MLPRegressor, or a
    Pipeline of scalers (StandardScaler, MinMaxScaler, MaxAbsScaler) ending
    in one; the scalers become a per-feature affine map before the first
    layer, which mlpc folds into its weights."""
    pre = None
    if hasattr(model, "steps"):
        steps = [s for _, s in model.steps if s not in (None, "passthrough")]
        if not steps:
            raise ExportError("the pipeline is empty")
        model, scalers = steps[-1], steps[:-1]
        width = getattr(model, "n_features_in_", None)
        if width is None and hasattr(model, "coefs_"):
            width = len(model.coefs_[0])
        for step in scalers:
            s, t = _scaler_affine(step, width or 0)
            if pre is None:
                pre = (s, t)
            else:  # s2 (s1 x + t1) + t2
                pre = ([b * a for a, b in zip(pre[0], s)],
                       [b * a + c for a, b, c in zip(pre[1], s, t)])
    for attr in ("coefs_", "intercepts_", "activation", "out_activation_"):
        if not hasattr(model, attr):
            raise ExportError("not a fitted scikit-learn MLP or a pipeline of "
                              "scalers and one (no %s)" % attr)
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
    return from_layers(layers, head=head, name=name, pre=pre, loss=loss,
                       reduction=reduction)


def _torch_post_op(module):
    """The post-op an activation-like module applies, None for modules
    that do nothing at inference, or raises for unknown ones."""
    kind = type(module).__name__
    if kind in ("Identity", "Dropout", "Flatten"):
        return None
    simple = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
              "SiLU": "silu", "Hardswish": "hard_swish"}
    if kind in simple:
        return (simple[kind], {})
    if kind == "GELU":
        approx = getattr(module, "approximate", "none")
        return ("gelu", {"approximate": "tanh"} if approx == "tanh" else {})
    if kind == "LeakyReLU":
        return ("leaky_relu", {"alpha": module.negative_slope})
    if kind == "ELU":
        return ("elu", {"alpha": module.alpha})
    if kind == "Softplus":
        if module.beta != 1:
            raise ExportError("Softplus with beta = %r: only beta = 1 is "
                              "supported" % module.beta)
        return ("softplus", {})
    if kind == "Hardsigmoid":
        return ("hard_sigmoid", {"alpha": 1.0 / 6, "beta": 0.5})
    if kind == "ReLU6":
        return ("clip", {"min": 0.0, "max": 6.0})
    if kind == "Hardtanh":
        return ("clip", {"min": module.min_val, "max": module.max_val})
    if kind == "PReLU":
        return ("prelu", module.weight)
    if kind == "LayerNorm":
        if len(module.normalized_shape) != 1:
            raise ExportError("LayerNorm over %d dimensions: only the last "
                              "is supported" % len(module.normalized_shape))
        n = module.normalized_shape[0]
        gamma = module.weight if module.weight is not None else [1.0] * n
        beta = module.bias if module.bias is not None else [0.0] * n
        return ("layer_norm", (gamma, beta, module.eps))
    raise ExportError("unsupported module %s in the Sequential (for any "
                      "other module, export the model with torch.onnx.export "
                      "and compile the .onnx file)" % kind)


def _flatten_sequential(seq):
    """The modules of a Sequential, nested Sequentials opened in place."""
    for module in seq:
        if type(module).__name__ == "Sequential":
            yield from _flatten_sequential(module)
        else:
            yield module


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


def from_torch_sequential(seq, name="model", loss=None, reduction="mean"):
    """An nn.Sequential (nested ones too) of Linear layers and the modules
    _torch_post_op knows; an eval-mode BatchNorm1d is folded into the
    Linear layer right before it (W, b scaled per output), or else into
    the next one (W's columns scaled, W t added to b), as its running
    statistics make it affine."""
    layers, head, pending = [], "none", None
    scale = None  # a BatchNorm1d (s, t) waiting for the next Linear
    for module in _flatten_sequential(seq):
        kind = type(module).__name__
        if kind == "BatchNorm1d":
            s, t = _batchnorm_affine(module)
            if scale is None and pending is not None and not pending[2]:
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
            pending = [module.weight, bias, []]
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
        else:
            post = _torch_post_op(module)
            if post is None:
                continue
            if pending is None:
                raise ExportError("%s must follow a Linear layer" % kind)
            pending[2].append(post)
    if scale is not None:
        raise ExportError("BatchNorm1d must be next to a Linear layer: right "
                          "after one, or with one after it")
    if pending is not None:
        layers.append(pending)
    return from_layers([tuple(l) for l in layers], head=head, name=name,
                       loss=loss, reduction=reduction)


def from_state_dict(state_dict, activations, head="none", name="model",
                    loss=None, reduction="mean"):
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
    return from_layers(layers, head=head, name=name, loss=loss,
                       reduction=reduction)


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
    p.add_argument("--loss", choices=LOSSES,
                   help="also write NAME_loss(x, targets), which returns the "
                   "output and its loss: cross_entropy of the last layer's "
                   "logits against int32 class indices (the index into the "
                   "classifier's classes_), bce_with_logits against "
                   "probabilities, or mse of the output")
    p.add_argument("--loss-reduction", default="mean", choices=REDUCTIONS,
                   help="the loss over the batch: mean (default), sum, or "
                   "none (one loss per row)")
    args = p.parse_args(argv)
    loss = {"loss": args.loss, "reduction": args.loss_reduction}
    try:
        if args.source == "sklearn":
            with open(args.model, "rb") as f:
                text = from_sklearn(pickle.load(f), name=args.name, **loss)
        else:
            import torch  # only needed for this source
            obj = torch.load(args.model, map_location="cpu", weights_only=False) \
                if "weights_only" in torch.load.__code__.co_varnames else \
                torch.load(args.model, map_location="cpu")
            if hasattr(obj, "keys"):
                if not args.activations:
                    raise ExportError("a state_dict needs --activations")
                text = from_state_dict(obj, args.activations.split(","),
                                       head=args.head, name=args.name, **loss)
            else:
                text = from_torch_sequential(obj, name=args.name, **loss)
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
