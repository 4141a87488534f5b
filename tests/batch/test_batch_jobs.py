"""Population jobs on the local engine: control totals, agreement with the single-case
calculations, rejects with reasons, unknown parameters, chunking and the CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from safetynet.batch import jobs
from safetynet.batch.guard import guarded
from safetynet.batch.jobs import JOBS, JobContext, reform_overrides_from_yaml
from safetynet.batch.local import run_local
from safetynet.batch.outputs import Totals
from safetynet.batch.validate import id_strings
from safetynet.cli.main import app
from safetynet.policy.catalogue import calc
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.parameters import default_parameters
from safetynet.policy.periods import format_month, parse_month
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.policy.rules.pension import adjust_pension

MONTH = parse_month("2025-12")
REFORMS = Path(__file__).parents[2] / "src" / "safetynet" / "batch" / "reforms"


def run(
    job: str,
    population: Path,
    out: Path,
    month: int = MONTH,
    reform: str | None = None,
    chunk_rows: int = 10_000,
) -> tuple[Totals, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    overrides = None
    if reform:
        path = REFORMS / reform
        overrides = reform_overrides_from_yaml(path.read_text(), str(path))
    totals = run_local(
        JOBS[job](),
        population,
        out,
        JobContext(month, overrides),
        chunk_rows=chunk_rows,
        progress=False,
    )
    return (
        totals,
        pl.read_parquet(out / "rows/*.parquet"),
        pl.read_parquet(out / "rejects/*.parquet"),
        pl.read_parquet(out / "summary/*.parquet"),
    )


def persons(population: Path) -> pl.DataFrame:
    return pl.read_parquet(population / "**/*.parquet", hive_partitioning=True)


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


@pytest.mark.parametrize("job", ["contributions", "credit", "payroll", "coverage"])
def test_totals_reconcile_and_summaries_add_up(job: str, population: Path, tmp_path: Path) -> None:
    totals, rows, rejects, summary = run(job, population, tmp_path)
    assert totals.rows_in == persons(population).height
    assert totals.rows_in == totals.processed + totals.skipped + totals.rejected
    assert totals.rejected == rejects.height > 0
    assert totals.rows_out == rows.height == summary["count"].sum() > 0
    for column in JOBS[job].summary_sums:
        assert summary[column].sum() == rows[column].cast(pl.Int64).sum() == totals.sums[column]
    stored = json.loads((tmp_path / "totals.json").read_text())
    assert stored["rows_in"] == totals.rows_in and stored["month"] == "2025-12"


def test_contributions_equal_the_single_case_calculation(population: Path, tmp_path: Path) -> None:
    _, rows, _, _ = run("contributions", population, tmp_path)
    people = persons(population)
    sample = rows.sample(5, seed=1).join(people, on="person_id")
    for person in sample.iter_rows(named=True):
        one = calc(
            "contribution",
            {
                "monthly_wage": str(yuan(person["monthly_wage_fen"])),
                "region": f"{person['region']:06d}",
                "month": "2025-12",
                "worker_type": person["worker_type"],
                "risk_class": person["risk_class"],
            },
        )
        assert one["total"] == yuan(person["total_fen"])
        assert one["pension_account"] == yuan(person["pension_account_fen"])


def test_payroll_equals_the_single_case_calculations(population: Path, tmp_path: Path) -> None:
    _, rows, _, _ = run("payroll", population, tmp_path)
    people = persons(population)
    assert set(rows["scheme"]) == {"employee", "resident"}
    employee = (
        rows.filter(pl.col("scheme") == "employee")
        .join(people, on="person_id")
        .filter(pl.col("retirement_month") < 2025 * 12)
        .sample(3, seed=2)
    )
    for person in employee.iter_rows(named=True):
        # the batch equals the same rule applied to this one person alone
        alone = adjust_pension(
            default_parameters(),
            [person["award_fen"]],
            [person["retirement_month"]],
            MONTH,
            [person["region"]],
        )
        assert person["amount_fen"] == int(alone[0]) > person["award_fen"]
    resident = (
        rows.filter(pl.col("scheme") == "resident").sample(3, seed=3).join(people, on="person_id")
    )
    for person in resident.iter_rows(named=True):
        one = calc(
            "resident_pension",
            {
                "region": f"{person['region']:06d}",
                "month": "2025-12",
                "account_balance": str(yuan(person["resident_account_fen"])),
            },
        )
        assert one["total"] == yuan(person["amount_fen"])


def test_retirement_cohort_reaches_the_statutory_age_this_month(
    population: Path, tmp_path: Path
) -> None:
    _, rows, _, _ = run("retirement", population, tmp_path)
    assert rows.height > 0
    sample = rows.join(persons(population), on="person_id").head(5)
    for person in sample.iter_rows(named=True):
        age = calc(
            "retirement_age",
            {
                "birth_month": format_month(person["birth_month"]),
                "category": person["retirement_category"],
            },
        )
        assert age["retirement_month"] == "2025-12"
    eligible = rows.filter(pl.col("eligible"))
    assert (
        eligible["award_fen"]
        == eligible["basic_fen"] + eligible["account_fen"] + eligible["transitional_fen"]
    ).all()
    assert (rows.filter(~pl.col("eligible"))["shortfall_months"] > 0).all()


@pytest.mark.parametrize(
    ("job", "reason"),
    [
        ("coverage", "resident_id: check character does not match"),
        ("contributions", "monthly_wage_fen: negative amount"),
        ("payroll", "retirement_month: before age 40 or after the job month"),
    ],
)
def test_bad_rows_are_rejected_with_a_reason(
    job: str, reason: str, population: Path, tmp_path: Path
) -> None:
    _, rows, rejects, _ = run(job, population, tmp_path)
    assert reason in set(rejects["reason"].str.slice(0, len(reason)))
    assert not set(rejects["person_id"]) & set(rows["person_id"])


def test_values_not_yet_recorded_apply_provisionally_and_are_flagged(
    population: Path, tmp_path: Path
) -> None:
    # Beijing's, Shanghai's and Guangdong's bases from 2026-07 are not recorded yet: the
    # 2025 ones are carried forward, and every row says it rests on a provisional value
    totals, rows, rejects, _ = run(
        "contributions", population, tmp_path, month=parse_month("2026-07")
    )
    assert not rejects["reason"].str.contains("parameter").any() and rows.height > 0
    assert totals.rows_in == totals.processed + totals.skipped + totals.rejected
    beijing = rows.filter(pl.col("province") == 110000)
    assert beijing.height > 0 and beijing["provisional"].all()
    assert (beijing["base_fen"] >= 716_200).all()  # Beijing's 2025 floor, carried forward
    # the unemployment rates of 2026 are carried forward too: known, the rows complete
    employees = rows.filter(pl.col("worker_type") == "employee")
    assert employees["unemployment_employee_fen"].null_count() == 0 < employees.height
    assert employees["complete"].all()
    assert (rows["total_fen"] == rows["employer_total_fen"] + rows["employee_total_fen"]).all()


def test_unknown_parameters_reject_only_the_rows_concerned(
    population: Path, tmp_path: Path
) -> None:
    # before 2019-05 no floor is recorded anywhere: nothing to carry forward, every row refused
    totals, rows, rejects, _ = run(
        "contributions", population, tmp_path, month=parse_month("2019-03")
    )
    assert rows.height == 0 and rejects.height == totals.rejected > 0
    unknown = rejects.filter(pl.col("reason").str.contains("parameter"))
    assert unknown.height > 0
    assert unknown["reason"].str.contains("contribution.base_floor: no value before").all()


def test_coverage_lists_who_should_be_insured_but_is_not(population: Path, tmp_path: Path) -> None:
    _, rows, rejects, summary = run("coverage", population, tmp_path)
    people = persons(population).filter(~pl.col("person_id").is_in(rejects["person_id"].implode()))
    age = (MONTH - people["birth_month"]) // 12
    uninsured_employees = people.filter(
        (pl.col("employment_type") == "employee") & (pl.col("pension_scheme") != "employee")
    )
    assert set(uninsured_employees["person_id"]) <= set(
        rows.filter(pl.col("pension_gap"))["person_id"]
    )
    no_medical = people.filter(pl.col("medical_scheme") == "none")
    assert set(no_medical["person_id"]) <= set(rows.filter(pl.col("medical_gap"))["person_id"])
    children = people.filter((age < 16).to_list())["person_id"]
    assert not set(children) & set(rows.filter(pl.col("pension_gap"))["person_id"])
    assert set(summary["age_band"]) <= {"0-15", "16-29", "30-44", "45-59", "60+"}


def test_reform_gives_per_person_differences(population: Path, tmp_path: Path) -> None:
    totals, rows, _, _ = run(
        "reform", population, tmp_path / "a", reform="adjustment_3pct_2025.yaml"
    )
    payroll = rows.filter(pl.col("part") == "payroll")
    retired_before = payroll.join(persons(population), on="person_id").filter(
        (pl.col("employment_type") == "retired") & (pl.col("retirement_month") < 2025 * 12)
    )
    residents = payroll.join(persons(population), on="person_id").filter(
        pl.col("employment_type") != "retired"
    )
    assert residents.height > 0 and (residents["difference_fen"] == 0).all()
    assert (retired_before["difference_fen"] > 0).all()
    assert totals.sums["difference_fen"] == rows["difference_fen"].sum() > 0
    assert (rows["difference_fen"] == rows["reform_fen"] - rows["baseline_fen"]).all()
    _, faster, _, _ = run(
        "reform",
        population,
        tmp_path / "b",
        reform="faster_retirement_age.yaml",
        month=parse_month("2026-03"),
    )
    awards = faster.filter(pl.col("part") == "award")
    # under the faster path some of this month's retirees retire later, others earlier
    assert (awards["baseline_fen"] == 0).any() or (awards["reform_fen"] == 0).any()


def test_results_do_not_depend_on_chunks_or_processes(population: Path, tmp_path: Path) -> None:
    small_totals, small, small_rejects, small_summary = run(
        "payroll", population, tmp_path / "s", chunk_rows=3_000
    )
    _, large, large_rejects, large_summary = run(
        "payroll", population, tmp_path / "l", chunk_rows=100_000
    )
    pooled = run_local(
        JOBS["payroll"](),
        population,
        tmp_path / "p",
        JobContext(MONTH),
        chunk_rows=5_000,
        workers=2,
        progress=False,
    )
    assert len(list((tmp_path / "p" / "rows").glob("*.parquet"))) > 2
    for other in (large, pl.read_parquet(tmp_path / "p" / "rows" / "*.parquet")):
        assert small.sort("person_id").equals(other.sort("person_id"))
    assert small_rejects.sort("person_id").equals(large_rejects.sort("person_id"))
    assert small_summary.equals(large_summary)
    assert pooled.sums == small_totals.sums and pooled.rejected == small_totals.rejected


def test_guard_rejects_only_the_failing_group() -> None:
    keys = np.array([1, 2, 1, 3, 2])

    def compute(rows: np.ndarray) -> dict[str, np.ndarray]:
        if (keys[rows] == 2).any():
            raise ParameterLookupError("x", "unknown for key 2")
        return {"double": keys[rows] * 2}

    result, reasons = guarded(compute, keys)
    assert list(reasons != "") == [False, True, False, False, True]
    assert "unknown for key 2" in reasons[1]
    assert list(result["double"][reasons == ""]) == [2, 2, 6]


def test_identity_column_fast_path_matches_the_slow_one() -> None:
    import pyarrow as pa

    ids = make_resident_ids(
        np.array([110101, 440305]),
        np.array(["1990-03-07", "1961-12-31"], dtype="datetime64[D]"),
        np.array([447, 12]),
    )
    assert list(id_strings(pa.array(ids.tolist()))) == ids.tolist()
    mixed = pa.array([ids[0], "short", None])
    assert list(id_strings(mixed)) == [ids[0], "short", ""]


def test_batch_command(population: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "payroll"
    args = [
        "batch",
        "payroll",
        "--population",
        str(population),
        "--month",
        "2025-12",
        "--out",
        str(out),
        "--no-progress",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows_in"] == persons(population).height
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--out" in again.output
    early = runner.invoke(app, [*args[:5], "2025-01", "--out", str(tmp_path / "e")])
    assert early.exit_code == 2 and "before the population's reference month" in early.output
    no_reform = runner.invoke(
        app,
        [
            "batch",
            "reform",
            "--population",
            str(population),
            "--month",
            "2025-12",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert no_reform.exit_code == 2 and "--reform" in no_reform.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("pension.employee.no_such_rate:\n  national: []\n")
    unknown = runner.invoke(
        app,
        [
            "batch",
            "reform",
            "--population",
            str(population),
            "--month",
            "2025-12",
            "--out",
            str(tmp_path / "u"),
            "--reform",
            str(bad),
        ],
    )
    assert unknown.exit_code == 2 and "unknown parameter" in unknown.output


@pytest.mark.parametrize(
    ("job", "month"),
    [
        ("contributions", "2026-07"),  # provisional values carried forward
        ("contributions", "2019-03"),  # every row refused: no floor recorded yet
        ("credit", "2025-12"),
        ("retirement", "2025-12"),
        ("payroll", "2025-12"),
    ],
)
def test_kernel_calls_in_threads_give_the_rows_of_one_call(
    job: str, month: str, population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = run(job, population, tmp_path / "one", month=parse_month(month))
    monkeypatch.setattr(jobs, "_ROWS_PER_THREAD", 500)
    monkeypatch.setattr(jobs, "_CORES", 3)
    threaded = run(job, population, tmp_path / "threads", month=parse_month(month))
    assert one[0].sums == threaded[0].sums and one[0].rejected == threaded[0].rejected
    for single, split in zip(one[1:], threaded[1:], strict=True):
        assert single.equals(split)


def test_a_slice_whose_every_row_fails_joins_as_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    class Doubler(jobs.KernelJob):
        name = "doubler"
        summary = "twice the wage, unknown in region 2"
        columns = ("person_id", "resident_id", "province", "region", "monthly_wage_fen")
        rows_schema = pa.schema([("person_id", pa.int64()), ("twice_fen", pa.int64())])
        summary_keys = ()
        summary_sums = ("twice_fen",)

        def scope(self, table: pa.Table, ctx: JobContext) -> np.ndarray:
            return np.ones(table.num_rows, dtype=bool)

        def inputs(self, table: pa.Table, ctx: JobContext) -> jobs.Inputs:
            return {"region": jobs.numbers(table, "region")}

        def kernel(self, ctx: JobContext, rows: jobs.Inputs) -> dict[str, np.ndarray]:
            if (rows["region"] == 2).any():
                raise ParameterLookupError("x", "unknown in region 2")
            return {"twice": rows["region"] * 2}

        def outputs(self, rows: jobs.Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
            return {"twice_fen": result["twice"]}

    monkeypatch.setattr(jobs, "_ROWS_PER_THREAD", 5)
    monkeypatch.setattr(jobs, "_CORES", 2)
    regions = [1] * 5 + [2] * 5
    table = pa.table(
        {
            "person_id": list(range(10)),
            "resident_id": ["x"] * 10,
            "province": [0] * 10,
            "region": regions,
        }
    )
    computed = Doubler().compute(table, JobContext(MONTH))
    assert computed.rows.column("twice_fen").to_pylist() == [2] * 5
    assert list(computed.rejected) == [5, 6, 7, 8, 9]
    assert all("unknown in region 2" in reason for reason in computed.reasons)
