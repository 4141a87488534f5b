"""calc_many: many cases in one kernel call give exactly what the one-case calc gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safetynet
from safetynet.policy.errors import InputError
from safetynet.policy.many import MAX_CASES, MAX_EXPLAIN

REGIONS = ["110000", "310000", "440300", "510100", "650000", "330100"]
MONTHS = ["2019-05", "2024-01", "2025-07", "2026-01", "2026-08"]

money = st.one_of(
    st.integers(min_value=0, max_value=200_000),
    st.decimals(min_value=0, max_value=100_000, places=2).map(str),
)
contribution_case = st.fixed_dictionaries(
    {
        "monthly_wage": money,
        "region": st.sampled_from(REGIONS),
        "month": st.sampled_from(MONTHS),
    },
    optional={
        "worker_type": st.sampled_from(["employee", "flexible"]),
        "risk_class": st.integers(min_value=1, max_value=8),
    },
)
unemployment_case = st.fixed_dictionaries(
    {
        "month": st.sampled_from(MONTHS),
        "region": st.sampled_from(REGIONS),
        "contribution_months": st.integers(min_value=0, max_value=400),
        "involuntary": st.booleans(),
    },
    optional={"monthly_amount": money},
)
divisor_case = st.fixed_dictionaries(
    {"age_years": st.integers(min_value=40, max_value=70)},
    optional={
        "age_months": st.integers(min_value=0, max_value=11),
        "retirement_month": st.sampled_from(MONTHS),
    },
)


def _single(name: str, case: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"result": safetynet.calc(name, case).as_json(money_as_text=True)["result"]}
    except safetynet.PolicyError as exc:
        return {"error": {"field": getattr(exc, "field", None) or "parameters"}}


def _assert_batch_equals_singles(name: str, cases: list[dict[str, Any]]) -> None:
    batch = safetynet.calc_many(name, cases).as_json(money_as_text=True)
    assert batch["count"] == len(cases)
    for case, got in zip(cases, batch["results"], strict=True):
        expected = _single(name, case)
        if "error" in expected:
            assert got["error"]["field"] == expected["error"]["field"]
        else:
            assert resolved(got, batch["provisional_values"]) == expected


def resolved(entry: dict[str, Any], table: list[Any]) -> dict[str, Any]:
    """A batch result with its provisional values written out, as the one-case result has them."""
    result = dict(entry["result"])
    result["provisional_parameters"] = [table[i] for i in result["provisional_parameters"]]
    return {**entry, "result": result}


@settings(max_examples=25, deadline=None)
@given(st.lists(contribution_case, min_size=1, max_size=30))
def test_contribution_batch_equals_singles(cases: list[dict[str, Any]]) -> None:
    _assert_batch_equals_singles("contribution", cases)


@settings(max_examples=25, deadline=None)
@given(st.lists(unemployment_case, min_size=1, max_size=30))
def test_unemployment_batch_equals_singles(cases: list[dict[str, Any]]) -> None:
    _assert_batch_equals_singles("unemployment_benefit", cases)


@settings(max_examples=25, deadline=None)
@given(st.lists(divisor_case, min_size=1, max_size=30))
def test_annuity_divisor_batch_equals_singles(cases: list[dict[str, Any]]) -> None:
    _assert_batch_equals_singles("annuity_divisor", cases)


GOOD = {"monthly_wage": "8000", "region": "110000", "month": "2026-08"}


def test_bad_cases_are_reported_by_index_and_the_rest_computed() -> None:
    cases: list[Any] = [
        GOOD,
        {**GOOD, "monthly_wage": "-5"},
        {**GOOD, "region": "999999"},
        {**GOOD, "bonus": 1},
        "not an object",
        {**GOOD, "month": "1900-01"},
        {**GOOD, "monthly_wage": 9000},
    ]
    result = safetynet.calc_many("contribution", cases)
    assert sorted(result.errors) == [1, 2, 3, 4, 5]
    fields = {i: getattr(e, "field", None) for i, e in result.errors.items()}
    assert fields[1] == "monthly_wage" and fields[2] == "region" and fields[3] == "bonus"
    assert result.column("base", money_as_text=True)[6] == "9000.00"
    assert result.values(0) == safetynet.calc("contribution", GOOD).values
    assert result.values(1) is None


def test_strict_raises_naming_the_first_bad_case_and_field() -> None:
    cases = [GOOD, GOOD, {**GOOD, "monthly_wage": "abc"}, {**GOOD, "month": "x"}]
    with pytest.raises(InputError) as caught:
        safetynet.calc_many("contribution", cases, strict=True)
    assert caught.value.field == "cases[2].monthly_wage"


def test_columns_equal_cases_and_unequal_columns_are_refused() -> None:
    columns = {"age_years": [55, 60, 65], "age_months": [0, 6, None]}
    cases = [{"age_years": 55, "age_months": 0}, {"age_years": 60, "age_months": 6}]
    cases.append({"age_years": 65})
    as_columns = safetynet.calc_many("annuity_divisor", columns).as_json()
    assert as_columns == safetynet.calc_many("annuity_divisor", cases).as_json()
    with pytest.raises(InputError, match="unequal") as caught:
        safetynet.calc_many("annuity_divisor", {"age_years": [55, 60], "age_months": [1]})
    assert caught.value.field == "columns"


def test_limits_of_size_and_explanation() -> None:
    with pytest.raises(InputError, match=str(MAX_CASES)) as caught:
        safetynet.calc_many("annuity_divisor", {"age_years": [60] * (MAX_CASES + 1)})
    assert caught.value.field == "cases"
    with pytest.raises(InputError) as caught:
        safetynet.calc_many(
            "annuity_divisor", [{"age_years": 60}] * (MAX_EXPLAIN + 1), explain=True
        )
    assert caught.value.field == "explain"
    explained = safetynet.calc_many("annuity_divisor", [{"age_years": 60}] * 2, explain=True)
    single = safetynet.calc("annuity_divisor", {"age_years": 60}, explain=True)
    assert explained.explanations == {0: single.trace, 1: single.trace}
    with pytest.raises(InputError, match="at least one"):
        safetynet.calc_many("annuity_divisor", [])


def test_list_inputs_are_refused_with_a_clear_error() -> None:
    with pytest.raises(InputError, match="one case at a time") as caught:
        safetynet.calc_many("transfer", [{}])
    assert caught.value.field == "provinces"
    result = safetynet.calc_many(
        "account_interest",
        [{"account_balance": "1000", "year": 2024, "monthly_credits": ["10", "20"]}],
    )
    assert result.errors[0].field == "monthly_credits"  # type: ignore[attr-defined]
