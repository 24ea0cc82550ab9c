"""Write the embedded datasets to disk in the VOC layout (plus ImageFolder links for `single`).

DIR/meta.json                            kind, classes, sizes, seed: what made the data
DIR/JPEGImages/<id>.png                  images (PNG: lossless, so masks align exactly)
DIR/SegmentationClass/<id>.png           palette masks: 0 background, k = class k-1, 255 ignore
DIR/ImageSets/Segmentation/<split>.txt   ids per split
DIR/ImageFolder/<split>/<class>/<id>.png single only: hard links to the same images
The whole directory is built under a temporary name and renamed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

from dense_au.data.layouts import write_mask
from dense_au.data.shapes import CLASS_NAMES
from dense_au.data.synth import SceneSpec, draw_scene
from dense_au.errors import UserError
from dense_au.progress import progress_bar

KINDS = ("single", "multi")
_CHUNK = 250


@dataclass(frozen=True)
class SynthConfig:
    """Parameters of an embedded dataset; identical parameters give identical files."""

    kind: str = "single"      # "single" (one object, ImageNet-like) or "multi" (2-6, COCO-like)
    n_train: int = 2000
    n_val: int = 500
    n_test: int = 500
    size: int = 64            # image side in pixels
    seed: int = 0


def synthesize(cfg: SynthConfig, out: str | Path, workers: int | None = None,
               overwrite: bool = False) -> Path:
    """Generate the dataset into `out`. An existing dataset with the same parameters is reused."""
    out = Path(out)
    _check(cfg)
    if (out / "meta.json").is_file() and not overwrite:
        if json.loads((out / "meta.json").read_text()).get("config") == asdict(cfg):
            return out
        raise UserError(f"{out}: holds a different dataset; pass --overwrite to replace it")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise UserError(f"{out}: directory is not empty; choose another --out or pass --overwrite")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (tmp / sub).mkdir(parents=True)
    jobs = [(cfg, str(tmp), split, start, min(start + _CHUNK, n))
            for split, n in _splits(cfg).items() for start in range(0, n, _CHUNK)]
    workers = workers or min(os.cpu_count() or 1, 8)
    with ProcessPoolExecutor(workers) as pool:
        list(progress_bar(pool.map(_write_chunk, jobs), f"synth {cfg.kind}", total=len(jobs)))
    for split, n in _splits(cfg).items():
        ids = "".join(f"{_image_id(split, i)}\n" for i in range(n))
        (tmp / "ImageSets" / "Segmentation" / f"{split}.txt").write_text(ids)
    meta = {"layout": "embedded", "kind": cfg.kind, "class_names": list(CLASS_NAMES),
            "mask_ids": "0 = background, k = class k-1 (class_names order), 255 = ignore",
            "config": asdict(cfg)}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return out


def _check(cfg: SynthConfig) -> None:
    if cfg.kind not in KINDS:
        raise UserError(f"unknown dataset kind {cfg.kind!r}; expected one of {', '.join(KINDS)}")
    if cfg.size < 16:
        raise UserError(f"image size {cfg.size} too small; expected at least 16 pixels")
    for name in ("n_train", "n_val", "n_test"):
        if getattr(cfg, name) < 0:
            raise UserError(f"{name} = {getattr(cfg, name)}; expected a count >= 0")


def _splits(cfg: SynthConfig) -> dict[str, int]:
    return {"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test}


def _image_id(split: str, i: int) -> str:
    return f"{split}_{i:06d}"


def _write_chunk(job: tuple[SynthConfig, str, str, int, int]) -> None:
    cfg, root, split, start, stop = job
    root_path = Path(root)
    spec = SceneSpec(kind=cfg.kind, size=cfg.size)
    for i in range(start, stop):
        img, mask = draw_scene(spec, cfg.seed, split, i)
        name = _image_id(split, i)
        image_path = root_path / "JPEGImages" / f"{name}.png"
        Image.fromarray(img).save(image_path, compress_level=1)
        write_mask(root_path / "SegmentationClass" / f"{name}.png", mask)
        if cfg.kind == "single":
            _link_imagefolder(root_path, split, CLASS_NAMES[int(mask[mask != 255].max()) - 1],
                              image_path)


def _link_imagefolder(root: Path, split: str, class_name: str, image_path: Path) -> None:
    target = root / "ImageFolder" / split / class_name / image_path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(image_path, target)
    except OSError:  # file systems without hard links
        shutil.copyfile(image_path, target)
