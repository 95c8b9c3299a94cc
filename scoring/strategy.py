"""Rules as plugins (规则插件): a small base class, one class per rule, a registry by name.

Every rule a tier may change (aggregation, standardisation, awards, honours) is chosen by the
event's rule preset as ``{"strategy": name, "params": {...}}``, the shape CMS uses for its score
types. A strategy declares its parameters as a frozen dataclass (``Params``); the registry reads
the preset's ``params`` into it, converting strings to :class:`~decimal.Decimal` where the field
is a decimal, and refuses unknown names so a typo in a preset is an error, not a silent default.
"""

from __future__ import annotations

import abc
import dataclasses
import types
import typing
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from scoring.messages import Message, ScoringError
from scoring.numbers import to_decimal


@dataclasses.dataclass(frozen=True)
class NoParams:
    """For strategies without parameters."""


class Strategy(abc.ABC):
    """Base of every rule plugin: a ``name`` and typed ``Params``; each family's base declares the
    abstract method its plugins implement."""

    name: ClassVar[str] = ""
    Params: ClassVar[type] = NoParams

    def __init__(self, params: Any = None) -> None:
        self.params = parse_params(self.Params, params, where=f"{type(self).name}")
        self.check_params()

    def check_params(self) -> None:
        """Hook for cross-field checks; raise :class:`ScoringError` when the parameters clash."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"


S = TypeVar("S", bound=Strategy)


class Registry(Generic[S]):
    """Strategies of one family by name, e.g. all aggregation rules."""

    def __init__(self, family: str, family_zh: str) -> None:
        self.family = family
        self.family_zh = family_zh
        self._classes: dict[str, type[S]] = {}

    def register(self, cls: type[S]) -> type[S]:
        """Class decorator; the class's ``name`` is its key in presets."""
        if not cls.name:
            raise TypeError(f"{cls.__name__} has no name")
        if cls.name in self._classes:
            raise TypeError(f"{self.family} strategy {cls.name!r} registered twice")
        self._classes[cls.name] = cls
        return cls

    def names(self) -> list[str]:
        return sorted(self._classes)

    def get(self, name: str) -> type[S]:
        try:
            return self._classes[name]
        except KeyError:
            raise ScoringError(
                "unknown_strategy",
                Message(
                    f"未知的{self.family_zh}规则 {name!r}，可选：{'、'.join(self.names())}",
                    f"unknown {self.family} strategy {name!r}; choose one of: {', '.join(self.names())}",
                ),
                family=self.family,
                strategy=name,
            ) from None

    def create(self, name: str, params: Any = None) -> S:
        return self.get(name)(params)

    def from_section(self, section: Any) -> S:
        """A strategy from a preset section ``{"strategy": name, "params": {...}}``."""
        if isinstance(section, Strategy):
            return section  # type: ignore[return-value]
        if not isinstance(section, dict) or "strategy" not in section:
            raise ScoringError(
                "bad_section", Message(f"{self.family_zh}规则须写成 {{strategy, params}}", f"{self.family} rule must be {{strategy, params}}")
            )
        return self.create(section["strategy"], section.get("params") or {})


def parse_params(cls: type, raw: Any, *, where: str = "") -> Any:
    """Read a mapping into the frozen dataclass ``cls``: unknown keys and bad types are errors."""
    if isinstance(raw, cls):
        return raw
    raw = dict(raw or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ScoringError(
            "unknown_params",
            Message(
                f"{where} 不认识的参数：{', '.join(unknown)}（可用：{', '.join(fields)}）",
                f"{where}: unknown parameters {', '.join(unknown)} (known: {', '.join(fields)})",
            ),
            unknown=unknown,
        )
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in raw.items():
        try:
            values[key] = _convert(hints[key], value)
        except (ValueError, TypeError, ScoringError):
            raise ScoringError(
                "bad_param", Message(f"{where} 参数 {key} 的值不对：{value!r}", f"{where}: parameter {key} has a bad value: {value!r}"), param=key
            ) from None
    return cls(**values)


def _convert(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        last: Exception | None = None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value)
            except (ValueError, TypeError, ScoringError) as exc:
                last = exc
        raise TypeError(str(last))
    if tp is Any:
        return value
    if tp is Decimal:
        return to_decimal(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise TypeError("expected a boolean")
    if tp is int:
        if isinstance(value, bool):
            raise TypeError("expected an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise TypeError("expected an integer")
    if tp is str:
        if isinstance(value, str):
            return value
        raise TypeError("expected a string")
    if origin is tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise TypeError("expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in value)
        if len(args) != len(value):
            raise TypeError("wrong length")
        return tuple(_convert(a, v) for a, v in zip(args, value, strict=True))
    if origin in (dict, typing.Mapping) or tp is dict:
        if not isinstance(value, dict):
            raise TypeError("expected a mapping")
        if args:
            kt, vt = args
            return {_convert(kt, k): _convert(vt, v) for k, v in value.items()}
        return dict(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return parse_params(tp, value)
    if isinstance(value, tp):
        return value
    raise TypeError(f"expected {tp}")
