"""Dense InfoNCE against a per-cell loop, for single and multiple positives."""

import math

import pytest
import torch
import torch.nn.functional as F

from dense_au.losses import dense_info_nce, pooled_keys
from dense_au.losses.dense_infonce import keys_logsumexp


def slow_dense(q, k, pos, queue, tau):
    q, k = F.normalize(q, dim=1), F.normalize(k, dim=1)
    rows = []
    for b in range(q.shape[0]):
        if queue is None:
            negs = [pooled_keys(k[c:c + 1])[0] for c in range(q.shape[0]) if c != b]
        else:
            negs = list(queue)
        for i in range(q.shape[2]):
            js = pos[b, i].nonzero().flatten().tolist()
            if not js:
                continue
            neg = sum(math.exp(float(q[b, :, i] @ n) / tau) for n in negs)
            terms = []
            for j in js:
                p = math.exp(float(q[b, :, i] @ k[b, :, j]) / tau)
                terms.append(-math.log(p / (p + neg)))
            rows.append(sum(terms) / len(terms))
    return sum(rows) / len(rows)


def _inputs(seed=0, b=3, d=6, p=5):
    g = torch.Generator().manual_seed(seed)
    q, k = torch.randn(b, d, p, generator=g), torch.randn(b, d, p, generator=g)
    pos = torch.rand(b, p, p, generator=g) < 0.3
    pos[0, 0] = False  # a row without positives must not count
    return q, k, pos


def test_multi_positive_with_queue_equals_reference():
    q, k, pos = _inputs()
    queue = F.normalize(torch.randn(7, 6), dim=1)
    assert abs(dense_info_nce(q, k, pos, queue, 0.2).item() - slow_dense(q, k, pos, queue, 0.2)) < 1e-4


def test_single_positive_batch_negatives_equals_reference():
    q, k, _ = _inputs(1)
    pos = F.one_hot(torch.randint(5, (3, 5)), 5).bool()
    assert abs(dense_info_nce(q, k, pos, None, 0.3).item() - slow_dense(q, k, pos, None, 0.3)) < 1e-4


def test_pooled_keys_are_unit_means_of_unit_cells():
    k = torch.randn(2, 4, 3)
    ref = F.normalize(F.normalize(k, dim=1).mean(2), dim=1)
    assert torch.allclose(pooled_keys(k), ref) and torch.allclose(pooled_keys(k).norm(dim=1), torch.ones(2))


def test_empty_positive_mask_is_an_error():
    q, k, pos = _inputs()
    try:
        dense_info_nce(q, k, torch.zeros_like(pos), None)
    except ValueError as exc:
        assert "empty positives" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_keys_logsumexp_matches_torch_in_value_and_gradient():
    g = torch.Generator().manual_seed(3)
    q = torch.randn(7, 4, generator=g, dtype=torch.float64, requires_grad=True)
    keys = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(7, generator=g, dtype=torch.float64)
    ours, ref = keys_logsumexp(q, keys), torch.logsumexp(q @ keys.t(), dim=1)
    torch.testing.assert_close(ours, ref)
    grads = torch.autograd.grad((ours * w).sum(), (q, keys))
    ref_grads = torch.autograd.grad((ref * w).sum(), (q, keys))
    for a, b in zip(grads, ref_grads):
        torch.testing.assert_close(a, b)


def test_keys_logsumexp_does_not_overflow_at_small_temperatures():
    # logits up to 1/tau = 500: exp would overflow float32 without the row max
    q = F.normalize(torch.randn(6, 8), dim=1) / 0.002
    keys = F.normalize(torch.randn(9, 8), dim=1)
    out = keys_logsumexp(q, keys)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, torch.logsumexp(q.double() @ keys.double().t(), dim=1).float())


def test_keys_logsumexp_refuses_a_second_backward():
    q = torch.randn(4, 3, requires_grad=True)
    out = keys_logsumexp(q, torch.randn(5, 3)).sum()
    out.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="backward ran twice"):
        out.backward()
