"""Positive-pair strategies for dense contrastive learning, selected by name.

Every strategy has one signature and returns a `Positives` mask: mask[b, i, j] is True when
view-2 cell j is a positive for view-1 cell i of image b. Rows with no positive do not
contribute to the dense loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_au.errors import UserError
from dense_au.views.correspondence import View, cell_centres, cell_diagonal, match_cells, view_to_source


@dataclass
class Positives:
    """mask: (B, P1, P2) bool positives; its rows with any True are the contributing cells."""

    mask: Tensor

    @property
    def valid(self) -> Tensor:
        return self.mask.any(dim=-1)

    @property
    def idx(self) -> Tensor:
        """(B, P1) the first positive of each row (the only one for single-positive rules)."""
        return self.mask.float().argmax(dim=-1)


@dataclass
class MatchInputs:
    """What a strategy may look at. feats are backbone maps (B, D, h, w), used by `feature`."""

    view1: View
    view2: View
    grid: tuple[int, int]
    feats1: Tensor | None = None
    feats2: Tensor | None = None
    generator: torch.Generator | None = None
    radius: float = 0.7  # `geometric-radius`: in units of the larger cell diagonal


def _one_hot(idx: Tensor, valid: Tensor, cells: int) -> Tensor:
    return F.one_hot(idx, cells).bool() & valid[..., None]


def geometric(m: MatchInputs) -> Positives:
    """Ground truth: the view-2 cell containing the source point at the view-1 cell centre."""
    idx, valid = match_cells(m.view1, m.view2, m.grid)
    return Positives(_one_hot(idx, valid, idx.shape[1]))


def geometric_radius(m: MatchInputs) -> Positives:
    """PixPro: all view-2 cells whose centres lie within `radius` cell diagonals (source pixels)."""
    centres = cell_centres(m.grid, m.view1.boxes.device)
    b = len(m.view1.boxes)
    p1 = view_to_source(m.view1, centres.expand(b, -1, -1))
    p2 = view_to_source(m.view2, centres.expand(b, -1, -1))
    dist = torch.cdist(p1, p2)
    scale = torch.maximum(cell_diagonal(m.view1, m.grid), cell_diagonal(m.view2, m.grid))
    return Positives(dist < m.radius * scale[:, None, None])


def feature(m: MatchInputs) -> Positives:
    """DenseCL: the view-2 cell with the most similar backbone feature (cosine); no geometry."""
    if m.feats1 is None or m.feats2 is None:
        raise ValueError("the 'feature' strategy needs backbone feature maps feats1 and feats2")
    f1, f2 = m.feats1.flatten(2).float(), m.feats2.flatten(2).float()
    # argmax_j cos(f1_i, f2_j) = argmax_j f1_i.f2_j / |f2_j|, as |f1_i| is fixed along the row;
    # the sum-of-squares norm: linalg's norm over the strided channel axis is 5x slower
    norm2 = (f2 * f2).sum(dim=1, keepdim=True).sqrt().clamp(min=1e-12)
    idx = (torch.einsum("bdi,bdj->bij", f1, f2) / norm2).argmax(dim=-1)
    return Positives(_one_hot(idx, torch.ones_like(idx, dtype=torch.bool), f2.shape[-1]))


def index(m: MatchInputs) -> Positives:
    """Control: the same grid index in both views, ignoring geometry."""
    cells = m.grid[0] * m.grid[1]
    eye = torch.eye(cells, dtype=torch.bool, device=m.view1.boxes.device)
    return Positives(eye.expand(len(m.view1.boxes), -1, -1).clone())


def random(m: MatchInputs) -> Positives:
    """Control: a uniformly random view-2 cell for each view-1 cell."""
    cells = m.grid[0] * m.grid[1]
    idx = torch.randint(cells, (len(m.view1.boxes), cells), generator=m.generator)
    return Positives(_one_hot(idx.to(m.view1.boxes.device), torch.ones_like(idx, dtype=torch.bool), cells))


STRATEGIES: dict[str, Callable[[MatchInputs], Positives]] = {
    "geometric": geometric,
    "geometric-radius": geometric_radius,
    "feature": feature,
    "index": index,
    "random": random,
}


def get_strategy(name: str) -> Callable[[MatchInputs], Positives]:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise UserError(f"unknown positive-pair strategy {name!r}; expected one of "
                        f"{', '.join(STRATEGIES)}") from None


def match_agreement(idx: Tensor, geo_idx: Tensor, geo_valid: Tensor, grid: tuple[int, int]) -> dict:
    """How often a matching (e.g. `feature`) finds the true cell, over geometrically valid cells.

    exact: same cell; within_one: Chebyshev distance <= 1 cell on the grid.
    """
    n = int(geo_valid.sum())
    if n == 0:
        return {"exact": float("nan"), "within_one": float("nan"), "n": 0}
    w = grid[1]
    dr = (idx // w - geo_idx // w).abs()
    dc = (idx % w - geo_idx % w).abs()
    exact = ((idx == geo_idx) & geo_valid).sum().item() / n
    near = ((torch.maximum(dr, dc) <= 1) & geo_valid).sum().item() / n
    return {"exact": exact, "within_one": near, "n": n}
