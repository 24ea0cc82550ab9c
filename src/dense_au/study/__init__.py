"""Studies over many models: specs, runner, results table, AU-performance correlation, report."""

from dense_au.study.correlation import Correlation, au_correlation, compare_predictors

__all__ = ["au_correlation", "compare_predictors", "Correlation"]
