"""Economic and demographic assumptions, and reform scenarios.

The law's numbers stay in the parameter tree (``safetynet.policy``); what the projection adds -
wage growth, returns, coverage, densities, costs, calibration inputs - is not law and lives in
``assumptions.yaml``: every value with its source and a flag ``assumption: true`` where it is the
project's own judgement rather than a published figure.

A scenario (``scenarios/<name>.yaml``) names parameter overrides in the parameter-file format
(applied with :meth:`ParameterSet.with_overrides`) and assumption overrides by dotted key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from safetynet.policy.errors import PolicyError
from safetynet.policy.parameters import ParameterSet, default_parameters

FloatArray = npt.NDArray[np.float64]
AssumptionValue = float | str | dict[str, float]


class ScenarioError(PolicyError):
    """A scenario or assumption file is malformed or names something unknown."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


class Assumption(BaseModel):
    """One assumed value and where it comes from."""

    model_config = ConfigDict(extra="forbid")
    value: AssumptionValue
    source: str = Field(min_length=3)
    assumption: bool
    note: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _table_keys_as_text(cls, value: Any) -> Any:
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


class ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=3)
    parameters: dict[str, dict[str, list[dict[str, Any]]]] = Field(default_factory=dict)
    assumptions: dict[str, AssumptionValue] = Field(default_factory=dict)

    @field_validator("assumptions", mode="before")
    @classmethod
    def _table_keys_as_text(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            k: {str(x): y for x, y in v.items()} if isinstance(v, dict) else v
            for k, v in value.items()
        }


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, body in tree.items():
        name = f"{prefix}{key}"
        if isinstance(body, Mapping) and "value" not in body:
            flat.update(_flatten(body, f"{name}."))
        else:
            flat[name] = body
    return flat


def _read(path: Path, label: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(label, f"cannot be read: {exc}") from None


class Assumptions:
    """Assumptions by dotted name, e.g. ``economy.investment_return``."""

    def __init__(self, values: dict[str, Assumption]) -> None:
        self.values = values

    def __getitem__(self, name: str) -> Assumption:
        try:
            return self.values[name]
        except KeyError:
            raise ScenarioError(name, "no such assumption") from None

    def number(self, name: str) -> float:
        value = self[name].value
        if not isinstance(value, int | float):
            raise ScenarioError(name, f"expected a number, got {value!r}")
        return float(value)

    def text(self, name: str) -> str:
        value = self[name].value
        if not isinstance(value, str):
            raise ScenarioError(name, f"expected text, got {value!r}")
        return value

    def schedule(self, name: str, at: npt.ArrayLike) -> FloatArray:
        """A table ``{x: value}`` interpolated linearly at ``at``, flat beyond its ends."""
        value = self[name].value
        if isinstance(value, int | float):
            return np.full(np.shape(at), float(value))
        if not isinstance(value, dict) or not value:
            raise ScenarioError(name, f"expected a number or a table {{x: value}}, got {value!r}")
        try:
            points = sorted((float(k), float(v)) for k, v in value.items())
        except ValueError:
            raise ScenarioError(name, "table keys must be numbers") from None
        xs, ys = zip(*points, strict=True)
        return np.asarray(np.interp(np.asarray(at, dtype=np.float64), xs, ys), dtype=np.float64)

    def with_values(self, overrides: Mapping[str, AssumptionValue], source: str) -> Assumptions:
        """A copy with some values replaced; each replaced value is flagged as an assumption."""
        values = dict(self.values)
        for name, value in overrides.items():
            old = self[name]
            if isinstance(old.value, str) != isinstance(value, str):
                raise ScenarioError(name, f"override {value!r} has the wrong type")
            values[name] = Assumption(value=value, source=source, assumption=True, note=old.note)
        return Assumptions(values)


def load_assumptions(path: Path | None = None) -> Assumptions:
    """The bundled ``assumptions.yaml`` (or another file); errors name the key."""
    where = path or Path(str(resources.files("safetynet.actuarial").joinpath("assumptions.yaml")))
    raw = _read(where, where.name)
    if not isinstance(raw, dict):
        raise ScenarioError(where.name, "must be a mapping of sections")
    values: dict[str, Assumption] = {}
    for name, body in _flatten(raw).items():
        try:
            values[name] = Assumption.model_validate(body)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"])
            raise ScenarioError(f"{where.name}: {name}.{field}", error["msg"]) from None
    return Assumptions(values)


@lru_cache(maxsize=1)
def default_assumptions() -> Assumptions:
    return load_assumptions()


@dataclass(frozen=True)
class Scenario:
    """A named set of rules and assumptions to project."""

    name: str
    description: str
    parameters: ParameterSet
    assumptions: Assumptions


def scenario_directory() -> Path:
    return Path(str(resources.files("safetynet.actuarial").joinpath("scenarios")))


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names and their one-line descriptions."""
    found: dict[str, str] = {}
    for path in sorted(scenario_directory().glob("*.yaml")):
        found[path.stem] = parse_scenario_file(path).description
    return found


def parse_scenario_file(path: Path) -> ScenarioFile:
    raw = _read(path, path.name)
    try:
        return ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise ScenarioError(f"{path.name}: {field}", error["msg"]) from None


def load_scenario(
    name_or_path: str,
    parameters: ParameterSet | None = None,
    assumptions: Assumptions | None = None,
) -> Scenario:
    """A built-in scenario by name, or a scenario file by path, applied to the law in force
    (``parameters``) and the bundled assumptions."""
    path = Path(name_or_path)
    if not path.suffix:
        path = scenario_directory() / f"{name_or_path}.yaml"
        if not path.is_file():
            known = ", ".join(builtin_scenarios())
            raise ScenarioError("scenario", f"unknown scenario {name_or_path!r}; known: {known}")
    elif not path.is_file():
        raise ScenarioError("scenario", f"no such file {name_or_path!r}")
    spec = parse_scenario_file(path)
    law = parameters or default_parameters()
    for parameter in spec.parameters:
        if parameter not in law:
            raise ScenarioError(f"{path.name}: parameters", f"unknown parameter {parameter!r}")
    try:
        law = law.with_overrides(spec.parameters) if spec.parameters else law
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ScenarioError(f"{path.name}: parameters", error["msg"]) from None
    base = assumptions or default_assumptions()
    return Scenario(
        name=spec.name,
        description=spec.description,
        parameters=law,
        assumptions=base.with_values(spec.assumptions, f"scenario {spec.name}"),
    )
