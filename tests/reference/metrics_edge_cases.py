#!/usr/bin/env python3
"""Expected detection metrics for edge cases (ties, few points, separable data), from sklearn 1.2.1 itself.

Writes ../Sta.MLNet.Tests/Evaluation/metrics_edge_cases.json. Run with Debian's python3 (python3-sklearn 1.2.1,
python3-numpy 1.24.2). The metric definitions are DeepfakeBench's (docs/design.md,
"Metrics"): AUC = auc(roc_curve(...)), EER = fpr at the first argmin |1 - tpr - fpr| of the same thinned ROC,
AP = average_precision_score, ACC = mean((score > 0.5) == label).
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import auc, average_precision_score, roc_curve

assert sklearn.__version__ == "1.2.1", sklearn.__version__


def metrics(name, labels, scores):
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    fpr, tpr, thr = roc_curve(y, s, pos_label=1)
    eer_index = int(np.nanargmin(np.abs((1 - tpr) - fpr)))
    return {
        "name": name,
        "labels": [int(v) for v in y],
        "scores": [float(v) for v in s],
        "auc": float(auc(fpr, tpr)),
        "eer": float(fpr[eer_index]),
        "eer_index": eer_index,
        "ap": float(average_precision_score(y, s)),
        "acc": float(np.mean((s > 0.5) == y)),
        "roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()},
    }


rs = np.random.RandomState(7)
cases = [
    metrics("two-points", [0, 1], [0.2, 0.8]),
    metrics("reversed", [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]),
    metrics("all-scores-tied", [0, 1, 1, 0, 1], [0.5] * 5),
    metrics("separable-with-ties", [0, 0, 1, 1, 1, 0], [0.25, 0.25, 0.75, 0.75, 1.0, 0.0]),
    metrics("threshold-exactly-half", [1, 0, 1, 0], [0.5, 0.5, 0.5000001, 0.4999999]),
    metrics("coarse-ties-random", rs.binomial(1, 0.4, 60).tolist(), (rs.randint(0, 5, 60) / 4.0).tolist()),
    metrics("fine-random", rs.binomial(1, 0.5, 300).tolist(), rs.uniform(0, 1, 300).tolist()),
]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sta.MLNet.Tests", "Evaluation", "metrics_edge_cases.json")
with open(out, "w") as f:
    json.dump({"generator": "tests/reference/metrics_edge_cases.py", "sklearn_version": sklearn.__version__, "cases": cases}, f, indent=1)
print("wrote", os.path.normpath(out), len(cases), "cases")
