"""Frozen-backbone features of a whole split, computed once and cached on disk in fp16."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from dense_au.data import Split, load_split
from dense_au.io import atomic_path
from dense_au.progress import progress_bar


@dataclass
class FeatureSet:
    """One split: pooled (N, C) and map (N, C, h, w) fp16 features, plus its annotations."""

    pooled: Tensor
    maps: Tensor
    labels: Tensor
    label_sets: Tensor
    masks: Tensor | None
    class_names: list[str]

    def __len__(self) -> int:
        return len(self.pooled)

    def subset(self, idx: Tensor) -> FeatureSet:
        masks = None if self.masks is None else self.masks[idx]
        return FeatureSet(self.pooled[idx], self.maps[idx], self.labels[idx], self.label_sets[idx], masks,
                          self.class_names)


@torch.no_grad()
def extract(backbone: nn.Module, split: Split, batch: int = 250) -> FeatureSet:
    """Backbone in eval mode on the whole images (no augmentation)."""
    backbone.eval()
    pooled, maps = [], []
    for s in progress_bar(range(0, len(split), batch), "features", total=-(-len(split) // batch)):
        fmap = backbone(split.float_images(slice(s, s + batch)))
        maps.append(fmap.half())
        pooled.append(fmap.mean(dim=(2, 3)).half())
    return FeatureSet(torch.cat(pooled), torch.cat(maps), split.labels, split.label_sets, split.masks,
                      split.class_names)


def cached_features(backbone: nn.Module, cache_dir: Path, fingerprint: str, data: str | Path,
                    split: str, size: int) -> FeatureSet:
    """Features of `split` from `cache_dir` when computed before by the same model (fingerprint)
    on the same data and size; otherwise computed, then cached (atomically)."""
    path = Path(cache_dir) / f"{Path(data).resolve().name}-{split}-{size}.pt"
    key = f"{fingerprint}|{Path(data).resolve()}|{split}|{size}"
    if path.is_file():
        try:
            saved = torch.load(path, weights_only=False)
            if saved.get("key") == key:
                return saved["features"]
        except Exception:  # an unreadable cache is simply recomputed
            pass
    features = extract(backbone, load_split(data, split, size))
    with atomic_path(path) as tmp:
        torch.save({"key": key, "features": features}, tmp)
    return features
