"""Weighted kNN classifier on L2-normalised pooled features (k = 20, T = 0.07, weights e^{cos/T})."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def knn_scores(train_x: Tensor, train_y: Tensor, query_x: Tensor, num_classes: int, k: int = 20,
               temperature: float = 0.07, chunk: int = 1024) -> Tensor:
    """(Q, num_classes) summed weights exp(cos/T) of each class among the k nearest neighbours.

    train_y: (N,) class ids, or (N, num_classes) multi-hot for multi-label data.
    """
    bank = F.normalize(train_x.float(), dim=1)
    onehot = train_y.float() if train_y.dim() == 2 else F.one_hot(train_y, num_classes).float()
    k = min(k, len(bank))
    out = []
    for s in range(0, len(query_x), chunk):
        sim = F.normalize(query_x[s:s + chunk].float(), dim=1) @ bank.T
        top, idx = sim.topk(k, dim=1)
        weights = (top / temperature).exp()
        out.append(torch.einsum("qk,qkc->qc", weights, onehot[idx]))
    return torch.cat(out)


def knn_probe(train: tuple, val: tuple, test: tuple, num_classes: int, multilabel: bool, k: int = 20,
              temperature: float = 0.07) -> dict:
    """Fixed protocol (nothing is tuned): training split as the memory bank, val and test scored."""
    from dense_au.evaluate.linear import mean_average_precision

    def score(split) -> float:
        s = knn_scores(train[0], train[1], split[0], num_classes, k, temperature)
        if multilabel:
            return mean_average_precision(split[1].numpy(), s.numpy())
        return float((s.argmax(1) == split[1]).float().mean())

    metric = "mAP" if multilabel else "top1"
    return {"metric": metric, "selected_on": "none (fixed protocol)",
            "hyperparameters": {"k": k, "temperature": temperature},
            "scores": {metric: score(test), f"val_{metric}": score(val)}}
