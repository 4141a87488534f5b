"""Cross-province transfer: the claim-place rule as a property, batches and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safetynet
from safetynet.policy.errors import InputError, ParameterLookupError
from safetynet.policy.parameters import default_parameters
from safetynet.policy.rules.transfer import transfer

P = default_parameters()
PROVINCES = ["110000", "310000", "440000", "510000", "330000"]

career = st.lists(
    st.tuples(st.sampled_from(PROVINCES), st.integers(1, 240)),
    min_size=1,
    max_size=5,
    unique_by=lambda item: item[0],
)


def _case(history: list[tuple[str, int]], hukou: str, current: str) -> dict[str, Any]:
    return {
        "month": "2025-03",
        "account_balance": "50000",
        "contribution_base_total": "800000",
        "provinces": [p for p, _ in history],
        "province_months": [m for _, m in history],
        "hukou_region": hukou,
        "current_region": current,
    }


def _expected(history: list[tuple[str, int]], hukou: str, current: str) -> tuple[str, int]:
    """Art. 6 written out plainly, as the oracle of the vectorised kernel."""
    months = dict(history)
    if current == hukou:
        return hukou, 1
    if months.get(current, 0) >= 120:
        return current, 2
    long_stays = [p for p, m in history if m >= 120]
    if long_stays:
        return long_stays[-1], 3
    return hukou, 4


@settings(max_examples=100, deadline=None)
@given(career, st.sampled_from(PROVINCES), st.data())
def test_claim_place_follows_article_6(
    history: list[tuple[str, int]], hukou: str, data: st.DataObject
) -> None:
    current = data.draw(st.sampled_from([p for p, _ in history]))
    out = safetynet.calc("transfer", _case(history, hukou, current))
    assert (out["claim_region"], out["claim_step"]) == _expected(history, hukou, current)
    assert out["total_contribution_months"] == sum(m for _, m in history)
    assert str(out["pooled_fund_transfer"]) == "96000.00"
    assert str(out["total_transfer"]) == "146000.00"


def test_batch_of_careers_equals_single_cases() -> None:
    rng = np.random.default_rng(3)
    careers = []
    for _ in range(30):
        chosen = rng.choice(PROVINCES, size=rng.integers(1, 5), replace=False)
        careers.append([(str(p), int(rng.integers(1, 200))) for p in chosen])
    person = np.concatenate([np.full(len(c), i) for i, c in enumerate(careers)])
    provinces = np.array([int(p) for c in careers for p, _ in c])
    months = np.array([m for c in careers for _, m in c])
    hukou = np.full(person.size, 510100)
    current = np.array([int(c[-1][0]) for c in careers for _ in c])
    out = transfer(
        P,
        month=np.array([2025 * 12]),
        account_balance=np.array([50000.0]),
        contribution_base_total=np.array([800000.0]),
        provinces=provinces,
        province_months=months,
        hukou_region=hukou,
        current_region=current,
        person=person,
    )
    for i, c in enumerate(careers):
        one = safetynet.calc("transfer", _case(c, "510100", c[-1][0]))
        assert one["claim_region"] == f"{out['claim_region'][i]:06d}"
        assert one["claim_step"] == out["claim_step"][i]


BASE = _case([("110000", 100)], "110000", "110000")


@pytest.mark.parametrize(
    ("change", "error", "text"),
    [
        ({"provinces": None}, InputError, "provinces: is required"),
        ({"provinces": ["110000", "11000"]}, InputError, "provinces: expected a 6-digit"),
        ({"province_months": [10, 20]}, InputError, "province_months: has 2 entries"),
        ({"province_months": [-1]}, InputError, "province_months: must be between 0 and 1200"),
        (
            {"provinces": ["110000", "310000", "440000"], "province_months": [100]},
            InputError,
            "province_months: has 1 entries; expected 3, one per province",
        ),
        ({"province_months": 100, "provinces": ["110000", "310000"]}, InputError, "expected 2"),
        ({"hukou_region": "990000"}, InputError, "hukou_region: unknown region"),
        ({"month": "2009-12"}, ParameterLookupError, "no value before 2010-01-01"),
        (
            {"provinces": ["440000", "440100"], "province_months": [10, 20]},
            InputError,
            "provinces: each province may appear only once",
        ),
    ],
)
def test_bad_input_is_refused(change: dict[str, Any], error: type[Exception], text: str) -> None:
    inputs = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(error, match=text):
        safetynet.calc("transfer", inputs)
