"""Input checks shared by the metrics: degenerate input is an error, never a silent NaN."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_au.errors import UserError


class MetricInputError(UserError, ValueError):
    """Features a metric cannot be computed on (too few, NaN, zero, wrong shape)."""


def check_points(x: Tensor, name: str = "x", min_rows: int = 2) -> None:
    if not isinstance(x, Tensor) or x.dim() != 2:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise MetricInputError(f"{name} must be an (N, D) tensor, got shape {shape}")
    if x.shape[0] < min_rows:
        raise MetricInputError(f"{name} has N = {x.shape[0]} rows; need at least {min_rows}")
    if not torch.isfinite(x).all():
        bad = (~torch.isfinite(x)).any(dim=1).nonzero().flatten()[:5].tolist()
        raise MetricInputError(f"{name} has NaN or infinite values (rows {bad}...)")


def unit_rows(x: Tensor, name: str = "x", min_rows: int = 2) -> Tensor:
    """L2-normalised rows; zero rows are an error (they have no direction)."""
    check_points(x, name, min_rows)
    norms = x.norm(dim=1)
    if (norms == 0).any():
        bad = (norms == 0).nonzero().flatten()[:5].tolist()
        raise MetricInputError(f"{name} has zero vectors (rows {bad}...), which cannot be normalised")
    return F.normalize(x.float(), dim=1)


def check_maps(f: Tensor, name: str = "f") -> None:
    if not isinstance(f, Tensor) or f.dim() != 4:
        raise MetricInputError(f"{name} must be a (B, D, h, w) feature map, got shape "
                               f"{tuple(f.shape) if isinstance(f, Tensor) else type(f).__name__}")


def cells(f: Tensor) -> Tensor:
    """(B, D, h, w) -> (B*h*w, D): one row per cell, images contiguous."""
    return f.flatten(2).transpose(1, 2).reshape(-1, f.shape[1])
