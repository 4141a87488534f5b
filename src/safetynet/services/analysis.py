"""The analyst's workbench: built-in projection scenarios with a few overrides, compared side by
side, downloadable as CSV and Excel; and the summaries of batch-job outputs.

Scenarios run through ``safetynet.actuarial`` (the same code as ``safetynet project``); an
override makes one more scenario, ``<base>+custom``, from the first scenario chosen: the law's
parameters through ``ParameterSet.with_overrides`` (retirement-age steps, the employer rate) and
the assumptions through ``Assumptions.with_values`` (indexation, fertility variant, contribution
density). Only analysts, auditors and admins run them; no person record is read.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook

from safetynet.actuarial.assumptions import Scenario, builtin_scenarios, load_scenario
from safetynet.actuarial.projection import Projection, run_scenario
from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import InvalidInput
from safetynet.services.safe_cells import neutralise_row

SERIES = ("reserve", "balancing_rate", "dependency_ratio", "contributors", "pensioners")
END_YEAR_BOUNDS = (2030, 2100)
FERTILITY_VARIANTS = ("low", "medium", "high")
INDEXATION_RULES = ("wage_share", "cpi")
BATCH_DIR_ENV = "SAFETYNET_BATCH_OUTPUTS"
DEFAULT_BATCH_DIR = Path("var/batch")
OVERRIDE_SOURCE = "analyst override"


@dataclass(frozen=True)
class Overrides:
    """What an analyst may change; None keeps the scenario's value."""

    delay_step_months: dict[str, float] | None = None
    """Months of birth cohort per month of delay, by category (NPC2024: 4, 4, 2)."""
    employer_rate: float | None = None
    indexation_rule: str | None = None
    fertility_variant: str | None = None
    contribution_density_scale: float | None = None
    """Multiplies the contribution-density schedules (share of members contributing)."""

    @property
    def any(self) -> bool:
        return any(v is not None for v in self.__dict__.values())


@dataclass
class Comparison:
    years: list[int]
    scenarios: list[str]
    series: dict[str, dict[str, list[float | None]]]
    """series[name][scenario] -> values by year (None where undefined)."""
    headline: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def _require_analysis(actor: Principal) -> None:
    actor.require_role(Role.ANALYST, Role.AUDITOR, Role.ADMIN)


def scenarios(actor: Principal) -> dict[str, str]:
    _require_analysis(actor)
    return builtin_scenarios()


def _check(overrides: Overrides) -> None:
    steps = overrides.delay_step_months
    if steps is not None:
        if set(steps) != {"male", "female_55", "female_50"}:
            raise InvalidInput.one("delay_step_months", "give male, female_55 and female_50")
        if any(not 0 <= v <= 24 for v in steps.values()):
            raise InvalidInput.one("delay_step_months", "each step must be between 0 and 24")
    rate = overrides.employer_rate
    if rate is not None and not 0.0 <= rate <= 0.3:
        raise InvalidInput.one("employer_rate", "must be between 0 and 0.30")
    if overrides.indexation_rule not in (None, *INDEXATION_RULES):
        raise InvalidInput.one("indexation_rule", f"one of {', '.join(INDEXATION_RULES)}")
    if overrides.fertility_variant not in (None, *FERTILITY_VARIANTS):
        raise InvalidInput.one("fertility_variant", f"one of {', '.join(FERTILITY_VARIANTS)}")
    scale = overrides.contribution_density_scale
    if scale is not None and not 0.5 <= scale <= 1.3:
        raise InvalidInput.one("contribution_density_scale", "must be between 0.5 and 1.3")


def _law_overrides(overrides: Overrides) -> dict[str, dict[str, list[dict[str, Any]]]]:
    law: dict[str, dict[str, list[dict[str, Any]]]] = {}
    entry = {"source": "NPC2024", "confidence": "C", "note": OVERRIDE_SOURCE}
    if overrides.delay_step_months is not None:
        law["pension.retirement.delay_step_months"] = {
            "national": [{"from": "2025-01-01", "value": overrides.delay_step_months, **entry}]
        }
    if overrides.employer_rate is not None:
        law["contribution.pension_employer_rate"] = {
            "national": [
                {
                    "from": "2026-01-01",
                    "value": overrides.employer_rate,
                    **entry,
                    "source": "GB2019-13",
                }
            ]
        }
    return law


def _assumption_overrides(base: Scenario, overrides: Overrides) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if overrides.indexation_rule is not None:
        values["employee_pension.indexation_rule"] = overrides.indexation_rule
    if overrides.fertility_variant is not None:
        values["population.fertility_variant"] = overrides.fertility_variant
    scale = overrides.contribution_density_scale
    if scale is not None:
        for sex in ("male", "female"):
            name = f"employee_pension.contribution_density.{sex}"
            table = base.assumptions[name].value
            assert isinstance(table, dict)
            values[name] = {k: min(v * scale, 1.0) for k, v in table.items()}
    return values


def custom_scenario(base: Scenario, overrides: Overrides) -> Scenario:
    """The base scenario with the analyst's overrides, named ``<base>+custom``."""
    law = _law_overrides(overrides)
    return Scenario(
        name=f"{base.name}+custom",
        description=f"{base.name} with the analyst's overrides",
        parameters=base.parameters.with_overrides(law) if law else base.parameters,
        assumptions=base.assumptions.with_values(
            _assumption_overrides(base, overrides), OVERRIDE_SOURCE
        ),
    )


def _clean(values: Any) -> list[float | None]:
    array = np.asarray(values, dtype=np.float64)
    return [None if not np.isfinite(v) else round(float(v), 6) for v in array]


def compare(
    actor: Principal,
    names: list[str],
    overrides: Overrides | None = None,
    *,
    end_year: int = 2070,
) -> Comparison:
    """Run the chosen built-in scenarios (and the custom one) and line up their series."""
    _require_analysis(actor)
    overrides = overrides or Overrides()
    _check(overrides)
    if not names:
        raise InvalidInput.one("scenarios", "choose at least one scenario")
    known = builtin_scenarios()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidInput.one("scenarios", f"unknown scenario {unknown[0]!r}")
    if not END_YEAR_BOUNDS[0] <= end_year <= END_YEAR_BOUNDS[1]:
        raise InvalidInput.one("end_year", "must be between 2030 and 2100")
    started = time.perf_counter()
    chosen = [load_scenario(n) for n in dict.fromkeys(names)]
    if overrides.any:
        chosen.append(custom_scenario(chosen[0], overrides))
    results = [run_scenario(s, end_year) for s in chosen]
    comparison = _line_up(results)
    comparison.seconds = round(time.perf_counter() - started, 3)
    return comparison


def _line_up(results: list[Projection]) -> Comparison:
    years = [int(y) for y in results[0].table["year"].to_list()]
    series = {
        name: {r.scenario: _clean(r.table[name].to_numpy()) for r in results} for name in SERIES
    }
    headline = [
        {
            "scenario": r.scenario,
            "first_deficit_year": r.first_deficit_year,
            "depletion_year": r.depletion_year,
            "reserve_peak_year": r.reserve_peak_year,
        }
        for r in results
    ]
    return Comparison(years, [r.scenario for r in results], series, headline)


def rows(comparison: Comparison) -> list[list[object]]:
    """One row per scenario and year: the comparison as a flat table."""
    header: list[object] = ["scenario", "year", *SERIES]
    out: list[list[object]] = [header]
    for scenario in comparison.scenarios:
        for i, year in enumerate(comparison.years):
            values = [comparison.series[name][scenario][i] for name in SERIES]
            out.append([scenario, year, *values])
    return out


def to_csv(comparison: Comparison) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(comparison):
        writer.writerow(neutralise_row(row))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(comparison: Comparison) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "comparison"
    for row in rows(comparison):
        sheet.append(neutralise_row(row))
    headline = book.create_sheet("headline")
    keys = ["scenario", "first_deficit_year", "depletion_year", "reserve_peak_year"]
    headline.append(keys)
    for item in comparison.headline:
        headline.append(neutralise_row([item[k] for k in keys]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def batch_directory() -> Path:
    return Path(os.environ.get(BATCH_DIR_ENV, "").strip() or DEFAULT_BATCH_DIR)


def batch_summaries(actor: Principal, folder: Path | None = None) -> list[dict[str, Any]]:
    """The control totals of every job output under the configured folder (``totals.json`` of
    the folder and of its subfolders), newest first; unreadable files are reported, not
    skipped silently."""
    _require_analysis(actor)
    root = folder or batch_directory()
    if not root.is_dir():
        return []
    found = []
    for path in sorted([root / "totals.json", *root.glob("*/totals.json")]):
        if not path.is_file():
            continue
        entry: dict[str, Any] = {"output": str(path.parent.relative_to(root)) or "."}
        try:
            totals = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(totals, dict):
                raise ValueError("not an object")
            entry.update(totals)
        except (OSError, ValueError) as exc:
            entry["problem"] = f"unreadable totals.json: {exc}"
        entry["modified"] = path.stat().st_mtime
        found.append(entry)
    return sorted(found, key=lambda e: e["modified"], reverse=True)
