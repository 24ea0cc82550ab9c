"""The AU-performance correlation: dense-au's own scalar, with intervals and p-values.

rho_AU (dense-au's definition; the BMVC 2022 paper's exact formula is not public, so this is
NOT theirs): for the models of one cell (pre-training data, task, AU level, layer), the AU score
s = -(w_a L_align + w_u L_unif) (higher = better aligned and more uniform), and
rho_AU = Kendall tau_b(s, downstream score) in [-1, 1]. The 95% interval is a paired percentile
bootstrap over models (hierarchical over configurations, then seeds, when seeds repeat); the
p-value is a two-sided permutation test (on per-configuration means when seeds repeat).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from dense_au.errors import UserError

N_BOOT = 2000
N_PERM = 2000

# label-free predictors, oriented so that higher should mean better
LABEL_FREE_SIGNS = {"rankme": 1, "effective_rank": 1, "nesum": 1, "stable_rank": 1,
                    "wasserstein_uniformity": 1}


@dataclass
class Correlation:
    value: float
    ci95: tuple[float, float]
    p: float
    n: int
    spearman: float


def tau_b(m: np.ndarray, y: np.ndarray) -> float:
    t = stats.kendalltau(m, y).statistic  # tau-b, tie-aware
    return 0.0 if np.isnan(t) else float(t)


def tau_b_batch(m: np.ndarray, y: np.ndarray) -> np.ndarray:
    """tau_b of each row pair of (R, n) arrays at once: (C - D) / sqrt(pairs untied in m *
    pairs untied in y), the same tie-aware statistic as scipy's default; 0 where undefined.
    O(R n^2) memory, chunked, so thousands of bootstrap resamples of tens of models take ms."""
    out = np.empty(len(m))
    for s in range(0, len(m), 256):
        sm = np.sign(m[s:s + 256, :, None] - m[s:s + 256, None, :])
        sy = np.sign(y[s:s + 256, :, None] - y[s:s + 256, None, :])
        num = (sm * sy).sum(axis=(1, 2))
        den = np.sqrt(np.abs(sm).sum(axis=(1, 2)) * np.abs(sy).sum(axis=(1, 2)))
        out[s:s + 256] = np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)
    return out


def _groups(table: pd.DataFrame) -> np.ndarray:
    return table["config"].to_numpy() if "config" in table and table["config"].nunique() < len(table) else None


def bootstrap_indices(groups: np.ndarray | None, n: int, rng: np.random.Generator, reps: int) -> list[np.ndarray]:
    """Resampled row indices: rows with replacement, or configurations then seeds within each."""
    if groups is None:
        return [rng.integers(n, size=n) for _ in range(reps)]
    members = [np.flatnonzero(groups == g) for g in pd.unique(groups)]
    out = []
    for _ in range(reps):
        picked = rng.integers(len(members), size=len(members))
        out.append(np.concatenate([rng.choice(members[c], size=len(members[c])) for c in picked]))
    return out


def _ci(values: list[float]) -> tuple[float, float]:
    return (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5)))


def permutation_p(m: np.ndarray, y: np.ndarray, groups: np.ndarray | None, rng: np.random.Generator,
                  reps: int = N_PERM) -> float:
    if groups is not None:  # seeds are not independent models: permute configuration means
        frame = pd.DataFrame({"m": m, "y": y, "g": groups}).groupby("g").mean()
        m, y = frame["m"].to_numpy(), frame["y"].to_numpy()
    observed = abs(tau_b(m, y))
    perms = np.stack([rng.permutation(y) for _ in range(reps)])
    hits = int((np.abs(tau_b_batch(np.broadcast_to(m, perms.shape), perms)) >= observed - 1e-12).sum())
    return (1 + hits) / (1 + reps)


def correlate(m: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None, seed: int = 0,
              reps: int = N_BOOT) -> Correlation:
    """tau_b(m, y) with a bootstrap interval, a permutation p-value and Spearman's rho."""
    rng = np.random.default_rng(seed)
    idx = np.stack(bootstrap_indices(groups, len(m), rng, reps))
    boots = list(tau_b_batch(m[idx], y[idx]))
    rho = stats.spearmanr(m, y).statistic
    return Correlation(tau_b(m, y), _ci(boots), permutation_p(m, y, groups, rng), len(m),
                       0.0 if np.isnan(rho) else float(rho))


def _columns(table: pd.DataFrame, score: str, level: str, layer: str) -> tuple[str, str]:
    align, unif = f"{layer}.{level}_alignment", f"{layer}.{level}_uniformity"
    missing = [c for c in (align, unif, score) if c not in table]
    if missing:
        raise UserError(f"au_correlation: table has no column(s) {', '.join(missing)}")
    if len(table) < 3:
        raise UserError(f"au_correlation: needs at least 3 models, got {len(table)}")
    return align, unif


def au_score(table: pd.DataFrame, level: str, layer: str, weights=(1.0, 1.0)) -> np.ndarray:
    """s = -(w_a L_align + w_u L_unif): higher = better aligned and more uniform."""
    a, u = table[f"{layer}.{level}_alignment"], table[f"{layer}.{level}_uniformity"]
    return -(weights[0] * a + weights[1] * u).to_numpy(dtype=float)


def au_correlation(table: pd.DataFrame, score: str = "linear_top1", level: str = "dense",
                   layer: str = "backbone", weights=(1.0, 1.0), method: str = "kendall",
                   seed: int = 0, reps: int = N_BOOT) -> Correlation:
    """rho_AU over the rows of `table` (the caller filters to one cell); see the module docstring.

    method: "kendall" (tau_b, the definition) or "spearman" (rho, for comparison).
    """
    _columns(table, score, level, layer)
    s, y = au_score(table, level, layer, weights), table[score].to_numpy(dtype=float)
    result = correlate(s, y, _groups(table), seed, reps)
    if method == "spearman":
        return Correlation(result.spearman, result.ci95, result.p, result.n, result.spearman)
    if method != "kendall":
        raise UserError(f"au_correlation: method must be 'kendall' or 'spearman', got {method!r}")
    return result


def predictors(table: pd.DataFrame, level: str, layer: str) -> dict[str, np.ndarray]:
    """Each single predictor, oriented so that higher should mean better."""
    out = {"alignment": -table[f"{layer}.{level}_alignment"].to_numpy(dtype=float),
           "uniformity": -table[f"{layer}.{level}_uniformity"].to_numpy(dtype=float)}
    for name, sign in LABEL_FREE_SIGNS.items():
        col = f"{layer}.{level}_{name}"
        if col in table:
            out[name] = sign * table[col].to_numpy(dtype=float)
    if f"{layer}.{level}_alpha_req" in table:  # alpha near 1 is best (Agrawal et al.)
        out["alpha_req"] = -np.abs(table[f"{layer}.{level}_alpha_req"].to_numpy(dtype=float) - 1)
    return out


def r_squared(table: pd.DataFrame, score: str, level: str, layer: str) -> float:
    """R^2 of the least-squares fit score ~ 1 + L_align + L_unif."""
    x = np.column_stack([np.ones(len(table)), table[f"{layer}.{level}_alignment"], table[f"{layer}.{level}_uniformity"]])
    y = table[score].to_numpy(dtype=float)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    ss_res, ss_tot = ((y - x @ coef) ** 2).sum(), ((y - y.mean()) ** 2).sum()
    return float(1 - ss_res / ss_tot) if ss_tot > 0 else float("nan")


def compare_predictors(table: pd.DataFrame, score: str, level: str, layer: str, seed: int = 0,
                       reps: int = 1000) -> dict:
    """Every predictor's tau with its interval, and the paired bootstrap of tau(AU) - tau(it)."""
    y = table[score].to_numpy(dtype=float)
    s = au_score(table, level, layer)
    groups = _groups(table)
    idx = np.stack(bootstrap_indices(groups, len(y), np.random.default_rng(seed), reps))
    au_boot = tau_b_batch(s[idx], y[idx])
    out = {}
    for name, m in predictors(table, level, layer).items():
        boot = tau_b_batch(m[idx], y[idx])  # same resamples: a paired comparison
        rho = stats.spearmanr(m, y).statistic
        out[name] = {"tau": tau_b(m, y), "ci95": list(_ci(list(boot))),
                     "spearman": 0.0 if np.isnan(rho) else float(rho),
                     "au_minus_this": {"value": tau_b(s, y) - tau_b(m, y), "ci95": list(_ci(list(au_boot - boot)))}}
    return out
