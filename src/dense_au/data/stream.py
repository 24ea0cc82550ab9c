"""Training images read from disk on demand, for datasets too large to hold in memory."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import torch
from torch import Tensor
from torch.utils.data import Dataset

from dense_au.data.load import square


class StreamingSplit:
    """The part of `Split`'s interface training uses (`len`, `float_images`), decoding each
    batch's images in a thread pool instead of keeping the split in memory."""

    def __init__(self, dataset: Dataset, size: int, workers: int = 8):
        self.dataset, self.size = dataset, size
        self.pool = ThreadPoolExecutor(workers)
        self.skipped: list[str] = []

    def __len__(self) -> int:
        return len(self.dataset)

    def float_images(self, index: Tensor | slice = slice(None)) -> Tensor:
        ids = range(len(self))[index] if isinstance(index, slice) else index.tolist()
        return torch.stack(list(self.pool.map(lambda i: square(self.dataset[i], self.size).image, ids)))
