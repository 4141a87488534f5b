"""An employer's monthly contribution declaration: validate every row, then post all or nothing.

(employer, month, version) posts at most once: resubmitting the same content returns the
declaration already posted; other content under the same key is refused. A correction is the
next version: it reverses every record and account credit of the version before (negated
copies pointing at what they reverse) and posts its own rows, in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from safetynet.domain.schemes import Account, EntryKind
from safetynet.policy.rules.identity import ID_PROBLEMS, RESIDENT_ID_REASONS, check_resident_ids
from safetynet.services import audit, declaration_headers, validation
from safetynet.services.bulk import db_timestamp, fetch_frame_from, insert_frame
from safetynet.services.contributions import compute
from safetynet.services.declaration_files import read_declaration
from safetynet.services.law import effective_law
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.contributions import AMOUNT_COLUMNS, Declaration
from safetynet.store.registry import Employer, Person

MAX_REPORTED_PROBLEMS = 1000
MAX_VERSION = 2**31 - 1
"""Versions are 32-bit integers in the database."""
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
    provisional_rows: int = 0
    """Rows computed on a provisional value (carried forward until approved, a stand-in)."""
    provisional_parameters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def provisional(self) -> bool:
        return self.provisional_rows > 0


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
    """Normalise ids and wages; the problems of single fields and duplicates, by row. The
    frame comes back with ``row``, ``id_number``, ``wage_fen``, ``row_ok`` and ``name``: the
    wage text is dropped once its problems are reported (a 200 MB file holds millions)."""
    frame = frame.with_row_index("row", offset=1)
    if frame["id_number"].str.contains("[a-z]").any():  # most files: no copy
        frame = frame.with_columns(pl.col("id_number").str.to_uppercase())
    valid, reason = _checked_ids(frame["id_number"])
    wage_fen = _wages_fen(frame["monthly_wage"])
    problems: list[Problem] = []
    total = 0
    bad_id = np.flatnonzero(~valid)
    total += len(bad_id)
    for i in bad_id[:MAX_REPORTED_PROBLEMS]:
        code = int(reason[i])
        problem = "is required" if code == _EMPTY else ID_PROBLEMS[RESIDENT_ID_REASONS[code]]
        problems.append(Problem("id_number", problem, int(i) + 1))
    out_of_range = (wage_fen <= 0) | (wage_fen > int(validation.MAX_MONTHLY_WAGE_YUAN) * 100)
    bad_wage = np.flatnonzero(out_of_range)
    total += len(bad_wage)
    shown = bad_wage[:MAX_REPORTED_PROBLEMS]
    wages = frame["monthly_wage"].gather(shown).to_list()
    for i, wage in zip(shown, wages, strict=True):
        _, problem = validation.wage_problem(wage or None)
        problems.append(Problem("monthly_wage", problem or "is not a valid wage", int(i) + 1))
    duplicated = _duplicated(frame["id_number"]) & valid
    dup_rows = np.flatnonzero(duplicated)
    total += len(dup_rows)
    for i in dup_rows[:MAX_REPORTED_PROBLEMS]:
        problems.append(
            Problem("id_number", "appears more than once in the declaration", int(i) + 1)
        )
    frame = frame.drop("monthly_wage").with_columns(
        pl.Series("wage_fen", wage_fen),
        pl.Series("row_ok", valid & ~out_of_range & ~duplicated),
    )
    return frame, problems, total


_FIELD_SLICE = 1_000_000
"""Rows parsed at a time: the parser's temporaries stay small whatever the file's size."""


def _wages_fen(texts: pl.Series) -> npt.NDArray[np.int64]:
    """Each wage text in fen; 0 where the text is not a wage of at most two decimals."""
    text = pl.col("monthly_wage")
    whole = text.str.extract(r"^(\d{1,12})", 1).cast(pl.Int64, strict=False)
    cents = text.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").cast(pl.Int64, strict=False)
    fen = (
        pl.when(text.str.contains(_WAGE_TEXT).fill_null(False))
        .then(whole * 100 + cents.fill_null(0))
        .otherwise(0)
    )
    out = np.zeros(len(texts), dtype=np.int64)
    for start in range(0, len(texts), _FIELD_SLICE):
        part = texts.slice(start, _FIELD_SLICE).alias("monthly_wage").to_frame()
        out[start : start + part.height] = part.select(fen)[:, 0].to_numpy()
    return out


def _duplicated(numbers: pl.Series) -> np.ndarray:
    """Which numbers occur more than once: compared by 64-bit hash (8 bytes a row instead of
    the text), then exactly among the few rows whose hashes collide."""
    hashes = numbers.hash().to_numpy()
    ordered = np.sort(hashes)  # a sort, not a hash table of every row: a third of the memory
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    duplicated = np.zeros(len(numbers), dtype=bool)
    if repeated.size == 0:
        return duplicated
    position = np.minimum(np.searchsorted(repeated, hashes), repeated.size - 1)
    maybe = repeated[position] == hashes
    candidates = np.flatnonzero(maybe)
    if len(candidates):
        duplicated[candidates] = numbers.gather(candidates).is_duplicated().to_numpy()
    return duplicated


_CHECK_CHUNK = 100_000
_EMPTY = 255
"""The reason code of an empty identity number (the others index RESIDENT_ID_REASONS)."""


def _checked_ids(numbers: pl.Series) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]:
    """Whether each identity number is valid, and the code of its first problem, checked a
    chunk at a time so that the checker's per-character arrays stay small whatever the
    file's size."""
    valid = np.zeros(len(numbers), dtype=bool)
    reason = np.zeros(len(numbers), dtype=np.uint8)
    for start in range(0, len(numbers), _CHECK_CHUNK):
        chunk = numbers.slice(start, _CHECK_CHUNK)
        checked = check_resident_ids(chunk.to_numpy().astype(str))
        end = start + len(chunk)
        valid[start:end] = checked["valid"]
        reason[start:end] = checked["reason_code"]
        reason[start:end][(chunk == "").to_numpy()] = _EMPTY
    return valid, reason


@dataclass(frozen=True)
class Content:
    """A declaration's content identity, whatever the order of its rows or the file format."""

    employer_id: int
    month: str
    frame: pl.DataFrame
    """The normalised rows (``id_number``, ``wage_fen``)."""
    digest: str

    def matches(self, stored: str) -> bool:
        """Whether a posted declaration's digest is this content's, in either version."""
        return stored == self.digest or stored == content_hash_v1(
            self.employer_id, self.month, self.frame
        )


_ID_TEXT = r"^\d{17}[\dX]$"


def content_hash(employer_id: int, month: str, frame: pl.DataFrame) -> Content:
    """Version 2 of the digest: the (identity number, wage in fen) pairs as two sorted integer
    arrays (a number's 17 digits times 11 plus its check character, 10 for X: one integer per
    number), instead of sorting and writing the texts. Rows with a malformed number keep
    version 1 (such a declaration is refused anyway). Declarations posted under version 1 are
    still recognised: :meth:`Content.matches` computes it when the stored digest differs."""
    well_formed = frame["id_number"].str.contains(_ID_TEXT)
    if well_formed.null_count() or not well_formed.all():
        return Content(employer_id, month, frame, content_hash_v1(employer_id, month, frame))
    numbers = pl.col("id_number")
    check = numbers.str.slice(17, 1).replace("X", "10").cast(pl.Int64)
    as_integer = (numbers.str.slice(0, 17).cast(pl.Int64) * 11 + check).alias("key")
    keys = np.empty(frame.height, dtype=np.int64)
    for start in range(0, frame.height, _FIELD_SLICE):  # the text slices stay small
        part = frame.slice(start, _FIELD_SLICE)
        keys[start : start + part.height] = part.select(as_integer)["key"].to_numpy()
    canonical = pl.DataFrame({"key": keys, "wage_fen": frame["wage_fen"]}).sort("key", "wage_fen")
    digest = hashlib.sha256(f"v2|{employer_id}|{month}\n".encode())
    for column in ("key", "wage_fen"):
        digest.update(canonical[column].to_numpy().astype("<i8").tobytes())
    return Content(employer_id, month, frame, digest.hexdigest())


def content_hash_v1(employer_id: int, month: str, frame: pl.DataFrame) -> str:
    """Version 1 of the digest: the rows sorted by identity number, written as CSV."""
    canonical = frame.select("id_number", "wage_fen").sort("id_number")
    digest = hashlib.sha256(f"{employer_id}|{month}\n".encode())
    for piece in canonical.iter_slices(_CHECK_CHUNK):  # the same bytes as one write_csv
        digest.update(piece.write_csv(include_header=False).encode())
    return digest.hexdigest()


_EMPLOYED = """
SELECT p.id_number, p.id{name}
FROM employment_spells s JOIN persons p ON p.id = s.person_id
WHERE s.employer_id = :employer AND s.start_month <= :month
  AND (s.end_month IS NULL OR s.end_month >= :month)
"""
_EMPLOYED_CSV = """
SELECT string_agg(p.id_number || ',' || p.id{name}, E'\\n')
FROM employment_spells s JOIN persons p ON p.id = s.person_id
WHERE s.employer_id = %(employer)s AND s.start_month <= %(month)s
  AND (s.end_month IS NULL OR s.end_month >= %(month)s)
"""
"""The same rows as one CSV text (names quoted): polars parses it without holding the GIL,
where a million Python tuples would hold it against the validation running beside."""


def _employed_csv(raw: Any, params: dict[str, Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The employed persons of ``_EMPLOYED_CSV`` as a frame of ``schema`` (PostgreSQL)."""
    name = """ || ',"' || replace(p.name, '"', '""') || '"'""" if len(schema) == 3 else ""
    with raw.cursor() as cursor:
        cursor.execute(_EMPLOYED_CSV.format(name=name), params)
        (rows,) = cursor.fetchone()
    return pl.read_csv((rows or "").encode(), has_header=False, schema=schema)


def _employed(
    uow: UnitOfWork, employer: Employer, month: str, with_names: bool
) -> Callable[[], pl.DataFrame]:
    """Start fetching the persons the employer employs in the month (identity number, person id
    and, ``with_names``, the registered name) on another thread; the returned function waits
    for them. On PostgreSQL the server runs the join while this thread validates the file;
    nothing else may use the session's connection until the function has returned."""
    schema: dict[str, Any] = {"id_number": pl.String, "person_id": pl.Int64}
    if with_names:
        schema["registered_name"] = pl.String
    raw = uow.session.connection().connection.dbapi_connection
    dialect = uow.session.get_bind().dialect.name
    params = {"employer": employer.id, "month": month}
    if dialect != "postgresql":  # SQLite's connection belongs to its thread (and its core)
        sql = _EMPLOYED.format(name=", p.name" if with_names else "")
        employed = fetch_frame_from(raw, dialect, sql, params, schema)
        return lambda: employed
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="employed")
    try:
        return pool.submit(_employed_csv, raw, params, schema).result
    finally:
        pool.shutdown(wait=False)


def _registry_problems(
    uow: UnitOfWork, employer: Employer, month: str, frame: pl.DataFrame, employed: pl.DataFrame
) -> tuple[pl.DataFrame, list[Problem], int]:
    """Join the rows to the persons employed by the employer in the month."""
    with_names = "registered_name" in employed.columns
    if not with_names and "name" in frame.columns:  # nothing to compare the names with
        frame = frame.drop("name")
    # each row's person looked up by its number, in the file's order: only the new columns
    # are allocated, the file's columns are shared, not copied into a joined frame
    numbers = frame["id_number"]
    # two spells at the employer can cover the month (left and taken on again): one person
    employed = employed.unique("id_number", keep="first")
    joined = frame.with_columns(
        numbers.replace_strict(
            employed["id_number"], employed[column], default=None, return_dtype=dtype
        ).alias(column)
        for column, dtype in employed.schema.items()
        if column != "id_number"
    )
    problems: list[Problem] = []
    unknown = pl.col("row_ok") & pl.col("person_id").is_null()
    total = int(joined.select(unknown.sum()).item())
    # only the reported rows are materialised, however many are missing
    missing = joined.lazy().filter(unknown).head(MAX_REPORTED_PROBLEMS).collect()
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


def _already_posted(
    uow: UnitOfWork, employer_id: int, month: str, version: int, content: Content
) -> DeclarationOutcome | None:
    """The outcome "already posted" when this version was posted with the same content; a
    conflict when it was posted with other content; None when it was not posted."""
    existing = uow.session.scalar(
        select(Declaration).where(
            Declaration.employer_id == employer_id,
            Declaration.month == month,
            Declaration.version == version,
        )
    )
    if existing is None:
        return None
    if not content.matches(existing.content_hash):
        raise Conflict(
            f"version {version} of employer {employer_id}'s declaration for {month} "
            f"was already posted with other content; submit version "
            f"{_latest_version(uow, employer_id, month) + 1} to correct it",
            field="version",
        )
    return DeclarationOutcome(
        existing,
        posted=False,
        rows=existing.row_count,
        employer_total_fen=existing.employer_total_fen,
        employee_total_fen=existing.employee_total_fen,
    )


def _employer(
    uow: UnitOfWork, actor: Principal, employer_id: int, *, lock: bool = False
) -> Employer:
    employer = uow.session.get(Employer, employer_id, with_for_update=lock or None)
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
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise InvalidInput.one(
            "version", f"must be a whole number from 1 to {MAX_VERSION}, got {version!r}"
        )
    with uow:
        session = uow.session
        # one writer per employer at a time (PostgreSQL): a replay racing the first submission
        # waits for it and then finds it posted; the unique key below is the guarantee
        employer = _employer(uow, actor, employer_id, lock=not dry_run)
        employed = _employed(uow, employer, period, with_names=bool((frame["name"] != "").any()))
        try:
            checked, problems, total = _field_problems(frame)
            content = content_hash(employer.id, period, checked)
        finally:
            employed_persons = employed()
        already = _already_posted(uow, employer.id, period, version, content)
        if already is not None and not problems:
            return already
        joined, registry_problems, registry_total = _registry_problems(
            uow, employer, period, checked, employed_persons
        )
        problems = sorted(problems + registry_problems, key=lambda p: (p.row or 0, p.field))
        total += registry_total
        if problems:
            raise InvalidInput(problems[:MAX_REPORTED_PROBLEMS], total)
        if version <= _latest_version(uow, employer.id, period):
            raced = _already_posted(uow, employer.id, period, version, content)
            if raced is not None:
                return raced
        previous = _previous_version(uow, employer.id, period, version)
        # rows in person order keep the (person, month) indexes' insertions sequential
        joined = joined.sort("person_id")
        law = effective_law(session)
        computed = compute(
            law.params,
            wage_fen=joined["wage_fen"].to_numpy(),
            region_code=employer.region_code,
            month=period,
            worker_type="employee",
            risk_class=employer.risk_class,
        )
        amounts = computed.columns
        employer_total = int(sum(int(amounts[c].sum()) for c in amounts if "employer" in c))
        employee_total = int(sum(int(amounts[c].sum()) for c in amounts if "employee" in c))
        if dry_run:
            return DeclarationOutcome(
                None,
                posted=False,
                rows=joined.height,
                employer_total_fen=employer_total,
                employee_total_fen=employee_total,
                provisional_rows=computed.provisional_rows,
                provisional_parameters=computed.provisional_parameters,
            )
        declaration = Declaration(
            employer_id=employer.id,
            month=period,
            version=version,
            status="posted",
            content_hash=content.digest,
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
        employer_key = employer.id
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raced = _already_posted(uow, employer_key, period, version, content)
            if raced is None:
                raise
            return raced
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
                "content_hash": content.digest,
                "law_version": law.version,
                **computed.summary(),
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
            provisional_rows=computed.provisional_rows,
            provisional_parameters=computed.provisional_parameters,
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
    content: bytes | Path,
    filename: str = "",
    dry_run: bool = False,
) -> DeclarationOutcome:
    """A declaration from a CSV or Excel file, given as its bytes or the path of the upload
    spooled to disk (see :mod:`declaration_files`), with Chinese or English headers in UTF-8 or
    GBK/GB18030 (see :mod:`declaration_headers`)."""
    prepared = declaration_headers.prepare_upload(content, filename)
    try:
        frame = read_declaration(prepared, filename)
    finally:
        if isinstance(prepared, Path) and prepared != content:
            prepared.unlink(missing_ok=True)
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
