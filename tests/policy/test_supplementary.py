"""Supplementary pillars: limits as properties, batches and errors."""

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
money = st.integers(0, 10_000_000_00).map(lambda fen: str(Decimal(fen) / 100))
rates = st.integers(0, 200).map(lambda permille: permille / 1000)


@settings(max_examples=80, deadline=None)
@given(money, rates, rates, money, st.sampled_from(["enterprise", "occupational"]))
def test_limits_and_cap(
    payroll: str, employer: float, employee: float, personal: str, kind: str
) -> None:
    out = safetynet.calc(
        "supplementary_limits",
        {
            "month": "2025-06",
            "annuity_type": kind,
            "annual_payroll": payroll,
            "employer_rate": employer,
            "employee_rate": employee,
            "personal_pension_contribution": personal,
        },
    )
    assert out["employer_limit"] <= out["total_limit"]
    assert out["employer_within_limit"] == (out["employer_contribution"] <= out["employer_limit"])
    assert out["total_within_limit"] == (out["total_contribution"] <= out["total_limit"])
    if employer <= 0.08:
        assert out["employer_within_limit"]
    assert out["personal_pension_allowed"] == min(Decimal(personal), Decimal("12000.00"))
    assert out["personal_pension_allowed"] + out["personal_pension_excess"] == Decimal(personal)
    assert out["personal_pension_within_cap"] == (Decimal(personal) <= 12000)


def test_batch_equals_single_cases() -> None:
    rows = 20
    payroll = np.linspace(0, 2_000_000, rows).round(2)
    employer = np.linspace(0, 0.12, rows)
    kind = np.array(["enterprise", "occupational"] * 10)
    out = get("supplementary_limits").kernel(
        P,
        month=np.array([2025 * 12]),
        annuity_type=kind,
        annual_payroll=payroll,
        employer_rate=employer,
        employee_rate=np.array([0.03]),
    )
    for i in range(rows):
        one = safetynet.calc(
            "supplementary_limits",
            {
                "month": "2025-01",
                "annuity_type": str(kind[i]),
                "annual_payroll": f"{payroll[i]:.2f}",
                "employer_rate": float(employer[i]),
                "employee_rate": 0.03,
            },
        )
        assert int(one["employer_contribution"] * 100) == int(out["employer_contribution"][i])
        assert one["total_within_limit"] == bool(out["total_within_limit"][i])


@pytest.mark.parametrize(
    ("inputs", "error", "text"),
    [
        ({}, InputError, "month: is required"),
        ({"month": "2025-03", "employer_rate": "eight"}, InputError, "employer_rate: expected"),
        ({"month": "2025-03", "employee_rate": 1.5}, InputError, "employee_rate: must be between"),
        ({"month": "2025-03", "annuity_type": "state"}, InputError, "annuity_type: expected one"),
        (
            {"month": "2022-06", "personal_pension_contribution": 1000},
            ParameterLookupError,
            "no value before 2022-11-25",
        ),
        (
            {"month": "2003-06", "annual_payroll": 1, "annuity_type": "enterprise"},
            ParameterLookupError,
            "enterprise_employer_max_rate",
        ),
    ],
)
def test_bad_input_is_refused(inputs: dict[str, Any], error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        safetynet.calc("supplementary_limits", inputs)
