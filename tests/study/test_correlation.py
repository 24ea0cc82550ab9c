"""rho_AU equals scipy's Kendall tau_b (ties included); intervals cover at about the nominal rate."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dense_au.errors import UserError
from dense_au.study import au_correlation, compare_predictors
from dense_au.study.correlation import correlate, tau_b_batch


def table_for(s, y, score="linear_top1", config=None):
    """Rows whose AU score -(L_align + L_unif) equals s."""
    s = np.asarray(s, dtype=float)
    frame = pd.DataFrame({"backbone.dense_alignment": -s / 2, "backbone.dense_uniformity": -s / 2, score: y})
    if config is not None:
        frame["config"] = config
    return frame


def test_equals_scipy_on_the_tied_reference_example():
    m, y = [1, 2, 2, 3, 4, 5, 5, 6], [1, 3, 2, 2, 5, 4, 6, 6]
    res = au_correlation(table_for(m, y))
    assert res.value == stats.kendalltau(m, y).statistic == pytest.approx(0.7692, abs=1e-4)
    assert res.n == 8 and res.ci95[0] <= res.value <= res.ci95[1] and 0 < res.p <= 1


@pytest.mark.parametrize("seed", range(5))
def test_equals_scipy_on_random_tables_with_ties(seed):
    rng = np.random.default_rng(seed)
    a, u = rng.integers(0, 4, 12) / 4, rng.integers(0, 3, 12) / 3
    y = rng.integers(0, 5, 12) / 5
    frame = pd.DataFrame({"projection.instance_alignment": a, "projection.instance_uniformity": u, "knn_top1": y})
    res = au_correlation(frame, "knn_top1", "instance", "projection", weights=(1.0, 2.0))
    assert res.value == pytest.approx(stats.kendalltau(-(a + 2 * u), y).statistic, abs=1e-12)
    rho = au_correlation(frame, "knn_top1", "instance", "projection", weights=(1.0, 2.0), method="spearman")
    assert rho.value == pytest.approx(stats.spearmanr(-(a + 2 * u), y).statistic, abs=1e-12)


def test_batched_tau_equals_scipy():
    rng = np.random.default_rng(0)
    m, y = rng.integers(0, 4, (40, 9)).astype(float), rng.integers(0, 3, (40, 9)).astype(float)
    ref = np.nan_to_num([stats.kendalltau(a, b).statistic for a, b in zip(m, y)])
    assert np.allclose(tau_b_batch(m, y), ref, atol=1e-12)


def test_bootstrap_interval_covers_the_true_tau_at_about_the_nominal_rate():
    r = 0.6
    true_tau = 2 / math.pi * math.asin(r)  # Kendall's tau of a bivariate normal
    rng = np.random.default_rng(0)
    hits, trials = 0, 100
    for t in range(trials):
        x = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=40)
        lo, hi = correlate(x[:, 0], x[:, 1], seed=t, reps=500).ci95
        hits += lo <= true_tau <= hi
    assert 0.85 <= hits / trials <= 1.0


def test_perfect_and_reversed_orders_and_p_values():
    s = np.arange(10.0)
    up, down = au_correlation(table_for(s, s)), au_correlation(table_for(s, -s))
    assert up.value == pytest.approx(1.0) and down.value == pytest.approx(-1.0) and up.p < 0.01 and down.p < 0.01


def test_hierarchical_bootstrap_with_seeds_and_predictor_comparison():
    rng = np.random.default_rng(1)
    s = np.repeat(np.arange(6.0), 3) + rng.normal(0, 0.1, 18)
    y = s + rng.normal(0, 1.0, 18)
    frame = table_for(s, y, config=np.repeat(np.arange(6), 3))
    res = au_correlation(frame)
    assert -1 <= res.ci95[0] <= res.ci95[1] <= 1
    comp = compare_predictors(frame, "linear_top1", "dense", "backbone", reps=200)
    assert comp["alignment"]["tau"] == pytest.approx(res.value)  # alignment = half of s here
    assert comp["alignment"]["au_minus_this"]["value"] == pytest.approx(0.0, abs=1e-12)


def test_missing_columns_and_too_few_models():
    with pytest.raises(UserError, match="no column"):
        au_correlation(table_for([1, 2, 3], [1, 2, 3]), score="segmentation_miou")
    with pytest.raises(UserError, match="at least 3 models"):
        au_correlation(table_for([1, 2], [1, 2]))
