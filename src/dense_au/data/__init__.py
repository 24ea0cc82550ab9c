"""Datasets: embedded synthetic scenes and real layouts, all yielding `Sample`."""

from dense_au.data.layouts import LAYOUTS, has_split, open_dataset
from dense_au.data.load import load_split
from dense_au.data.sample import IGNORE_INDEX, Sample, Split

__all__ = ["LAYOUTS", "has_split", "open_dataset", "load_split", "Sample", "Split", "IGNORE_INDEX"]
