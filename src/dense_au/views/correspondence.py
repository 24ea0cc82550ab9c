"""Exact geometry between a view and its source image, and between two views' grid cells.

Coordinates are continuous: source pixel i covers [i, i+1). A view is the crop box
(x0, y0, x1, y1) resized to S x S, then mirrored left-right if flipped. Inside a view we use
unit coordinates (a, b) in [0, 1)^2: a = u / S along x, b = v / S along y.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class View:
    """A batch of augmented views and the geometry that produced them.

    pixels: (B, C, S, S) float; boxes: (B, 4) float x0, y0, x1, y1 in source pixels;
    flipped: (B,) bool, the flip applied after the crop.
    """

    pixels: Tensor
    boxes: Tensor
    flipped: Tensor

    @property
    def size(self) -> int:
        return self.pixels.shape[-1]


def cell_centres(grid: tuple[int, int], device=None) -> Tensor:
    """(P, 2) unit view coordinates (a, b) of the cell centres of an h x w grid, row-major."""
    h, w = grid
    b, a = torch.meshgrid((torch.arange(h, device=device) + 0.5) / h,
                          (torch.arange(w, device=device) + 0.5) / w, indexing="ij")
    return torch.stack([a.flatten(), b.flatten()], dim=-1).double()


def view_to_source(view: View, points: Tensor) -> Tensor:
    """Map unit view points (B, P, 2) or (P, 2) to source pixel coordinates (B, P, 2)."""
    boxes = view.boxes.double()
    a, b = points[..., 0], points[..., 1]
    a = torch.where(view.flipped[:, None], 1.0 - a, a)  # flip happened after the crop
    x = boxes[:, None, 0] + a * (boxes[:, None, 2] - boxes[:, None, 0])
    y = boxes[:, None, 1] + b * (boxes[:, None, 3] - boxes[:, None, 1])
    return torch.stack([x, y], dim=-1)


def source_to_view(view: View, xy: Tensor) -> Tensor:
    """Map source pixel coordinates (B, P, 2) to unit view coordinates (B, P, 2)."""
    boxes = view.boxes.double()
    a = (xy[..., 0] - boxes[:, None, 0]) / (boxes[:, None, 2] - boxes[:, None, 0])
    b = (xy[..., 1] - boxes[:, None, 1]) / (boxes[:, None, 3] - boxes[:, None, 1])
    a = torch.where(view.flipped[:, None], 1.0 - a, a)
    return torch.stack([a, b], dim=-1)


def map_cells(view1: View, view2: View, grid: tuple[int, int]) -> Tensor:
    """(B, P, 2) unit view-2 coordinates of the source point at each view-1 cell centre."""
    centres = cell_centres(grid, view1.boxes.device)
    return source_to_view(view2, view_to_source(view1, centres.expand(len(view1.boxes), -1, -1)))


def match_cells(view1: View, view2: View, grid: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """For each view-1 cell (row-major), the view-2 cell containing the same source point.

    Returns idx (B, h*w) long and valid (B, h*w) bool (False where the point is outside view 2;
    idx is then clamped to a real cell but means nothing).
    """
    h, w = grid
    ab = map_cells(view1, view2, grid)
    valid = ((ab >= 0) & (ab < 1)).all(dim=-1)
    col = (ab[..., 0] * w).floor().long().clamp(0, w - 1)
    row = (ab[..., 1] * h).floor().long().clamp(0, h - 1)
    return row * w + col, valid


def cell_diagonal(view: View, grid: tuple[int, int]) -> Tensor:
    """(B,) length of one grid cell's diagonal in source pixels."""
    boxes = view.boxes.double()
    return torch.hypot((boxes[:, 2] - boxes[:, 0]) / grid[1], (boxes[:, 3] - boxes[:, 1]) / grid[0])
