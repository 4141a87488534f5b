"""The pension outlook: the statutory month and window, contributions continuing to retirement,
the account credited with interest, the same kernels as a direct calculation, the what-if, the
minimum-contribution check, unknown law values reported by name, and the citizen's scope."""

from __future__ import annotations

import pytest
from tests.portal.conftest import MONTHS, Portal

from safetynet.domain.errors import Forbidden, InvalidInput
from safetynet.policy.catalogue import calc
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import format_month, parse_month
from safetynet.services import my_pension
from safetynet.services.my_pension import WhatIf
from safetynet.services.uow import UnitOfWork
from safetynet.services.validation import current_month


def test_an_unpublished_value_is_reported_by_name_or_flagged_provisional(
    uow: UnitOfWork, portal: Portal
) -> None:
    """Today's law has no 2026 calculation base for Beijing: the outlook names it as missing
    or, where the law layer carries the previous value forward, flags the estimate."""
    view = my_pension.outlook(uow, portal.citizen(portal.worker), portal.worker.id)
    if view.pension is None:
        assert not view.complete
        assert view.missing[0]["parameter"] == "pension.employee.calculation_base"
    else:
        assert view.provisional and not view.missing
    assert (
        view.statutory["retirement_month"]
        == calc("retirement_age", {"birth_month": "1980-05", "category": "male"}).values[
            "retirement_month"
        ]
    )


def test_unpublished_crediting_rates_are_assumed_and_said(
    uow: UnitOfWork, portal: Portal, law_with_base: ParameterSet
) -> None:
    citizen = portal.citizen(portal.worker)
    view = my_pension.outlook(uow, citizen, portal.worker.id, parameters=law_with_base)
    assert view.pension is not None and view.provisional
    now = current_month() // 12
    assumed = [a for a in view.assumptions if a["code"] == "rate_last_published"]
    assert assumed == [
        {"code": "rate_last_published", "rate": "1.50", "from_year": now, "year": 2025}
    ]
    assert {y["rate"] for y in view.account_years} == {0.015}
    assert "pension.account.interest_rate" in {p["parameter"] for p in view.provisional_values}
    higher = my_pension.outlook(
        uow, citizen, portal.worker.id, WhatIf(crediting_rate=0.04), parameters=law_with_base
    )
    assert higher.assumptions[-1]["code"] == "rate_given"
    assert higher.balance_at_retirement_fen > view.balance_at_retirement_fen  # type: ignore[operator]
    assert higher.pension is not None and higher.pension["total"] > view.pension["total"]
    with pytest.raises(InvalidInput) as bad:
        my_pension.outlook(uow, citizen, portal.worker.id, WhatIf(crediting_rate=0.5))
    assert bad.value.problems[0].field == "crediting_rate"


def test_contributions_continue_to_retirement_through_the_same_kernels(
    uow: UnitOfWork, portal: Portal, law_with_values: ParameterSet
) -> None:
    view = my_pension.outlook(
        uow, portal.citizen(portal.worker), portal.worker.id, parameters=law_with_values
    )
    assert view.pension is not None and not view.missing
    retire = parse_month(view.retirement_month)
    assert view.retirement_month == view.statutory["retirement_month"]
    assert view.future_months == retire - current_month()
    assert view.contribution_months == len(MONTHS) + view.future_months
    assert view.future_base_fen == 1_000_000
    years = view.account_years
    assert [y["year"] for y in years] == list(range(current_month() // 12, retire // 12 + 1))
    assert sum(y["months"] for y in years) == view.future_months
    assert view.balance_at_retirement_fen == years[-1]["balance_fen"] > view.balance_fen
    direct = calc(
        "employee_pension",
        {
            "region": "110105",
            "birth_month": "1980-05",
            "retirement_month": view.retirement_month,
            "contribution_months": view.contribution_months,
            "avg_contribution_index": view.average_index,
            "account_balance": str(view.balance_at_retirement_fen / 100),
        },
        parameters=law_with_values,
    )
    assert view.pension["total"] == float(direct.values["total"])
    assert view.minimum == {
        "required_months": int(direct.values["min_contribution_months"]),
        "months_at_retirement": view.contribution_months,
        "shortfall_months": int(direct.values["shortfall_months"]),
        "met": int(direct.values["shortfall_months"]) == 0,
    }


def test_every_step_of_the_explanation_cites_the_law(
    uow: UnitOfWork, portal: Portal, law_with_values: ParameterSet
) -> None:
    view = my_pension.outlook(
        uow, portal.citizen(portal.worker), portal.worker.id, parameters=law_with_values
    )
    calculations = {s["calculation"] for s in view.explanation}
    assert {"retirement_age", "account_interest", "employee_pension"} <= calculations
    assert all(s["parameters"] or s["references"] for s in view.explanation)
    cited = [p for s in view.explanation for p in s["parameters"]]
    assert cited and all(p["reference"] and p["confidence"] in "ABC" for p in cited)
    assert "pension.account.interest_rate" in {p["name"] for p in cited}


def test_the_what_if_moves_the_estimate(
    uow: UnitOfWork, portal: Portal, law_with_values: ParameterSet
) -> None:
    citizen = portal.citizen(portal.worker)
    base = my_pension.outlook(uow, citizen, portal.worker.id, parameters=law_with_values)
    later_month = format_month(parse_month(base.choosable_to))
    later = my_pension.outlook(
        uow,
        citizen,
        portal.worker.id,
        WhatIf(retirement_month=later_month),
        parameters=law_with_values,
    )
    assert later.retirement_month == later_month
    assert later.pension is not None and base.pension is not None
    assert later.pension["total"] > base.pension["total"]
    richer = my_pension.outlook(
        uow, citizen, portal.worker.id, WhatIf(average_index=2.0), parameters=law_with_values
    )
    assert richer.average_index == 2.0
    assert richer.pension is not None and richer.pension["total"] > base.pension["total"]


def test_a_wage_what_if_needs_this_years_base_limits(uow: UnitOfWork, portal: Portal) -> None:
    view = my_pension.outlook(
        uow, portal.citizen(portal.worker), portal.worker.id, WhatIf(monthly_wage="20000")
    )
    if view.pension is None:
        assert view.missing[0]["parameter"].startswith("contribution.")
    else:
        assert view.provisional
        assert any(p["parameter"].startswith("contribution.") for p in view.provisional_values)


def test_the_retirement_month_must_lie_in_the_window(uow: UnitOfWork, portal: Portal) -> None:
    citizen = portal.citizen(portal.worker)
    for wanted in ("2030-01", "2099-01", "soon"):
        with pytest.raises(InvalidInput) as bad:
            my_pension.outlook(uow, citizen, portal.worker.id, WhatIf(retirement_month=wanted))
        assert bad.value.problems[0].field == "retirement_month"
    with pytest.raises(InvalidInput) as index:
        my_pension.outlook(uow, citizen, portal.worker.id, WhatIf(average_index=5.0))
    assert index.value.problems[0].field == "average_index"


def test_a_short_record_gets_the_missing_months_and_the_options(
    uow: UnitOfWork, law_with_values: ParameterSet, portal: Portal
) -> None:
    """Born in 1980, six months on record: contributing from now to the statutory month still
    leaves months short of the minimum (20 years by then)."""
    view = my_pension.outlook(
        uow, portal.citizen(portal.worker), portal.worker.id, parameters=law_with_values
    )
    short = view.minimum["shortfall_months"]
    assert not view.minimum["met"]
    assert short == view.minimum["required_months"] - view.contribution_months > 0
    assert [o["code"] for o in view.options] == ["work_longer", "pay_missing", "resident_scheme"]
    longer = view.options[0]
    assert longer["months"] == short
    assert longer["until"] == format_month(parse_month(view.retirement_month) + short)
    assert longer["within_window"] == (
        parse_month(longer["until"]) <= parse_month(view.choosable_to)
    )
    parent = my_pension.outlook(
        uow, portal.citizen(portal.parent), portal.parent.id, parameters=law_with_values
    )
    assert parent.pension is None and parent.missing[0]["parameter"] == "contribution_months"


def test_a_citizen_sees_only_their_own_outlook(uow: UnitOfWork, portal: Portal) -> None:
    with pytest.raises(Forbidden):
        my_pension.outlook(uow, portal.citizen(portal.worker), portal.other.id)
