"""The calculation catalogue: every rule of the law under one name, with typed inputs.

A calculation is a pure, vectorised kernel ``kernel(params, *, <inputs as arrays>, trace)`` that
returns a dict of arrays (money as integer fen). The catalogue gives it three faces:

- Python: :func:`calc` parses one citizen's inputs, runs the kernel on arrays of length one, and
  returns exact :class:`~decimal.Decimal` money and, on request, the explanation;
- the CLI ``safetynet calc`` and the HTTP API ``/api/v1/calc/{name}`` call :func:`calc`;
- batch jobs call the kernel directly on whole columns (see :func:`get`).

Every result of :func:`calc` ends with ``provisional`` (whether a value the law has not yet
confirmed was used: carried forward until approved, or a stand-in; see
:mod:`~safetynet.policy.provisional`) and ``provisional_parameters`` (each such value with the
reason).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import numpy as np

from safetynet.policy.errors import InputError, UnknownCalculation
from safetynet.policy.money import UNKNOWN_FEN, fen_to_decimal, parse_yuan
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.policy.periods import format_month, parse_month
from safetynet.policy.provisional import capture
from safetynet.policy.regions import parse_region
from safetynet.policy.trace import NO_TRACE, Recorder

Kind = Literal[
    "money",
    "money_list",
    "month",
    "region",
    "int",
    "number",
    "choice",
    "text",
    "bool",
    "month_list",
    "region_list",
    "int_list",
    "choice_list",
]

MAX_MONEY = Decimal("1000000000")  # one billion yuan: anything larger is a typing error
MAX_TEXT = 100
"""Longest text accepted for any input (codes, months, amounts, choices are all short)."""
MAX_LIST = 1000
"""Most entries of a list input (a person's claims of a year, provinces of a career)."""
DEFAULT_BOUNDS = {"int": (0.0, 100_000.0), "number": (-1_000_000.0, 1_000_000.0)}
"""Bounds of whole numbers and numbers whose field sets none."""
MAX_CAREER_MONTHS = 1200
"""Bound of month counts (contribution months): a hundred years."""


@dataclass(frozen=True)
class Field:
    """An input or output of a calculation."""

    name: str
    kind: Kind
    doc: str
    required: bool = True
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def bounds(self) -> tuple[float, float] | None:
        """The accepted range of a whole number or number input (None for other kinds)."""
        low, high = DEFAULT_BOUNDS.get(self.kind.removesuffix("_list"), (None, None))
        if low is None or high is None:
            return None
        return (
            low if self.minimum is None else self.minimum,
            high if self.maximum is None else self.maximum,
        )

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.kind, "doc": self.doc}
        if not self.required:
            out["required"] = False
            if self.default is not None:
                out["default"] = self.default
        if self.choices:
            out["choices"] = list(self.choices)
        bounds = self.bounds()
        if bounds is not None:
            out["minimum"], out["maximum"] = _plain_number(bounds[0]), _plain_number(bounds[1])
        return out


def _plain_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


Kernel = Callable[..., dict[str, np.ndarray]]


@dataclass(frozen=True)
class Calculation:
    name: str
    summary: str
    kernel: Kernel
    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...]
    references: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "inputs": [f.describe() for f in self.inputs],
            "outputs": [f.describe() for f in self.outputs],
            "references": list(self.references),
        }


@dataclass
class CalcResult:
    """The outcome of one calculation: named values, and the explanation when asked for."""

    name: str
    values: dict[str, Any]
    trace: list[dict[str, Any]] | None = None
    inputs: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def provisional(self) -> bool:
        """Whether a provisional value (carried forward, a stand-in) was used."""
        return bool(self.values.get("provisional", False))

    @property
    def provisional_parameters(self) -> list[dict[str, Any]]:
        return list(self.values.get("provisional_parameters", []))

    def as_json(self, money_as_text: bool = False) -> dict[str, Any]:
        """JSON-ready: money as numbers with two decimals, or with ``money_as_text`` as
        strings with two decimals (the HTTP API's convention)."""
        out: dict[str, Any] = {
            "calculation": self.name,
            "result": _jsonable(self.values, money_as_text),
        }
        if self.trace is not None:
            out["explanation"] = _jsonable(self.trace, money_as_text)
        return out


def _jsonable(value: Any, money_as_text: bool = False) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}" if money_as_text else float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v, money_as_text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, money_as_text) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_REGISTRY: dict[str, Calculation] = {}


def register(
    name: str,
    summary: str,
    inputs: list[Field],
    outputs: list[Field],
    references: tuple[str, ...] = (),
) -> Callable[[Kernel], Kernel]:
    """Decorator adding a kernel to the catalogue."""

    def wrap(kernel: Kernel) -> Kernel:
        if name in _REGISTRY:
            raise RuntimeError(f"calculation {name!r} registered twice")
        _REGISTRY[name] = Calculation(
            name, summary, kernel, tuple(inputs), tuple(outputs), references
        )
        return kernel

    return wrap


def catalogue() -> dict[str, Calculation]:
    """Every calculation by name (importing the rules registers them)."""
    import safetynet.policy.rules  # noqa: F401 - registers the kernels

    return dict(sorted(_REGISTRY.items()))


def get(name: str) -> Calculation:
    known = catalogue()
    if name not in known:
        raise UnknownCalculation(name, list(known))
    return known[name]


# --- input parsing -------------------------------------------------------------------------


def _money(name: str, raw: Any) -> float:
    value = parse_yuan(raw)
    if isinstance(value, str):
        raise InputError(name, value)
    if value < 0:
        raise InputError(name, f"amount must not be negative, got {value}")
    if value > MAX_MONEY:
        raise InputError(name, f"amount {value} is absurdly large")
    return float(value)


def _int(name: str, raw: Any) -> int:
    if isinstance(raw, bool):
        raise InputError(name, "expected a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()):
        return int(raw)
    raise InputError(name, f"expected a whole number, got {raw!r}")


def _number(name: str, raw: Any) -> float:
    if isinstance(raw, bool):
        raise InputError(name, "expected a number")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(name, f"expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise InputError(name, "number must be finite")
    return value


def _choice(spec: Field, raw: Any) -> str:
    text = str(raw).strip()
    if text not in spec.choices:
        raise InputError(spec.name, f"expected one of {', '.join(spec.choices)}, got {raw!r}")
    return text


def _bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in {"true", "1", "yes"}:
        return True
    if str(raw).lower() in {"false", "0", "no"}:
        return False
    raise InputError(name, f"expected true or false, got {raw!r}")


def _in_bounds(spec: Field, value: float) -> None:
    bounds = spec.bounds()
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        low, high = (_plain_number(b) for b in bounds)
        raise InputError(spec.name, f"must be between {low} and {high}, got {value}")


def _scalar(spec: Field, raw: Any, kind: str) -> Any:
    if isinstance(raw, str) and len(raw) > MAX_TEXT:
        raise InputError(spec.name, f"text longer than {MAX_TEXT} characters")
    if kind in ("int", "number"):
        value = _int(spec.name, raw) if kind == "int" else _number(spec.name, raw)
        _in_bounds(spec, value)
        return value
    if kind == "money":
        return _money(spec.name, raw)
    if kind == "month":
        return parse_month(raw, spec.name)
    if kind == "region":
        return parse_region(raw, spec.name)
    if kind == "choice":
        return _choice(spec, raw)
    if kind == "bool":
        return _bool(spec.name, raw)
    if not isinstance(raw, str):
        raise InputError(spec.name, f"expected text, got {raw!r}")
    return raw


_DTYPES = {
    "money": np.float64,
    "month": np.int64,
    "region": np.int64,
    "int": np.int64,
    "number": np.float64,
    "bool": np.bool_,
    "choice": object,
    "text": object,
}


def parse_inputs(calculation: Calculation, raw: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Validate one citizen's inputs into arrays (length one; lists keep their length)."""
    if not isinstance(raw, Mapping):
        raise InputError("inputs", "expected a JSON object of named inputs")
    known = {f.name for f in calculation.inputs}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(unknown[0], f"not an input of {calculation.name}")
    arrays: dict[str, np.ndarray] = {}
    for spec in calculation.inputs:
        value = raw.get(spec.name)
        if value is None or value == "":
            if spec.required:
                raise InputError(spec.name, "is required")
            if spec.default is None:
                continue
            value = spec.default
        if spec.kind.endswith("_list"):
            base = spec.kind.removesuffix("_list")
            if not isinstance(value, list | tuple):
                value = [value]  # one value for every row (e.g. one setting for all claims)
            if not value:
                raise InputError(spec.name, "expected a non-empty list")
            if len(value) > MAX_LIST:
                raise InputError(spec.name, f"more than {MAX_LIST} entries")
            items = [_scalar(spec, v, base) for v in value]
            arrays[spec.name] = np.array(items, dtype=_DTYPES[base])
        else:
            arrays[spec.name] = np.array(
                [_scalar(spec, value, spec.kind)], dtype=_DTYPES[spec.kind]
            )
    return arrays


def _present(spec: Field, array: np.ndarray) -> Any:
    def one(v: Any) -> Any:
        if spec.kind.startswith("money"):
            return None if int(v) == UNKNOWN_FEN else fen_to_decimal(int(v))
        if spec.kind.startswith("month"):
            return format_month(int(v)) if int(v) >= 0 else None
        if spec.kind.startswith("region"):
            return f"{int(v):06d}"
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float):
            return round(v, 4)
        return v

    if spec.kind.endswith("_list"):
        return [one(v) for v in array]
    return one(array.reshape(-1)[0])


def calc(
    name: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    explain: bool = False,
    parameters: ParameterSet | None = None,
) -> CalcResult:
    """Run one named calculation for one case.

    Raises :class:`~safetynet.policy.errors.PolicyError` subclasses: ``UnknownCalculation``,
    ``InputError`` (naming the field) or ``ParameterLookupError`` (date or region outside the
    parameters' validity).
    """
    calculation = get(name)
    arrays = parse_inputs(calculation, inputs or {})
    params = parameters if parameters is not None else default_parameters()
    recorder = Recorder() if explain else None
    with capture() as log:
        outputs = calculation.kernel(params, **arrays, trace=recorder or NO_TRACE)
    values = {
        spec.name: _present(spec, np.asarray(outputs[spec.name]))
        for spec in calculation.outputs
        if spec.name in outputs
    }
    uses = log.uses()
    values["provisional"] = bool(uses)
    values["provisional_parameters"] = [use.as_dict() for use in uses]
    return CalcResult(
        name=name,
        values=values,
        trace=recorder.as_list() if recorder is not None else None,
        inputs=dict(inputs or {}),
    )
