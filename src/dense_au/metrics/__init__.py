"""Alignment, uniformity and label-free metrics: pure functions of tensors."""

from dense_au.metrics.align_uniform import (Estimate, alignment, dense_alignment, dense_uniformity,
                                            uniformity, uniformity_estimate)
from dense_au.metrics.checks import MetricInputError
from dense_au.metrics.label_free import (LABEL_FREE, alpha_req, alpha_req_fit, effective_rank, nesum,
                                         rankme, stable_rank, wasserstein_uniformity)

__all__ = ["alignment", "uniformity", "uniformity_estimate", "Estimate", "dense_alignment",
           "dense_uniformity", "rankme", "effective_rank", "alpha_req", "alpha_req_fit", "nesum",
           "stable_rank", "wasserstein_uniformity", "LABEL_FREE", "MetricInputError"]
