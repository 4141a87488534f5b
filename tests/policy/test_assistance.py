"""Dibao, disability subsidies and childcare subsidy: invariants, batches and errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safetynet
from safetynet.policy.catalogue import get
from safetynet.policy.errors import InputError, ParameterLookupError
from safetynet.policy.parameters import default_parameters
from safetynet.policy.periods import format_month

P = default_parameters()
months = st.integers(2015 * 12, 2035 * 12).map(format_month)


@settings(max_examples=80, deadline=None)
@given(months, months)
def test_childcare_total_and_yearly_amounts(birth: str, asked: str) -> None:
    out = safetynet.calc("childcare_subsidy", {"child_birth_month": birth, "month": asked})
    assert 0 <= out["total_subsidy"] <= Decimal("10800.00")
    assert out["total_subsidy"] == out["eligible_months"] * Decimal("300.00")
    assert out["due_for_year"] <= Decimal("3600.00")
    assert out["due_for_month"] in (Decimal("0.00"), Decimal("300.00"))
    if out["eligible_months"]:
        assert out["first_eligible_month"] >= "2025-01"
        assert out["first_eligible_month"] <= out["last_eligible_month"]


def test_childcare_batch_equals_single_cases() -> None:
    births = np.arange(2021 * 12, 2027 * 12, dtype=np.int64)
    out = get("childcare_subsidy").kernel(P, child_birth_month=births)
    for i, birth in enumerate(births):
        one = safetynet.calc("childcare_subsidy", {"child_birth_month": format_month(int(birth))})
        assert one["eligible_months"] == int(out["eligible_months"][i])
        assert int(one["total_subsidy"] * 100) == int(out["total_subsidy"][i])
    # the eligible months rise from 0 (born 2021-12) to 36 (born 2024-12 on), one a month
    assert list(out["eligible_months"][11:48]) == list(range(0, 37))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(0, 2_000_000), st.integers(0, 300_000))
def test_dibao_tops_up_exactly_to_the_line(size: int, income: int, line: int) -> None:
    out = safetynet.calc(
        "dibao",
        {
            "month": "2025-03",
            "region": "110000",
            "area": "rural",
            "household_size": size,
            "household_monthly_income": str(Decimal(income) / 100),
            "local_dibao_line": str(Decimal(line) / 100),
        },
    )
    assert out["household_line"] == Decimal(line * size) / 100
    assert out["monthly_top_up"] == max(Decimal(0), Decimal(line * size - income) / 100)
    assert out["eligible"] == (income < line * size)


def test_dibao_batch_equals_single_cases() -> None:
    rows = 12
    area = np.array(["urban", "rural"] * 6)
    size = np.arange(1, rows + 1)
    income = np.linspace(0, 5000, rows).round(2)
    out = get("dibao").kernel(
        P,
        month=np.array([2025 * 12]),
        region=np.array([110000]),
        area=area,
        household_size=size,
        household_monthly_income=income,
    )
    for i in range(rows):
        one = safetynet.calc(
            "dibao",
            {
                "month": "2025-01",
                "region": "110000",
                "area": str(area[i]),
                "household_size": int(size[i]),
                "household_monthly_income": f"{income[i]:.2f}",
            },
        )
        assert int(one["monthly_top_up"] * 100) == int(out["monthly_top_up"][i])


@pytest.mark.parametrize(
    ("grade", "kind", "nursing"),
    [
        (1, "physical", True),
        (2, "visual", True),
        (3, "physical", False),
        (4, "intellectual", True),
        (4, "mental", True),
        (3, "multiple", False),
    ],
)
def test_nursing_subsidy_by_grade_and_type(grade: int, kind: str, nursing: bool) -> None:
    out = safetynet.calc(
        "disability_subsidies",
        {
            "month": "2025-03",
            "region": "440100",
            "disability_grade": grade,
            "disability_type": kind,
            "household_status": "none",
            "local_nursing_subsidy": 240,
        },
    )
    assert out["nursing_subsidy_eligible"] is nursing
    assert out["nursing_subsidy"] == (Decimal("240.00") if nursing else 0)
    assert out["living_subsidy"] == 0


@pytest.mark.parametrize(
    ("name", "inputs", "error", "text"),
    [
        ("childcare_subsidy", {}, InputError, "child_birth_month: is required"),
        (
            "childcare_subsidy",
            {"child_birth_month": "2023/12"},
            InputError,
            "child_birth_month: expected a month",
        ),
        (
            "dibao",
            {
                "month": "2025-03",
                "region": "110000",
                "area": "suburban",
                "household_size": 2,
                "household_monthly_income": 0,
            },
            InputError,
            "area",
        ),
        (
            "dibao",
            {
                "month": "2025-03",
                "region": "123456",
                "area": "urban",
                "household_size": 2,
                "household_monthly_income": 0,
            },
            InputError,
            "region: unknown region",
        ),
        (
            "dibao",
            {
                "month": "2025-03",
                "region": "110000",
                "area": "urban",
                "household_size": 0,
                "household_monthly_income": 0,
            },
            InputError,
            "household_size: must be at least 1",
        ),
        (
            "dibao",
            {
                "month": "2020-03",
                "region": "110000",
                "area": "urban",
                "household_size": 2,
                "household_monthly_income": 0,
            },
            ParameterLookupError,
            "no value before 2021-03-01",
        ),
        (
            "disability_subsidies",
            {
                "month": "2025-03",
                "region": "110000",
                "disability_grade": 5,
                "disability_type": "mental",
                "household_status": "dibao",
            },
            InputError,
            "disability_grade: must be between 1 and 4",
        ),
        (
            "disability_subsidies",
            {
                "month": "2015-03",
                "region": "110000",
                "disability_grade": 1,
                "disability_type": "mental",
                "household_status": "dibao",
            },
            ParameterLookupError,
            "no value before 2016-01-01",
        ),
    ],
)
def test_bad_input_is_refused(
    name: str, inputs: dict[str, Any], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        safetynet.calc(name, inputs)
