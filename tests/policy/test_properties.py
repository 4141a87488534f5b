"""Invariants of the rules, checked on many generated cases (hypothesis) and in batches."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import safetynet
from safetynet.policy.money import UNKNOWN_FEN, round_half_up, to_fen
from safetynet.policy.parameters import default_parameters
from safetynet.policy.periods import parse_month
from safetynet.policy.rules.account import credit_year
from safetynet.policy.rules.annuity import divisor
from safetynet.policy.rules.contribution import contributions, pension_contributions
from safetynet.policy.rules.identity import check_resident_ids, make_resident_ids
from safetynet.policy.rules.pension import employee_pension
from safetynet.policy.rules.retirement import CATEGORIES, statutory_retirement

P = default_parameters()
REGIONS = [110000, 110105, 310000, 440100, 440300, 510100, 650000]
wages = st.decimals(min_value=0, max_value=200_000, places=2)


@given(
    wage=wages,
    region=st.sampled_from(REGIONS),
    month=st.integers(2025 * 12 + 6, 2026 * 12 + 5),
    flexible=st.booleans(),
)
def test_contribution_base_stays_within_floor_and_ceiling(
    wage: object, region: int, month: int, flexible: bool
) -> None:
    out = contributions(
        P,
        monthly_wage=np.array([float(str(wage))]),
        region=[region],
        month=[month],
        worker_type=["flexible" if flexible else "employee"],
    )
    assert out["base_floor"][0] <= out["base"][0] <= out["base_ceiling"][0]
    parts = [
        out[k][0]
        for k in (
            "pension_employer",
            "pension_employee",
            "medical_employer",
            "medical_employee",
            "unemployment_employer",
            "unemployment_employee",
            "work_injury_employer",
        )
    ]
    assert out["total"][0] == sum(p for p in parts if p != UNKNOWN_FEN)
    assert out["pension_account"][0] + out["pension_pooled"][0] == (
        out["pension_employer"][0] + out["pension_employee"][0]
    )


@given(
    months=st.integers(180, 540),
    extra=st.integers(1, 60),
    index=st.floats(0.6, 2.9),
    bump=st.floats(0.01, 0.1),
    balance=st.floats(0, 1_000_000),
)
def test_pension_is_monotonic_in_years_and_index(
    months: int, extra: int, index: float, bump: float, balance: float
) -> None:
    common = {
        "region": [440100],
        "birth_month": [1965 * 12],
        "retirement_month": [2025 * 12 + 1],
        "account_balance": [balance],
    }
    base = employee_pension(
        P, contribution_months=[months], avg_contribution_index=[index], **common
    )["total"][0]
    longer = employee_pension(
        P, contribution_months=[months + extra], avg_contribution_index=[index], **common
    )["total"][0]
    richer = employee_pension(
        P, contribution_months=[months], avg_contribution_index=[index + bump], **common
    )["total"][0]
    assert longer >= base and richer >= base


def test_divisor_decreases_with_age_month_by_month() -> None:
    ages = np.arange(40 * 12, 70 * 12 + 1)
    values = divisor(P, ages)
    assert not np.isnan(values).any()
    assert (np.diff(values) <= 0).all()
    assert (np.diff(values[::12]) < 0).all()


@given(
    st.lists(
        st.tuples(
            st.sampled_from([110105, 440524, 310104, 650102]),
            st.dates(
                min_value=__import__("datetime").date(1900, 1, 1),
                max_value=__import__("datetime").date(2024, 12, 31),
            ),
            st.integers(0, 999),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_generated_ids_validate_and_round_trip(cases: list[tuple[int, object, int]]) -> None:
    region = np.array([c[0] for c in cases])
    born = np.array([c[1] for c in cases], dtype="datetime64[D]")
    sequence = np.array([c[2] for c in cases])
    ids = make_resident_ids(region, born, sequence)
    result = check_resident_ids(ids)
    assert result["valid"].all()
    np.testing.assert_array_equal(result["region"], region)
    np.testing.assert_array_equal(result["birth_date"], born)
    np.testing.assert_array_equal(result["sex"], np.where(sequence % 2 == 1, 1, 2))


@given(position=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_change_breaks_the_checksum(position: int, delta: int) -> None:
    valid = "11010519491231002X"
    digit = (int(valid[position]) + delta) % 10
    changed = valid[:position] + str(digit) + valid[position + 1 :]
    assert not check_resident_ids([changed])["valid"][0]


@given(
    arrays(np.int64, st.integers(1, 40), elements=st.integers(1948 * 12, 2005 * 12)),
    st.sampled_from(CATEGORIES),
)
def test_later_births_never_retire_earlier_or_younger(births: np.ndarray, category: str) -> None:
    births = np.sort(births)
    out = statutory_retirement(P, births, np.full(len(births), category))
    assert (np.diff(out["retirement_month"]) >= 0).all()
    ages = out["statutory_age_years"] * 12 + out["statutory_age_months"]
    assert (np.diff(ages) >= 0).all()
    assert (out["earliest_retirement_month"] <= out["retirement_month"]).all()
    assert (out["retirement_month"] <= out["latest_retirement_month"]).all()


@given(
    balance=st.floats(0, 2_000_000),
    credits=st.floats(0, 100_000),
    year=st.integers(2016, 2025),
    months=st.integers(1, 12),
)
def test_account_crediting_never_loses_money(
    balance: float, credits: float, year: int, months: int
) -> None:
    balance, credits = float(round_half_up(balance)), float(round_half_up(credits))
    out = credit_year(
        P, account_balance=[balance], year=[year], year_credits=[credits], months_elapsed=[months]
    )
    assert out["interest"][0] >= 0
    assert out["balance"][0] == to_fen(balance) + to_fen(credits) + out["interest"][0]


@settings(max_examples=20)
@given(st.lists(st.tuples(wages, st.sampled_from(REGIONS)), min_size=2, max_size=30))
def test_batch_equals_one_case_at_a_time(rows: list[tuple[object, int]]) -> None:
    month = parse_month("2025-09")
    batch = contributions(
        P,
        monthly_wage=np.array([float(str(w)) for w, _ in rows]),
        region=np.array([r for _, r in rows]),
        month=month,
        worker_type="employee",
    )
    for i, (wage, region) in enumerate(rows):
        single = safetynet.calc(
            "contribution",
            {"monthly_wage": str(wage), "region": f"{region:06d}", "month": "2025-09"},
        )
        assert int(single["total"] * 100) == batch["total"][i]


def test_round_half_up_is_exact_on_decimal_halves() -> None:
    np.testing.assert_array_equal(
        round_half_up([0.125, 2.675, 1432.4, -0.125, 7460.4], 2),
        [0.13, 2.68, 1432.4, -0.13, 7460.4],
    )
    np.testing.assert_array_equal(round_half_up([7460.5, 7162.2], 0), [7461, 7162])


@settings(max_examples=30)
@given(st.lists(st.tuples(wages, st.sampled_from(REGIONS), st.booleans()), min_size=1, max_size=30))
def test_pension_only_equals_the_pension_parts_of_all_contributions(
    rows: list[tuple[object, int, bool]],
) -> None:
    inputs = {
        "monthly_wage": np.array([float(str(w)) for w, _, _ in rows]),
        "region": np.array([r for _, r, _ in rows]),
        "month": parse_month("2025-09"),
        "worker_type": np.array(["flexible" if f else "employee" for _, _, f in rows]),
    }
    full = contributions(P, **inputs)
    pension = pension_contributions(P, **inputs)
    for key in (
        "base",
        "pension_employer",
        "pension_employee",
        "pension_account",
        "pension_pooled",
    ):
        np.testing.assert_array_equal(pension[key], full[key])
