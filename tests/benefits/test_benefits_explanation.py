"""A decision's stored explanation says which provisional values it rests on."""

from __future__ import annotations

import safetynet
from safetynet.services.benefits.common import explanation

PENSION = {
    "region": "110000",
    "birth_month": "1966-01",
    "contribution_months": 420,
    "avg_contribution_index": 1.0,
    "account_balance": "150000",
}


def test_a_provisional_calculation_is_headed_by_its_provisional_values() -> None:
    provisional = safetynet.calc(
        "employee_pension", {**PENSION, "retirement_month": "2026-05"}, explain=True
    )
    head = explanation(provisional)[0]
    assert head["calculation"] == "employee_pension"
    [use] = head["provisional_parameters"]
    assert use["parameter"] == "pension.employee.calculation_base"
    assert use["value"] == 12049.0 and "carried forward" in use["reason"]
    final = safetynet.calc(
        "employee_pension",
        {**PENSION, "birth_month": "1965-01", "retirement_month": "2025-02"},
        explain=True,
    )
    assert "provisional_parameters" not in explanation(final)[0]
