#!/usr/bin/env python3
"""scikit-learn reference metrics for Fovea's evaluation tests.

Writes Tests/FoveaTrainTests/Fixtures/sklearn_metrics.json: for several (y_true, y_pred) sets,
the confusion matrix, per-class precision/recall/F1/support, macro and weighted averages, and
the exact text of classification_report (digits 2 and 4). Run from the repository root.
"""
import json
import pathlib
import warnings

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, precision_recall_fscore_support

warnings.filterwarnings("ignore")
rng = np.random.default_rng(3)
cases = []


def add(name, y_true, y_pred, names):
    labels = list(range(len(names)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    cases.append({
        "name": name, "y_true": list(map(int, y_true)), "y_pred": list(map(int, y_pred)), "class_names": names,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "report_2": classification_report(y_true, y_pred, labels=labels, target_names=names, zero_division=0),
        "report_4": classification_report(y_true, y_pred, labels=labels, target_names=names, digits=4, zero_division=0),
    })


y = rng.integers(0, 5, 200)
noisy = np.where(rng.random(200) < 0.7, y, rng.integers(0, 5, 200))
add("five_classes", y, noisy, ["horizontal_lines", "vertical_lines", "diagonal", "circular", "random_noise"])
y = rng.integers(0, 10, 500)
add("fashion_like", y, np.where(rng.random(500) < 0.85, y, rng.integers(0, 10, 500)),
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
add("never_predicted_class", [0, 1, 2, 2, 1, 0], [0, 0, 2, 2, 0, 0], ["a", "b", "c"])
add("perfect", [0, 1, 1, 0], [0, 1, 1, 0], ["yes", "no"])
path = pathlib.Path("Tests/FoveaTrainTests/Fixtures/sklearn_metrics.json")
path.write_text(json.dumps(cases, indent=1))
print(f"wrote {len(cases)} cases to {path}")
