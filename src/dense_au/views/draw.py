"""Draw view pairs with lines between matched cells, so a person can check correspondences."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import ConnectionPatch  # noqa: E402
from torch import Tensor  # noqa: E402

from dense_au.io import atomic_path  # noqa: E402
from dense_au.views.correspondence import View, cell_centres, match_cells  # noqa: E402
from dense_au.views.strategies import Positives, match_agreement  # noqa: E402


def draw_matches(view1: View, view2: View, positives: Positives, grid: tuple[int, int],
                 out: str | Path, title: str = "", pairs: int = 4) -> dict:
    """Save a figure of `pairs` view pairs; lines are green where a positive lies within one cell
    of the geometric match and red otherwise. Returns the agreement statistics drawn."""
    geo_idx, geo_valid = match_cells(view1, view2, grid)
    stats = match_agreement(positives.idx, geo_idx, geo_valid & positives.valid, grid)
    pairs = min(pairs, len(view1.pixels))
    fig, axes = plt.subplots(pairs, 2, figsize=(5, 2.5 * pairs), squeeze=False)
    centres = cell_centres(grid) * view1.size - 0.5  # imshow puts pixel k's centre at k
    for b in range(pairs):
        left, right = axes[b]
        left.imshow(_rgb(view1.pixels[b]))
        right.imshow(_rgb(view2.pixels[b]))
        for ax in (left, right):
            ax.set_xticks([]), ax.set_yticks([])
        _lines(fig, left, right, positives.mask[b], geo_idx[b], geo_valid[b], centres, grid)
    fig.suptitle(f"{title}  exact {stats['exact']:.0%}, within one cell {stats['within_one']:.0%}"
                 f" of {stats['n']} valid cells", fontsize=8)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return stats


def _rgb(pixels: Tensor):
    return pixels[:3].permute(1, 2, 0).clamp(0, 1).numpy()


def _lines(fig, left, right, mask: Tensor, geo_idx: Tensor, geo_valid: Tensor, centres: Tensor,
           grid: tuple[int, int]) -> None:
    w = grid[1]
    colours = plt.get_cmap("hsv")
    for i, j in mask.nonzero().tolist():
        dot = colours(i / mask.shape[0])  # the same colour marks a cell and its match
        left.plot(*centres[i].tolist(), "o", ms=3, color=dot, mec="black", mew=0.3)
        right.plot(*centres[j].tolist(), "o", ms=3, color=dot, mec="black", mew=0.3)
        near = bool(geo_valid[i]) and max(abs(j // w - int(geo_idx[i]) // w), abs(j % w - int(geo_idx[i]) % w)) <= 1
        fig.add_artist(ConnectionPatch(xyA=centres[i].tolist(), coordsA=left.transData,
                                       xyB=centres[j].tolist(), coordsB=right.transData,
                                       color="lime" if near else "red", lw=0.5, alpha=0.6))

