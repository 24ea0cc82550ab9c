"""Wang & Isola's alignment + uniformity as a training objective (global or dense)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def align_loss(x: Tensor, y: Tensor, alpha: float = 2.0) -> Tensor:
    """Mean ||x_i - y_i||^alpha over rows, on normalised rows."""
    x, y = F.normalize(x.float(), dim=1), F.normalize(y.float(), dim=1)
    return (x - y).norm(dim=1).pow(alpha).mean()


def uniform_loss(x: Tensor, t: float = 2.0) -> Tensor:
    """log mean over pairs i<j of exp(-t ||x_i - x_j||^2), on normalised rows (differentiable).

    Uses ||x-y||^2 = 2 - 2<x,y>; the Gram matrix is symmetric, so the log-sum-exp over ordered
    pairs i != j minus log(n(n-1)) equals the one over i < j. Fine at training batch sizes.
    """
    x = F.normalize(x.float(), dim=1)
    n = len(x)
    logits = -t * (2 - 2 * (x @ x.T)).clamp(min=0)
    logits = logits.masked_fill(torch.eye(n, dtype=torch.bool, device=x.device), float("-inf"))
    return torch.logsumexp(logits.flatten(), dim=0) - math.log(n * (n - 1))


def dense_align_uniform(q: Tensor, k: Tensor, positives: Tensor, alpha: float = 2.0, t: float = 2.0,
                        unif_weight: float = 1.0) -> Tensor:
    """Alignment over positive cell pairs plus `unif_weight` x uniformity of all query cells.

    q, k: (B, D, P); positives: (B, P, P) bool. Each contributing query cell weighs the same.
    """
    q, k = F.normalize(q.float(), dim=1), F.normalize(k.float(), dim=1)
    sq = (2 - 2 * torch.einsum("bdi,bdj->bij", q, k)).clamp(min=0)  # unit vectors: ||q-k||^2
    dist = sq.pow(alpha / 2)
    pos = positives.float()
    rows = positives.any(dim=-1)
    if not rows.any():
        raise ValueError("dense_align_uniform: no query cell has a positive (empty positives mask)")
    align = ((dist * pos).sum(-1) / pos.sum(-1).clamp(min=1))[rows].mean()
    cells = q.permute(0, 2, 1).reshape(-1, q.shape[1])
    return align + unif_weight * uniform_loss(cells, t)


def global_align_uniform(q: Tensor, k: Tensor, alpha: float = 2.0, t: float = 2.0,
                         unif_weight: float = 1.0) -> Tensor:
    return align_loss(q, k, alpha) + unif_weight * uniform_loss(q, t)
