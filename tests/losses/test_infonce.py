"""InfoNCE against a slow, obvious per-sample reference."""

import math

import torch
import torch.nn.functional as F

from dense_au.losses import info_nce


def slow_info_nce(q, k, queue, tau):
    q, k = F.normalize(q, dim=1), F.normalize(k, dim=1)
    total = 0.0
    for i in range(len(q)):
        negs = queue if queue is not None else torch.cat([k[:i], k[i + 1:]])
        pos = math.exp(float(q[i] @ k[i]) / tau)
        neg = sum(math.exp(float(q[i] @ n) / tau) for n in negs)
        total += -math.log(pos / (pos + neg))
    return total / len(q)


def test_queue_and_batch_variants_equal_reference():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(6, 8, generator=g), torch.randn(6, 8, generator=g)
    queue = F.normalize(torch.randn(10, 8, generator=g), dim=1)
    assert abs(info_nce(q, k, queue, 0.2).item() - slow_info_nce(q, k, queue, 0.2)) < 1e-4
    assert abs(info_nce(q, k, None, 0.5).item() - slow_info_nce(q, k, None, 0.5)) < 1e-4


def test_perfect_positive_and_orthogonal_negatives_gives_small_loss():
    q = torch.eye(4)
    queue = -torch.eye(4)
    assert info_nce(q, q, queue, 0.05).item() < 1e-6
