"""Alignment and uniformity (Wang & Isola 2020), instance and dense, exact at any size.

All functions L2-normalise their inputs (rows, or feature maps along the channel dimension)
and compute on the native grid of a map (never upsample: interpolated cells are near-duplicates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from dense_au.metrics.checks import MetricInputError, cells, check_maps, unit_rows

BLOCK = 4096  # rows per block: a few 64 MB temporaries whatever N is


def alignment(x: Tensor, y: Tensor, alpha: float = 2.0) -> Tensor:
    """mean_i ||x_i - y_i||^alpha over positive pairs (rows of x, y), on normalised rows."""
    if x.shape != y.shape:
        raise MetricInputError(f"alignment: x and y must have the same shape, got {tuple(x.shape)} "
                               f"and {tuple(y.shape)}")
    x, y = unit_rows(x, "x", 1), unit_rows(y, "y", 1)
    return (x - y).norm(dim=1).pow(alpha).mean()


def uniformity(x: Tensor, t: float = 2.0, groups: Tensor | None = None, block: int = BLOCK) -> Tensor:
    """Exact log( mean over pairs i<j of exp(-t ||x_i - x_j||^2) ) on normalised rows.

    groups: optional (N,) ids; then only pairs with different ids count (e.g. cells of different
    images). Blocks of the upper triangle, log-sum-exp per block, merged in float64, so memory
    is O(block^2) and the value matches the pdist form for any N.
    """
    x = unit_rows(x)
    if groups is not None and groups.shape != (len(x),):
        raise MetricInputError(f"uniformity: groups must have shape ({len(x)},), got {tuple(groups.shape)}")
    if groups is None:
        lse, pairs = _all_pairs_lse(x, t, block)
    else:
        lse, pairs = _pair_lse(x, t, groups, "inter", block)
    return _log_mean(lse, pairs, t, "uniformity")


def _all_pairs_lse(x: Tensor, t: float, block: int) -> tuple[Tensor, int]:
    """log sum over all pairs i<j of exp(2t <x_i, x_j>): the hot path, three passes per block.

    2t<x,y> lies in [-2t, 2t], so for t <= 20 exp cannot overflow float32 and no max pass is
    needed; diagonal blocks are summed whole, then the diagonal removed and the sum halved.
    """
    n = len(x)
    if t > 20:
        return _pair_lse(x, t, None, "all", block)
    xs = x * math.sqrt(2 * t)
    total = torch.zeros((), dtype=torch.float64)
    for i in range(0, n, block):
        for j in range(i, n, block):
            kernel = (xs[i:i + block] @ xs[j:j + block].T).exp_()
            part = kernel.sum(dtype=torch.float64)
            if i == j:
                part = (part - kernel.diagonal().sum(dtype=torch.float64)) / 2
            total += part
    return total.log(), n * (n - 1) // 2


def _pair_lse(x: Tensor, t: float, groups: Tensor | None, mode: str, block: int) -> tuple[Tensor, int]:
    """log sum over the counted pairs i<j of exp(2t <x_i, x_j>), and the number of pairs.

    mode: "all" every pair; "inter" pairs with different groups; "intra" pairs with equal groups.
    On the sphere 2t<x,y> lies in [-2t, 2t], so for t <= 20 the kernel is summed directly
    (no max-subtraction pass, no overflow or underflow in float32); larger t falls back to
    log-sum-exp per block.
    """
    acc, pairs, n = torch.tensor(-math.inf, dtype=torch.float64), 0, len(x)
    for i in range(0, n, block):
        for j in range(i, n, block):
            logits = (x[i:i + block] @ x[j:j + block].T).mul_(2 * t)
            keep = None
            if i == j:
                keep = torch.ones_like(logits, dtype=torch.bool).triu_(diagonal=1)
            if mode != "all":
                same = groups[i:i + block, None] == groups[None, j:j + block]
                mask = ~same if mode == "inter" else same
                keep = mask if keep is None else keep & mask
            count = logits.numel() if keep is None else int(keep.sum())
            if count:
                acc = torch.logaddexp(acc, _block_lse(logits, keep, t))
                pairs += count
    return acc, pairs


def _block_lse(logits: Tensor, keep: Tensor | None, t: float) -> Tensor:
    """log sum of exp(logits) over `keep` (all if None), in float64; logits lie in [-2t, 2t]."""
    if t <= 20:
        kernel = logits.exp_()
        if keep is not None:
            kernel.mul_(keep)
        return kernel.sum(dtype=torch.float64).log()
    if keep is not None:
        logits = logits.masked_fill(~keep, -math.inf)
    return torch.logsumexp(logits.flatten(), 0).double()


def _log_mean(lse: Tensor, pairs: int, t: float, what: str) -> Tensor:
    if pairs == 0:
        raise MetricInputError(f"{what}: no pairs to average (all points share one group?)")
    return lse - 2 * t - math.log(pairs)  # exp(-t d^2) = exp(2t <x,y> - 2t) on the sphere


@dataclass
class Estimate:
    value: float
    ci95: tuple[float, float]
    pairs: int


def uniformity_estimate(x: Tensor, t: float = 2.0, pairs: int = 1_000_000,
                        generator: torch.Generator | None = None) -> Estimate:
    """Subsampled uniformity with a 95% interval (pair-sampling error only), for quick looks.

    Pairs i != j are drawn uniformly; log of the mean with a second-order bias correction;
    the interval maps mean +- 1.96 SE through the log.
    """
    x = unit_rows(x).double()
    n = len(x)
    i = torch.randint(n, (pairs,), generator=generator)
    j = torch.randint(n - 1, (pairs,), generator=generator)
    j = j + (j >= i).long()
    k = torch.exp(2 * t * ((x[i] * x[j]).sum(1) - 1))
    mu, se = k.mean().item(), (k.std() / math.sqrt(pairs)).item()
    lo = math.log(mu - 1.96 * se) if mu > 1.96 * se else -math.inf
    return Estimate(math.log(mu) + se ** 2 / (2 * mu ** 2), (lo, math.log(mu + 1.96 * se)), pairs)


def dense_alignment(f1: Tensor, f2: Tensor, idx: Tensor, valid: Tensor, alpha: float = 2.0) -> Tensor:
    """mean ||f1_u - f2_idx(u)||^alpha over valid cells u; maps normalised along channels.

    f1, f2: (B, D, h, w); idx, valid: (B, h*w) from `match_cells` (or any matching).
    """
    check_maps(f1, "f1"), check_maps(f2, "f2")
    b, d = f1.shape[:2]
    p = f1.shape[2] * f1.shape[3]
    if f1.shape[:2] != f2.shape[:2] or idx.shape != (b, p) or valid.shape != (b, p):
        raise MetricInputError(f"dense_alignment: shapes do not match: f1 {tuple(f1.shape)}, f2 "
                               f"{tuple(f2.shape)}, idx {tuple(idx.shape)}, valid {tuple(valid.shape)}; "
                               f"expected idx and valid of shape ({b}, {p})")
    if not valid.any():
        raise MetricInputError("dense_alignment: the valid mask is empty (no cell has a match)")
    z1 = unit_rows(cells(f1), "f1 cells", 1).reshape(b, p, d)
    z2 = unit_rows(cells(f2), "f2 cells", 1).reshape(b, -1, d)
    matched = torch.gather(z2, 1, idx[..., None].expand(-1, -1, d))
    return (z1 - matched).norm(dim=2).pow(alpha)[valid].mean()


def dense_uniformity(f: Tensor, t: float = 2.0, pairs: str = "inter", block: int = BLOCK) -> Tensor:
    """Uniformity of the cells of a (B, D, h, w) map, normalised along channels.

    pairs: "inter" cells of different images (default); "intra" distinct cells of the same image,
    pooled over images into one log-mean (within-image diversity); "all" every distinct pair.
    """
    check_maps(f)
    if pairs not in ("inter", "intra", "all"):
        raise MetricInputError(f"dense_uniformity: pairs must be 'inter', 'intra' or 'all', got {pairs!r}")
    x = unit_rows(cells(f), "cells")
    image = torch.arange(f.shape[0]).repeat_interleave(f.shape[2] * f.shape[3])
    if f.shape[0] < 2 and pairs == "inter":
        raise MetricInputError("dense_uniformity(inter): needs at least 2 images")
    intra, n_intra = _intra_lse(x.reshape(f.shape[0], -1, f.shape[1]), t)
    if pairs == "intra":
        return _log_mean(intra, n_intra, t, "dense_uniformity(intra)")
    if t > 20:  # the subtraction below needs the direct sums; use masks instead
        return _log_mean(*_pair_lse(x, t, image, pairs, block), t, f"dense_uniformity({pairs})")
    lse, count = _all_pairs_lse(x, t, block)
    if pairs == "inter":  # inter-image pairs = all pairs - intra-image pairs: no masks needed
        lse, count = lse + torch.log1p(-torch.exp(intra - lse)), count - n_intra
    return _log_mean(lse, count, t, f"dense_uniformity({pairs})")


def _intra_lse(z: Tensor, t: float, chunk: int = 256) -> tuple[Tensor, int]:
    """Pairs within each image, batched over images (the blocks are only P x P)."""
    b, p, _ = z.shape
    upper = torch.triu(torch.ones(p, p, dtype=torch.bool), diagonal=1)
    acc = torch.tensor(-math.inf, dtype=torch.float64)
    for s in range(0, b, chunk):
        logits = (2 * t) * torch.bmm(z[s:s + chunk], z[s:s + chunk].transpose(1, 2))
        acc = torch.logaddexp(acc, torch.logsumexp(logits[:, upper].flatten(), 0).double())
    return acc, b * int(upper.sum())
