from dataclasses import dataclass, field
from typing import Literal

import pytest

from dense_au.config import load_config, parse_override, to_dict
from dense_au.errors import UserError


@dataclass
class Optim:
    lr: float = 0.1
    name: Literal["sgd", "adamw"] = "sgd"


@dataclass
class Cfg:
    steps: int = 10
    scale: tuple[float, float] = (0.2, 1.0)
    optim: Optim = field(default_factory=Optim)
    note: str | None = None


def test_defaults_yaml_and_overrides_compose(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("steps: 5\noptim:\n  lr: 1\n")
    cfg = load_config(Cfg, path, ["optim.name=adamw", "scale=[0.5, 0.9]"])
    assert cfg.steps == 5 and cfg.optim.lr == 1.0 and isinstance(cfg.optim.lr, float)
    assert cfg.optim.name == "adamw" and cfg.scale == (0.5, 0.9)
    assert to_dict(cfg)["scale"] == [0.5, 0.9]


def test_unknown_key_suggests_closest_and_lists_valid():
    with pytest.raises(UserError) as err:
        load_config(Cfg, overrides=["optim.lrr=0.3"])
    msg = str(err.value)
    assert "optim.lrr" in msg and "Did you mean 'optim.lr'" in msg and "optim.name" in msg


@pytest.mark.parametrize("override, fragment", [
    ("steps=ten", "'steps' must be int"),
    ("steps=1.5", "'steps' must be int"),
    ("optim.name=adam", "must be one of"),
    ("scale=[1]", "must have 2 items"),
    ("optim=3", "must be a mapping"),
])
def test_wrong_types_name_the_key(override, fragment):
    with pytest.raises(UserError, match=fragment):
        load_config(Cfg, overrides=[override])


def test_bad_override_syntax_and_missing_file(tmp_path):
    with pytest.raises(UserError, match="section.key=value"):
        parse_override("steps")
    with pytest.raises(UserError, match="does not exist"):
        load_config(Cfg, tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a\n- b\n")
    with pytest.raises(UserError, match="mapping"):
        load_config(Cfg, bad)
