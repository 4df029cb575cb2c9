#!/usr/bin/env python3
"""Train an sklearn MLPClassifier on the 8x8 handwritten digits that Debian's
python3-sklearn ships, and export it for mlpc.

Writes, next to this script:
  digits.mlir      the trained model in the mlp dialect (entry point @digits)
  digits_test.txt  the held-out digits: label, 64 pixels (scaled to [0,1])
                   and sklearn's predict_proba for each, for the app to check
With --pickle PATH it writes only the fitted classifier, pickled, to PATH
(what `mlpc-export sklearn` reads; tools.sh uses it).
"""
import pickle
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "mlpc-export"))
import mlpc_export  # noqa: E402

digits = load_digits()
x = (digits.data / 16.0).astype(np.float32)
x_train, x_test, y_train, y_test = train_test_split(
    x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)

clf = MLPClassifier(hidden_layer_sizes=(64, 32), activation="relu",
                    max_iter=600, random_state=0)
clf.fit(x_train, y_train)
proba = clf.predict_proba(x_test)
print("sklearn: %d training digits, held-out accuracy %.4f"
      % (len(x_train), clf.score(x_test, y_test)))
if len(sys.argv) == 3 and sys.argv[1] == "--pickle":
    with open(sys.argv[2], "wb") as f:
        pickle.dump(clf, f)
    print("wrote %s" % sys.argv[2])
    sys.exit(0)

with open(os.path.join(here, "digits.mlir"), "w") as f:
    f.write(mlpc_export.from_sklearn(clf, name="digits"))
with open(os.path.join(here, "digits_test.txt"), "w") as f:
    f.write("%d %d %d\n" % (len(x_test), x_test.shape[1], proba.shape[1]))
    for xi, yi, pi in zip(x_test, y_test, proba):
        f.write("%d %s %s\n" % (yi, " ".join("%.9g" % v for v in xi),
                                " ".join("%.9g" % v for v in pi)))
print("wrote digits.mlir and digits_test.txt")
