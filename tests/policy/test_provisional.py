"""Provisional values: carried forward until approved, national stand-ins, separately planned
cities; flagged per row in a batch exactly as for one case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safetynet
from safetynet.policy.errors import ParameterFileError, ParameterLookupError
from safetynet.policy.parameters import default_parameters, load_parameters
from safetynet.policy.periods import parse_month
from safetynet.policy.provisional import capture, relevant_to
from safetynet.policy.rules.contribution import contributions
from safetynet.policy.trace import Recorder

REFS = "SRC:\n  title: A test source\n"

TREE = """
floor:
  description: A yearly floor renewed every July.
  unit: yuan/month
  carry_forward: "07-01"
  values:
    national:
      - {from: 2020-07-01, value: 100, source: SRC, confidence: C, note: a proxy}
      - {from: 2021-07-01, value: 110, source: SRC, confidence: C, note: a proxy}
    "110000":
      - {from: 2021-07-01, value: 200, source: SRC, confidence: B}
      - {from: 2022-07-01, value: null, source: SRC, confidence: B, note: not yet published}
    "440000":
      - {from: 2021-07-01, value: 300, source: SRC, confidence: B}
rate:
  description: A rate bridged over unknown periods.
  unit: ratio
  carry_forward: true
  values:
    national:
      - {from: 2020-01-01, value: null, source: SRC, confidence: A}
      - {from: 2021-01-01, value: 0.1, source: SRC, confidence: A}
      - {from: 2023-01-01, value: null, source: SRC, confidence: A, note: not yet extended}
strict_rate:
  description: A rate that is never carried forward.
  unit: ratio
  values:
    national:
      - {from: 2021-01-01, value: 0.1, source: SRC, confidence: A}
      - {from: 2023-01-01, value: null, source: SRC, confidence: A}
"""


def _params(tmp_path: Path, body: str = TREE):  # type: ignore[no-untyped-def]
    (tmp_path / "references.yaml").write_text(REFS, encoding="utf-8")
    (tmp_path / "law.yaml").write_text(body, encoding="utf-8")
    return load_parameters(tmp_path)


def _days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[D]")


def test_rows_are_flagged_vectorised_with_their_reasons(tmp_path: Path) -> None:
    params = _params(tmp_path)
    days = _days("2022-08-01", "2021-08-01", "2021-08-01", "2021-08-01", "2020-08-01")
    regions = np.array([110105, 110105, 510104, 440300, 0])
    with capture() as log:
        values = params.at("law.floor", days, regions)
    np.testing.assert_array_equal(values, [200, 200, 110, 300, 100])
    # carried forward; Beijing's own; national stand-in; province in a planned city; national
    np.testing.assert_array_equal(log.rows(5), [True, False, True, True, False])
    reasons = {use.region: use for use in log.uses()}
    assert reasons["110000"].reason.startswith(
        "carried forward from 2021-07-01 until the value from 2022-07-01 is approved"
    )
    assert reasons["110000"].kinds == ("carried_forward",)
    assert reasons["national"].reason == "national stand-in, grade C: a proxy"
    assert reasons["440000"].kinds == ("separately_planned",)
    assert "separately planned city" in reasons["440000"].reason


def test_a_yearly_value_not_renewed_is_carried_forward_provisionally(tmp_path: Path) -> None:
    params = _params(tmp_path)
    with capture() as log:
        value = params.at("law.floor", _days("2023-09-01", "2022-03-01"), [440000, 440000])
    np.testing.assert_array_equal(value, [300, 300])
    np.testing.assert_array_equal(log.rows(2), [True, False])
    [use] = log.uses()
    assert use.reason.startswith("carried forward from 2021-07-01 until the value from 2022-07-01")


def test_a_null_is_bridged_only_where_an_earlier_value_exists(tmp_path: Path) -> None:
    params = _params(tmp_path)
    with capture() as log:
        assert params.at("law.rate", _days("2024-02-01"), [0])[0] == 0.1
    assert "until the value from 2023-01-01 is approved (not yet extended)" in log.uses()[0].reason
    with pytest.raises(ParameterLookupError, match="no earlier value to carry forward"):
        params.at("law.rate", _days("2020-06-01"), [0])
    with pytest.raises(ParameterLookupError, match="no value before 2020-07-01"):
        params.at("law.floor", _days("2019-06-01"), [110000])
    with pytest.raises(ParameterLookupError, match="value unknown from 2023-01-01"):
        params.at("law.strict_rate", _days("2024-02-01"), [0])


def test_nothing_is_recorded_without_a_log_and_values_are_the_same(tmp_path: Path) -> None:
    params = _params(tmp_path)
    days, regions = _days("2022-08-01", "2021-08-01"), np.array([110105, 510104])
    plain = params.at("law.floor", days, regions)
    with capture() as log:
        logged = params.at("law.floor", days, regions)
    np.testing.assert_array_equal(plain, logged)
    assert log.any()


def test_only_rows_that_use_a_value_count(tmp_path: Path) -> None:
    params = _params(tmp_path)
    with capture() as outer, relevant_to(np.array([False, True])):
        params.at("law.floor", _days("2022-08-01", "2022-08-01"), [110105, 110105])
    np.testing.assert_array_equal(outer.rows(2), [False, True])
    with capture() as none_used, relevant_to(np.array([False, False])):
        params.at("law.floor", _days("2022-08-01", "2022-08-01"), [110105, 110105])
    assert not none_used.any()


def test_the_explanation_says_why_a_value_is_provisional(tmp_path: Path) -> None:
    params = _params(tmp_path)
    recorder = Recorder()
    params.at("law.floor", _days("2022-08-01"), [110105], trace=recorder)
    [step] = recorder.as_list()
    [use] = step["parameters"]
    assert use["provisional"].startswith("carried forward from 2021-07-01")


def test_a_bad_carry_forward_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ParameterFileError, match=r"law\.yaml: floor\.carry_forward"):
        _params(tmp_path, TREE.replace('carry_forward: "07-01"', 'carry_forward: "13-01"'))


def test_added_values_replace_only_their_date_and_end_the_provisional_period() -> None:
    params = default_parameters()
    approved = params.with_values(
        {
            "contribution.base_floor": {
                "110000": [
                    {"from": "2026-07-01", "value": 7500, "source": "BJ2025-11", "confidence": "B"}
                ]
            }
        }
    )
    inputs = {"monthly_wage": "1000", "region": "110105", "month": "2026-08"}
    before = safetynet.calc("contribution", {**inputs, "worker_type": "flexible"})
    after = safetynet.calc(
        "contribution", {**inputs, "worker_type": "flexible"}, parameters=approved
    )
    assert str(before["base"]) == "7162.00" and str(after["base"]) == "7500.00"
    provisional_after = {u["parameter"] for u in after.provisional_parameters}
    assert "contribution.base_floor" not in provisional_after
    assert "contribution.base_ceiling" in provisional_after  # still carried forward
    last_year = {**inputs, "month": "2025-08", "worker_type": "flexible"}
    earlier = safetynet.calc("contribution", last_year, parameters=approved)
    assert str(earlier["base"]) == "7162.00"
    definitions = {n: params[n].definition() for n in params}
    rebuilt = params.from_definitions(definitions, params.references)
    assert len(rebuilt) == len(params)
    with pytest.raises(ParameterFileError, match="unknown GB/T 2260 region"):
        params.with_values({"contribution.base_floor": {"999999": []}})


REGIONS = [110105, 310104, 440106, 440304, 510104, 330203, 370202, 110000, 650102]
MONTHS = ["2019-06", "2024-08", "2025-06", "2025-08", "2026-03", "2026-08", "2027-09"]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(REGIONS),
            st.sampled_from(MONTHS[1:]),
            st.sampled_from(["employee", "flexible"]),
            st.integers(min_value=1000, max_value=60000),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_batch_flags_equal_one_case_at_a_time(
    rows: list[tuple[int, str, str, int]],
) -> None:
    params = default_parameters()
    batch = contributions(
        params,
        monthly_wage=np.array([r[3] for r in rows], dtype=np.float64),
        region=np.array([r[0] for r in rows]),
        month=np.array([parse_month(r[1]) for r in rows]),
        worker_type=np.array([r[2] for r in rows], dtype=object),
    )
    for i, (region, month, worker, wage) in enumerate(rows):
        case = {"monthly_wage": wage, "region": f"{region:06d}", "month": month}
        one = safetynet.calc("contribution", {**case, "worker_type": worker})
        assert bool(batch["provisional"][i]) == one.provisional, (region, month, worker)
        assert batch["base"][i] == int(one["base"] * 100)


def test_a_month_with_no_floor_at_all_still_refuses() -> None:
    with pytest.raises(ParameterLookupError, match="base_floor: no value before 2019-05-01"):
        contributions(
            default_parameters(),
            monthly_wage=np.array([5000.0]),
            region=np.array([110105]),
            month=np.array([parse_month("2019-03")]),
            worker_type=np.array(["employee"], dtype=object),
        )
