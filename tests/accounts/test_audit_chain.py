"""The audit log's hash chain: intact after real use cases, every kind of tampering found at
its first broken link, no fork under concurrent writers (PostgreSQL), rows written before the
chain existed chained by the migration, and identity numbers masked in free text."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text, update

from safetynet.domain.access import Principal, Role
from safetynet.domain.audit_chain import GENESIS, AuditContent, canonical, row_hash
from safetynet.domain.errors import Forbidden
from safetynet.services import audit, registry
from safetynet.services.audit import AuditChainError, verify_chain
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditChainHead, AuditEntry
from safetynet.store.db import make_engine, session_factory, upgrade

from .conftest import ADMIN

AUDITOR = Principal("auditor", Role.AUDITOR)


def _write(uow: UnitOfWork, count: int, actor: Principal = ADMIN) -> None:
    for i in range(count):
        with uow:
            audit.record(
                uow.session, actor, "test.write", "thing", i, region_code=None, reason=f"n{i}"
            )
            uow.commit()


def _tamper(uow: UnitOfWork, sql: str) -> None:
    with uow:
        uow.session.execute(text(sql))
        uow.commit()


def test_the_canonical_serialisation_is_fixed() -> None:
    """A golden case: the documented bytes and their hash never change silently."""
    content = AuditContent(
        at=datetime(2026, 12, 1, 5, 6, 7, 123456, tzinfo=UTC),
        actor="op-bj",
        role="operator",
        action="person.correct",
        entity="person",
        entity_id="12",
        region_code=110105,
        before={"name": "李伟", "b": 1},
        after={"name": "Li Wei"},
        reason="typo",
    )
    assert (
        canonical(1, GENESIS, content)
        == (
            '[1,"' + GENESIS + '","2026-12-01T05:06:07.123456Z","op-bj","operator",'
            '"person.correct","person","12",110105,{"b":1,"name":"李伟"},{"name":"Li Wei"},"typo"]'
        ).encode()
    )
    # sha256 of those bytes, computed outside safetynet (printf ... | sha256sum)
    assert row_hash(1, GENESIS, content) == (
        "a19040283862691cf982637f94ddc0dae3b59e66f1ef3803fa84f6b1989ac410"
    )


def test_use_cases_extend_an_intact_chain(uow: UnitOfWork, records: object) -> None:
    person = records.person()  # type: ignore[attr-defined]
    registry.correct_person(uow, ADMIN, person.id, {"name": "Li Wei"}, reason="typo")
    _write(uow, 3)
    report = verify_chain(uow, AUDITOR)
    assert report.intact and report.rows == 5 and report.head_seq == 5
    with uow:
        rows = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.row_hash for a, b in pairwise(rows))
    assert report.head_hash == rows[-1].row_hash


def test_a_rolled_back_change_leaves_no_audit_row(uow: UnitOfWork) -> None:
    """Rows are queued with the change and chained at its commit: a rollback drops them, and
    the chain goes on without a gap."""
    _write(uow, 1)
    with uow:
        audit.record(uow.session, ADMIN, "test.write", "thing", 9, region_code=None)
    with uow:
        audit.record(uow.session, ADMIN, "test.write", "thing", 10, region_code=None)
        uow.session.rollback()
        audit.record(uow.session, ADMIN, "test.write", "thing", 11, region_code=None)
        uow.commit()
    with uow:
        ids = list(uow.session.scalars(select(AuditEntry.entity_id).order_by(AuditEntry.seq)))
    assert ids == ["0", "11"]
    assert verify_chain(uow, AUDITOR).intact


def test_only_auditors_and_admins_verify(uow: UnitOfWork) -> None:
    with pytest.raises(Forbidden):
        verify_chain(uow, Principal("op", Role.OPERATOR, 110000))


@pytest.mark.parametrize(
    ("sql", "seq", "problem"),
    [
        ("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3", 3, "content"),
        ("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2", 2, "content"),
        ("UPDATE audit_log SET region_code = 110000 WHERE seq = 4", 4, "content"),
        ("DELETE FROM audit_log WHERE seq = 3", 3, "expected seq 3"),
        ("UPDATE audit_log SET row_hash = prev_hash WHERE seq = 2", 2, "content"),
        ("DELETE FROM audit_log WHERE seq = 5", 5, "chain head is at seq 5"),
        ("UPDATE audit_chain_head SET seq = 7", 6, "chain head is at seq 7"),
    ],
)
def test_tampering_is_found_at_the_first_broken_link(
    uow: UnitOfWork, sql: str, seq: int, problem: str
) -> None:
    _write(uow, 5)
    _tamper(uow, sql)
    report = verify_chain(uow, AUDITOR)
    assert report.broken is not None
    assert report.broken.seq == seq and problem in report.broken.problem, report.broken


def test_a_recomputed_chain_is_caught_by_an_anchor(uow: UnitOfWork) -> None:
    """Someone who rewrites a row and recomputes every hash after it passes the chain check;
    a head recorded earlier outside the database (``--anchor``) still catches it."""
    _write(uow, 3)
    anchor = verify_chain(uow, AUDITOR)
    assert verify_chain(uow, AUDITOR, anchor=(anchor.head_seq, anchor.head_hash)).intact
    with uow:
        rows = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        previous = GENESIS
        for row in rows:
            reason = "rewritten" if row.seq == 2 else row.reason
            content = AuditContent(
                row.at,
                row.actor,
                row.role,
                row.action,
                row.entity,
                row.entity_id,
                row.region_code,
                row.before,
                row.after,
                reason,
            )
            digest = row_hash(row.seq, previous, content)
            uow.session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == row.id)
                .values(reason=reason, prev_hash=previous, row_hash=digest)
            )
            previous = digest
        uow.session.execute(update(AuditChainHead).values(hash=previous))
        uow.commit()
    assert verify_chain(uow, AUDITOR).intact
    report = verify_chain(uow, AUDITOR, anchor=(anchor.head_seq, anchor.head_hash))
    assert report.broken is not None and "anchor" in report.broken.problem


def test_a_missing_head_with_rows_stops_writes(uow: UnitOfWork) -> None:
    _write(uow, 2)
    _tamper(uow, "DELETE FROM audit_chain_head")
    with pytest.raises(AuditChainError):
        _write(uow, 1)
    report = verify_chain(uow, AUDITOR)
    assert report.broken is not None and "head is missing" in report.broken.problem


def test_identity_numbers_are_masked_in_free_text(uow: UnitOfWork, records: object) -> None:
    person = records.person()  # type: ignore[attr-defined]
    number = person.id_number
    registry.correct_person(
        uow, ADMIN, person.id, {"name": "Li Wei"}, reason=f"caller gave {number} on the phone"
    )
    with uow:
        rows = uow.session.scalars(select(AuditEntry)).all()
    stored = " ".join(f"{r.reason} {r.before} {r.after} {r.entity_id}" for r in rows)
    assert number not in stored
    assert f"{number[:6]}********{number[-4:]}" in stored


def test_concurrent_writers_never_fork_the_chain(engine: Engine, database_url: str) -> None:
    """Fifty writers at once, each in its own transaction and connection: the head lock makes
    them take turns, so seq runs 1..N without gaps or duplicates and the chain verifies."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time; the race is PostgreSQL's")
    threaded = make_engine(database_url, pool_size=20, max_overflow=40)
    factory = session_factory(threaded)

    def write(i: int) -> None:
        _write(UnitOfWork(factory), 2, Principal(f"writer-{i}", Role.ADMIN))

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(write, range(50)))
    threaded.dispose()
    uow = UnitOfWork(session_factory(engine))
    report = verify_chain(uow, AUDITOR)
    assert report.intact and report.rows == 100 and report.head_seq == 100


def test_the_migration_chains_rows_written_before_it(database_url: str, tmp_path: object) -> None:
    """A database at revision 0003 with audit rows (and a token secret kept in clear) is
    upgraded: the rows get their chain in id order and the secret is deleted."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the migration is exercised once, on a fresh SQLite file")
    path = f"{tmp_path}/old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0003")
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, role, action, entity, entity_id, "
                    "region_code, before, after, reason) VALUES (:at, 'old', 'admin', "
                    "'person.register', 'person', :id, 110105, NULL, :after, '')"
                ),
                {"at": f"2025-0{i + 1}-01 08:00:00.000000", "id": str(i), "after": '{"n": 1}'},
            )
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('jwt_secret', 'x' )"))
    upgrade(engine)
    uow = UnitOfWork(session_factory(engine))
    report = verify_chain(uow, AUDITOR)
    assert report.intact and report.rows == 3
    _write(uow, 1)
    assert verify_chain(uow, AUDITOR).rows == 4
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM settings")) == 0
    engine.dispose()


_text = st.text(max_size=30)
_json = st.none() | st.dictionaries(
    st.text(max_size=8), st.integers() | st.text(max_size=10) | st.booleans(), max_size=4
)
_contents = st.builds(
    AuditContent,
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    actor=_text,
    role=_text,
    action=_text,
    entity=_text,
    entity_id=_text,
    region_code=st.none() | st.integers(100000, 999999),
    before=_json,
    after=_json,
    reason=_text,
)


@settings(max_examples=150, deadline=None)
@given(_contents, _contents, st.integers(1, 2**40))
def test_any_change_to_a_row_changes_its_hash(
    row: AuditContent, other: AuditContent, seq: int
) -> None:
    """Changing any one field, the place in the chain or the previous hash changes the hash."""
    digest = row_hash(seq, GENESIS, row)
    assert row_hash(seq, GENESIS, row) == digest  # deterministic
    assert row_hash(seq + 1, GENESIS, row) != digest
    assert row_hash(seq, "f" * 64, row) != digest
    for field in AuditContent.__dataclass_fields__:
        changed = replace(row, **{field: getattr(other, field)})
        if getattr(other, field) != getattr(row, field):
            assert row_hash(seq, GENESIS, changed) != digest, field
