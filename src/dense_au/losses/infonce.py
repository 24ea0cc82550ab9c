"""InfoNCE on global embeddings (MoCo with a queue, or in-batch negatives as in SimCLR)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def info_nce(q: Tensor, k: Tensor, queue: Tensor | None = None, tau: float = 0.2) -> Tensor:
    """Mean over i of -log softmax of the positive logit q_i.k_i / tau.

    q, k: (N, D) queries and their positive keys; normalised here.
    queue: (K, D) normalised negative keys; None uses the other keys of the batch instead.
    """
    q, k = F.normalize(q.float(), dim=1), F.normalize(k.float(), dim=1)
    if queue is None:
        logits = q @ k.T  # positives on the diagonal, other images' keys as negatives
        return F.cross_entropy(logits / tau, torch.arange(len(q), device=q.device))
    pos = (q * k).sum(dim=1, keepdim=True)
    logits = torch.cat([pos, q @ queue.float().T], dim=1)
    return F.cross_entropy(logits / tau, torch.zeros(len(q), dtype=torch.long, device=q.device))
