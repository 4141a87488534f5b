"""Work injury: allowances by grade, batches and errors."""

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

P = default_parameters()
wages = st.integers(100_000, 10_000_000).map(lambda fen: str(Decimal(fen) / 100))


@settings(max_examples=40, deadline=None)
@given(wages)
def test_allowances_fall_as_the_grade_gets_milder(wage: str) -> None:
    results = [
        safetynet.calc("work_injury", {"month": "2025-03", "grade": g, "monthly_wage": wage})
        for g in range(1, 11)
    ]
    one_off = [r["one_off_disability_allowance"] for r in results]
    monthly = [r["monthly_disability_allowance"] for r in results]
    assert one_off == sorted(one_off, reverse=True)
    assert monthly == sorted(monthly, reverse=True)
    assert all(m == 0 for m in monthly[6:])
    assert all(m < Decimal(wage) for m in monthly)
    assert [r["monthly_allowance_payer"] for r in results] == (
        ["fund"] * 4 + ["employer"] * 2 + ["none"] * 4
    )


def test_batch_equals_single_cases() -> None:
    grades = np.tile(np.arange(1, 11), 3)
    wage = np.repeat([3000.0, 8000.0, 12345.67], 10)
    out = get("work_injury").kernel(P, month=np.array([2025 * 12]), grade=grades, monthly_wage=wage)
    for i in range(grades.size):
        one = safetynet.calc(
            "work_injury",
            {
                "month": "2025-01",
                "grade": int(grades[i]),
                "monthly_wage": f"{wage[i]:.2f}",
            },
        )
        assert (
            int(one["one_off_disability_allowance"] * 100) == out["one_off_disability_allowance"][i]
        )
        assert (
            int(one["monthly_disability_allowance"] * 100) == out["monthly_disability_allowance"][i]
        )


@pytest.mark.parametrize(
    ("inputs", "error", "text"),
    [
        ({"month": "2025-03", "grade": 3}, InputError, "monthly_wage: is required"),
        ({"month": "2025-03", "grade": 0, "monthly_wage": 1}, InputError, "grade: must be"),
        (
            {"month": "2025-03", "grade": 2, "monthly_wage": "-5"},
            InputError,
            "monthly_wage: amount must not be negative",
        ),
        (
            {"month": "2010-12", "grade": 2, "monthly_wage": 5000},
            ParameterLookupError,
            "no value before 2011-01-01",
        ),
    ],
)
def test_bad_input_is_refused(inputs: dict[str, Any], error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        safetynet.calc("work_injury", inputs)


def test_death_benefits_need_the_previous_year_income() -> None:
    with pytest.raises(ParameterLookupError, match="urban_income_per_capita: value unknown"):
        safetynet.calc(
            "work_injury_death",
            {
                "month": "2026-02",
                "monthly_wage": 8000,
                "regional_average_monthly_wage": 9000,
            },
        )


def test_lone_dependants_are_among_the_other_dependants() -> None:
    with pytest.raises(InputError, match="lone_dependants"):
        safetynet.calc(
            "work_injury_death",
            {
                "month": "2025-02",
                "monthly_wage": 8000,
                "regional_average_monthly_wage": 9000,
                "other_dependants": 1,
                "lone_dependants": 2,
            },
        )
