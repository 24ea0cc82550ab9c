import hashlib

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from dense_au.data.embedded import SynthConfig, synthesize
from dense_au.data.load import load_split
from dense_au.data.shapes import CLASS_NAMES
from dense_au.data.synth import SceneSpec, draw_scene
from dense_au.errors import UserError


def _digest(root):
    h = hashlib.sha256()
    for p in sorted((root / "JPEGImages").iterdir()) + sorted((root / "SegmentationClass").iterdir()):
        h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files_whatever_the_worker_count(tmp_path):
    cfg = SynthConfig("multi", 12, 3, 3, 32, seed=5)
    a = synthesize(cfg, tmp_path / "a", workers=1)
    b = synthesize(cfg, tmp_path / "b", workers=2)
    c = synthesize(SynthConfig("multi", 12, 3, 3, 32, seed=6), tmp_path / "c", workers=1)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_single_has_one_object_and_imagefolder_links(single_dir):
    split = load_split(single_dir, "train", 32)
    assert split.masks is not None and len(split) == 40
    for i in range(len(split)):
        ids = set(np.unique(split.masks[i].numpy())) - {0}
        assert len(ids) == 1 and split.labels[i] == ids.pop() - 1
    folder = load_split(single_dir / "ImageFolder", "train", 32, layout="imagefolder")
    assert len(folder) == 40 and set(folder.class_names) <= set(CLASS_NAMES)


def test_multi_has_several_objects_with_label_sets_matching_masks(multi_dir):
    split = load_split(multi_dir, "train", 32)
    sizes = split.label_sets.sum(1)
    assert sizes.max() <= 6 and sizes.min() >= 1 and sizes.float().mean() > 1.5
    for i in range(len(split)):
        ids = set(np.unique(split.masks[i].numpy())) - {0, 255}
        assert ids == {k + 1 for k in split.label_sets[i].nonzero().flatten().tolist()}


def test_every_class_appears_and_colour_does_not_give_it_away():
    spec = SceneSpec("single", 32)
    colours, labels = [], []
    for i in range(600):
        img, mask = draw_scene(spec, 0, "train", i)
        fg = mask > 0
        colours.append(img[fg].mean(0) / 255.0)
        labels.append(mask[fg][0] - 1)
    labels = np.array(labels)
    assert set(labels) == set(range(len(CLASS_NAMES)))
    x, y = np.array(colours), labels
    clf = LogisticRegression(max_iter=500).fit(x[:400], y[:400])
    assert clf.score(x[400:], y[400:]) < 0.25  # chance is 0.10


def test_existing_dataset_is_reused_or_refused(tmp_path):
    cfg = SynthConfig("single", 4, 2, 2, 32)
    out = synthesize(cfg, tmp_path / "d", workers=1)
    stamp = (out / "meta.json").stat().st_mtime_ns
    synthesize(cfg, out, workers=1)
    assert (out / "meta.json").stat().st_mtime_ns == stamp
    with pytest.raises(UserError, match="different dataset"):
        synthesize(SynthConfig("single", 5, 2, 2, 32), out, workers=1)


@pytest.mark.parametrize("cfg, fragment", [
    (SynthConfig(kind="many"), "unknown dataset kind 'many'"),
    (SynthConfig(size=8), "too small"),
    (SynthConfig(n_val=-1), "n_val"),
])
def test_bad_synth_parameters(tmp_path, cfg, fragment):
    with pytest.raises(UserError, match=fragment):
        synthesize(cfg, tmp_path / "x", workers=1)
    assert not (tmp_path / "x").exists()
