"""Alignment/uniformity losses against pdist references and closed forms."""

import math

import torch
import torch.nn.functional as F

from dense_au.losses import align_loss, dense_align_uniform, uniform_loss


def test_uniform_loss_equals_pdist_reference():
    x = F.normalize(torch.randn(50, 5, dtype=torch.float64), dim=1)
    ref = torch.pdist(x).pow(2).mul(-2.0).exp().mean().log()
    assert abs(uniform_loss(x, 2.0).item() - ref.item()) < 1e-5


def test_closed_forms_antipodal_and_identical():
    x = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    assert abs(uniform_loss(x, 2.0).item() - (-8.0)) < 1e-5  # -4t
    assert abs(align_loss(x, x).item()) < 1e-7
    assert abs(align_loss(x, -x).item() - 4.0) < 1e-6  # 2^alpha


def test_dense_align_uniform_equals_loop():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(2, 4, 3, generator=g), torch.randn(2, 4, 3, generator=g)
    pos = torch.tensor([[[1, 1, 0], [0, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0], [0, 0, 1]]]).bool()
    qn, kn = F.normalize(q, dim=1), F.normalize(k, dim=1)
    rows = []
    for b in range(2):
        for i in range(3):
            js = pos[b, i].nonzero().flatten().tolist()
            if js:
                rows.append(sum(float((qn[b, :, i] - kn[b, :, j]).norm() ** 2) for j in js) / len(js))
    cells = qn.permute(0, 2, 1).reshape(-1, 4)
    unif = math.log(torch.pdist(cells).pow(2).mul(-2).exp().mean().item())
    expected = sum(rows) / len(rows) + 0.5 * unif
    assert abs(dense_align_uniform(q, k, pos, 2.0, 2.0, 0.5).item() - expected) < 1e-5
