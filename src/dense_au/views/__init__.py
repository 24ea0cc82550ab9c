"""Two views with exact geometry, cell correspondence, and positive-pair strategies."""

from dense_au.views.correspondence import View, map_cells, match_cells, source_to_view, view_to_source
from dense_au.views.photometric import PhotometricConfig
from dense_au.views.sampler import ViewConfig, ViewSampler, resample, warp_masks
from dense_au.views.strategies import (STRATEGIES, MatchInputs, Positives, get_strategy,
                                       match_agreement)

__all__ = ["View", "ViewSampler", "ViewConfig", "PhotometricConfig", "match_cells", "map_cells",
           "view_to_source", "source_to_view", "resample", "warp_masks", "STRATEGIES",
           "MatchInputs", "Positives", "get_strategy", "match_agreement"]
