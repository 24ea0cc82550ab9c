"""`dense-au views`: draw a strategy's matches on views of a dataset, for a trained or fresh model.

Lives above `train` (it may load a run's backbone), so `views` itself stays free of models.
"""

from __future__ import annotations

from pathlib import Path

import torch

from dense_au.data import load_split
from dense_au.models import Backbone, BackboneConfig
from dense_au.train import load_trained
from dense_au.views import MatchInputs, ViewSampler, get_strategy
from dense_au.views.draw import draw_matches


def draw_views(data: str | Path, strategy: str, out: str | Path, run: str | Path | None = None,
               pairs: int = 4, size: int = 64, seed: int = 0) -> dict:
    """Sample views of the first images of `data` and draw `strategy`'s matches.

    `feature` matching uses the backbone of `run`, or a randomly initialised default backbone.
    """
    match_fn = get_strategy(strategy)
    backbone = load_trained(run)[0].query.backbone if run else Backbone(BackboneConfig(last_stride=2))
    backbone.eval()
    split = load_split(data, "train", size, limit=pairs)
    g = torch.Generator().manual_seed(seed)
    view1, view2 = ViewSampler(size, photometric=False, generator=g)(split.float_images())
    with torch.no_grad():
        f1, f2 = backbone(view1.pixels), backbone(view2.pixels)
    grid = tuple(f1.shape[-2:])
    positives = match_fn(MatchInputs(view1, view2, grid, f1, f2, g))
    return draw_matches(view1, view2, positives, grid, out, title=strategy, pairs=pairs)
