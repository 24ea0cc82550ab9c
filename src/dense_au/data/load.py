"""Load a whole split into memory at one square size: the form training and evaluation use."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from dense_au.data.layouts import CorruptImageError, open_dataset
from dense_au.data.sample import IGNORE_INDEX, Sample, Split
from dense_au.progress import progress_bar


def square(sample: Sample, size: int) -> Sample:
    """Resize the shorter side to `size` and centre-crop (masks by nearest neighbour)."""
    _, h, w = sample.image.shape
    if (h, w) == (size, size):
        return sample
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    top, left = (nh - size) // 2, (nw - size) // 2
    img = F.interpolate(sample.image[None], size=(nh, nw), mode="bilinear", antialias=True,
                        align_corners=False)[0, :, top:top + size, left:left + size]
    mask = None
    if sample.mask is not None:
        m = F.interpolate(sample.mask[None, None].float(), size=(nh, nw), mode="nearest")
        mask = m[0, 0, top:top + size, left:left + size].long()
    return Sample(img.clamp_(0, 1), sample.name, sample.label, sample.labels, mask)


def load_split(root: str | Path, split: str = "train", size: int = 64, layout: str = "auto",
               skip_corrupt: bool = False, limit: int | None = None) -> Split:
    """Every sample of a split as uint8 tensors at `size` x `size`.

    With `skip_corrupt`, unreadable images are left out and listed in `Split.skipped`;
    otherwise the first one stops loading with an error naming it.
    """
    ds = open_dataset(root, split, layout)
    n = len(ds) if limit is None else min(limit, len(ds))
    class_names = list(getattr(ds, "class_names", []))
    samples, skipped = [], []
    for i in progress_bar(range(n), f"loading {Path(root).name}/{split}", total=n):
        try:
            samples.append(square(ds[i], size))
        except CorruptImageError:
            if not skip_corrupt:
                raise
            skipped.append(str(ds.paths[i]))
    if not samples:
        raise CorruptImageError(f"{root}: every image of split '{split}' is unreadable")
    return _stack(samples, class_names, skipped)


def _stack(samples: list[Sample], class_names: list[str], skipped: list[str]) -> Split:
    images = torch.stack([(s.image * 255).round().to(torch.uint8) for s in samples])
    labels = torch.tensor([-1 if s.label is None else s.label for s in samples], dtype=torch.long)
    label_sets = torch.zeros(len(samples), max(len(class_names), 1), dtype=torch.bool)
    for i, s in enumerate(samples):
        if s.labels:
            label_sets[i, list(s.labels)] = True
    masks = None
    if all(s.mask is not None for s in samples):
        masks = torch.stack([s.mask.clamp(max=IGNORE_INDEX).to(torch.uint8) for s in samples])
    return Split(images, labels, label_sets, masks, [s.name for s in samples], class_names, skipped)
