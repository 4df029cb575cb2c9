#!/usr/bin/python3
"""mlpc-inspect: histograms of every layer of a model compiled by mlpc.

    mlpc-inspect model.so inputs.npy -o layers.png

Runs the traced entry point (mlpc --trace --emit=shared) on the inputs and
draws one panel per layer with the histograms of its pre-activation z and
its output a. Prints, per layer, the share of dead ReLU units (units that
are 0 for every input row) and of saturated sigmoid or tanh outputs
(sigmoid below 0.01 or above 0.99, tanh beyond +-0.99), the signs of a
layer that has stopped learning.
"""

import argparse
import os
import re
import sys

# The mlpc package installed beside this script (<prefix>/bin/mlpc-inspect,
# <prefix>/lib/python3/dist-packages/mlpc), or in the source tree.
_here = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.join(_here, "..", "lib", "python3", "dist-packages"),
           os.path.join(_here, "..", "..", "runtime", "python")):
    if os.path.isdir(os.path.join(_p, "mlpc")):
        sys.path.insert(0, os.path.abspath(_p))
        break

import numpy as np  # noqa: E402

import mlpc  # noqa: E402

SATURATION = {"sigmoid": (0.01, 0.99), "tanh": (-0.99, 0.99)}


def activation_of(layer):
    """The activation a traced value's description names ("dense relu
    'fc1'" -> "relu", "tanh" -> "tanh")."""
    words = layer.split()
    if not words:
        return ""
    word = words[1] if words[0] == "dense" and len(words) > 1 else words[0]
    return word.rstrip(",")


def group_layers(entry):
    """[(title, {"z": name, "a": name}, activation)] in the entry's order:
    z<l> and a<l> share layer l's panel; any other value has its own."""
    groups, index = [], {}
    for name, layer in zip(entry.output_names[len(_outputs_of(entry)):],
                           entry.output_layers[len(_outputs_of(entry)):]):
        m = re.fullmatch(r"([za])(\d+)", name)
        key = m.group(2) if m else name
        if key not in index:
            title = ("layer %s" % key if m else name)
            index[key] = len(groups)
            groups.append([title, {}, ""])
        g = groups[index[key]]
        g[1][m.group(1) if m else "a"] = name
        if not m or m.group(1) == "a":
            g[2] = activation_of(layer)
            g[0] += " (%s)" % layer.replace(", pre-activation", "")
    return [tuple(g) for g in groups]


def _outputs_of(entry):
    """The outputs of the entry that `entry` traces ("out0", ...)."""
    return [n for n in entry.output_names if re.fullmatch(r"out\d+", n)]


def layer_stats(a, activation):
    """(what, fraction) for a layer's output `a` [rows, ...], or None."""
    units = a.reshape(a.shape[0], -1)
    if activation == "relu":
        return "dead ReLU units", float(np.mean(np.all(units == 0, axis=0)))
    if activation in SATURATION:
        low, high = SATURATION[activation]
        return ("saturated %s outputs" % activation,
                float(np.mean((units < low) | (units > high))))
    return None


def traced_entry(model, name):
    traced = [e for e in model.entries.values() if e.trace_of]
    if name:
        traced = [e for e in traced if name in (e.name, e.trace_of)]
    if not traced:
        sys.exit("mlpc-inspect: %s has no traced entry%s; compile it with "
                 "mlpc --trace --emit=shared" %
                 (model.path, " for " + name if name else ""))
    if len(traced) > 1:
        sys.exit("mlpc-inspect: %s has several traced entries (%s); choose "
                 "one with --entry" %
                 (model.path, ", ".join(e.trace_of for e in traced)))
    return traced[0]


def load_inputs(path, entry):
    data = np.load(path)
    if isinstance(data, np.ndarray):
        arrays = [data]
    else:
        arrays = [data[k] for k in data.files]
    if len(arrays) != len(entry.inputs):
        sys.exit("mlpc-inspect: %s holds %d array(s), but %s takes %d input(s)"
                 " (give several inputs as an .npz, in order)"
                 % (path, len(arrays), entry.trace_of, len(entry.inputs)))
    return arrays


def draw(groups, trace, path, bins):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(groups), 1, squeeze=False,
                             figsize=(7, 2.2 * len(groups)))
    for ax, (title, names, _) in zip(axes[:, 0], groups):
        for kind, color in (("z", "tab:blue"), ("a", "tab:orange")):
            if kind in names:
                values = trace[names[kind]].ravel()
                values = values[np.isfinite(values)]
                ax.hist(values, bins=bins, alpha=0.6, color=color,
                        label="%s = %s" % (kind, names[kind]))
        ax.set_title(title, fontsize=9)
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="mlpc-inspect",
        description="Histograms of each layer's z and a, and the share of "
        "dead ReLU units and saturated sigmoid/tanh outputs, from a model "
        "compiled with mlpc --trace --emit=shared.")
    p.add_argument("model", help="the shared library (mlpc --trace "
                   "--emit=shared)")
    p.add_argument("inputs", help="the inputs: an .npy array (rows x "
                   "features), or an .npz of one array per input")
    p.add_argument("-o", "--output", default="layers.png",
                   help="the picture to write (default: layers.png)")
    p.add_argument("--entry", help="which entry point, when the model has "
                   "several traced ones")
    p.add_argument("--bins", type=int, default=60)
    args = p.parse_args(argv)

    try:
        model = mlpc.load(args.model)
    except (OSError, ValueError) as e:
        sys.exit("mlpc-inspect: %s" % e)
    entry = traced_entry(model, args.entry)
    try:
        trace = entry(*load_inputs(args.inputs, entry))
    except (mlpc.Error, ValueError) as e:
        sys.exit("mlpc-inspect: %s" % e)
    groups = group_layers(entry)
    rows = next(iter(trace.values())).shape[0]
    print("%s on %d rows of %s:" % (entry.trace_of, rows, args.inputs))
    for title, names, activation in groups:
        a = trace[names.get("a", names.get("z"))]
        stat = layer_stats(a, activation)
        line = "  %-40s %6d units" % (title, a[0].size)
        if stat:
            line += "  %s: %.1f%%" % (stat[0], 100 * stat[1])
        print(line)
    draw(groups, trace, args.output, args.bins)
    print("wrote %s (%d panels)" % (args.output, len(groups)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
