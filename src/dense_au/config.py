"""Typed configuration: dataclasses with documented defaults, loaded from YAML with overrides.

Every config is a (nested) dataclass. `load_config` builds one from a YAML file and
`section.key=value` overrides, checking every key and type, so a typo is a clear `UserError`
that names the key and suggests the closest valid one.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml

from dense_au.errors import UserError

T = TypeVar("T")


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] = (),
                base: dict | None = None) -> T:
    """Build `cls` from `base`, then the YAML file at `path`, then `key=value` overrides."""
    raw: dict = dict(base or {})
    if path is not None:
        raw = deep_merge(raw, read_yaml(path))
    for item in overrides:
        raw = deep_merge(raw, parse_override(item))
    return from_dict(cls, raw, where=str(path) if path else "config")


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"config file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise UserError(f"config file {path} is not valid YAML: {exc}".splitlines()[0]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"config file {path} must hold a mapping of keys, got {type(data).__name__}")
    return data


def parse_override(item: str) -> dict:
    """`a.b=1` -> {"a": {"b": 1}}; the value is parsed as YAML, so `[1, 2]` and `true` work."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UserError(f"override {item!r} must look like section.key=value")
    out: Any = yaml.safe_load(value) if value.strip() else None
    for part in reversed(key.strip().split(".")):
        out = {part: out}
    return out


def deep_merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def from_dict(cls: type[T], raw: Any, where: str = "config", prefix: str = "") -> T:
    """Check `raw` against dataclass `cls` key by key and build it."""
    if not isinstance(raw, dict):
        raise UserError(f"{where}: {prefix.rstrip('.') or 'config'} must be a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in raw:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" Did you mean '{prefix}{close[0]}'?" if close else ""
            raise UserError(f"{where}: unknown key '{prefix}{key}'.{hint} "
                            f"Valid keys: {', '.join(prefix + n for n in names)}")
    kwargs = {key: _coerce(hints[key], value, where, prefix + key) for key, value in raw.items()}
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, where: str, key: str) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value if value is not None else {}, where, key + ".")
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(arg, value, where, key)
            except UserError as exc:
                errors.append(exc)
        raise errors[0]
    if origin is Literal:
        if value not in args:
            raise UserError(f"{where}: '{key}' must be one of {', '.join(map(repr, args))}, got {value!r}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise UserError(f"{where}: '{key}' must be a list, got {value!r}")
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise UserError(f"{where}: '{key}' must have {len(args)} items, got {value!r}")
            return tuple(_coerce(a, v, where, key) for a, v in zip(args, value))
        item = args[0] if args else Any
        items = [_coerce(item, v, where, key) for v in value]
        return tuple(items) if origin is tuple else items
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise UserError(f"{where}: '{key}' must be a mapping, got {value!r}")
        return dict(value)
    return _coerce_scalar(tp, value, where, key)


def _coerce_scalar(tp: Any, value: Any, where: str, key: str) -> Any:
    if tp is Any:
        return value
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp is float and isinstance(value, str):  # YAML 1.1 reads "1e-4" as a string
        try:
            return float(value)
        except ValueError:
            pass
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is bool and isinstance(value, bool):
        return value
    if tp is str and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if tp is Path and isinstance(value, (str, Path)):
        return Path(value)
    raise UserError(f"{where}: '{key}' must be {getattr(tp, '__name__', tp)}, got {value!r}")


def to_dict(cfg: Any) -> dict:
    """A plain, YAML-safe dict of a config (tuples as lists, paths as strings)."""
    def plain(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, Path):
            return str(v)
        return v
    return plain(dataclasses.asdict(cfg))
