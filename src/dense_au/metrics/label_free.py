"""Label-free quality metrics of an (N, D) embedding (pooled features, or stacked cells).

Spectra are computed in float64. Singular values come from an SVD, or for very large inputs
from the Gram matrix Z^T Z (O(N D^2) time, O(D^2) memory; equal up to ~1e-8 relative noise on
zero singular values, which an SVD resolves exactly).
Rank-type metrics depend on N: compare models at equal N, layer and image set.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from dense_au.metrics.checks import check_points, unit_rows

EPS = 1e-7  # RankMe's epsilon, fixed project-wide
GRAM_ABOVE = 50_000_000  # elements of z above which the Gram route saves memory


def singular_values(z: Tensor) -> Tensor:
    """Singular values of the uncentred z, descending, float64."""
    z = z.double()
    if z.numel() > GRAM_ABOVE and z.shape[0] > z.shape[1]:
        eig = torch.linalg.eigvalsh(z.T @ z).clamp(min=0).sqrt()
        return eig.flip(0)
    return torch.linalg.svdvals(z)


def covariance_eigenvalues(z: Tensor) -> Tensor:
    """Eigenvalues of the centred covariance (divided by N), descending, float64."""
    z = z.double()
    zc = z - z.mean(dim=0, keepdim=True)
    return torch.linalg.eigvalsh(zc.T @ zc / len(z)).clamp(min=0).flip(0)


def _entropy_rank(sigma: Tensor, eps: float) -> Tensor:
    p = sigma / sigma.sum() + eps
    return torch.exp(-(p * torch.log(p)).nansum())  # 0 log 0 = 0 when eps = 0


def rankme(z: Tensor, eps: float = EPS) -> Tensor:
    """RankMe (Garrido et al. 2023): exp entropy of normalised singular values of uncentred z."""
    check_points(z, "z")
    return _entropy_rank(singular_values(z), eps)


def effective_rank(z: Tensor) -> Tensor:
    """Effective rank (Roy & Vetterli 2007) of the singular values of uncentred z (RankMe, eps=0)."""
    check_points(z, "z")
    return _entropy_rank(singular_values(z), 0.0)


def alpha_req_fit(z: Tensor, ranks: tuple[int, int] | None = None) -> dict:
    """alpha-ReQ (Agrawal et al. 2022): fit log lambda_i = c - alpha log i over covariance eigenvalues.

    ranks: [lo, hi) 1-based ranks to fit (default: every rank with lambda_i > 1e-12 lambda_1),
    unweighted least squares. Returns alpha, the range and the fit's R^2.
    """
    check_points(z, "z", 3)
    lam = covariance_eigenvalues(z)
    positive = int((lam > 1e-12 * lam[0]).sum())
    lo, hi = ranks or (1, positive + 1)
    hi = min(hi, positive + 1)
    if hi - lo < 2:
        raise ValueError(f"alpha_req: only {hi - lo} eigenvalues in ranks [{lo}, {hi}); need at least 2")
    x = torch.log(torch.arange(lo, hi, dtype=torch.float64))
    y = torch.log(lam[lo - 1:hi - 1])
    slope, intercept = _least_squares(x, y)
    resid = y - (intercept + slope * x)
    r2 = 1 - float((resid ** 2).sum() / ((y - y.mean()) ** 2).sum().clamp(min=1e-300))
    return {"alpha": -slope, "ranks": [lo, hi], "weights": "uniform", "r2": r2}


def _least_squares(x: Tensor, y: Tensor) -> tuple[float, float]:
    xm, ym = x.mean(), y.mean()
    slope = ((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum()
    return float(slope), float(ym - slope * xm)


def alpha_req(z: Tensor, ranks: tuple[int, int] | None = None) -> Tensor:
    """The decay exponent alpha of `alpha_req_fit` (larger = faster spectral decay)."""
    return torch.tensor(alpha_req_fit(z, ranks)["alpha"], dtype=torch.float64)


def nesum(z: Tensor) -> Tensor:
    """NESum (He & Ozay 2022): sum_i lambda_i / lambda_1 of the covariance, eigenvalues >= 1e-12."""
    check_points(z, "z")
    lam = covariance_eigenvalues(z).clamp(min=1e-12)
    return lam.sum() / lam[0]


def stable_rank(z: Tensor) -> Tensor:
    """||z||_F^2 / sigma_1^2 of the uncentred z, in [1, rank z]."""
    check_points(z, "z")
    sigma = singular_values(z)
    return (sigma ** 2).sum() / sigma[0] ** 2


def wasserstein_uniformity(z: Tensor) -> Tensor:
    """-W2 between the normalised features' Gaussian fit and N(0, I/D) (Fang et al. 2024).

    Higher is better; 0 for uniform on the sphere (large D), -sqrt(2) when all points collapse.
    """
    x = unit_rows(z, "z").double()
    d = x.shape[1]
    mu = x.mean(dim=0)
    cov = (x - mu).T @ (x - mu) / len(x)  # population covariance
    root_trace = torch.linalg.eigvalsh(cov).clamp(min=0).sqrt().sum()
    w2 = (mu @ mu + 1 + torch.trace(cov) - 2 / math.sqrt(d) * root_trace).clamp(min=0).sqrt()
    return -w2


LABEL_FREE = {"rankme": rankme, "effective_rank": effective_rank, "alpha_req": alpha_req,
              "nesum": nesum, "stable_rank": stable_rank, "wasserstein_uniformity": wasserstein_uniformity}
