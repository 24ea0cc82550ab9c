"""Linear classification probe: standardised pooled features, L-BFGS logistic regression,
regularisation chosen on the validation split, reported on the test split (top-1; multi-label
data: one-vs-rest and mean average precision)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import average_precision_score

C_GRID = tuple(float(c) for c in np.logspace(-3, 2, 6))  # inverse regularisation strengths


def standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Scale every split with the training split's mean and standard deviation."""
    mean, std = train.mean(0), train.std(0) + 1e-6
    return [(x - mean) / std for x in (train, *others)]


def mean_average_precision(y: np.ndarray, scores: np.ndarray) -> float:
    """Macro AP over the classes that have at least one positive in `y`."""
    present = y.sum(0) > 0
    return float(average_precision_score(y[:, present], scores[:, present], average="macro"))


class LogisticProbe:
    """Multinomial (or, multi-label, one-vs-rest) logistic regression fitted by full-batch L-BFGS.

    Objective as scikit-learn's: C * sum of losses + ||W||^2 / 2 (bias not penalised), here
    divided by C * N. For multi-label data the per-class binary problems are independent, so
    fitting them jointly equals one-vs-rest.
    """

    def __init__(self, c: float, multilabel: bool, max_iter: int = 100):
        self.c, self.multilabel, self.max_iter = c, multilabel, max_iter

    def fit(self, x: np.ndarray, y: np.ndarray) -> "LogisticProbe":
        xt = torch.as_tensor(x, dtype=torch.float64)
        k = y.shape[1] if self.multilabel else int(y.max()) + 1
        target = torch.as_tensor(y, dtype=torch.float64 if self.multilabel else torch.long)
        self.w = torch.zeros(xt.shape[1], k, dtype=torch.float64, requires_grad=True)
        self.b = torch.zeros(k, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([self.w, self.b], max_iter=self.max_iter, tolerance_grad=1e-7,
                                history_size=20, line_search_fn="strong_wolfe")
        penalty = 1.0 / (2 * self.c * len(xt))

        def closure():
            opt.zero_grad()
            logits = xt @ self.w + self.b
            loss = (F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(xt)
                    if self.multilabel else F.cross_entropy(logits, target))
            loss = loss + penalty * self.w.pow(2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        return self

    @torch.no_grad()
    def decision(self, x: np.ndarray) -> np.ndarray:
        return (torch.as_tensor(x, dtype=torch.float64) @ self.w + self.b).numpy()


def _fit(x: np.ndarray, y: np.ndarray, c: float, multilabel: bool, max_iter: int) -> LogisticProbe:
    return LogisticProbe(c, multilabel, max_iter).fit(x, y)


def _score(model: LogisticProbe, x: np.ndarray, y: np.ndarray, multilabel: bool) -> float:
    scores = model.decision(x)
    if multilabel:
        return mean_average_precision(y, scores)
    return float((scores.argmax(1) == y).mean())


def select_c(train: tuple, val: tuple, multilabel: bool, grid=C_GRID, max_iter: int = 100):
    """The C with the best validation score: reads the train and val splits only."""
    val_scores, best = {}, None
    for c in grid:
        model = _fit(*train, c, multilabel, max_iter)
        val_scores[c] = _score(model, *val, multilabel)
        if best is None or val_scores[c] > val_scores[best[0]]:
            best = (c, model)
    return best[0], best[1], val_scores


def linear_probe(train: tuple, val: tuple, test: tuple, multilabel: bool, grid=C_GRID) -> dict:
    """train/val/test: (features (N, C), labels (N,) or multi-hot (N, K)) numpy arrays."""
    xtr, xva, xte = standardise(train[0], val[0], test[0])
    c, model, val_scores = select_c((xtr, train[1]), (xva, val[1]), multilabel, grid)
    metric = "mAP" if multilabel else "top1"
    return {"metric": metric, "selected_on": "val", "hyperparameters": {"C": c, "C_grid": list(grid)},
            "val_scores": {f"{k:g}": v for k, v in val_scores.items()},
            "scores": {metric: _score(model, xte, test[1], multilabel), f"val_{metric}": val_scores[c]}}
