"""Dated values added to the packaged law: the overlay a database's approved parameter values
make, checked exactly as the parameter files are.

:func:`check_value` validates one proposed value (the same pydantic models and region and
source checks as :func:`~safetynet.policy.parameters.load_parameters`, plus the parameter's
unit and type) and :func:`with_values` derives the law with the values added: a value with the
same parameter, region and effective date as a packaged one replaces it, any other is inserted
among the packaged dates. The package itself is never changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from safetynet.policy.errors import InputError
from safetynet.policy.parameters import (
    Parameter,
    ParameterDefinition,
    ParameterSet,
    Reference,
    ValueEntry,
)
from safetynet.policy.regions import NATIONAL, is_known_region


@dataclass(frozen=True)
class DatedValue:
    """One value for a parameter in a region (``national`` or a 6-digit code) from a date."""

    parameter: str
    region: str
    entry: ValueEntry


def region_key(raw: str, field: str = "region") -> str:
    """``national`` or a known 6-digit GB/T 2260 code, as the parameter files spell them."""
    text = str(raw).strip()
    if text == "national":
        return text
    if len(text) != 6 or not text.isdigit() or text == "000000":
        raise InputError(field, f"must be 'national' or a 6-digit GB/T 2260 code, got {raw!r}")
    if not bool(is_known_region([int(text)])[0]):
        raise InputError(field, f"unknown GB/T 2260 region {text}")
    return text


def check_value(
    law: ParameterSet,
    name: str,
    *,
    region: str,
    effective: dt.date,
    value: Any,
    unit: str,
    source: str,
    confidence: str,
    article: str | None = None,
    note: str | None = None,
) -> DatedValue:
    """Validate one value as a parameter file entry; :class:`InputError` names the field."""
    if name not in law:
        raise InputError("parameter", f"no such parameter {name!r}")
    parameter = law[name]
    key = region_key(region)
    if unit != parameter.unit:
        raise InputError("unit", f"{name} is in {parameter.unit!r}, got {unit!r}")
    if value is None:
        raise InputError("value", "is required (a number, or a table for a table parameter)")
    if isinstance(value, dict) != parameter.is_table:
        expected = "a table {key: number}" if parameter.is_table else "a number"
        raise InputError("value", f"{name} takes {expected}")
    if not source.strip():
        raise InputError("source", "is required")
    try:
        entry = ValueEntry.model_validate(
            {
                "from": effective,
                "value": value,
                "source": source,
                "article": article or None,
                "confidence": confidence,
                "note": note or None,
            }
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = str(error["loc"][0]) if error["loc"] else "value"
        field = {"from": "effective", "confidence": "grade"}.get(where, where)
        raise InputError(field, str(error["msg"])) from None
    return DatedValue(name, key, entry)


def with_values(
    law: ParameterSet,
    values: Iterable[DatedValue],
    references: Mapping[str, Reference],
) -> ParameterSet:
    """A new parameter set: ``law`` with ``values`` added (citing ``references``, which are
    added to the law's own), rebuilt through the same definition model as the files."""
    by_parameter: dict[str, list[DatedValue]] = {}
    for dated in values:
        by_parameter.setdefault(dated.parameter, []).append(dated)
    if not by_parameter:
        return law
    all_references = {**law.references, **references}
    parameters = dict(law.parameters)
    for name, added in by_parameter.items():
        base = law[name]
        entries: dict[str, dict[dt.date, ValueEntry]] = {}
        for region, series in base.series.items():
            key = "national" if region == NATIONAL else f"{region:06d}"
            entries[key] = {e.effective: e for e in series.entries}
        for dated in added:
            entries.setdefault(dated.region, {})[dated.entry.effective] = dated.entry
        definition = ParameterDefinition.model_validate(
            {
                "description": base.description,
                "unit": base.unit,
                "values": {
                    key: [e.model_dump(by_alias=True) for _, e in sorted(by_date.items())]
                    for key, by_date in entries.items()
                },
            }
        )
        parameters[name] = Parameter(name, definition, all_references, base.file)
    return ParameterSet(parameters, all_references)


def as_mapping(values: Iterable[DatedValue], references: Mapping[str, Reference]) -> dict[str, Any]:
    """Values and references as plain data (JSON-ready), to hand to other processes (batch
    workers, Spark executors) that rebuild the law with :func:`from_mapping`."""
    return {
        "values": [
            {
                "parameter": v.parameter,
                "region": v.region,
                "entry": v.entry.model_dump(by_alias=True, mode="json", exclude_none=True),
            }
            for v in values
        ],
        "references": {k: r.model_dump(exclude_none=True) for k, r in references.items()},
    }


def from_mapping(law: ParameterSet, mapping: Mapping[str, Any]) -> ParameterSet:
    """The law with the values of :func:`as_mapping` added."""
    references = {k: Reference.model_validate(r) for k, r in mapping["references"].items()}
    values = [
        DatedValue(v["parameter"], v["region"], ValueEntry.model_validate(v["entry"]))
        for v in mapping["values"]
    ]
    return with_values(law, values, references)
