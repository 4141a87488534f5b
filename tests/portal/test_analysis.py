"""The analyst's workbench: scenarios compared with overrides, downloads with neutralised
cells, batch summaries from a folder, and the analyst's scope (aggregates, no person)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.portal.conftest import Portal

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Forbidden, InvalidInput
from safetynet.services import analysis, registry
from safetynet.services.uow import UnitOfWork

ANALYST = Principal("analyst-test", Role.ANALYST)


def test_scenarios_are_compared_with_a_custom_variant() -> None:
    plain = analysis.compare(ANALYST, ["baseline", "no_reform"], end_year=2060)
    assert plain.scenarios == ["baseline", "no_reform"]
    assert plain.years[0] < 2025 and plain.years[-1] == 2060
    for name in analysis.SERIES:
        assert len(plain.series[name]["baseline"]) == len(plain.years)
    cut = analysis.compare(
        ANALYST, ["baseline"], analysis.Overrides(employer_rate=0.12), end_year=2060
    )
    assert cut.scenarios == ["baseline", "baseline+custom"]
    year = cut.years.index(2040)
    reserve = cut.series["reserve"]
    assert reserve["baseline+custom"][year] < reserve["baseline"][year]
    headline = {h["scenario"]: h for h in plain.headline}
    assert headline["no_reform"]["depletion_year"] <= (
        headline["baseline"]["depletion_year"] or 9999
    )


def test_every_override_applies() -> None:
    overrides = analysis.Overrides(
        delay_step_months={"male": 2, "female_55": 2, "female_50": 1},
        indexation_rule="cpi",
        fertility_variant="low",
        contribution_density_scale=0.8,
    )
    base = analysis.load_scenario("baseline")
    custom = analysis.custom_scenario(base, overrides)
    assert custom.assumptions.text("population.fertility_variant") == "low"
    assert custom.assumptions.text("employee_pension.indexation_rule") == "cpi"
    density = custom.assumptions["employee_pension.contribution_density.male"].value
    original = base.assumptions["employee_pension.contribution_density.male"].value
    assert isinstance(density, dict) and isinstance(original, dict)
    assert density["30"] == pytest.approx(original["30"] * 0.8)
    entries = custom.parameters["pension.retirement.delay_step_months"].chain(0)[0].entries
    assert entries[-1].value == {"male": 2, "female_55": 2, "female_50": 1}
    assert custom.name == "baseline+custom"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (analysis.Overrides(employer_rate=0.5), "employer_rate"),
        (analysis.Overrides(fertility_variant="huge"), "fertility_variant"),
        (analysis.Overrides(indexation_rule="gold"), "indexation_rule"),
        (analysis.Overrides(contribution_density_scale=2.0), "contribution_density_scale"),
        (analysis.Overrides(delay_step_months={"male": 2}), "delay_step_months"),
    ],
)
def test_bad_overrides_name_the_field(overrides: analysis.Overrides, field: str) -> None:
    with pytest.raises(InvalidInput) as bad:
        analysis.compare(ANALYST, ["baseline"], overrides)
    assert bad.value.problems[0].field == field


def test_unknown_scenarios_and_years_are_refused() -> None:
    for names, end, field in (
        (["nope"], 2070, "scenarios"),
        ([], 2070, "scenarios"),
        (["baseline"], 2200, "end_year"),
    ):
        with pytest.raises(InvalidInput) as bad:
            analysis.compare(ANALYST, names, end_year=end)
        assert bad.value.problems[0].field == field


def test_downloads_carry_the_comparison_with_safe_cells() -> None:
    comparison = analysis.Comparison(
        years=[2025, 2026],
        scenarios=["=HYPERLINK(1)"],
        series={name: {"=HYPERLINK(1)": [1.5, None]} for name in analysis.SERIES},
        headline=[
            {
                "scenario": "=HYPERLINK(1)",
                "first_deficit_year": None,
                "depletion_year": 2040,
                "reserve_peak_year": 2030,
            }
        ],
    )
    text = analysis.to_csv(comparison).decode("utf-8-sig").splitlines()
    assert text[0] == "scenario,year," + ",".join(analysis.SERIES)
    assert text[1].startswith("'=HYPERLINK(1),2025,1.5")
    book = load_workbook(io.BytesIO(analysis.to_xlsx(comparison)))
    assert book["comparison"]["A2"].value == "'=HYPERLINK(1)"
    assert book["headline"]["C2"].value == 2040


def test_batch_summaries_are_read_from_the_folder(tmp_path: Path) -> None:
    good = tmp_path / "payroll-2025-12"
    good.mkdir()
    (good / "totals.json").write_text(json.dumps({"job": "payroll", "rows_in": 10}))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "totals.json").write_text("{not json")
    found = {e["output"]: e for e in analysis.batch_summaries(ANALYST, tmp_path)}
    assert found["payroll-2025-12"]["rows_in"] == 10
    assert "unreadable" in found["broken"]["problem"]
    assert analysis.batch_summaries(ANALYST, tmp_path / "absent") == []


def test_only_analysts_auditors_and_admins(uow: UnitOfWork, portal: Portal) -> None:
    for role in (Role.CITIZEN, Role.OPERATOR):
        with pytest.raises(Forbidden):
            analysis.compare(Principal("x", role, region_code=110000), ["baseline"])
    with pytest.raises(Forbidden):
        registry.get_person(uow, ANALYST, portal.worker.id)
    assert registry.list_persons(uow, ANALYST) == []
