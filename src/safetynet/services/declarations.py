"""An employer's monthly contribution declaration: validate every row, then post all or nothing.

(employer, month, version) posts at most once: resubmitting the same content returns the
declaration already posted; other content under the same key is refused. A correction is the
next version: it reverses every record and account credit of the version before (negated
copies pointing at what they reverse) and posts its own rows, in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import select, text

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from safetynet.domain.schemes import Account, EntryKind
from safetynet.policy.rules.identity import ID_PROBLEMS, check_resident_ids
from safetynet.services import audit, declaration_headers, validation
from safetynet.services.bulk import db_timestamp, fetch_frame, insert_frame
from safetynet.services.contributions import compute
from safetynet.services.declaration_files import read_declaration
from safetynet.services.law import effective_law
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.contributions import AMOUNT_COLUMNS, Declaration
from safetynet.store.registry import Employer, Person

MAX_REPORTED_PROBLEMS = 1000
_WAGE_TEXT = r"^\d{1,12}(\.\d{1,2})?$"


@dataclass
class DeclarationOutcome:
    declaration: Declaration | None
    posted: bool
    """False when the same declaration had already been posted (nothing was written)."""
    rows: int
    reversed_rows: int = 0
    employer_total_fen: int = 0
    employee_total_fen: int = 0
    problems: list[Problem] = field(default_factory=list)


def rows_frame(rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Declaration rows given as mappings (the JSON API) as the file reader's columns."""
    if not rows:
        raise InvalidInput.one("rows", "a declaration needs at least one row")
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise InvalidInput([Problem("rows", "expected an object", i)])
        extra = sorted(set(row) - {"id_number", "monthly_wage", "name"})
        if extra:
            raise InvalidInput([Problem(extra[0], "is not a declaration column", i)])
    return pl.DataFrame(
        {
            column: [_text(r.get(column)) for r in rows]
            for column in ("id_number", "monthly_wage", "name")
        },
        schema={"id_number": pl.String, "monthly_wage": pl.String, "name": pl.String},
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _field_problems(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Problem], int]:
    """Normalise ids and wages; the problems of single fields and duplicates, by row."""
    frame = frame.with_row_index("row", offset=1).with_columns(
        pl.col("id_number").str.to_uppercase(),
    )
    ids = frame["id_number"].to_numpy().astype(str)
    checked = check_resident_ids(ids)
    wage_ok = frame["monthly_wage"].str.contains(_WAGE_TEXT).fill_null(False)
    parts = frame["monthly_wage"].str.split_exact(".", 1).struct.unnest()
    whole = parts["field_0"].cast(pl.Int64, strict=False).fill_null(0)
    cents = parts["field_1"].fill_null("").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    wage_fen = (whole * 100 + cents.fill_null(0)).to_numpy()
    frame = frame.with_columns(
        pl.Series("wage_fen", np.where(wage_ok.to_numpy(), wage_fen, 0), dtype=pl.Int64),
        pl.Series("id_valid", checked["valid"]),
    )
    problems: list[Problem] = []
    total = 0
    bad_id = np.flatnonzero(~checked["valid"])
    total += len(bad_id)
    for i in bad_id[:MAX_REPORTED_PROBLEMS]:
        problem = "is required" if not ids[i] else ID_PROBLEMS[str(checked["reason"][i])]
        problems.append(Problem("id_number", problem, int(i) + 1))
    out_of_range = (
        (~wage_ok.to_numpy())
        | (wage_fen <= 0)
        | (wage_fen > int(validation.MAX_MONTHLY_WAGE_YUAN) * 100)
    )
    wages = frame["monthly_wage"].to_list()
    bad_wage = np.flatnonzero(out_of_range)
    total += len(bad_wage)
    for i in bad_wage[:MAX_REPORTED_PROBLEMS]:
        _, problem = validation.wage_problem(wages[i] or None)
        problems.append(Problem("monthly_wage", problem or "is not a valid wage", int(i) + 1))
    duplicated = (frame["id_number"].is_duplicated() & frame["id_valid"]).to_numpy()
    dup_rows = np.flatnonzero(duplicated)
    total += len(dup_rows)
    for i in dup_rows[:MAX_REPORTED_PROBLEMS]:
        problems.append(
            Problem("id_number", "appears more than once in the declaration", int(i) + 1)
        )
    frame = frame.with_columns(
        pl.Series("row_ok", ~(~checked["valid"] | out_of_range | duplicated))
    )
    return frame, problems, total


def content_hash(employer_id: int, month: str, frame: pl.DataFrame) -> str:
    """Identifies a declaration's content whatever the order of its rows or the file format."""
    canonical = frame.select("id_number", "wage_fen").sort("id_number")
    digest = hashlib.sha256(f"{employer_id}|{month}\n".encode())
    digest.update(canonical.write_csv(include_header=False).encode())
    return digest.hexdigest()


_EMPLOYED = """
SELECT p.id_number, p.id{name}
FROM employment_spells s JOIN persons p ON p.id = s.person_id
WHERE s.employer_id = :employer AND s.start_month <= :month
  AND (s.end_month IS NULL OR s.end_month >= :month)
"""


def _registry_problems(
    uow: UnitOfWork, employer: Employer, month: str, frame: pl.DataFrame
) -> tuple[pl.DataFrame, list[Problem], int]:
    """Join the rows to the persons employed by the employer in the month."""
    with_names = bool((frame["name"] != "").any())
    schema: dict[str, Any] = {"id_number": pl.String, "person_id": pl.Int64}
    if with_names:
        schema["registered_name"] = pl.String
    employed = fetch_frame(
        uow.session,
        _EMPLOYED.format(name=", p.name" if with_names else ""),
        {"employer": employer.id, "month": month},
        schema,
    )
    joined = frame.join(employed, on="id_number", how="left").sort("row")
    problems: list[Problem] = []
    missing = joined.filter(pl.col("row_ok") & pl.col("person_id").is_null())
    total = missing.height
    if missing.height:
        known = _registered(uow, missing["id_number"].head(MAX_REPORTED_PROBLEMS).to_list())
        for row, number in missing.select("row", "id_number").head(MAX_REPORTED_PROBLEMS).rows():
            problems.append(
                Problem(
                    "id_number",
                    f"not employed by employer {employer.id} in {month}",
                    int(row),
                    code="not_employed",
                    params=(("employer", employer.id), ("month", month)),
                )
                if number in known
                else Problem(
                    "id_number", "no person with this identity number is registered", int(row)
                )
            )
    if with_names:
        mismatch = joined.filter(
            pl.col("person_id").is_not_null()
            & (pl.col("name") != "")
            & (pl.col("name") != pl.col("registered_name"))
        )
        total += mismatch.height
        for (row,) in mismatch.select("row").head(MAX_REPORTED_PROBLEMS).rows():
            problems.append(Problem("name", "does not match the registered name", int(row)))
    return joined, problems, total


def _registered(uow: UnitOfWork, numbers: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update(
            uow.session.scalars(select(Person.id_number).where(Person.id_number.in_(chunk)))
        )
    return found


def _employer(uow: UnitOfWork, actor: Principal, employer_id: int) -> Employer:
    employer = uow.session.get(Employer, employer_id)
    if employer is None:
        raise NotFound("employer", employer_id)
    actor.require_region(employer.region_code)
    return employer


def submit(
    uow: UnitOfWork,
    actor: Principal,
    *,
    employer_id: int,
    month: str,
    version: int,
    frame: pl.DataFrame,
    source: str = "api",
    dry_run: bool = False,
) -> DeclarationOutcome:
    """Validate every row, then post the declaration in one transaction (or, with ``dry_run``,
    only report). Raises :class:`InvalidInput` listing the bad rows (up to 1000)."""
    if not dry_run:
        actor.require_write()
    period = validation.month(month, "month")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInput.one("version", f"must be a whole number from 1, got {version!r}")
    checked, problems, total = _field_problems(frame)
    with uow:
        session = uow.session
        employer = _employer(uow, actor, employer_id)
        digest = content_hash(employer.id, period, checked)
        existing = session.scalar(
            select(Declaration).where(
                Declaration.employer_id == employer.id,
                Declaration.month == period,
                Declaration.version == version,
            )
        )
        if existing is not None:
            if existing.content_hash != digest:
                raise Conflict(
                    f"version {version} of employer {employer.id}'s declaration for {period} "
                    f"was already posted with other content; submit version "
                    f"{_latest_version(uow, employer.id, period) + 1} to correct it",
                    field="version",
                )
            if not problems:
                return DeclarationOutcome(
                    existing,
                    posted=False,
                    rows=existing.row_count,
                    employer_total_fen=existing.employer_total_fen,
                    employee_total_fen=existing.employee_total_fen,
                )
        joined, registry_problems, registry_total = _registry_problems(
            uow, employer, period, checked
        )
        problems = sorted(problems + registry_problems, key=lambda p: (p.row or 0, p.field))
        total += registry_total
        if problems:
            raise InvalidInput(problems[:MAX_REPORTED_PROBLEMS], total)
        previous = _previous_version(uow, employer.id, period, version)
        # rows in person order keep the (person, month) indexes' insertions sequential
        joined = joined.sort("person_id")
        law = effective_law(session)
        amounts = compute(
            law.params,
            wage_fen=joined["wage_fen"].to_numpy(),
            region_code=employer.region_code,
            month=period,
            worker_type="employee",
            risk_class=employer.risk_class,
        )
        employer_total = int(sum(int(amounts[c].sum()) for c in amounts if "employer" in c))
        employee_total = int(sum(int(amounts[c].sum()) for c in amounts if "employee" in c))
        if dry_run:
            return DeclarationOutcome(
                None,
                posted=False,
                rows=joined.height,
                employer_total_fen=employer_total,
                employee_total_fen=employee_total,
            )
        declaration = Declaration(
            employer_id=employer.id,
            month=period,
            version=version,
            status="posted",
            content_hash=digest,
            region_code=employer.region_code,
            row_count=joined.height,
            base_total_fen=int(amounts["base_fen"].sum()),
            employer_total_fen=employer_total,
            employee_total_fen=employee_total,
            source=source,
            submitted_by=actor.username,
            supersedes_id=previous.id if previous else None,
            law_version=law.version,
        )
        session.add(declaration)
        session.flush()
        now = db_timestamp(utcnow())
        reversed_rows = 0
        if previous is not None:
            reversed_rows = _reverse(uow, previous, declaration, now)
            previous.status = "superseded"
        records = pl.DataFrame(
            {
                "person_id": joined["person_id"],
                "month": pl.repeat(period, joined.height, eager=True),
                "region_code": pl.repeat(employer.region_code, joined.height, eager=True),
                "worker_type": pl.repeat("employee", joined.height, eager=True),
                "kind": pl.repeat("contribution", joined.height, eager=True),
                "employer_id": pl.repeat(employer.id, joined.height, eager=True),
                "declaration_id": pl.repeat(declaration.id, joined.height, eager=True),
                **{column: values for column, values in amounts.items()},
                "resident_pension_fen": pl.repeat(0, joined.height, eager=True),
                "resident_medical_fen": pl.repeat(0, joined.height, eager=True),
                "wage_fen": joined["wage_fen"],
                "law_version": pl.repeat(law.version, joined.height, eager=True),
                "created_at": pl.repeat(now, joined.height, eager=True),
            }
        )
        insert_frame(session, "contribution_records", records)
        n = joined.height
        credits = pl.DataFrame(
            {
                "person_id": joined["person_id"],
                "account": pl.repeat(Account.EMPLOYEE_PENSION.value, n, eager=True),
                "kind": pl.repeat(EntryKind.CONTRIBUTION.value, n, eager=True),
                "amount_fen": amounts["pension_account_fen"],
                "month": pl.repeat(period, n, eager=True),
                "year": pl.repeat(int(period[:4]), n, eager=True),
                "region_code": pl.repeat(employer.region_code, n, eager=True),
                "declaration_id": pl.repeat(declaration.id, n, eager=True),
                "note": pl.repeat("", n, eager=True),
                "created_at": pl.repeat(now, n, eager=True),
            }
        )
        insert_frame(session, "account_entries", credits)
        audit.record(
            session,
            actor,
            "declaration.correct" if previous else "declaration.post",
            "declaration",
            declaration.id,
            region_code=employer.region_code,
            before={"version": previous.version, "status": "posted"} if previous else None,
            after={
                "employer_id": employer.id,
                "month": period,
                "version": version,
                "rows": joined.height,
                "employer_total_fen": employer_total,
                "employee_total_fen": employee_total,
                "reversed_rows": reversed_rows,
                "content_hash": digest,
                "law_version": law.version,
            },
            reason=f"{source} declaration",
        )
        uow.commit()
        return DeclarationOutcome(
            declaration,
            posted=True,
            rows=joined.height,
            reversed_rows=reversed_rows,
            employer_total_fen=employer_total,
            employee_total_fen=employee_total,
        )


_REVERSE_RECORDS = f"""
INSERT INTO contribution_records
  (person_id, month, region_code, worker_type, kind, employer_id, declaration_id, reverses_id,
   {", ".join(AMOUNT_COLUMNS)}, created_at)
SELECT person_id, month, region_code, worker_type, 'reversal', employer_id, :new, id,
   {", ".join("-" + c for c in AMOUNT_COLUMNS)}, :now
FROM contribution_records
WHERE declaration_id = :old AND kind IN ('contribution', 'true_up')
"""
_REVERSE_ENTRIES = """
INSERT INTO account_entries
  (person_id, account, kind, amount_fen, month, year, region_code, declaration_id,
   reverses_id, note, created_at)
SELECT person_id, account, 'reversal', -amount_fen, month, year, region_code, :new, id, :note,
   :now
FROM account_entries
WHERE declaration_id = :old AND kind IN ('contribution', 'true_up')
"""


def _reverse(uow: UnitOfWork, old: Declaration, new: Declaration, now: str) -> int:
    """Post the negation of every record and account credit of ``old``."""
    session = uow.session
    session.execute(
        text(_REVERSE_ENTRIES),
        {
            "old": old.id,
            "new": new.id,
            "now": now,
            "note": f"declaration {old.id} corrected by {new.id}",
        },
    )
    result = session.execute(text(_REVERSE_RECORDS), {"old": old.id, "new": new.id, "now": now})
    return int(getattr(result, "rowcount", 0) or 0)


def _latest_version(uow: UnitOfWork, employer_id: int, month: str) -> int:
    latest = uow.session.scalar(
        select(Declaration.version)
        .where(
            Declaration.employer_id == employer_id,
            Declaration.month == month,
        )
        .order_by(Declaration.version.desc())
        .limit(1)
    )
    return int(latest or 0)


def _previous_version(
    uow: UnitOfWork, employer_id: int, month: str, version: int
) -> Declaration | None:
    """The posted version a correction supersedes; refuses gaps and second version 1s."""
    latest = _latest_version(uow, employer_id, month)
    if version != latest + 1:
        expected = (
            "1 (nothing was declared for this month yet)"
            if latest == 0
            else (f"{latest + 1} (version {latest} is the latest posted)")
        )
        raise InvalidInput.one("version", f"expected version {expected}, got {version}")
    if latest == 0:
        return None
    return uow.session.scalar(
        select(Declaration).where(
            Declaration.employer_id == employer_id,
            Declaration.month == month,
            Declaration.version == latest,
        )
    )


def submit_file(
    uow: UnitOfWork,
    actor: Principal,
    *,
    employer_id: int,
    month: str,
    version: int,
    content: bytes,
    filename: str = "",
    dry_run: bool = False,
) -> DeclarationOutcome:
    """A declaration from a CSV or Excel file (see :mod:`declaration_files`)."""
    frame = read_declaration(declaration_headers.prepare_upload(content, filename), filename)
    source = "excel" if filename.lower().endswith((".xlsx", ".xlsm")) else "file"
    return submit(
        uow,
        actor,
        employer_id=employer_id,
        month=month,
        version=version,
        frame=frame,
        source=source,
        dry_run=dry_run,
    )


def get_declaration(uow: UnitOfWork, actor: Principal, declaration_id: int) -> Declaration:
    with uow:
        declaration = uow.session.get(Declaration, declaration_id)
        if declaration is None:
            raise NotFound("declaration", declaration_id)
        actor.require_region(declaration.region_code)
        return declaration


def list_declarations(
    uow: UnitOfWork,
    actor: Principal,
    *,
    employer_id: int | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Declaration]:
    if actor.role is Role.CITIZEN:
        raise Forbidden("citizens may only see their own record", code="own_record_only")
    query = select(Declaration).order_by(Declaration.id).limit(limit)
    bounds = actor.region_bounds
    if bounds is not None:
        query = query.where(Declaration.region_code.between(*bounds))
    if employer_id is not None:
        query = query.where(Declaration.employer_id == employer_id)
    if after_id is not None:
        query = query.where(Declaration.id > after_id)
    with uow:
        return list(uow.session.scalars(query))
