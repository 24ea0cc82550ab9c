"""Object classes of the embedded datasets, defined by shape alone.

Each class is a list of (polygon, sign) parts in a unit frame (the object fits in the unit disk):
sign +1 fills, -1 cuts a hole. Curves are fine polygons, so one rasteriser draws every class.
"""

from __future__ import annotations

import numpy as np


def _disk(r: float = 1.0, cx: float = 0.0, cy: float = 0.0, n: int = 48) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1)


def _regular(n: int, r: float = 1.0, phase: float = np.pi / 2) -> np.ndarray:
    a = phase + np.arange(n) * 2 * np.pi / n
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=1)


def _star(points: int = 5, outer: float = 1.0, inner: float = 0.42) -> np.ndarray:
    a = np.pi / 2 + np.arange(2 * points) * np.pi / points
    r = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=1)


def _poly(*xy: float) -> np.ndarray:
    return np.asarray(xy, dtype=float).reshape(-1, 2)


_HALF_DISK = _disk(n=48)[:25] - [0.0, 0.4]  # angles 0..pi, shifted so the area is centred

SHAPES: dict[str, list[tuple[np.ndarray, int]]] = {
    "circle": [(_disk(0.8), 1)],
    "square": [(_poly(-0.68, -0.68, 0.68, -0.68, 0.68, 0.68, -0.68, 0.68), 1)],
    "triangle": [(_regular(3, 1.0), 1)],
    "star": [(_star(), 1)],
    "cross": [(_poly(-0.3, -0.95, 0.3, -0.95, 0.3, -0.3, 0.95, -0.3, 0.95, 0.3, 0.3, 0.3,
                     0.3, 0.95, -0.3, 0.95, -0.3, 0.3, -0.95, 0.3, -0.95, -0.3, -0.3, -0.3), 1)],
    "ring": [(_disk(0.95), 1), (_disk(0.55), -1)],
    "crescent": [(_disk(0.95), 1), (_disk(0.8, cx=0.45), -1)],
    "ell": [(_poly(-0.7, -0.9, -0.2, -0.9, -0.2, 0.4, 0.7, 0.4, 0.7, 0.9, -0.7, 0.9), 1)],
    "arrow": [(_poly(-0.9, -0.22, 0.2, -0.22, 0.2, -0.6, 0.95, 0.0, 0.2, 0.6, 0.2, 0.22,
                     -0.9, 0.22), 1)],
    "semicircle": [(_HALF_DISK, 1)],
}

CLASS_NAMES: tuple[str, ...] = tuple(SHAPES)
