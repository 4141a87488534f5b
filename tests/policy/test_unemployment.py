"""Unemployment benefit: duration bands, eligibility, batches and errors."""

from __future__ import annotations

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
BASE = {"month": "2025-03", "region": "110000", "monthly_amount": "2000", "involuntary": True}


def _months(contribution_months: int) -> int:
    result = safetynet.calc(
        "unemployment_benefit", {**BASE, "contribution_months": contribution_months}
    )
    return int(result["max_benefit_months"])


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 600), st.integers(0, 600))
def test_duration_never_falls_as_contributions_grow(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert _months(low) <= _months(high)
    assert _months(high) in (0, 12, 18, 24)


@pytest.mark.parametrize(
    ("months", "expected"), [(11, 0), (12, 12), (59, 12), (60, 18), (119, 18), (120, 24)]
)
def test_band_edges(months: int, expected: int) -> None:
    assert _months(months) == expected


def test_batch_equals_single_cases() -> None:
    months = np.arange(0, 200, 7)
    rows = months.size
    involuntary = np.arange(rows) % 3 != 0
    out = get("unemployment_benefit").kernel(
        P,
        month=np.full(rows, 2025 * 12 + 2),
        region=np.full(rows, 110000),
        contribution_months=months,
        involuntary=involuntary,
        monthly_amount=np.full(rows, 2000.0),
    )
    for i in range(rows):
        one = safetynet.calc(
            "unemployment_benefit",
            {
                **BASE,
                "contribution_months": int(months[i]),
                "involuntary": bool(involuntary[i]),
            },
        )
        assert one["eligible"] == bool(out["eligible"][i])
        assert one["max_benefit_months"] == int(out["max_benefit_months"][i])
        assert int(one["max_total_benefit"] * 100) == int(out["max_total_benefit"][i])


@pytest.mark.parametrize(
    ("change", "error", "text"),
    [
        ({"contribution_months": None}, InputError, "contribution_months: is required"),
        ({"involuntary": None}, InputError, "involuntary: is required"),
        ({"involuntary": "maybe"}, InputError, "involuntary: expected true or false"),
        ({"contribution_months": "five"}, InputError, "contribution_months: expected a whole"),
        ({"contribution_months": -1}, InputError, "contribution_months: must be between 0 and"),
        ({"contribution_months": 10000}, InputError, "must be between 0 and 1200, got 10000"),
        ({"region": "990000"}, InputError, "region: unknown region"),
        ({"month": "1998-12"}, ParameterLookupError, "no value before 1999-01-22"),
        ({"monthly_amount": None}, ParameterLookupError, "monthly_benefit: value unknown"),
    ],
)
def test_bad_input_is_refused(change: dict[str, Any], error: type[Exception], text: str) -> None:
    inputs = {
        k: v for k, v in {**BASE, "contribution_months": 30, **change}.items() if v is not None
    }
    with pytest.raises(error, match=text):
        safetynet.calc("unemployment_benefit", inputs)
