"""One loss per module: global InfoNCE, dense InfoNCE, alignment + uniformity."""

from dense_au.losses.align_uniform import (align_loss, dense_align_uniform, global_align_uniform,
                                           uniform_loss)
from dense_au.losses.dense_infonce import dense_info_nce, pooled_keys
from dense_au.losses.infonce import info_nce

__all__ = ["info_nce", "dense_info_nce", "pooled_keys", "align_loss", "uniform_loss",
           "dense_align_uniform", "global_align_uniform"]
