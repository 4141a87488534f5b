"""Explanations: the steps, parameter values and legal references behind a result.

A rule receives a :class:`Trace`. For one citizen it is a :class:`Recorder` that keeps every
step; for a batch of millions it is :data:`NO_TRACE`, which keeps nothing and costs nothing.
Only the first element of each array is explained: a traced call is a single calculation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ParameterUse:
    """One parameter value a rule used, with the law it comes from."""

    name: str
    value: Any
    unit: str
    effective_from: str
    region: str
    source: str
    reference: str
    article: str | None
    url: str | None
    confidence: str
    note: str | None = None
    provisional: str | None = None
    """Why the value is provisional (carried forward, a stand-in), when it is."""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Step:
    """One step of a calculation: what was computed, how (in words), and the result."""

    label: str
    formula: str
    value: Any
    parameters: list[ParameterUse] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.label,
            "formula": self.formula,
            "value": self.value,
            "parameters": [p.as_dict() for p in self.parameters],
        }


def _first(value: Any, kind: str | None) -> Any:
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size else None
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return None
    if kind == "month":
        year, month0 = divmod(int(value), 12)
        return f"{year:04d}-{month0 + 1:02d}"
    if kind == "fen":
        return float(Decimal(int(value)) / 100)
    if isinstance(value, float):
        value = None if value != value else round(value, 6)
    return value


class Trace:
    """Interface of an explanation sink; this base class records nothing."""

    enabled = False

    def parameter(self, use: ParameterUse) -> None:
        """Note a parameter value used by the next step."""

    def step(self, label: str, formula: str, value: Any, kind: str | None = None) -> None:
        """Record a step; ``value`` may be an array, whose first element is kept. ``kind``
        "month" shows a month index as YYYY-MM, "fen" shows fen as yuan."""


NO_TRACE = Trace()


class Recorder(Trace):
    """Keeps every step of a single calculation."""

    enabled = True

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self._pending: list[ParameterUse] = []

    def parameter(self, use: ParameterUse) -> None:
        self._pending.append(use)

    def step(self, label: str, formula: str, value: Any, kind: str | None = None) -> None:
        self.steps.append(Step(label, formula, _first(value, kind), self._pending))
        self._pending = []

    def as_list(self) -> list[dict[str, Any]]:
        if self._pending:
            self.step("parameters", "parameter values consulted", None)
        return [s.as_dict() for s in self.steps]
