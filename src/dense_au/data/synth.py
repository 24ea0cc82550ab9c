"""Embedded datasets: procedural scenes of shape-defined objects on cluttered real textures.

Every image is drawn from its own RNG seeded by (seed, split, index), so a dataset is the same
whatever order or process draws it. Colour and texture are random per object instance, so only
the shape gives the class away. Backgrounds are crops of the CC0 photos and textures that ship
with scikit-image, recoloured, with line clutter on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from skimage import data as skdata
from skimage.draw import line, polygon
from skimage.transform import resize

from dense_au.data.shapes import CLASS_NAMES, SHAPES

SPLIT_CODES = {"train": 0, "val": 1, "test": 2}
_TEXTURES = ("brick", "grass", "gravel", "astronaut", "coffee", "chelsea", "rocket", "camera",
             "coins", "moon", "text", "page")


@dataclass(frozen=True)
class SceneSpec:
    """How a scene is drawn. Sizes are fractions of the image side."""

    kind: str = "single"              # "single": one object; "multi": 2..6 objects, occluding
    size: int = 64                     # image side in pixels
    single_radius: tuple[float, float] = (0.22, 0.42)
    multi_radius: tuple[float, float] = (0.09, 0.26)
    multi_count: tuple[int, int] = (2, 6)
    min_visible_px: int = 6            # an object occluded below this is not in the label set
    background_contrast: float = 0.5   # background texture contrast kept (1 = the photo's own)
    texture_strength: tuple[float, float] = (0.15, 0.5)  # object texture contrast range
    max_rotation: float = 180.0        # degrees either way: any orientation


@lru_cache(maxsize=1)
def background_bank(side: int = 192) -> tuple[np.ndarray, ...]:
    """The scikit-image textures and photos as (side, side, 3) float arrays in [0, 1]."""
    bank = []
    for name in _TEXTURES:
        img = np.asarray(getattr(skdata, name)(), dtype=np.float32)
        img = img / 255.0 if img.max() > 1.0 else img
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        bank.append(resize(img[..., :3], (side, side), anti_aliasing=True).astype(np.float32))
    return tuple(bank)


def draw_scene(spec: SceneSpec, seed: int, split: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    """One scene: (S, S, 3) uint8 image, (S, S) uint8 mask (0 background, k class k-1, 255 ignore)."""
    rng = np.random.default_rng([seed, SPLIT_CODES[split], index])
    img = _background(rng, spec.size, spec.background_contrast)
    mask = np.zeros((spec.size, spec.size), np.uint8)
    if spec.kind == "single":
        _place_object(img, mask, rng, spec, rng.uniform(*spec.single_radius), margin=0.75)
    else:
        count = rng.integers(spec.multi_count[0], spec.multi_count[1] + 1)
        # Larger objects first, so small ones in front stay visible, as in COCO scenes.
        for radius in np.sort(rng.uniform(*spec.multi_radius, size=count))[::-1]:
            _place_object(img, mask, rng, spec, radius, margin=0.3)
        _drop_hidden(mask, spec.min_visible_px)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8), mask


def _background(rng: np.random.Generator, size: int, contrast: float) -> np.ndarray:
    bank = background_bank()
    tex = bank[rng.integers(len(bank))]
    crop = int(rng.integers(size, tex.shape[0] + 1))
    y, x = rng.integers(0, tex.shape[0] - crop + 1, size=2)
    img = resize(tex[y:y + crop, x:x + crop], (size, size), order=1, anti_aliasing=False)
    tint = rng.uniform(0.5, 1.2, size=3).astype(np.float32)
    # Soften the texture towards its mean so objects (not background detail) carry the edges.
    img = img.mean(axis=(0, 1)) + (img - img.mean(axis=(0, 1))) * contrast
    img = img * tint + rng.uniform(-0.15, 0.15)
    for _ in range(rng.integers(3, 9)):  # clutter: thin lines that belong to no class
        r0, c0, r1, c1 = rng.integers(0, size, size=4)
        rr, cc = line(r0, c0, r1, c1)
        img[rr, cc] = rng.uniform(0, 1, size=3)
    return img.astype(np.float32)


def _place_object(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, spec: SceneSpec,
                  radius_frac: float, margin: float) -> None:
    size = spec.size
    cls = int(rng.integers(len(CLASS_NAMES)))
    radius = radius_frac * size
    lo, hi = margin * radius, size - margin * radius
    cx, cy = rng.uniform(lo, hi, size=2)
    angle = rng.uniform(-spec.max_rotation, spec.max_rotation) * np.pi / 180
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    stretch = rng.uniform(0.85, 1.15)  # mild aspect jitter, same for all classes
    inside = np.zeros((size, size), bool)
    for poly, sign in SHAPES[CLASS_NAMES[cls]]:
        pts = (poly * [stretch, 1 / stretch]) @ rot.T * radius + [cx, cy]
        rr, cc = polygon(pts[:, 1], pts[:, 0], shape=(size, size))
        inside[rr, cc] = sign > 0
    img[inside] = _object_texture(rng, size, spec.texture_strength)[inside]
    mask[inside] = cls + 1


def _object_texture(rng: np.random.Generator, size: int, strength: tuple[float, float]) -> np.ndarray:
    """A random colour pair mixed by stripes, checks, or noise: appearance carries no class."""
    a, b = rng.uniform(0, 1, size=(2, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    kind = rng.integers(4)
    if kind == 0:
        t = np.zeros((size, size), np.float32)
    elif kind == 1:
        theta, freq = rng.uniform(0, np.pi), rng.uniform(0.3, 1.2)
        t = (np.sin(freq * (xx * np.cos(theta) + yy * np.sin(theta))) > 0).astype(np.float32)
    elif kind == 2:
        period = rng.integers(2, 6)
        t = ((xx // period + yy // period) % 2).astype(np.float32)
    else:
        t = rng.uniform(0, 1, size=(size, size)).astype(np.float32)
    return a + t[..., None] * (b - a) * rng.uniform(*strength)


def _drop_hidden(mask: np.ndarray, min_px: int) -> None:
    ids, counts = np.unique(mask, return_counts=True)
    for i, n in zip(ids, counts):
        if i and n < min_px:
            mask[mask == i] = 255  # too few pixels to name: ignore, not background
