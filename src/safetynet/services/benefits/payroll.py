"""The monthly payroll of a region: one payment line per active award and month due.

A run walks the region's active awards in id order, in chunks; each chunk is one transaction
that inserts its lines in bulk, moves the run's resume point and writes its audit row. For each
award the run computes what is due for the month, and for the earlier months from the award's
``recompute_from`` marker (set by an approval with back pay, a reinstatement, a failed payment or
a retroactive change), with the vectorised kernels (the annual adjustment from its effective
date, the residents' basic pension of each month); it subtracts what was already paid (failed
lines excluded) and pays the positive difference: the month itself as ``regular``, earlier
months as ``arrears``; then clears the marker. Hence:

- re-running a completed month returns it and pays nothing;
- a run killed midway keeps its committed chunks and resumes after the last one; the chunk in
  flight rolls back; a unique index (award, month paid for, payroll month) is the last guard;
- a month whose amount cannot be computed (a parameter unknown) is not paid but counted.

The payment file for the bank carries the lines and a control-total trailer; the bank's return
file marks lines paid or failed, and a failed month is paid again by the next payroll.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.benefits import (
    AwardAction,
    AwardKind,
    AwardStatus,
    LineKind,
    LineStatus,
    RunStatus,
    next_award_status,
)
from safetynet.domain.errors import Conflict, InvalidInput, NotFound, Problem
from safetynet.domain.regions import subtree_bounds
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.money import fen_to_decimal, parse_yuan
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import format_month, parse_month
from safetynet.policy.rules.pension import adjust_pension
from safetynet.policy.rules.resident import resident_pension
from safetynet.services import audit, validation
from safetynet.services.bulk import insert_frame
from safetynet.services.law import effective_law
from safetynet.services.safe_cells import neutralise_row
from safetynet.services.scope import visible
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.benefits import Award, PaymentLine, PayrollRun
from safetynet.store.registry import Person

Progress = Callable[[int, int], None]
"""Called with (chunk number, lines inserted) inside each chunk's transaction, before commit."""

PAYMENT_FILE_HEADER = (
    "line_id",
    "person_id",
    "id_number",
    "name",
    "award_id",
    "kind",
    "for_month",
    "amount",
)
RETURN_FILE_HEADER = ("line_id", "amount", "status", "note")


@dataclass
class PayrollOutcome:
    run: PayrollRun
    new_lines: int
    resumed: bool
    already_completed: bool


def _run_in_scope(uow: UnitOfWork, actor: Principal, run_id: int) -> PayrollRun:
    run = uow.session.get(PayrollRun, run_id)
    if run is None:
        raise NotFound("payroll run", run_id)
    actor.require_region(run.region_code)
    return run


def _open_run(
    uow: UnitOfWork, actor: Principal, region: int, month: str
) -> tuple[PayrollRun, bool]:
    """The run of (region, month), created if absent; and whether it already existed."""
    with uow:
        query = select(PayrollRun).where(
            PayrollRun.region_code == region,
            PayrollRun.month == month,
            PayrollRun.award_id.is_(None),
        )
        run = uow.session.scalar(query)
        if run is not None:
            return run, True
        run = PayrollRun(
            region_code=region,
            month=month,
            status=RunStatus.RUNNING.value,
            started_by=actor.username,
        )
        uow.session.add(run)
        try:
            uow.session.flush()
        except IntegrityError:
            uow.session.rollback()
            existing = uow.session.scalar(query)
            if existing is None:
                raise
            return existing, True
        audit.record(
            uow.session,
            actor,
            "payroll.start",
            "payroll_run",
            run.id,
            region_code=region,
            after={"region": region, "month": month},
        )
        uow.commit()
        return run, False


def run_payroll(
    uow: UnitOfWork,
    actor: Principal,
    *,
    region: str,
    month: str,
    chunk_size: int = 2000,
    progress: Progress | None = None,
) -> PayrollOutcome:
    """Pay a region's month (idempotent, resumable); see the module's docstring."""
    actor.require_role(Role.OPERATOR, Role.ADMIN)
    region_code = validation.region(region)
    actor.require_region(region_code)
    period = validation.month(month, allow_future=True)
    if parse_month(period) > validation.current_month() + 1:
        raise InvalidInput.one("month", f"{period} is more than a month ahead")
    if not 1 <= chunk_size <= 100_000:
        raise InvalidInput.one("chunk_size", "must be between 1 and 100000")
    run, existed = _open_run(uow, actor, region_code, period)
    if run.status == RunStatus.COMPLETED.value:
        return PayrollOutcome(run, 0, False, True)
    new_lines = 0
    chunk = 0
    while True:
        chunk += 1
        with uow:
            current = uow.session.get(PayrollRun, run.id)
            assert current is not None
            awards = _next_awards(uow, current, chunk_size)
            if not awards:
                break
            try:
                inserted, unknown = _pay_chunk(uow, current, awards)
            except IntegrityError:
                raise _paid_concurrently(f"payroll run {run.id}") from None
            current.last_award_id = awards[-1].id
            current.unknown_count += unknown
            audit.record(
                uow.session,
                actor,
                "payroll.chunk",
                "payroll_run",
                current.id,
                region_code=region_code,
                after={
                    "chunk": chunk,
                    "awards": len(awards),
                    "lines": inserted,
                    "unknown": unknown,
                    "last_award_id": current.last_award_id,
                },
            )
            uow.session.flush()
            if progress is not None:
                progress(chunk, inserted)
            uow.commit()
            new_lines += inserted
    run = _complete(uow, actor, run.id)
    return PayrollOutcome(run, new_lines, existed, False)


def _next_awards(uow: UnitOfWork, run: PayrollRun, limit: int) -> list[Award]:
    return list(
        uow.session.scalars(
            select(Award)
            .where(
                Award.region_code.between(*subtree_bounds(run.region_code)),
                Award.status == AwardStatus.ACTIVE.value,
                Award.id > run.last_award_id,
                Award.start_month <= run.month,
                Award.end_month.is_(None)
                | (Award.end_month >= run.month)
                | Award.recompute_from.is_not(None),
            )
            .order_by(Award.id)
            .limit(limit)
        )
    )


def due_amounts(
    params: ParameterSet,
    kinds: np.ndarray,
    amounts: np.ndarray,
    adjust_from: np.ndarray,
    balances: np.ndarray,
    regions: np.ndarray,
    months: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """What is due (fen) for each (award, month) row, and which rows are unknown.

    Employee pensions: the amount at retirement with each year's adjustment since; residents'
    pensions: the rules engine for the month; other awards: their fixed monthly amount."""
    due = amounts.astype(np.int64).copy()
    unknown = np.zeros(len(due), dtype=bool)
    employee = kinds == AwardKind.EMPLOYEE_PENSION.value
    if employee.any():
        due[employee] = adjust_pension(
            params, amounts[employee], adjust_from[employee], months[employee], regions[employee]
        )
    resident = kinds == AwardKind.RESIDENT_PENSION.value
    for month in np.unique(months[resident]):
        rows = resident & (months == month)
        try:
            due[rows] = resident_pension(
                params,
                region=regions[rows],
                month=np.full(int(rows.sum()), month),
                account_balance=balances[rows] / 100.0,
            )["total"]
        except ParameterLookupError:
            unknown[rows] = True
    return due, unknown


def _pay_chunk(uow: UnitOfWork, run: PayrollRun, awards: list[Award]) -> tuple[int, int]:
    """Insert the chunk's missing lines in bulk; returns (lines, awards with unknown months)."""
    pay_month = parse_month(run.month)
    ids = np.array([a.id for a in awards], dtype=np.int64)
    first = np.array(
        [
            max(
                parse_month(a.start_month),
                min(pay_month, parse_month(a.recompute_from or run.month)),
            )
            for a in awards
        ]
    )
    last = np.array(
        [min(pay_month, parse_month(a.end_month) if a.end_month else pay_month) for a in awards]
    )
    counts = np.maximum(last - first + 1, 0)
    row_award = np.repeat(np.arange(len(awards)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    months = first[row_award] + offsets
    kinds = np.array([a.kind for a in awards], dtype=object)[row_award]
    amounts = np.array([a.amount_fen for a in awards], dtype=np.int64)[row_award]
    adjust_from = np.array(
        [parse_month(a.adjust_from_month or a.start_month) for a in awards], dtype=np.int64
    )[row_award]
    balances = np.array([a.account_balance_fen or 0 for a in awards], dtype=np.int64)[row_award]
    regions = np.array([a.region_code for a in awards], dtype=np.int64)[row_award]
    law = effective_law(uow.session)
    run.law_version = law.version
    due, unknown = due_amounts(law.params, kinds, amounts, adjust_from, balances, regions, months)

    keys = ids[row_award] * 100_000 + months
    paid = np.zeros(len(keys), dtype=np.int64)
    earlier_lines = np.zeros(len(keys), dtype=np.int64)
    blocked = np.zeros(len(keys), dtype=bool)
    rows = uow.session.execute(
        select(
            PaymentLine.award_id,
            PaymentLine.for_month,
            func.coalesce(
                func.sum(PaymentLine.amount_fen).filter(
                    PaymentLine.status != LineStatus.FAILED.value
                ),
                0,
            ),
            func.count().filter(PaymentLine.pay_month == run.month),
            func.count(),
        )
        .where(
            PaymentLine.award_id.in_(ids.tolist()),
            PaymentLine.for_month >= format_month(int(first.min())),
        )
        .group_by(PaymentLine.award_id, PaymentLine.for_month)
    ).all()
    if rows:
        paid_keys = np.array([int(r[0]) * 100_000 + parse_month(r[1]) for r in rows])
        order = np.argsort(keys)
        found = np.searchsorted(keys[order], paid_keys)
        inside = found < len(keys)
        matched = np.zeros(len(rows), dtype=bool)
        matched[inside] = keys[order][found[inside]] == paid_keys[inside]
        target = order[found[matched]]
        paid[target] = np.array([int(r[2]) for r in rows], dtype=np.int64)[matched]
        blocked[target] = np.array([int(r[3]) > 0 for r in rows])[matched]
        earlier_lines[target] = np.array([int(r[4]) for r in rows], dtype=np.int64)[matched]
    difference = due - paid
    pay = (difference > 0) & ~unknown & ~blocked
    persons = np.array([a.person_id for a in awards], dtype=np.int64)[row_award]
    frame = pl.DataFrame(
        {
            "run_id": np.full(int(pay.sum()), run.id, dtype=np.int64),
            "award_id": ids[row_award][pay],
            "person_id": persons[pay],
            "kind": np.where(
                months[pay] == pay_month, LineKind.REGULAR.value, LineKind.ARREARS.value
            ),
            "for_month": [format_month(int(m)) for m in months[pay]],
            "pay_month": [run.month] * int(pay.sum()),
            "amount_fen": difference[pay],
            "attempt": earlier_lines[pay] + 1,
            "status": [LineStatus.SENT.value] * int(pay.sum()),
            "bank_note": [""] * int(pay.sum()),
        }
    )
    inserted = insert_frame(uow.session, "payment_lines", frame)
    still_unknown = set(np.unique(row_award[unknown]).tolist())
    for position, award in enumerate(awards):
        if award.recompute_from is not None and position not in still_unknown:
            award.recompute_from = None
    return inserted, len(still_unknown)


def _complete(uow: UnitOfWork, actor: Principal, run_id: int) -> PayrollRun:
    with uow:
        run = uow.session.get(PayrollRun, run_id)
        assert run is not None
        if run.status != RunStatus.COMPLETED.value:
            _close(uow, actor, run)
            uow.commit()
        return run


def _close(uow: UnitOfWork, actor: Principal, run: PayrollRun) -> None:
    """Control totals from the run's lines, the run completed, its audit row."""
    totals = uow.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(PaymentLine.amount_fen), 0),
            func.coalesce(
                func.sum(PaymentLine.amount_fen).filter(PaymentLine.kind == LineKind.REGULAR.value),
                0,
            ),
            func.count(func.distinct(PaymentLine.award_id)),
        ).where(PaymentLine.run_id == run.id)
    ).one()
    run.line_count, run.total_fen, run.regular_fen, run.award_count = (int(v) for v in totals)
    run.arrears_fen = run.total_fen - run.regular_fen
    run.status = RunStatus.COMPLETED.value
    run.completed_at = utcnow()
    audit.record(
        uow.session,
        actor,
        "payroll.complete",
        "payroll_run",
        run.id,
        region_code=run.region_code,
        after=run_totals(run),
    )


def pay_award(uow: UnitOfWork, actor: Principal, award_id: int, *, month: str) -> PayrollOutcome:
    """An off-cycle payment: what one active award is due up to ``month``, now, in a run of its
    own (once per award and month). A suspended, proposed or ended award is refused; the
    region's monthly payroll later pays only what is still missing."""
    actor.require_role(Role.OPERATOR, Role.ADMIN)
    period = validation.month(month, allow_future=True)
    if parse_month(period) > validation.current_month() + 1:
        raise InvalidInput.one("month", f"{period} is more than a month ahead")
    with uow:
        session = uow.session
        award = session.get(Award, award_id)
        if award is None:
            raise NotFound("award", award_id)
        actor.require_region(award.region_code)
        next_award_status(award.id, award.status, AwardAction.PAY)
        existing = session.scalar(
            select(PayrollRun).where(PayrollRun.award_id == award.id, PayrollRun.month == period)
        )
        if existing is not None:
            return PayrollOutcome(existing, 0, True, True)
        if period < award.start_month:
            raise Conflict(f"award {award.id} starts in {award.start_month}", field="month")
        run = PayrollRun(
            region_code=award.region_code,
            award_id=award.id,
            month=period,
            status=RunStatus.RUNNING.value,
            started_by=actor.username,
        )
        session.add(run)
        try:
            session.flush()
            inserted, unknown = _pay_chunk(uow, run, [award])
            run.unknown_count = unknown
            run.last_award_id = award.id
            _close(uow, actor, run)
            uow.commit()
        except IntegrityError:
            session.rollback()
            winner = session.scalar(
                select(PayrollRun).where(
                    PayrollRun.award_id == award_id, PayrollRun.month == period
                )
            )
            if winner is not None:
                return PayrollOutcome(winner, 0, True, True)
            raise _paid_concurrently(f"award {award_id}") from None
        return PayrollOutcome(run, inserted, False, False)


def _paid_concurrently(what: str) -> Conflict:
    """The answer to the loser of a race on the payment lines' unique keys: nothing of its
    transaction was written; running it again pays only what the winner did not."""
    return Conflict(
        f"{what}: another payment of the same months committed first; nothing was paid by "
        "this request, run it again to pay what is still due",
        field="month",
    )


def run_totals(run: PayrollRun) -> dict[str, object]:
    return {
        "region": run.region_code,
        "month": run.month,
        "status": run.status,
        "lines": run.line_count,
        "awards": run.award_count,
        "total_fen": run.total_fen,
        "regular_fen": run.regular_fen,
        "arrears_fen": run.arrears_fen,
        "unknown": run.unknown_count,
    }


def get_run(uow: UnitOfWork, actor: Principal, run_id: int) -> PayrollRun:
    with uow:
        return _run_in_scope(uow, actor, run_id)


def list_runs(uow: UnitOfWork, actor: Principal, *, limit: int = 50) -> list[PayrollRun]:
    query = select(PayrollRun).order_by(PayrollRun.id.desc()).limit(limit)
    bounds = actor.region_bounds
    if actor.role is Role.CITIZEN:
        return []
    if bounds is not None:
        query = query.where(PayrollRun.region_code.between(*bounds))
    with uow:
        return list(uow.session.scalars(query))


def lines_of(
    uow: UnitOfWork,
    actor: Principal,
    *,
    run_id: int | None = None,
    award_id: int | None = None,
    person_id: int | None = None,
) -> list[PaymentLine]:
    """Payment lines of a run, an award or a person (each checked against the actor's scope)."""
    with uow:
        query = (
            select(PaymentLine)
            .join(Award, Award.id == PaymentLine.award_id)
            .where(visible(actor, Award.region_code, PaymentLine.person_id))
            .order_by(PaymentLine.id)
        )
        if run_id is not None:
            _run_in_scope(uow, actor, run_id)
            query = query.where(PaymentLine.run_id == run_id)
        if award_id is not None:
            award = uow.session.get(Award, award_id)
            if award is None:
                raise NotFound("award", award_id)
            actor.require_person(award.person_id, award.region_code)
            query = query.where(PaymentLine.award_id == award_id)
        if person_id is not None:
            person = uow.session.get(Person, person_id)
            if person is None:
                raise NotFound("person", person_id)
            actor.require_person(person.id, person.region_code)
            query = query.where(PaymentLine.person_id == person_id)
        if run_id is None and award_id is None and person_id is None:
            raise InvalidInput.one("run_id", "give a run, an award or a person")
        return list(uow.session.scalars(query))


def payment_file(uow: UnitOfWork, actor: Principal, run_id: int) -> str:
    """The bank's payment file: one row per line and a control-total trailer
    (``TOTAL,<lines>,<amount>``); amounts in yuan with two decimals."""
    actor.require_role(Role.OPERATOR, Role.ADMIN, Role.AUDITOR)
    with uow:
        run = _run_in_scope(uow, actor, run_id)
        if run.status != RunStatus.COMPLETED.value:
            raise Conflict(f"payroll run {run.id} has not completed: run it again to finish")
        rows = uow.session.execute(
            select(PaymentLine, Person.id_number, Person.name)
            .join(Person, Person.id == PaymentLine.person_id)
            .where(PaymentLine.run_id == run.id)
            .order_by(PaymentLine.id)
        ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYMENT_FILE_HEADER)
    total = 0
    for line, id_number, name in rows:
        writer.writerow(
            neutralise_row(
                (
                    line.id,
                    line.person_id,
                    id_number,
                    name,
                    line.award_id,
                    line.kind,
                    line.for_month,
                    fen_to_decimal(line.amount_fen),
                )
            )
        )
        total += line.amount_fen
    writer.writerow(("TOTAL", len(rows), fen_to_decimal(total)))
    content = out.getvalue()
    audit.record_download(
        uow,
        actor,
        what="payment file",
        entity="payroll_run",
        entity_id=run.id,
        region_code=run.region_code,
        content_bytes=content.encode("utf-8"),
    )
    return content


@dataclass
class Reconciliation:
    run_id: int
    paid: int
    paid_fen: int
    failed: int
    failed_fen: int
    outstanding: int
    changed: int


def reconcile(uow: UnitOfWork, actor: Principal, run_id: int, content: bytes) -> Reconciliation:
    """Apply the bank's return file (``line_id,amount,status,note``; status paid or failed).

    Every row is checked first (the line belongs to the run, the amount matches, the status is
    known, a paid line is not turned failed); any problem rejects the whole file naming its
    rows. Returning the same file twice changes nothing."""
    actor.require_write()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput.one("file", "is not UTF-8 text") from None
    rows = _return_rows(text)
    header = rows[0][1] if rows else None
    if header is None or tuple(h.strip() for h in header) != RETURN_FILE_HEADER:
        raise InvalidInput.one("file", "the header must be " + ",".join(RETURN_FILE_HEADER))
    with uow:
        run = _run_in_scope(uow, actor, run_id)
        lines = {
            line.id: line
            for line in uow.session.scalars(select(PaymentLine).where(PaymentLine.run_id == run.id))
        }
        problems: list[Problem] = []
        updates: list[tuple[PaymentLine, str, str]] = []
        returned: dict[int, tuple[str, int]] = {}
        for number, row in rows[1:]:
            if not row or not "".join(row).strip():
                continue
            if len(row) != len(RETURN_FILE_HEADER):
                problems.append(
                    Problem("file", f"expected {len(RETURN_FILE_HEADER)} columns", number)
                )
                continue
            raw_id, raw_amount, raw_status, note = (c.strip() for c in row)
            if "\x00" in "".join(row):
                problems.append(Problem("file", "contains a NUL character", number))
                continue
            line = lines.get(int(raw_id)) if _LINE_ID.fullmatch(raw_id) else None
            if line is None:
                problems.append(
                    Problem("line_id", f"{raw_id!r} is not a line of run {run.id}", number)
                )
                continue
            amount = parse_yuan(raw_amount)
            if isinstance(amount, str) or amount != fen_to_decimal(line.amount_fen):
                problems.append(
                    Problem(
                        "amount",
                        f"{raw_amount!r} differs from the line's {fen_to_decimal(line.amount_fen)}",
                        number,
                    )
                )
                continue
            if raw_status not in (LineStatus.PAID.value, LineStatus.FAILED.value):
                problems.append(
                    Problem("status", f"expected paid or failed, got {raw_status!r}", number)
                )
                continue
            first = returned.setdefault(line.id, (raw_status, number))
            if first[0] != raw_status:
                problems.append(
                    Problem(
                        "status",
                        f"line {line.id} is returned {raw_status} here and {first[0]} on row "
                        f"{first[1]}: one line cannot be both",
                        number,
                    )
                )
                continue
            if line.status not in (LineStatus.SENT.value, raw_status):
                problems.append(
                    Problem("status", f"line {line.id} is already {line.status}", number)
                )
                continue
            if line.status != raw_status and first[1] == number:
                updates.append((line, raw_status, _one_line(note)[:200]))
        if problems:
            raise InvalidInput(problems)
        for line, status, note in updates:
            line.status = status
            line.bank_note = note
            if status == LineStatus.FAILED.value:
                award = uow.session.get(Award, line.award_id)
                assert award is not None
                if award.recompute_from is None or award.recompute_from > line.for_month:
                    award.recompute_from = line.for_month
        run.returned_at = utcnow()
        uow.session.flush()
        counts = uow.session.execute(
            select(
                PaymentLine.status, func.count(), func.coalesce(func.sum(PaymentLine.amount_fen), 0)
            )
            .where(PaymentLine.run_id == run.id)
            .group_by(PaymentLine.status)
        ).all()
        by_status = {status: (int(n), int(total)) for status, n, total in counts}
        result = Reconciliation(
            run_id=run.id,
            paid=by_status.get(LineStatus.PAID.value, (0, 0))[0],
            paid_fen=by_status.get(LineStatus.PAID.value, (0, 0))[1],
            failed=by_status.get(LineStatus.FAILED.value, (0, 0))[0],
            failed_fen=by_status.get(LineStatus.FAILED.value, (0, 0))[1],
            outstanding=by_status.get(LineStatus.SENT.value, (0, 0))[0],
            changed=len(updates),
        )
        audit.record(
            uow.session,
            actor,
            "payroll.reconcile",
            "payroll_run",
            run.id,
            region_code=run.region_code,
            after=result.__dict__.copy(),
        )
        uow.commit()
        return result


_LINE_ID = re.compile(r"[0-9]{1,18}")


def _return_rows(text: str) -> list[tuple[int, list[str]]]:
    """The return file's rows with their line numbers (1 = header). A carriage return or line
    feed inside a quoted field stays in that field; an unquoted one is refused naming the row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((len(rows) + 1, row))
    except csv.Error as exc:
        raise InvalidInput(
            [Problem("file", f"is not readable CSV: {exc}", len(rows) + 1)]
        ) from None
    return rows


def _one_line(note: str) -> str:
    """A bank note as one line of text: control characters (CR, LF, tab ...) become spaces."""
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in note).strip()


def paid_through(uow: UnitOfWork, award_id: int, month: str) -> int:
    """Net amount paid (not failed) to an award for months after ``month``."""
    return int(
        uow.session.scalar(
            select(func.coalesce(func.sum(PaymentLine.amount_fen), 0)).where(
                and_(
                    PaymentLine.award_id == award_id,
                    PaymentLine.for_month > month,
                    PaymentLine.status != LineStatus.FAILED.value,
                )
            )
        )
        or 0
    )


def retroactive_change(
    uow: UnitOfWork, actor: Principal, *, region: str, from_month: str, reason: str
) -> int:
    """Mark the region's active awards for recomputation from ``from_month`` (a parameter such
    as the year's adjustment rate announced late, retroactive to January): the next payroll pays
    the differences as arrears. Returns the number of awards marked."""
    actor.require_role(Role.OPERATOR, Role.ADMIN)
    region_code = validation.region(region)
    actor.require_region(region_code)
    period = validation.month(from_month, "from_month")
    if not reason.strip():
        raise InvalidInput.one("reason", "a retroactive change needs a reason")
    with uow:
        awards = list(
            uow.session.scalars(
                select(Award).where(
                    Award.region_code.between(*subtree_bounds(region_code)),
                    Award.status == AwardStatus.ACTIVE.value,
                    Award.recompute_from.is_(None) | (Award.recompute_from > period),
                )
            )
        )
        for award in awards:
            award.recompute_from = max(period, award.start_month)
        audit.record(
            uow.session,
            actor,
            "payroll.retroactive",
            "region",
            region_code,
            region_code=region_code,
            after={"from_month": period, "awards": len(awards)},
            reason=reason,
        )
        uow.commit()
        return len(awards)
