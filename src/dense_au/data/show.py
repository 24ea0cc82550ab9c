"""A grid of images with coloured mask overlays and labels, for a person to check a dataset."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dense_au.data.layouts import voc_palette  # noqa: E402
from dense_au.data.sample import IGNORE_INDEX, Split  # noqa: E402
from dense_au.io import atomic_path  # noqa: E402


def overlay(image: np.ndarray, mask: np.ndarray | None, alpha: float = 0.45) -> np.ndarray:
    """Blend VOC palette colours of the mask onto an (H, W, 3) float image; background untouched."""
    if mask is None:
        return image
    pal = np.asarray(voc_palette(), dtype=np.float32).reshape(256, 3) / 255.0
    colour = pal[mask]
    fg = ((mask > 0) & (mask != IGNORE_INDEX))[..., None]
    return np.where(fg, (1 - alpha) * image + alpha * colour, image)


def show_grid(split: Split, out: str | Path, n: int = 24, cols: int = 6) -> Path:
    """Save image / overlay pairs for the first `n` samples, titled with their labels."""
    n = min(n, len(split))
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, 2 * cols, figsize=(2 * cols * 1.3, rows * 1.5), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i in range(n):
        img = split.images[i].permute(1, 2, 0).numpy() / 255.0
        mask = split.masks[i].numpy() if split.masks is not None else None
        ax_img, ax_mask = axes[i // cols, 2 * (i % cols)], axes[i // cols, 2 * (i % cols) + 1]
        ax_img.imshow(img)
        ax_mask.imshow(overlay(img, mask))
        ax_img.set_title(_caption(split, i), fontsize=6)
    fig.tight_layout()
    out = Path(out)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=out.suffix.lstrip(".") or "png", dpi=110)
    plt.close(fig)
    return out


def _caption(split: Split, i: int) -> str:
    names = split.class_names
    present = split.label_sets[i].nonzero().flatten().tolist()
    text = ", ".join(names[k] if k < len(names) else str(k) for k in present)
    return text[:28] or "(unlabeled)"
