"""The true-up's computation on columns, without a database: for any wages and any approved
floor, the posted differences add up to what is due minus what was collected, to the fen, and
settling them leaves nothing to settle."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.policy.overlay import DatedValue, check_value, with_values
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.policy.rules.contribution import contributions
from safetynet.services.contributions import RECORD_COLUMNS
from safetynet.services.true_up import AMOUNTS, PAYABLE, contribution_lines

MONTH = "2025-08"


def _collected(params: ParameterSet, wages: np.ndarray, worker_types: np.ndarray) -> pl.DataFrame:
    out = contributions(
        params,
        monthly_wage=wages / 100.0,
        region=np.full(len(wages), 110105),
        month=np.full(len(wages), 2025 * 12 + 7),
        worker_type=worker_types.astype(object),
        risk_class=np.full(len(wages), 2),
    )
    frame = {
        f"collected_{column}": np.asarray(out[name]) for name, column in RECORD_COLUMNS.items()
    }
    flexible = worker_types == "flexible"
    for column in (
        "unemployment_employer_fen",
        "unemployment_employee_fen",
        "work_injury_employer_fen",
    ):
        frame[f"collected_{column}"] = np.where(flexible, 0, frame[f"collected_{column}"])
    return pl.DataFrame(frame)


def _live(wages: np.ndarray, worker_types: np.ndarray) -> pl.DataFrame:
    n = len(wages)
    return pl.DataFrame(
        {
            "record_id": np.arange(1, n + 1),
            "person_id": np.arange(1, n + 1),
            "month": [MONTH] * n,
            "region_code": np.full(n, 110105),
            "worker_type": worker_types,
            "payer_id": np.where(worker_types == "employee", 7, 0),
            "declaration_id": [3 if kind == "employee" else None for kind in worker_types],
            "wage_fen": wages,
            "risk_class": np.full(n, 2),
        },
        schema_overrides={"declaration_id": pl.Int64},
    )


def _floor(value: float) -> ParameterSet:
    packaged = default_parameters()
    dated: DatedValue = check_value(
        packaged,
        "contribution.base_floor",
        region="110000",
        effective=dt.date(2025, 7, 1),
        value=value,
        unit="yuan/month",
        source="GB2019-13",
        confidence="A",
    )
    return with_values(packaged, [dated], {})


@settings(max_examples=40, deadline=None)
@given(
    wages=st.lists(st.integers(100_000, 5_000_000), min_size=1, max_size=40),
    flexible=st.lists(st.booleans(), min_size=40, max_size=40),
    floor=st.integers(5_000, 12_000),
)
def test_differences_add_up_to_due_minus_collected_and_settle(
    wages: list[int], flexible: list[bool], floor: int
) -> None:
    wage = np.array(wages, dtype=np.int64)
    kinds = np.where(np.array(flexible[: len(wages)]), "flexible", "employee")
    live = _live(wage, kinds)
    keys = live.select("person_id", "month", "payer_id")
    collected = pl.concat([keys, _collected(default_parameters(), wage, kinds)], how="horizontal")
    law = _floor(float(floor))
    lines = contribution_lines(law, live, collected)
    for column in PAYABLE:
        delta = int(lines[f"delta_{column}"].sum()) if lines.height else 0
        due = int(lines[f"due_{column}"].sum()) if lines.height else 0
        had = int(lines[f"collected_{column}"].sum()) if lines.height else 0
        assert delta == due - had
    if lines.height:
        assert (lines["due_fen"] - lines["collected_fen"]).sum() == (
            lines["employer_delta_fen"] + lines["employee_delta_fen"]
        ).sum()
    settled = (
        collected.join(
            lines.select("person_id", *[f"delta_{c}" for c in AMOUNTS]), on="person_id", how="left"
        )
        .with_columns(
            [
                (pl.col(f"collected_{c}") + pl.col(f"delta_{c}").fill_null(0)).alias(
                    f"collected_{c}"
                )
                for c in AMOUNTS
            ]
        )
        .select(collected.columns)
    )
    assert contribution_lines(law, live, settled).height == 0
