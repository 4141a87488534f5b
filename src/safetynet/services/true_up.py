"""True-up: settle the months computed under an earlier law with the law in force now.

When a value that was applied provisionally (or differently) is approved, the contributions
already collected and the pensions already paid for the months it governs are no longer what is
due. For a region subtree and a range of months, the true-up

1. recomputes, per person, month and payer (the employer, or 0 for a flexible worker), what is
   due under the database's effective law from the declared wage (records written before the
   wage was kept are recomputed from their base), with the ``contribution`` kernel run once over
   every row; the difference to what was collected (every record of the group: contributions,
   reversals, earlier true-ups) is posted as a ``true_up`` contribution record, and the change
   of the pension account part as a ``true_up`` account entry (the ledger stays append-only);
2. recomputes each pension month already paid with the payroll's kernels: a shortfall marks
   the award for the next payroll, which pays it as arrears; an excess is recorded as an
   overpayment to recover.

Each posted line is keyed by (person, month, payer, law version) under a unique index, so a
second or concurrent run under the same law posts nothing twice; a second run finds nothing to
post anyway, because what was collected now equals what is due. The run is one transaction with
its audit row; its report lists every line with control totals (CSV and Excel).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal
from safetynet.domain.benefits import AwardKind, AwardStatus
from safetynet.domain.errors import Conflict, InvalidInput
from safetynet.domain.regions import subtree_bounds
from safetynet.domain.schemes import Account, EntryKind
from safetynet.policy.errors import InputError, ParameterLookupError
from safetynet.policy.money import UNKNOWN_FEN
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import format_month, parse_month
from safetynet.policy.rules.contribution import contributions
from safetynet.services import audit, validation
from safetynet.services.benefits.payroll import due_amounts
from safetynet.services.bulk import db_timestamp, fetch_frame, insert_frame
from safetynet.services.contributions import RECORD_COLUMNS
from safetynet.services.law import effective_law
from safetynet.services.safe_cells import neutralise_row
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.benefits import Award, Overpayment
from safetynet.store.parameters import TrueUpLine, TrueUpRun

AMOUNTS = [c for c in RECORD_COLUMNS.values()]
"""The record columns a true-up recomputes (base and every contribution part)."""
PAYABLE = [c for c in AMOUNTS if c.endswith(("_employer_fen", "_employee_fen"))]
EMPLOYER = [c for c in PAYABLE if "_employer_" in c]
EMPLOYEE = [c for c in PAYABLE if "_employee_" in c]
OPTIONAL_BRANCHES = ("medical", "unemployment", "work_injury")
PENSION_KINDS = (AwardKind.EMPLOYEE_PENSION.value, AwardKind.RESIDENT_PENSION.value)


@dataclass
class TrueUpReport:
    region_code: int
    from_month: str
    to_month: str
    law_version: int
    lines: pl.DataFrame
    """One row per contribution line posted and per pension month settled."""
    totals: dict[str, int]
    posted: bool
    run_id: int | None = None
    awards_marked: list[int] = field(default_factory=list)


_LIVE = """
SELECT c.id, c.person_id, c.month, c.region_code, c.worker_type,
       COALESCE(c.employer_id, 0), c.declaration_id, COALESCE(c.wage_fen, c.base_fen),
       COALESCE(e.risk_class, 1)
FROM contribution_records c
LEFT JOIN employers e ON e.id = c.employer_id
LEFT JOIN contribution_records r ON r.reverses_id = c.id AND r.kind = 'reversal'
WHERE c.kind = 'contribution' AND r.id IS NULL
  AND c.worker_type IN ('employee', 'flexible')
  AND c.region_code BETWEEN :low AND :high AND c.month BETWEEN :first AND :last
"""
_COLLECTED = f"""
SELECT person_id, month, COALESCE(employer_id, 0) AS payer_id,
       {", ".join(f"SUM({c})" for c in AMOUNTS)}
FROM contribution_records
WHERE worker_type IN ('employee', 'flexible')
  AND region_code BETWEEN :low AND :high AND month BETWEEN :first AND :last
GROUP BY person_id, month, COALESCE(employer_id, 0)
"""
_LIVE_SCHEMA = {
    "record_id": pl.Int64,
    "person_id": pl.Int64,
    "month": pl.String,
    "region_code": pl.Int64,
    "worker_type": pl.String,
    "payer_id": pl.Int64,
    "declaration_id": pl.Int64,
    "wage_fen": pl.Int64,
    "risk_class": pl.Int64,
}


def _months(values: pl.Series) -> np.ndarray:
    """'YYYY-MM' text to month indexes, on the column."""
    years = values.str.slice(0, 4).cast(pl.Int64).to_numpy()
    months = values.str.slice(5, 2).cast(pl.Int64).to_numpy()
    return np.asarray(years * 12 + months - 1, dtype=np.int64)


def contribution_lines(
    params: ParameterSet, live: pl.DataFrame, collected: pl.DataFrame
) -> pl.DataFrame:
    """Per (person, month, payer): collected, due and their difference for every record
    column, computed by the ``contribution`` kernel over all rows at once. A component the
    payer was not insured for (a flexible worker without medical) stays as collected."""
    frame = live.join(collected, on=["person_id", "month", "payer_id"], how="left")
    if frame.is_empty():
        return frame
    try:
        due = contributions(
            params,
            monthly_wage=frame["wage_fen"].to_numpy().astype(np.float64) / 100.0,
            region=frame["region_code"].to_numpy(),
            month=_months(frame["month"]),
            worker_type=frame["worker_type"].to_numpy().astype(object),
            risk_class=frame["risk_class"].to_numpy(),
        )
    except (ParameterLookupError, InputError) as exc:
        raise InvalidInput.one("from_month", f"cannot recompute contributions: {exc}") from None
    flexible = (frame["worker_type"] == "flexible").to_numpy()
    columns: dict[str, Any] = {}
    for name, column in RECORD_COLUMNS.items():
        had = frame[f"collected_{column}"].fill_null(0).to_numpy()
        now = np.asarray(due[name], dtype=np.int64)
        unknown = now == UNKNOWN_FEN
        uninsured = flexible & (had == 0) & (name.rsplit("_", 1)[0] in OPTIONAL_BRANCHES)
        keep = unknown | uninsured
        if bool((unknown & ~uninsured).any()):
            row = int(np.flatnonzero(unknown & ~uninsured)[0])
            raise InvalidInput.one(
                "from_month",
                f"cannot recompute {name} for {frame['month'][row]} in region "
                f"{int(frame['region_code'][row]):06d}: the law has no value for that month",
            )
        columns[f"due_{column}"] = np.where(keep, had, now)
        columns[f"collected_{column}"] = had
        columns[f"delta_{column}"] = columns[f"due_{column}"] - had
    frame = frame.with_columns(**{k: pl.Series(k, v, dtype=pl.Int64) for k, v in columns.items()})
    frame = frame.with_columns(
        collected_fen=pl.sum_horizontal([f"collected_{c}" for c in PAYABLE]),
        due_fen=pl.sum_horizontal([f"due_{c}" for c in PAYABLE]),
        employer_delta_fen=pl.sum_horizontal([f"delta_{c}" for c in EMPLOYER]),
        employee_delta_fen=pl.sum_horizontal([f"delta_{c}" for c in EMPLOYEE]),
        account_delta_fen=pl.col("delta_pension_account_fen"),
    )
    changed = pl.any_horizontal([pl.col(f"delta_{c}") != 0 for c in AMOUNTS])
    return frame.filter(changed).sort("person_id", "month", "payer_id")


def _read_contributions(
    uow: UnitOfWork, bounds: tuple[int, int], first: str, last: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    params = {"low": bounds[0], "high": bounds[1], "first": first, "last": last}
    live = fetch_frame(uow.session, _LIVE, params, _LIVE_SCHEMA)
    schema: dict[str, Any] = {"person_id": pl.Int64, "month": pl.String, "payer_id": pl.Int64}
    schema.update({f"collected_{c}": pl.Int64 for c in AMOUNTS})
    collected = fetch_frame(uow.session, _COLLECTED, params, schema)
    return live, collected


def _post_contributions(uow: UnitOfWork, run: TrueUpRun, lines: pl.DataFrame, now: str) -> None:
    """The true-up lines (the unique key), their contribution records and account entries."""
    if lines.is_empty():
        return
    session = uow.session
    keyed = lines.select(
        "person_id",
        "month",
        "payer_id",
        "region_code",
        "worker_type",
        "collected_fen",
        "due_fen",
        "employer_delta_fen",
        "employee_delta_fen",
        "account_delta_fen",
    ).with_columns(
        run_id=pl.lit(run.id), law_version=pl.lit(run.law_version), created_at=pl.lit(now)
    )
    insert_frame(session, "true_up_lines", keyed)
    n = lines.height
    records = pl.DataFrame(
        {
            "person_id": lines["person_id"],
            "month": lines["month"],
            "region_code": lines["region_code"],
            "worker_type": lines["worker_type"],
            "kind": pl.repeat("true_up", n, eager=True),
            "employer_id": lines["payer_id"].replace(0, None),
            "declaration_id": lines["declaration_id"],
            **{c: lines[f"delta_{c}"] for c in AMOUNTS},
            "resident_pension_fen": pl.repeat(0, n, eager=True),
            "resident_medical_fen": pl.repeat(0, n, eager=True),
            "law_version": pl.repeat(run.law_version, n, eager=True),
            "created_at": pl.repeat(now, n, eager=True),
        }
    )
    insert_frame(session, "contribution_records", records)
    credits = lines.filter(pl.col("account_delta_fen") != 0).with_columns(
        # employees' credits point at their declaration, flexible workers' at their record
        contribution_id=pl.when(pl.col("declaration_id").is_null()).then(pl.col("record_id"))
    )
    m = credits.height
    entries = pl.DataFrame(
        {
            "person_id": credits["person_id"],
            "account": pl.repeat(Account.EMPLOYEE_PENSION.value, m, eager=True),
            "kind": pl.repeat(EntryKind.TRUE_UP.value, m, eager=True),
            "amount_fen": credits["account_delta_fen"],
            "month": credits["month"],
            "year": credits["month"].str.slice(0, 4).cast(pl.Int64),
            "region_code": credits["region_code"],
            "declaration_id": credits["declaration_id"],
            "contribution_id": credits["contribution_id"],
            "note": pl.repeat(
                f"true-up {run.id} under law version {run.law_version}", m, eager=True
            ),
            "created_at": pl.repeat(now, m, eager=True),
        }
    )
    insert_frame(session, "account_entries", entries)


_PAID = """
SELECT award_id, for_month, SUM(amount_fen)
FROM payment_lines
WHERE award_id IN ({ids}) AND for_month BETWEEN :first AND :last AND status <> 'failed'
GROUP BY award_id, for_month
"""
_SETTLED = """
SELECT payer_id, month, SUM(collected_fen - due_fen)
FROM true_up_lines
WHERE worker_type = 'pension' AND payer_id IN ({ids}) AND month BETWEEN :first AND :last
GROUP BY payer_id, month
"""


def recovered_after(uow: UnitOfWork, award_id: int, month: str) -> int:
    """What true-ups already recorded to recover from an award's months after ``month`` (the
    excess of what was paid over what was due): ending the award there recovers only the
    rest of those months' payments."""
    return int(
        uow.session.scalar(
            select(func.coalesce(func.sum(TrueUpLine.collected_fen - TrueUpLine.due_fen), 0)).where(
                TrueUpLine.worker_type == "pension",
                TrueUpLine.payer_id == award_id,
                TrueUpLine.month > month,
            )
        )
        or 0
    )


def _pension_months(
    uow: UnitOfWork, bounds: tuple[int, int], first: int, last: int
) -> tuple[list[Award], pl.DataFrame]:
    """Every pension month already paid in the range: award, month, paid net of the
    overpayments earlier true-ups recorded."""
    awards = list(
        uow.session.scalars(
            select(Award)
            .where(
                Award.region_code.between(*bounds),
                Award.kind.in_(PENSION_KINDS),
                Award.status.in_((AwardStatus.ACTIVE.value, AwardStatus.ENDED.value)),
                Award.start_month <= format_month(last),
            )
            .order_by(Award.id)
        )
    )
    if not awards:
        return awards, pl.DataFrame()
    ids = ", ".join(str(a.id) for a in awards)
    params = {"first": format_month(first), "last": format_month(last)}
    schema = {"award_id": pl.Int64, "month": pl.String, "paid_fen": pl.Int64}
    paid = fetch_frame(uow.session, _PAID.format(ids=ids), params, schema)
    settled = fetch_frame(
        uow.session,
        _SETTLED.format(ids=ids),
        params,
        {"award_id": pl.Int64, "month": pl.String, "settled_fen": pl.Int64},
    )
    table = pl.DataFrame(
        {
            "award_id": [a.id for a in awards],
            "person_id": [a.person_id for a in awards],
            "kind": [a.kind for a in awards],
            "amount_fen": [a.amount_fen for a in awards],
            "adjust_from": [parse_month(a.adjust_from_month or a.start_month) for a in awards],
            "balance_fen": [a.account_balance_fen or 0 for a in awards],
            "region_code": [a.region_code for a in awards],
            "recompute_from": [a.recompute_from for a in awards],
            "end_month": [a.end_month for a in awards],
        },
        schema_overrides={
            "award_id": pl.Int64,
            "person_id": pl.Int64,
            "recompute_from": pl.String,
            "end_month": pl.String,
        },
    )
    months = (
        paid.join(settled, on=["award_id", "month"], how="left")
        .join(table, on="award_id")
        # a month after the award's end is due nothing: ending it recorded all that was paid
        # for it as an overpayment (:func:`~safetynet.services.benefits.awards.close_award`)
        .filter(pl.col("end_month").is_null() | (pl.col("month") <= pl.col("end_month")))
        .drop("end_month")
        .with_columns(net_paid_fen=pl.col("paid_fen") - pl.col("settled_fen").fill_null(0))
    )
    return awards, months


def pension_lines(params: ParameterSet, months: pl.DataFrame) -> pl.DataFrame:
    """Per pension month paid: what is due under ``params`` (the payroll's own kernels, over
    every row at once) against what was paid; only months that differ, leaving out shortfalls
    the next payroll already has to recompute (the award is marked from that month)."""
    if months.is_empty():
        return months
    due, unknown = due_amounts(
        params,
        months["kind"].to_numpy().astype(object),
        months["amount_fen"].to_numpy(),
        months["adjust_from"].to_numpy(),
        months["balance_fen"].to_numpy(),
        months["region_code"].to_numpy(),
        _months(months["month"]),
    )
    return (
        months.with_columns(due_fen=pl.Series(due, dtype=pl.Int64), unknown=pl.Series(unknown))
        .filter(~pl.col("unknown") & (pl.col("due_fen") != pl.col("net_paid_fen")))
        .with_columns(delta_fen=pl.col("due_fen") - pl.col("net_paid_fen"))
        .filter(
            (pl.col("delta_fen") < 0)
            | pl.col("recompute_from").is_null()
            | (pl.col("recompute_from") > pl.col("month"))
        )
        .sort("award_id", "month")
    )


def _settle_pensions(
    uow: UnitOfWork, run: TrueUpRun, awards: list[Award], lines: pl.DataFrame
) -> list[int]:
    """Arrears: mark the award for the next payroll; overpayments: a line under the unique
    key and an overpayment to recover per award. Returns the awards marked."""
    if lines.is_empty():
        return []
    by_id = {a.id: a for a in awards}
    marked: list[int] = []
    arrears = lines.filter(pl.col("delta_fen") > 0).group_by("award_id").agg(pl.col("month").min())
    for award_id, month in arrears.rows():
        award = by_id[int(award_id)]
        if award.recompute_from is None or award.recompute_from > month:
            award.recompute_from = month
            marked.append(award.id)
    excess = lines.filter(pl.col("delta_fen") < 0)
    if excess.height:
        insert_frame(
            uow.session,
            "true_up_lines",
            excess.select(
                run_id=pl.lit(run.id),
                person_id="person_id",
                month="month",
                payer_id="award_id",
                law_version=pl.lit(run.law_version),
                region_code="region_code",
                worker_type=pl.lit("pension"),
                collected_fen="net_paid_fen",
                due_fen="due_fen",
                employer_delta_fen=pl.lit(0),
                employee_delta_fen=pl.lit(0),
                account_delta_fen=pl.lit(0),
                created_at=pl.lit(db_timestamp(utcnow())),
            ),
        )
        per_award = excess.group_by("award_id", "person_id").agg(
            pl.col("delta_fen").sum(), pl.col("month").min()
        )
        for award_id, person_id, delta, month in per_award.sort("award_id").rows():
            uow.session.add(
                Overpayment(
                    award_id=int(award_id),
                    person_id=int(person_id),
                    amount_fen=-int(delta),
                    from_month=month,
                    status="to_recover",
                    reason=f"true-up {run.id} under law version {run.law_version}",
                )
            )
    return marked


def _totals(contribution: pl.DataFrame, pension: pl.DataFrame) -> dict[str, int]:
    """Control totals: the sums of every delta column, of what was collected and is due (so
    that delta = due - collected can be checked), and of the pension months."""
    totals: dict[str, int] = {"contribution_lines": contribution.height}
    for column in ("collected_fen", "due_fen", "employer_delta_fen", "employee_delta_fen"):
        totals[column] = int(contribution[column].sum()) if contribution.height else 0
    for column in AMOUNTS:
        name = f"delta_{column}"
        totals[name] = int(contribution[name].sum()) if contribution.height else 0
    totals["pension_months"] = pension.height
    has = pension.height > 0
    totals["pension_arrears_fen"] = (
        int(pension.filter(pl.col("delta_fen") > 0)["delta_fen"].sum()) if has else 0
    )
    totals["pension_overpaid_fen"] = (
        -int(pension.filter(pl.col("delta_fen") < 0)["delta_fen"].sum()) if has else 0
    )
    return totals


def _period(from_month: object, to_month: object | None) -> tuple[str, str]:
    first = validation.month(from_month, "from_month")
    last = (
        validation.month(to_month, "to_month")
        if to_month
        else format_month(validation.current_month())
    )
    if last < first:
        raise InvalidInput.one("to_month", f"{last} is before from_month {first}")
    return first, last


def true_up(
    uow: UnitOfWork,
    actor: Principal,
    *,
    region: object,
    from_month: object,
    to_month: object | None = None,
    dry_run: bool = False,
) -> TrueUpReport:
    """Settle the region's months from ``from_month`` (to ``to_month``, default the current
    month) under the effective law; with ``dry_run`` only report. One transaction."""
    if not dry_run:
        actor.require_write()
    region_code = validation.region(region)
    actor.require_region(region_code)
    first, last = _period(from_month, to_month)
    bounds = subtree_bounds(region_code)
    with uow:
        law = effective_law(uow.session)
        live, collected = _read_contributions(uow, bounds, first, last)
        contribution = contribution_lines(law.params, live, collected)
        awards, months = _pension_months(uow, bounds, parse_month(first), parse_month(last))
        pension = pension_lines(law.params, months)
        report = TrueUpReport(
            region_code,
            first,
            last,
            law.version,
            _report_frame(contribution, pension),
            _totals(contribution, pension),
            posted=False,
        )
        if dry_run or report.lines.is_empty():
            return report
        _post(uow, actor, report, contribution, (awards, pension))
        uow.commit()
        return report


def _integrity_errors(uow: UnitOfWork) -> tuple[type[BaseException], ...]:
    """SQLAlchemy's integrity error and the driver's (lines are written by COPY or a prepared
    ``executemany`` on the raw connection, below SQLAlchemy)."""
    dbapi = uow.session.get_bind().dialect.dbapi
    driver = getattr(dbapi, "IntegrityError", None)
    return (IntegrityError, driver) if isinstance(driver, type) else (IntegrityError,)


def _post(
    uow: UnitOfWork,
    actor: Principal,
    report: TrueUpReport,
    contribution: pl.DataFrame,
    pensions: tuple[list[Award], pl.DataFrame],
) -> None:
    """Write the run, its lines and postings, and the audit row, in the caller's transaction;
    a line already posted under the same law (a concurrent run) refuses the whole run."""
    run = TrueUpRun(
        region_code=report.region_code,
        from_month=report.from_month,
        to_month=report.to_month,
        law_version=report.law_version,
        lines=report.lines.height,
        totals=report.totals,
        run_by=actor.username,
    )
    uow.session.add(run)
    uow.session.flush()
    try:
        _post_contributions(uow, run, contribution, db_timestamp(utcnow()))
        report.awards_marked = _settle_pensions(uow, run, *pensions)
        uow.session.flush()
    except _integrity_errors(uow):
        raise Conflict(
            "another true-up under the same law settled some of these months first; "
            "nothing was posted, run it again to settle what is left"
        ) from None
    audit.record(
        uow.session,
        actor,
        "contribution.true_up",
        "true_up_run",
        run.id,
        region_code=report.region_code,
        after={
            "from_month": report.from_month,
            "to_month": report.to_month,
            "law_version": report.law_version,
            "awards_marked": report.awards_marked,
            **report.totals,
        },
    )
    report.posted = True
    report.run_id = run.id


REPORT_COLUMNS = (
    "line",
    "person_id",
    "month",
    "payer",
    "worker_type",
    "collected_fen",
    "due_fen",
    "delta_fen",
    "employer_delta_fen",
    "employee_delta_fen",
    "account_delta_fen",
    "settlement",
)


def _report_frame(contribution: pl.DataFrame, pension: pl.DataFrame) -> pl.DataFrame:
    """Every line of the run in one table (money in fen)."""
    parts = []
    if contribution.height:
        parts.append(
            contribution.select(
                pl.col("person_id"),
                pl.col("month"),
                pl.when(pl.col("payer_id") == 0)
                .then(pl.lit("self"))
                .otherwise(pl.format("employer {}", pl.col("payer_id")))
                .alias("payer"),
                pl.col("worker_type"),
                pl.col("collected_fen"),
                pl.col("due_fen"),
                (pl.col("due_fen") - pl.col("collected_fen")).alias("delta_fen"),
                pl.col("employer_delta_fen"),
                pl.col("employee_delta_fen"),
                pl.col("account_delta_fen"),
                pl.lit("contribution").alias("settlement"),
            )
        )
    if pension.height:
        parts.append(
            pension.select(
                pl.col("person_id"),
                pl.col("month"),
                pl.format("award {}", pl.col("award_id")).alias("payer"),
                pl.col("kind").alias("worker_type"),
                pl.col("net_paid_fen").alias("collected_fen"),
                pl.col("due_fen"),
                pl.col("delta_fen"),
                pl.lit(0, dtype=pl.Int64).alias("employer_delta_fen"),
                pl.lit(0, dtype=pl.Int64).alias("employee_delta_fen"),
                pl.lit(0, dtype=pl.Int64).alias("account_delta_fen"),
                pl.when(pl.col("delta_fen") > 0)
                .then(pl.lit("arrears (next payroll)"))
                .otherwise(pl.lit("overpayment to recover"))
                .alias("settlement"),
            )
        )
    if not parts:
        return pl.DataFrame(schema={c: pl.String for c in REPORT_COLUMNS})
    frame = pl.concat(parts, how="vertical_relaxed")
    return frame.with_row_index("line", offset=1).select(REPORT_COLUMNS)


def _total_rows(report: TrueUpReport) -> list[list[object]]:
    return [["total", key, value] for key, value in report.totals.items()]


def report_csv(report: TrueUpReport) -> str:
    """The report as CSV: every line, then the control totals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_COLUMNS)
    for row in report.lines.iter_rows():
        writer.writerow(neutralise_row(row))
    writer.writerow([])
    for total in _total_rows(report):
        writer.writerow(neutralise_row(total))
    return buffer.getvalue()


def report_xlsx(report: TrueUpReport) -> bytes:
    """The report as an Excel workbook: a sheet of lines and a sheet of control totals."""
    from openpyxl import Workbook

    book = Workbook()
    lines = book.active
    assert lines is not None
    lines.title = "lines"
    lines.append(list(REPORT_COLUMNS))
    for row in report.lines.iter_rows():
        lines.append(neutralise_row(row))
    totals = book.create_sheet("totals")
    totals.append(["region", f"{report.region_code:06d}"])
    totals.append(["months", f"{report.from_month} to {report.to_month}"])
    totals.append(["law_version", report.law_version])
    for total in _total_rows(report):
        totals.append(neutralise_row(total[1:]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
