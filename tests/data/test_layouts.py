"""Loaders on tiny fixtures written in the exact real formats, and every bad input of step 1."""

import json

import numpy as np
import pytest
from PIL import Image

from dense_au.data.layouts import CorruptImageError, has_split, open_dataset, write_mask
from dense_au.data.load import load_split
from dense_au.errors import UserError


def _img(path, h=20, w=30, value=100):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((h, w, 3), value, np.uint8)).save(path)


def _voc(root, masks):
    (root / "ImageSets" / "Segmentation").mkdir(parents=True)
    (root / "SegmentationClass").mkdir()
    for name, mask in masks.items():
        _img(root / "JPEGImages" / f"{name}.jpg", *mask.shape)
        write_mask(root / "SegmentationClass" / f"{name}.png", mask)
    (root / "ImageSets" / "Segmentation" / "train.txt").write_text("\n".join(masks) + "\n")
    return root


def test_voc_reads_palette_masks_with_ignore(tmp_path):
    mask = np.zeros((20, 30), np.uint8)
    mask[2:8, 3:9] = 15     # person
    mask[10:12, :] = 255    # void border
    root = _voc(tmp_path / "voc", {"2007_000001": mask})
    s = open_dataset(root, "train")[0]
    assert s.image.shape == (3, 20, 30) and s.name == "2007_000001"
    assert (s.mask.numpy() == mask).all() and s.labels == (14,) and s.label == 14
    assert open_dataset(root, "train").class_names[14] == "person"


def test_imagefolder_and_plain_folder(tmp_path):
    for cls in ("cat", "dog"):
        for i in range(2):
            _img(tmp_path / "if" / cls / f"{i}.png")
    ds = open_dataset(tmp_path / "if", layout="imagefolder")
    assert ds.class_names == ["cat", "dog"] and [ds[i].label for i in range(4)] == [0, 0, 1, 1]
    _img(tmp_path / "plain" / "a.jpg")
    _img(tmp_path / "plain" / "sub" / "b.png")
    plain = open_dataset(tmp_path / "plain", layout="folder")
    assert len(plain) == 2 and plain[0].label is None and plain[0].mask is None


def test_coco_polygons_become_semantic_masks(tmp_path):
    root = tmp_path / "coco"
    _img(root / "val2017" / "000000000001.jpg", 40, 40)
    ann = {
        "images": [{"id": 1, "file_name": "000000000001.jpg", "height": 40, "width": 40}],
        "categories": [{"id": 18, "name": "dog"}, {"id": 1, "name": "person"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 18, "iscrowd": 0, "area": 400.0,
             "bbox": [0, 0, 20, 20], "segmentation": [[0, 0, 20, 0, 20, 20, 0, 20]]},
            {"id": 2, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 25.0,
             "bbox": [10, 10, 5, 5], "segmentation": [[10, 10, 15, 10, 15, 15, 10, 15]]},
        ],
    }
    (root / "annotations").mkdir()
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(ann))
    ds = open_dataset(root, "val2017")
    assert ds.class_names == ["person", "dog"]  # ids in increasing category-id order
    s = ds[0]
    m = s.mask.numpy()
    assert m[5, 5] == 2 and m[12, 12] == 1 and m[30, 30] == 0  # small person drawn over the dog
    assert set(s.labels) == {0, 1}


def test_load_split_resizes_to_square(tmp_path):
    mask = np.zeros((20, 40), np.uint8)
    mask[:, 20:] = 1
    root = _voc(tmp_path / "voc", {"a": mask})
    split = load_split(root, "train", size=16)
    assert split.images.shape == (1, 3, 16, 16) and split.masks.shape == (1, 16, 16)
    assert split.masks[0, :, :7].max() == 0 and split.masks[0, :, 9:].min() == 1


def test_corrupt_image_error_and_skip(tmp_path):
    root = tmp_path / "if"
    _img(root / "a" / "good.png")
    (root / "a" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(CorruptImageError, match="bad.png: not a readable image"):
        load_split(root, size=8, layout="imagefolder")
    split = load_split(root, size=8, layout="imagefolder", skip_corrupt=True)
    assert len(split) == 1 and split.skipped == [str(root / "a" / "bad.png")]


def test_truncated_image_is_corrupt(tmp_path):
    path = tmp_path / "plain" / "t.jpg"
    _img(path, 64, 64)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptImageError, match="t.jpg"):
        load_split(tmp_path / "plain", size=8, layout="folder")


def test_mask_of_wrong_size(tmp_path):
    root = _voc(tmp_path / "voc", {"a": np.zeros((20, 30), np.uint8)})
    write_mask(root / "SegmentationClass" / "a.png", np.zeros((10, 30), np.uint8))
    with pytest.raises(UserError, match=r"a.png: mask is 30x10 but its image is 30x20"):
        open_dataset(root, "train")[0]


def test_mask_ids_out_of_range(tmp_path):
    mask = np.zeros((20, 30), np.uint8)
    mask[0, 0] = 21
    root = _voc(tmp_path / "voc", {"a": mask})
    with pytest.raises(UserError, match=r"mask ids \[21\] out of range; expected 0..20 or 255"):
        open_dataset(root, "train")[0]


def test_missing_split_file_lists_available(tmp_path):
    root = _voc(tmp_path / "voc", {"a": np.zeros((4, 4), np.uint8)})
    with pytest.raises(UserError, match=r"val.txt: split file missing; available splits: \['train'\]"):
        open_dataset(root, "val")


def test_empty_and_missing_folders_and_unknown_layout(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no images found"):
        open_dataset(tmp_path / "empty")
    with pytest.raises(UserError, match="does not exist"):
        open_dataset(tmp_path / "nowhere")
    with pytest.raises(UserError, match="unknown dataset layout 'cityscapes'"):
        open_dataset(tmp_path / "empty", layout="cityscapes")


def test_has_split_per_layout(tmp_path):
    voc = _voc(tmp_path / "voc", {"a": np.zeros((4, 4), np.uint8)})
    assert has_split(voc, "train") and not has_split(voc, "test")
    (tmp_path / "coco" / "annotations").mkdir(parents=True)
    (tmp_path / "coco" / "annotations" / "instances_val.json").write_text("{}")
    assert has_split(tmp_path / "coco", "val") and not has_split(tmp_path / "coco", "train")
    _img(tmp_path / "if" / "train" / "cat" / "0.png")
    assert has_split(tmp_path / "if", "train", "imagefolder") and not has_split(tmp_path / "if", "val", "imagefolder")
    _img(tmp_path / "plain" / "a.jpg")
    assert not has_split(tmp_path / "plain", "train", "folder")
