"""Medical settlement: invariants of the layers, year-to-date chaining, batches, errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safetynet
from safetynet.policy.errors import InputError, ParameterLookupError
from safetynet.policy.parameters import default_parameters
from safetynet.policy.rules.kernel_support import group_rows
from safetynet.policy.rules.medical import settle_claims
from safetynet.policy.trace import Recorder

P = default_parameters()
INCOME_2024 = 41314  # REFERENCE §4.3, the previous-year income for 2025 claims
CAP_2025 = 6 * INCOME_2024 * 100  # fen

cents = st.integers(min_value=0, max_value=40_000_000)  # up to 400,000 yuan
beijing_claim = st.tuples(
    cents,
    st.sampled_from(["outpatient", "inpatient"]),
    st.sampled_from(["tier1", "tier2", "tier3"]),
)
resident_claim = st.tuples(cents, st.just("inpatient"), st.sampled_from(["community", "tier3"]))
category = st.sampled_from(["none", "low_income", "dibao", "tekun"])


def _inputs(scheme: str, claims: list[tuple[int, str, str]], kind: str) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "region": "110000" if scheme == "employee" else "320100",
        "month": "2025-06",
        "scheme": scheme,
        "policy_cost": [str(Decimal(c) / 100) for c, _, _ in claims],
        "setting": [s for _, s, _ in claims],
        "tier": [t for _, _, t in claims],
        "assistance_category": kind,
        "assistance_annual_limit": "30000",
    }
    if scheme == "resident":
        inputs["deductible"] = "800"
    return inputs


def _fen(values: Any) -> list[int]:
    return [int(v * 100) for v in values]


def _run(inputs: dict[str, Any]) -> dict[str, Any]:
    return safetynet.calc("medical_reimbursement", inputs).values


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.tuples(st.just("employee"), st.lists(beijing_claim, min_size=1, max_size=8)),
        st.tuples(st.just("resident"), st.lists(resident_claim, min_size=1, max_size=8)),
    ),
    category,
)
def test_layers_add_up_to_the_cost_and_respect_the_ceilings(
    case: tuple[str, list[tuple[int, str, str]]], kind: str
) -> None:
    scheme, claims = case
    out = _run(_inputs(scheme, claims, kind))
    basic, critical = _fen(out["basic_fund"]), _fen(out["critical_illness"])
    assistance, own = _fen(out["medical_assistance"]), _fen(out["out_of_pocket"])
    for i, (cost, _, _) in enumerate(claims):
        parts = (basic[i], critical[i], assistance[i], own[i])
        assert min(parts) >= 0
        assert sum(parts) == cost
    assert sum(assistance) <= 30000 * 100
    if scheme == "employee":
        assert sum(critical) == 0
        outpatient = sum(b for b, c in zip(basic, claims, strict=True) if c[1] == "outpatient")
        assert outpatient <= 20000 * 100
        assert sum(basic) - outpatient <= 500000 * 100
    elif kind == "none":
        assert sum(basic) + sum(critical) <= CAP_2025
    if kind in ("none", "low_income"):
        assert sum(assistance) == 0


@settings(max_examples=60, deadline=None)
@given(cents, cents, category, st.sampled_from(["employee", "resident"]))
def test_payments_and_out_of_pocket_are_monotonic_in_the_cost(
    a: int, b: int, kind: str, scheme: str
) -> None:
    low, high = sorted((a, b))
    tier = "tier3"
    runs = [_run(_inputs(scheme, [(c, "inpatient", tier)], kind)) for c in (low, high)]
    paid = [
        sum(_fen(r["basic_fund"]) + _fen(r["critical_illness"]) + _fen(r["medical_assistance"]))
        for r in runs
    ]
    own = [_fen(r["out_of_pocket"])[0] for r in runs]
    assert paid[0] <= paid[1]
    assert own[0] <= own[1]


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        st.tuples(st.just("employee"), st.lists(beijing_claim, min_size=2, max_size=6)),
        st.tuples(st.just("resident"), st.lists(resident_claim, min_size=2, max_size=6)),
    ),
    category,
)
def test_claims_settled_one_at_a_time_equal_a_year_at_once(
    case: tuple[str, list[tuple[int, str, str]]], kind: str
) -> None:
    scheme, claims = case
    whole = _run(_inputs(scheme, claims, kind))
    state_names = (
        "outpatient_deductible_met",
        "outpatient_basic_paid",
        "inpatient_admissions",
        "inpatient_basic_paid",
        "critical_illness_cost_counted",
        "critical_illness_paid",
        "medical_assistance_paid",
    )
    state: dict[str, Any] = {}
    for i, claim in enumerate(claims):
        one = _run({**_inputs(scheme, [claim], kind), **state})
        for layer in ("basic_fund", "critical_illness", "medical_assistance", "out_of_pocket"):
            assert one[layer][0] == whole[layer][i], (layer, i)
        state = {name: str(one[name]) for name in state_names}
    for name in state_names:
        assert str(whole[name]) == state[name]


def test_a_batch_of_persons_equals_each_person_alone() -> None:
    rng = np.random.default_rng(7)
    persons, per_person = 60, 5
    person = np.repeat(np.arange(persons), per_person)
    rng.shuffle(person)  # claims of different persons interleaved, order kept per person
    rows = person.size
    resident = person % 2 == 1  # person-level inputs given on every row
    kind = np.array(["none", "low_income", "dibao", "tekun"])[(person // 2) % 4]
    cost = rng.integers(0, 12_000_000, rows) / 100
    setting = np.where(resident, "inpatient", rng.choice(["outpatient", "inpatient"], rows))
    tier = rng.choice(["tier1", "tier2", "tier3"], rows)
    out = settle_claims(
        P,
        region=np.where(resident, 320100, 110000),
        month=np.full(rows, 2025 * 12 + 5),
        scheme=np.where(resident, "resident", "employee"),
        policy_cost=cost,
        setting=setting,
        tier=tier,
        assistance_category=kind,
        deductible=np.where(resident, 800.0, np.nan),
        assistance_annual_limit=np.full(rows, 30000.0),
        person=person,
    )
    assert list(out["person_key"]) == list(range(persons))
    assert out["critical_illness"].sum() > 0  # every layer is exercised
    assert out["medical_assistance"].sum() > 0
    for who in range(persons):
        mine = person == who
        first = int(np.flatnonzero(mine)[0])
        alone = _run(
            {
                **_inputs("resident" if resident[first] else "employee", [], str(kind[first])),
                "policy_cost": [f"{c:.2f}" for c in cost[mine]],
                "setting": list(setting[mine]),
                "tier": list(tier[mine]),
            }
        )
        for layer in ("basic_fund", "critical_illness", "medical_assistance", "out_of_pocket"):
            assert _fen(alone[layer]) == list(out[layer][mine])
        for state in ("outpatient_deductible_met", "critical_illness_paid"):
            assert int(alone[state] * 100) == out[state][who]


def test_explanation_names_the_parameters_and_their_confidence() -> None:
    inputs = _inputs("employee", [(500000, "outpatient", "community")], "none")
    trace = safetynet.calc("medical_reimbursement", inputs, explain=True).trace
    assert trace is not None
    ratio = next(s for s in trace if s["step"] == "basic ratio")
    assert ratio["value"] == 0.9
    used = ratio["parameters"][0]
    assert used["name"] == "medical.employee_ratio"
    assert used["confidence"] == "C"
    assert used["region"] == "110000"


def test_recorder_and_batch_give_the_same_result() -> None:
    inputs = _inputs("resident", [(9_000_000, "inpatient", "tier3")], "dibao")
    plain = _run(inputs)
    recorder = Recorder()
    traced = settle_claims(
        P,
        region=np.array([320100]),
        month=np.array([2025 * 12 + 5]),
        scheme=np.array(["resident"]),
        policy_cost=np.array([90000.0]),
        setting=np.array(["inpatient"]),
        tier=np.array(["tier3"]),
        assistance_category=np.array(["dibao"]),
        deductible=np.array([800.0]),
        assistance_annual_limit=np.array([30000.0]),
        trace=recorder,
    )
    assert _fen(plain["critical_illness"]) == list(traced["critical_illness"])
    assert [s.label for s in recorder.steps][-1] == "out of pocket"


BASE = _inputs("employee", [(100000, "outpatient", "tier2")], "none")


@pytest.mark.parametrize(
    ("change", "error", "text"),
    [
        ({"policy_cost": None}, InputError, "policy_cost: is required"),
        ({"tier": ["tier9"]}, InputError, "tier: expected one of"),
        ({"policy_cost": ["12.345"]}, InputError, "policy_cost: amount 12.345"),
        ({"region": "999999"}, InputError, "region: unknown region 999999"),
        ({"month": "2019-06"}, ParameterLookupError, "medical.employee_deductible"),
        ({"month": "2026-13"}, InputError, "month: month 13"),
        (
            {"setting": ["outpatient", "inpatient"]},
            InputError,
            "setting: has 2 entries; expected 1",
        ),
        (
            {"tier": ["community"], "setting": ["inpatient"]},
            ParameterLookupError,
            "no entry for 'inpatient.community'",
        ),
        (
            {"assistance_category": "dibao", "assistance_annual_limit": None},
            ParameterLookupError,
            "assistance_annual_limit: value unknown",
        ),
        ({"region": "310000"}, ParameterLookupError, "employee_deductible: value unknown"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    change: dict[str, Any], error: type[Exception], text: str
) -> None:
    inputs = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(error, match=text):
        _run(inputs)


def test_a_person_s_claims_must_be_in_one_year() -> None:
    with pytest.raises(InputError, match="month: a person's claims must fall in one calendar"):
        settle_claims(
            P,
            region=np.array([110000]),
            month=np.array([2025 * 12, 2026 * 12]),
            scheme=np.array(["employee"]),
            policy_cost=np.array([10.0, 10.0]),
            setting=np.array(["outpatient"]),
            tier=np.array(["tier1"]),
        )


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 1000), st.integers(0, 300)),
        min_size=1,
        max_size=30,
    )
)
def test_capped_running_total_matches_a_claim_by_claim_oracle(
    rows: list[tuple[int, int, int]],
) -> None:
    person = np.array([r[0] for r in rows])
    raw = np.array([r[1] for r in rows], dtype=np.int64)
    drops = np.array([r[2] for r in rows], dtype=np.int64)
    groups = group_rows(person, len(rows))
    # a bound that never rises within a person: a start of 3,000 less running drops
    bound = 3000 - groups.running(groups.sort(drops))
    total = groups.unsort(groups.capped_running(groups.sort(raw), bound))
    bound_by_row = groups.unsort(bound)
    paid_so_far: dict[int, int] = {}
    for i, who in enumerate(person.tolist()):
        before = paid_so_far.get(who, 0)
        paid = min(int(raw[i]), max(0, int(bound_by_row[i]) - before))
        paid_so_far[who] = before + paid
        assert total[i] == paid_so_far[who]
