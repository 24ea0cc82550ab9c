"""`dense-au measure`: alignment, uniformity and label-free metrics of a trained run.

Positive pairs are two views of each image drawn with the run's own augmentations from a fixed
seed, so every model is measured on the same images, crops and flips. Both the backbone map
(what the probes see) and the projections (what the loss sees) are measured, on the native grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_au.data import load_split
from dense_au.metrics import (LABEL_FREE, alignment, dense_alignment, dense_uniformity, uniformity)
from dense_au.metrics.checks import cells
from dense_au.progress import progress_bar
from dense_au.train import load_trained
from dense_au.views import View, ViewSampler, match_agreement, match_cells


@dataclass
class Features:
    """Both views' outputs for a whole split. Pooled: (N, D); maps: (N, D, h, w)."""

    backbone: tuple[Tensor, Tensor]
    backbone_pooled: tuple[Tensor, Tensor]
    projection: tuple[Tensor, Tensor]
    projection_pooled: tuple[Tensor, Tensor]
    geo_idx: Tensor
    geo_valid: Tensor


@torch.no_grad()
def extract_pairs(model, split, view_cfg, seed: int = 0, batch: int = 250) -> Features:
    """Encode two views of every image with the query encoder in eval mode."""
    g = torch.Generator().manual_seed(seed)
    sampler = ViewSampler.from_config(view_cfg, g)
    out = {k: ([], []) for k in ("fmap", "pooled", "dense", "global")}
    idx, valid = [], []
    for start in progress_bar(range(0, len(split), batch), "measure: encoding", total=-(-len(split) // batch)):
        views = sampler(split.float_images(slice(start, start + batch)))
        for v, view in enumerate(views):
            enc = model.query(view.pixels)
            for key, value in (("fmap", enc.fmap), ("pooled", enc.fmap.mean((2, 3))),
                               ("dense", enc.dense_z), ("global", enc.global_z)):
                out[key][v].append(value.float())
        i, ok = match_cells(views[0], views[1], tuple(enc.fmap.shape[-2:]))
        idx.append(i), valid.append(ok)
    cat = {k: (torch.cat(a), torch.cat(b)) for k, (a, b) in out.items()}
    return Features(cat["fmap"], cat["pooled"], cat["dense"], cat["global"], torch.cat(idx), torch.cat(valid))


def feature_matches(f1: Tensor, f2: Tensor) -> Tensor:
    """DenseCL's rule on backbone maps: (N, P) index of the most cosine-similar view-2 cell."""
    z1, z2 = F.normalize(f1.flatten(2), dim=1), F.normalize(f2.flatten(2), dim=1)
    return torch.einsum("bdi,bdj->bij", z1, z2).argmax(-1)


def layer_metrics(maps: tuple[Tensor, Tensor], pooled: tuple[Tensor, Tensor], geo_idx: Tensor,
                  geo_valid: Tensor, feat_idx: Tensor) -> dict[str, float]:
    """Every AU and label-free metric of one layer."""
    m1, m2 = maps
    res = {
        "instance_alignment": alignment(*pooled),
        "instance_uniformity": (uniformity(pooled[0]) + uniformity(pooled[1])) / 2,
        "dense_alignment": dense_alignment(m1, m2, geo_idx, geo_valid),
        "dense_alignment_feature": dense_alignment(m1, m2, feat_idx, torch.ones_like(geo_valid)),
        "dense_uniformity": dense_uniformity(m1, pairs="inter"),
        # a 1 x 1 grid has no pairs of cells within an image
        "dense_uniformity_intra": dense_uniformity(m1, pairs="intra") if m1[0, 0].numel() > 1 else float("nan"),
    }
    for name, fn in LABEL_FREE.items():
        res[f"instance_{name}"] = fn(pooled[0])
        res[f"dense_{name}"] = fn(cells(m1))
    return {k: float(v) for k, v in res.items()}


def measure_run(run_dir: str | Path, data: str | Path, split: str = "val", limit: int | None = None,
                seed: int = 0) -> dict:
    """All metrics of a run on `split` of `data`; the dict written to measure.json."""
    model, cfg = load_trained(run_dir)
    images = load_split(data, split, cfg.data.size, limit=limit)
    feats = extract_pairs(model, images, cfg.views, seed)
    feat_idx = feature_matches(*feats.backbone)
    grid = tuple(feats.backbone[0].shape[-2:])
    result = {
        "split": split, "data": str(data), "n_images": len(images), "grid": list(grid),
        "n_cells": len(images) * grid[0] * grid[1], "seed": seed,
        "pairs": ("two views per image with the run's augmentations (seed fixed); instance: pooled "
                  "features, uniformity averaged over the two views; dense alignment: geometric "
                  "matching (valid cells only) and, separately, DenseCL argmax matching on backbone "
                  "features; dense uniformity: cells of view 1, inter-image pairs (and intra-image)"),
        "valid_fraction": float(feats.geo_valid.float().mean()),
        "feature_matching": match_agreement(feat_idx, feats.geo_idx, feats.geo_valid, grid),
        "backbone": layer_metrics(feats.backbone, feats.backbone_pooled, feats.geo_idx, feats.geo_valid, feat_idx),
        "projection": layer_metrics(feats.projection, feats.projection_pooled, feats.geo_idx,
                                    feats.geo_valid, feat_idx),
    }
    return result
