"""Alignment/uniformity against pdist, slow loops and the closed forms of the reference."""

import math

import pytest
import torch
import torch.nn.functional as F

from dense_au.metrics import (MetricInputError, alignment, dense_alignment, dense_uniformity, uniformity,
                              uniformity_estimate)


def pdist_uniformity(x, t=2.0):
    x = F.normalize(x.double(), dim=1)
    return torch.pdist(x).pow(2).mul(-t).exp().mean().log().item()


@pytest.mark.parametrize("n, d, block", [(2, 3, 4096), (50, 5, 7), (300, 16, 64), (129, 8, 128)])
def test_uniformity_equals_pdist_with_any_blocking(n, d, block):
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(n))
    assert uniformity(x, 2.0, block=block).item() == pytest.approx(pdist_uniformity(x), rel=1e-5, abs=1e-6)
    assert uniformity(x, 3.0, block=block).item() == pytest.approx(pdist_uniformity(x, 3.0), rel=1e-5, abs=1e-6)


def test_groups_count_only_cross_group_pairs():
    g = torch.Generator().manual_seed(0)
    x, groups = F.normalize(torch.randn(40, 4, generator=g), dim=1), torch.randint(4, (40,), generator=g)
    vals = [math.exp(-2 * float((x[i] - x[j]).pow(2).sum())) for i in range(40) for j in range(i + 1, 40)
            if groups[i] != groups[j]]
    assert uniformity(x, groups=groups, block=9).item() == pytest.approx(math.log(sum(vals) / len(vals)), rel=1e-5)
    with pytest.raises(MetricInputError, match="no pairs"):
        uniformity(x, groups=torch.zeros(40, dtype=torch.long))


@pytest.mark.parametrize("n, expected", [(8, -2.36311), (64, -1.63776), (1024, -1.57878)])
def test_equally_spaced_circle_closed_form(n, expected):
    a = torch.arange(n, dtype=torch.float64) * 2 * math.pi / n
    x = torch.stack([a.cos(), a.sin()], 1)
    assert uniformity(x, 2.0, block=100).item() == pytest.approx(expected, abs=2e-5)


@pytest.mark.parametrize("n", [2, 3, 5, 9])
def test_regular_simplex_attains_the_lower_bound(n):
    e = torch.eye(n, dtype=torch.float64)
    simplex = e - e.mean(0)  # n points in n dims spanning an (n-1)-simplex
    assert uniformity(simplex, 2.0).item() == pytest.approx(-4.0 * n / (n - 1), abs=1e-5)


def test_identical_antipodal_and_cloned_points():
    same = torch.ones(10, 3)
    assert uniformity(same).item() == pytest.approx(0.0, abs=1e-6)
    assert uniformity(torch.tensor([[0.0, 2.0], [0.0, -3.0]])).item() == pytest.approx(-8.0, abs=1e-5)
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(1))
    xn = F.normalize(x.double(), dim=1)
    s = sum(math.exp(-2 * float((xn[i] - xn[j]).pow(2).sum())) for i in range(6) for j in range(6) if i != j)
    k, n = 3, 6
    mean = (k * k * s + n * k * (k - 1)) / (n * k * (n * k - 1))
    assert uniformity(x.repeat(k, 1)).item() == pytest.approx(math.log(mean), abs=1e-5)


def test_alignment_closed_forms_and_normalisation():
    x = torch.randn(20, 5)
    assert alignment(x, 3 * x).item() == pytest.approx(0.0, abs=1e-6)
    assert alignment(x, -x).item() == pytest.approx(4.0, abs=1e-5)
    assert alignment(x, -x, alpha=1.0).item() == pytest.approx(2.0, abs=1e-5)


def test_estimate_interval_covers_the_exact_value_at_about_the_nominal_rate():
    x = torch.randn(200, 3, generator=torch.Generator().manual_seed(0))
    exact = uniformity(x).item()
    hits = 0
    for s in range(40):
        est = uniformity_estimate(x, pairs=3000, generator=torch.Generator().manual_seed(s))
        hits += est.ci95[0] <= exact <= est.ci95[1]
        assert est.ci95[0] < est.value < est.ci95[1]
    assert hits >= 33  # 95% nominal; P(fewer than 33 of 40) < 1%


def _loop_dense_alignment(f1, f2, idx, valid):
    z1, z2 = F.normalize(f1, dim=1).flatten(2), F.normalize(f2, dim=1).flatten(2)
    vals = [float((z1[b, :, u] - z2[b, :, idx[b, u]]).pow(2).sum())
            for b in range(f1.shape[0]) for u in range(z1.shape[2]) if valid[b, u]]
    return sum(vals) / len(vals)


def test_dense_alignment_equals_loop():
    g = torch.Generator().manual_seed(0)
    f1, f2 = torch.randn(3, 6, 2, 3, generator=g), torch.randn(3, 6, 2, 3, generator=g)
    idx, valid = torch.randint(6, (3, 6), generator=g), torch.rand(3, 6, generator=g) < 0.6
    assert dense_alignment(f1, f2, idx, valid).item() == pytest.approx(_loop_dense_alignment(f1, f2, idx, valid), rel=1e-5)


def test_dense_uniformity_pair_rules():
    f = torch.randn(4, 5, 2, 2, generator=torch.Generator().manual_seed(0))
    z = F.normalize(f, dim=1).flatten(2).transpose(1, 2)  # (B, P, D)
    k = lambda a, b: math.exp(-2 * float((a - b).pow(2).sum()))
    inter = [k(z[b, i], z[c, j]) for b in range(4) for c in range(b + 1, 4) for i in range(4) for j in range(4)]
    intra = [k(z[b, i], z[b, j]) for b in range(4) for i in range(4) for j in range(i + 1, 4)]
    assert dense_uniformity(f, pairs="inter", block=3).item() == pytest.approx(math.log(sum(inter) / len(inter)), rel=1e-5)
    assert dense_uniformity(f, pairs="intra").item() == pytest.approx(math.log(sum(intra) / len(intra)), rel=1e-5)
    both = inter + intra
    assert dense_uniformity(f, pairs="all").item() == pytest.approx(math.log(sum(both) / len(both)), rel=1e-5)


@pytest.mark.parametrize("call, fragment", [
    (lambda: uniformity(torch.randn(1, 4)), "N = 1 rows; need at least 2"),
    (lambda: uniformity(torch.tensor([[1.0, float("nan")], [0.0, 1.0]])), "NaN"),
    (lambda: uniformity(torch.tensor([[0.0, 0.0], [0.0, 1.0]])), "zero vectors"),
    (lambda: uniformity(torch.randn(5)), r"\(N, D\) tensor"),
    (lambda: alignment(torch.randn(4, 3), torch.randn(5, 3)), "same shape"),
    (lambda: dense_alignment(torch.randn(2, 3, 2, 2), torch.randn(2, 3, 2, 2),
                             torch.zeros(2, 4, dtype=torch.long), torch.zeros(2, 4, dtype=torch.bool)), "valid mask is empty"),
    (lambda: dense_alignment(torch.randn(2, 3, 2, 2), torch.randn(2, 3, 2, 2),
                             torch.zeros(2, 5, dtype=torch.long), torch.ones(2, 5, dtype=torch.bool)), "shapes do not match"),
    (lambda: dense_uniformity(torch.randn(2, 3, 2, 2), pairs="cross"), "pairs must be"),
])
def test_degenerate_input_is_a_clear_error(call, fragment):
    with pytest.raises(MetricInputError, match=fragment):
        call()


def test_points_spread_over_the_2_sphere_match_the_population_closed_form():
    """A Fibonacci lattice is a near-uniform sample of S^2: L = ln((1 - e^-8) / 8) at t = 2."""
    n = 6000
    k = torch.arange(n, dtype=torch.float64) + 0.5
    z = 1 - 2 * k / n
    phi = math.pi * (3 - math.sqrt(5)) * k
    r = (1 - z ** 2).sqrt()
    x = torch.stack([r * phi.cos(), r * phi.sin(), z], 1)
    assert uniformity(x, 2.0).item() == pytest.approx(math.log((1 - math.exp(-8)) / 8), abs=2e-3)


def test_dense_metrics_equal_instance_metrics_on_a_one_cell_grid():
    g = torch.Generator().manual_seed(0)
    f1, f2 = torch.randn(7, 5, 1, 1, generator=g), torch.randn(7, 5, 1, 1, generator=g)
    x, y = f1.flatten(1), f2.flatten(1)
    idx, valid = torch.zeros(7, 1, dtype=torch.long), torch.ones(7, 1, dtype=torch.bool)
    assert dense_alignment(f1, f2, idx, valid).item() == pytest.approx(alignment(x, y).item(), rel=1e-6)
    assert dense_uniformity(f1, pairs="inter").item() == pytest.approx(uniformity(x).item(), rel=1e-6)
    assert dense_uniformity(f1, pairs="all").item() == pytest.approx(uniformity(x).item(), rel=1e-6)
