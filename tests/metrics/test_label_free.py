"""Label-free metrics against the oracles of the reference."""

import math

import pytest
import torch

from dense_au.metrics import (MetricInputError, alpha_req, alpha_req_fit, effective_rank, nesum, rankme,
                              stable_rank, wasserstein_uniformity)


def with_singular_values(sigma, n=200, d=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    u, _ = torch.linalg.qr(torch.randn(n, len(sigma), generator=g, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(d, len(sigma), generator=g, dtype=torch.float64))
    return u @ torch.diag(torch.as_tensor(sigma, dtype=torch.float64)) @ v.T


def test_equal_singular_values_give_their_count():
    z = with_singular_values([3.0] * 10)
    assert effective_rank(z).item() == pytest.approx(10.0, abs=1e-6)
    assert rankme(z).item() == pytest.approx(10.0009, abs=2e-4)


def test_gram_route_equals_svd_route():
    z = torch.randn(300, 20, dtype=torch.float64)
    assert rankme(z).item() == pytest.approx(rankme(z.T.contiguous()[:, :300].T).item())  # same matrix
    sv = torch.linalg.svdvals(z)
    p = sv / sv.sum() + 1e-7
    assert rankme(z).item() == pytest.approx(math.exp(-(p * p.log()).sum().item()), rel=1e-9)


def test_isotropic_and_rank_one():
    iso = torch.randn(20000, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert nesum(iso).item() == pytest.approx(16, rel=0.1)
    assert stable_rank(iso).item() == pytest.approx(16, rel=0.1)
    r1 = torch.randn(50, 1, dtype=torch.float64) @ torch.randn(1, 8, dtype=torch.float64)
    assert nesum(r1).item() == pytest.approx(1.0, abs=1e-6)
    assert stable_rank(r1).item() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("a", [0.5, 1.0, 2.0])
def test_alpha_req_recovers_a_power_law(a):
    d = 32
    lam = torch.arange(1, d + 1, dtype=torch.float64) ** -a
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    # points whose centred covariance is exactly q diag(lam) q^T: +-sqrt(d lam) along each axis
    axes = torch.diag((lam * d).sqrt()) @ q.T
    z = torch.cat([axes, -axes])
    fit = alpha_req_fit(z)
    assert fit["alpha"] == pytest.approx(a, abs=1e-6) and fit["r2"] == pytest.approx(1.0, abs=1e-9)
    assert alpha_req(z, ranks=(2, 10)).item() == pytest.approx(a, abs=1e-6)


def test_wasserstein_oracles():
    d = 64
    collapsed = torch.ones(100, d)
    assert wasserstein_uniformity(collapsed).item() == pytest.approx(-math.sqrt(2), abs=1e-6)
    sphere = torch.randn(100000, d, generator=torch.Generator().manual_seed(0))
    assert -0.03 < wasserstein_uniformity(sphere).item() <= 0
    k = 8
    sub = torch.zeros(100000, d)
    sub[:, :k] = torch.randn(100000, k, generator=torch.Generator().manual_seed(1))
    assert wasserstein_uniformity(sub).item() == pytest.approx(-math.sqrt(2 - 2 * math.sqrt(k / d)), abs=0.01)
    x = torch.randn(50, 6)
    assert wasserstein_uniformity(x.repeat(3, 1)).item() == pytest.approx(wasserstein_uniformity(x).item(), abs=1e-9)


def test_label_free_errors():
    with pytest.raises(MetricInputError, match="NaN"):
        rankme(torch.tensor([[float("nan"), 1.0], [1.0, 2.0]]))
    with pytest.raises(MetricInputError, match="need at least 2"):
        nesum(torch.randn(1, 4))
