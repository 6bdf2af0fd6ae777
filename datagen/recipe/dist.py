"""Recipe parameters that are either constants or distributions.

Any numeric recipe parameter may be written as

    size: 0.07                                   # a constant
    size: {uniform: [0.05, 0.09]}                # uniform on [a, b]
    size: {normal: {mean: 0.07, std: 0.01, min: 0.05, max: 0.1}}  # clipped normal
    size: {choice: [0.05, 0.07, 0.09], weights: [1, 2, 1]}
    count: {randint: [0, 3]}                     # integer, both ends included

and any categorical one as a value or `{choice: [...], weights: [...]}`.

In a schema, declare a field with `Num(lo, hi)`, `Int(lo, hi)` or `Cat(options)`;
the validator turns the raw YAML into a `Dist` whose support is checked against
the bounds, so `{uniform: [-1, 2]}` for an opacity fails before any work.
A `Dist` samples with an explicit `numpy.random.Generator` and serialises back
to the form it was written in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Sequence

import numpy as np
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from datagen.rng import weighted_index


class Dist:
    """A constant or a distribution; `sample(rng)` draws one value."""

    def sample(self, rng: np.random.Generator) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def support(self) -> tuple[float, float] | None:
        """(min, max) of the values this can produce, for numeric dists."""
        return None

    def values(self) -> list[Any] | None:
        """All values a categorical dist can produce."""
        return None

    def to_raw(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_raw()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dist) and self.to_raw() == other.to_raw()

    def __hash__(self) -> int:
        return hash(repr(self))


@dataclass(eq=False, repr=False)
class Const(Dist):
    value: Any

    def sample(self, rng):
        return self.value

    def support(self):
        if isinstance(self.value, (int, float)) and not isinstance(self.value, bool):
            return (self.value, self.value)
        return None

    def values(self):
        return [self.value]

    def to_raw(self):
        return self.value


@dataclass(eq=False, repr=False)
class Uniform(Dist):
    lo: float
    hi: float
    integer: bool = False

    def sample(self, rng):
        if self.integer:
            return int(rng.integers(int(self.lo), int(self.hi) + 1))
        return float(rng.uniform(self.lo, self.hi))

    def support(self):
        return (self.lo, self.hi)

    def to_raw(self):
        return {("randint" if self.integer else "uniform"): [self.lo, self.hi]}


@dataclass(eq=False, repr=False)
class Normal(Dist):
    mean: float
    std: float
    lo: float
    hi: float
    integer: bool = False

    def sample(self, rng):
        v = float(np.clip(rng.normal(self.mean, self.std), self.lo, self.hi))
        return int(round(v)) if self.integer else v

    def support(self):
        return (self.lo, self.hi)

    def to_raw(self):
        return {"normal": {"mean": self.mean, "std": self.std, "min": self.lo, "max": self.hi}}


@dataclass(eq=False, repr=False)
class Choice(Dist):
    options: list[Any]
    weights: list[float] | None = None

    def sample(self, rng):
        if self.weights is None:
            return self.options[int(rng.integers(len(self.options)))]
        return self.options[weighted_index(rng, self.weights)]

    def support(self):
        if all(isinstance(o, (int, float)) and not isinstance(o, bool) for o in self.options):
            return (min(self.options), max(self.options))
        return None

    def values(self):
        return list(self.options)

    def to_raw(self):
        raw: dict[str, Any] = {"choice": list(self.options)}
        if self.weights is not None:
            raw["weights"] = list(self.weights)
        return raw


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _fmt_bounds(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"between {lo} and {hi}"
    if lo is not None:
        return f">= {lo}"
    if hi is not None:
        return f"<= {hi}"
    return "any number"


def _parse_weights(raw: dict, n: int) -> list[float] | None:
    w = raw.get("weights")
    if w is None:
        return None
    if not isinstance(w, list) or len(w) != n or not all(_is_number(x) and x >= 0 for x in w):
        raise ValueError(f"'weights' must be a list of {n} non-negative numbers, got {w!r}")
    if sum(w) <= 0:
        raise ValueError("'weights' must not all be zero")
    return [float(x) for x in w]


def _only_keys(raw: dict, allowed: set[str]) -> None:
    extra = set(raw) - allowed
    if extra:
        raise ValueError(
            f"unknown key(s) {sorted(extra)} in a distribution (allowed: {sorted(allowed)})"
        )


def parse_numeric(raw: Any, lo=None, hi=None, integer=False) -> Dist:
    what = "an integer" if integer else "a number"
    expected = (
        f"{what} {_fmt_bounds(lo, hi)} or a distribution "
        "({uniform: [a, b]}, {randint: [a, b]}, {normal: {mean, std, min, max}}, {choice: [...]})"
    )
    if isinstance(raw, Dist):
        dist = raw
    elif _is_number(raw):
        if integer and float(raw) != int(raw):
            raise ValueError(f"expected {expected}, got {raw!r}")
        dist = Const(int(raw) if integer else float(raw))
    elif isinstance(raw, dict) and len(raw) >= 1:
        if "uniform" in raw or "randint" in raw:
            k = "randint" if "randint" in raw else "uniform"
            _only_keys(raw, {k})
            ab = raw[k]
            if not (isinstance(ab, list) and len(ab) == 2 and all(_is_number(x) for x in ab)):
                raise ValueError(f"'{k}' needs a list [a, b] of two numbers, got {ab!r}")
            a, b = ab
            if a > b:
                raise ValueError(f"'{k}' needs a <= b, got [{a}, {b}]")
            is_int = integer or k == "randint"
            if is_int and (float(a) != int(a) or float(b) != int(b)):
                raise ValueError(f"'{k}' bounds must be integers, got {ab!r}")
            dist = Uniform(int(a) if is_int else float(a), int(b) if is_int else float(b), is_int)
        elif "normal" in raw:
            _only_keys(raw, {"normal"})
            n = raw["normal"]
            need = {"mean", "std", "min", "max"}
            if not isinstance(n, dict) or set(n) != need or not all(_is_number(n[x]) for x in need):
                raise ValueError(f"'normal' needs numbers for {sorted(need)}, got {n!r}")
            if n["std"] < 0 or n["min"] > n["max"]:
                raise ValueError("'normal' needs std >= 0 and min <= max")
            dist = Normal(float(n["mean"]), float(n["std"]), float(n["min"]), float(n["max"]), integer)
        elif "choice" in raw:
            _only_keys(raw, {"choice", "weights"})
            opts = raw["choice"]
            if not isinstance(opts, list) or not opts or not all(_is_number(o) for o in opts):
                raise ValueError(f"'choice' needs a non-empty list of numbers, got {opts!r}")
            if integer and any(float(o) != int(o) for o in opts):
                raise ValueError(f"'choice' options must be integers, got {opts!r}")
            conv = int if integer else float
            dist = Choice([conv(o) for o in opts], _parse_weights(raw, len(opts)))
        else:
            raise ValueError(f"expected {expected}, got {raw!r}")
    else:
        raise ValueError(f"expected {expected}, got {raw!r}")
    sup = dist.support()
    if sup is not None:
        if (lo is not None and sup[0] < lo) or (hi is not None and sup[1] > hi):
            raise ValueError(f"values must be {_fmt_bounds(lo, hi)}, got {dist.to_raw()!r}")
    return dist


def parse_categorical(raw: Any, options: Sequence[Any] | None = None) -> Dist:
    if isinstance(raw, Dist):
        dist = raw
    elif isinstance(raw, dict) and "choice" in raw:
        _only_keys(raw, {"choice", "weights"})
        opts = raw["choice"]
        if not isinstance(opts, list) or not opts:
            raise ValueError(f"'choice' needs a non-empty list, got {opts!r}")
        dist = Choice(list(opts), _parse_weights(raw, len(opts)))
    elif isinstance(raw, (dict, list)):
        allowed = f"one of {list(options)}" if options else "a value"
        raise ValueError(f"expected {allowed} or {{choice: [...], weights: [...]}}, got {raw!r}")
    else:
        dist = Const(raw)
    if options is not None:
        bad = [v for v in dist.values() or [] if v not in options]
        if bad:
            raise ValueError(f"{bad[0]!r} is not one of {list(options)}")
    return dist


_SERIALIZE = PlainSerializer(lambda d: d.to_raw(), return_type=Any)
_SCHEMA = WithJsonSchema({})


def Num(lo: float | None = None, hi: float | None = None):
    """Annotated type for a float parameter (constant or distribution) within [lo, hi]."""
    return Annotated[Dist, BeforeValidator(lambda v: parse_numeric(v, lo, hi)), _SERIALIZE, _SCHEMA]


def Int(lo: int | None = None, hi: int | None = None):
    """Annotated type for an integer parameter (constant or distribution) within [lo, hi]."""
    return Annotated[
        Dist, BeforeValidator(lambda v: parse_numeric(v, lo, hi, integer=True)), _SERIALIZE, _SCHEMA
    ]


def Cat(options: Sequence[Any] | None = None):
    """Annotated type for a categorical parameter (value or weighted choice)."""
    opts = list(options) if options is not None else None
    return Annotated[Dist, BeforeValidator(lambda v: parse_categorical(v, opts)), _SERIALIZE, _SCHEMA]


def sample_all(obj: Any, rng: np.random.Generator) -> Any:
    """Draw every Dist inside a (nested) pydantic model / dict / list, in field order."""
    from pydantic import BaseModel

    if isinstance(obj, Dist):
        return obj.sample(rng)
    if isinstance(obj, BaseModel):
        return {k: sample_all(getattr(obj, k), rng) for k in type(obj).model_fields}
    if isinstance(obj, dict):
        return {k: sample_all(v, rng) for k, v in obj.items()}
    if isinstance(obj, list):
        return [sample_all(v, rng) for v in obj]
    return obj
