"""Independent reference for Attest's clean metrics: scikit-learn on the same predictions.

Reads JSON {labels, probabilities (n x k), predicted, classes} from argv[1]; prints JSON with the confusion
matrix, per-class recall / precision / F1, specificity from the confusion matrix, per-class one-vs-rest ROC AUC,
macro and weighted AUC, and a few ROC points per class.
"""
import json
import sys

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score, roc_curve

data = json.load(open(sys.argv[1]))
y = np.array(data["labels"])
p = np.array(data["probabilities"], dtype=np.float64)
pred = np.array(data["predicted"])
k = len(data["classes"])
labels = list(range(k))
cm = confusion_matrix(y, pred, labels=labels)
precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
n = cm.sum()
specificity = []
for c in labels:
    fp = cm[:, c].sum() - cm[c, c]
    negatives = n - cm[c, :].sum()
    specificity.append(float((negatives - fp) / negatives))
auc = [float(roc_auc_score(y == c, p[:, c])) for c in labels]
curves = []
for c in labels:
    fpr, tpr, thr = roc_curve(y == c, p[:, c], drop_intermediate=False)
    curves.append({"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr[1:].tolist()})
print(
    json.dumps(
        {
            "confusion": cm.tolist(),
            "recall": recall.tolist(),
            "precision": precision.tolist(),
            "f1": f1.tolist(),
            "specificity": specificity,
            "auc": auc,
            "macroAuc": float(roc_auc_score(y, p, multi_class="ovr", average="macro")),
            "weightedAuc": float(roc_auc_score(y, p, multi_class="ovr", average="weighted")),
            "curves": curves,
        }
    )
)
