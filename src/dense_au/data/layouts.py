"""Readers for the on-disk layouts dense-au understands; each yields `Sample`s.

- `imagefolder`: ROOT/<class>/<image> (one subfolder per class), for classification.
- `folder`:      any images below ROOT, unlabeled, for pre-training.
- `voc`:         Pascal VOC 2012 segmentation: JPEGImages/, SegmentationClass/ (palette PNG),
                 ImageSets/Segmentation/<split>.txt; 21 classes with background, 255 = ignore.
- `coco`:        COCO instances JSON at annotations/instances_<split>.json, images in <split>/.
                 Category ids are mapped to 1..K in increasing id order (0 = background);
                 crowd regions are 255; overlapping instances: smaller ones drawn on top.
- `embedded`:    what `dense-au data synth` writes: the VOC layout plus meta.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from dense_au.data.sample import IGNORE_INDEX, Sample, label_set_from_mask
from dense_au.errors import UserError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".tif", ".tiff", ".webp")
LAYOUTS = ("auto", "embedded", "voc", "coco", "imagefolder", "folder")
VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
               "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
               "sheep", "sofa", "train", "tvmonitor")


class CorruptImageError(UserError):
    """An image file that cannot be decoded; `skip_corrupt` turns these into skips."""


def voc_palette() -> list[int]:
    """The standard VOC colour map (bit-interleaved), 256 RGB entries flattened."""
    pal = []
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        pal += [r, g, b]
    return pal


def read_image(path: Path) -> np.ndarray:
    """(H, W, 3) uint8, or CorruptImageError naming the file."""
    try:
        with Image.open(path) as im:
            return np.array(im.convert("RGB"))  # a writable copy
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptImageError(f"{path}: not a readable image ({type(exc).__name__})") from None


def read_mask(path: Path, image_shape: tuple[int, int], num_classes: int) -> np.ndarray:
    """(H, W) uint8 class-index mask, checked against its image's size and the class count."""
    try:
        with Image.open(path) as im:
            if im.mode not in ("P", "L"):
                raise UserError(f"{path}: mask must be a palette or grayscale PNG of class ids, "
                                f"got mode {im.mode}")
            mask = np.asarray(im)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise CorruptImageError(f"{path}: not a readable mask ({type(exc).__name__})") from None
    if mask.shape != tuple(image_shape):
        raise UserError(f"{path}: mask is {mask.shape[1]}x{mask.shape[0]} but its image is "
                        f"{image_shape[1]}x{image_shape[0]}; expected the same size")
    bad = np.unique(mask[(mask >= num_classes) & (mask != IGNORE_INDEX)])
    if bad.size:
        raise UserError(f"{path}: mask ids {bad.tolist()[:5]} out of range; expected 0..{num_classes - 1} "
                        f"or {IGNORE_INDEX} (ignore)")
    return mask


def write_mask(path: Path, mask: np.ndarray) -> None:
    im = Image.fromarray(mask.astype(np.uint8), mode="P")
    im.putpalette(voc_palette())
    im.save(path)


def _to_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float().div_(255.0)


def _list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)


def _require_dir(path: Path, what: str) -> None:
    if not path.is_dir():
        raise UserError(f"{path}: {what} directory does not exist")


class FolderDataset(Dataset):
    """Every image below `root`, unlabeled (for pre-training on raw photos)."""

    class_names: list[str] = []

    def __init__(self, root: Path):
        _require_dir(root, "image")
        self.paths = _list_images(root)
        if not self.paths:
            raise UserError(f"{root}: no images found (looked for {', '.join(IMAGE_EXTENSIONS)})")

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> Sample:
        return Sample(_to_tensor(read_image(self.paths[i])), name=self.paths[i].stem)


class ImageFolderDataset(FolderDataset):
    """ROOT/<class>/<image>; classes are the sorted subfolder names."""

    def __init__(self, root: Path):
        _require_dir(root, "ImageFolder")
        self.class_names = sorted(p.name for p in root.iterdir() if p.is_dir())
        if not self.class_names:
            raise UserError(f"{root}: no class subfolders; expected ROOT/<class>/<image>")
        self.items = [(p, k) for k, c in enumerate(self.class_names) for p in _list_images(root / c)]
        if not self.items:
            raise UserError(f"{root}: class subfolders hold no images")
        self.paths = [p for p, _ in self.items]

    def __getitem__(self, i: int) -> Sample:
        path, k = self.items[i]
        return Sample(_to_tensor(read_image(path)), name=path.stem, label=k, labels=(k,))


class VOCDataset(Dataset):
    """Pascal VOC segmentation layout (also the embedded datasets' layout)."""

    def __init__(self, root: Path, split: str, class_names: tuple[str, ...] = VOC_CLASSES):
        _require_dir(root, "VOC")
        self.root, self.class_names = root, list(class_names)
        self.num_classes = len(class_names) + 1  # + background
        split_file = _voc_split_file(root, split)
        if not split_file.is_file():
            have = sorted(p.stem for p in split_file.parent.glob("*.txt"))
            raise UserError(f"{split_file}: split file missing; available splits: {have or 'none'}")
        self.ids = [s.strip() for s in split_file.read_text().splitlines() if s.strip()]
        if not self.ids:
            raise UserError(f"{split_file}: split file lists no images")
        self.paths = [self._image_path(i) for i in self.ids]

    def _image_path(self, image_id: str) -> Path:
        for ext in (".jpg", ".png", ".jpeg"):
            path = self.root / "JPEGImages" / f"{image_id}{ext}"
            if path.is_file():
                return path
        raise UserError(f"{self.root / 'JPEGImages' / image_id}.jpg: image listed in the split is missing")

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> Sample:
        img = read_image(self.paths[i])
        mask_path = self.root / "SegmentationClass" / f"{self.ids[i]}.png"
        if not mask_path.is_file():
            raise UserError(f"{mask_path}: segmentation mask missing")
        mask = torch.from_numpy(read_mask(mask_path, img.shape[:2], self.num_classes).astype(np.int64))
        labels = label_set_from_mask(mask, len(self.class_names))
        label = labels[0] if len(labels) == 1 else None
        return Sample(_to_tensor(img), name=self.ids[i], label=label, labels=labels, mask=mask)


class EmbeddedDataset(VOCDataset):
    """A `dense-au data synth` directory: VOC layout whose class names come from meta.json."""

    def __init__(self, root: Path, split: str):
        meta = read_meta(root)
        super().__init__(root, split, tuple(meta["class_names"]))
        self.meta = meta


class COCODataset(Dataset):
    """COCO instances turned into semantic masks by category (see module docstring)."""

    def __init__(self, root: Path, split: str):
        from pycocotools.coco import COCO

        ann = _coco_annotations(root, split)
        if not ann.is_file():
            raise UserError(f"{ann}: COCO annotation file missing")
        try:
            self.coco = COCO(str(ann))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise UserError(f"{ann}: not a COCO instances file ({type(exc).__name__}: {exc})") from None
        cat_ids = sorted(self.coco.getCatIds())
        self.cat_to_index = {c: k + 1 for k, c in enumerate(cat_ids)}
        self.class_names = [self.coco.cats[c]["name"] for c in cat_ids]
        self.num_classes = len(cat_ids) + 1
        self.image_ids = sorted(self.coco.getImgIds())
        if not self.image_ids:
            raise UserError(f"{ann}: lists no images")
        self.image_dir = root / split
        self.paths = [self.image_dir / self.coco.imgs[i]["file_name"] for i in self.image_ids]

    def __len__(self) -> int:
        return len(self.image_ids)

    def __getitem__(self, i: int) -> Sample:
        img = read_image(self.paths[i])
        info = self.coco.imgs[self.image_ids[i]]
        if img.shape[:2] != (info["height"], info["width"]):
            raise UserError(f"{self.paths[i]}: image is {img.shape[1]}x{img.shape[0]} but the "
                            f"annotations say {info['width']}x{info['height']}")
        mask = np.zeros(img.shape[:2], np.uint8)
        anns = self.coco.loadAnns(self.coco.getAnnIds(imgIds=info["id"]))
        for a in sorted(anns, key=lambda a: -a["area"]):  # smaller instances end up on top
            m = self.coco.annToMask(a).astype(bool)
            mask[m] = IGNORE_INDEX if a.get("iscrowd", 0) else self.cat_to_index[a["category_id"]]
        mask_t = torch.from_numpy(mask.astype(np.int64))
        labels = label_set_from_mask(mask_t, len(self.class_names))
        return Sample(_to_tensor(img), name=Path(info["file_name"]).stem,
                      label=labels[0] if len(labels) == 1 else None, labels=labels, mask=mask_t)


def read_meta(root: Path) -> dict:
    path = root / "meta.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path}: missing; is {root} a `dense-au data synth` directory?") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None


def detect_layout(root: Path) -> str:
    if (root / "meta.json").is_file():
        return "embedded"
    if (root / "JPEGImages").is_dir():
        return "voc"
    if (root / "annotations").is_dir():
        return "coco"
    if root.is_dir() and any(p.is_dir() for p in root.iterdir()):
        return "imagefolder"
    return "folder"


def has_split(root: str | Path, split: str, layout: str = "auto") -> bool:
    """Whether `root` holds a split named `split` (a plain folder has no named splits)."""
    root = Path(root)
    layout = detect_layout(root) if layout == "auto" else layout
    if layout in ("voc", "embedded"):
        return _voc_split_file(root, split).is_file()
    if layout == "coco":
        return _coco_annotations(root, split).is_file()
    return layout == "imagefolder" and (root / split).is_dir()


def _voc_split_file(root: Path, split: str) -> Path:
    return root / "ImageSets" / "Segmentation" / f"{split}.txt"


def _coco_annotations(root: Path, split: str) -> Path:
    return root / "annotations" / f"instances_{split}.json"


def open_dataset(root: str | Path, split: str = "train", layout: str = "auto") -> Dataset:
    """The dataset at `root` in `layout` ('auto' detects it). ImageFolder reads ROOT/<split>/ if present."""
    root = Path(root)
    if layout not in LAYOUTS:
        raise UserError(f"unknown dataset layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    if not root.exists():
        raise UserError(f"{root}: dataset directory does not exist")
    if layout == "auto":
        layout = detect_layout(root)
    if layout == "embedded":
        return EmbeddedDataset(root, split)
    if layout == "voc":
        return VOCDataset(root, split)
    if layout == "coco":
        return COCODataset(root, split)
    if layout == "imagefolder":
        return ImageFolderDataset(root / split if has_split(root, split, layout) else root)
    return FolderDataset(root)
