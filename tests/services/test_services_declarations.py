"""Declarations: validation of every row, all-or-nothing posting, idempotency, corrections."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, update

import safetynet
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput
from safetynet.policy.money import decimal_to_fen
from safetynet.services import declarations, registry
from safetynet.services.demo import seed_demo
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry
from safetynet.store.contributions import AccountEntry, ContributionRecord, Declaration
from safetynet.store.registry import Employer, EmploymentSpell, Person


def _rows(people: list[Any], wages: list[str]) -> list[dict[str, str]]:
    return [
        {"id_number": p.id_number, "monthly_wage": w} for p, w in zip(people, wages, strict=True)
    ]


def _submit(
    uow: UnitOfWork,
    who: Any,
    employer: Any,
    rows: list[dict[str, str]],
    month: str = "2025-08",
    version: int = 1,
) -> declarations.DeclarationOutcome:
    return declarations.submit(
        uow,
        who.admin,
        employer_id=employer.id,
        month=month,
        version=version,
        frame=declarations.rows_frame(rows),
    )


def _counts(uow: UnitOfWork) -> tuple[int, int, int, int]:
    with uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).select_from(Declaration)) or 0,
            s.scalar(select(func.count()).select_from(ContributionRecord)) or 0,
            s.scalar(select(func.count()).select_from(AccountEntry)) or 0,
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "declaration")
            )
            or 0,
        )


def _account(uow: UnitOfWork, person_id: int) -> int:
    with uow:
        return int(
            uow.session.scalar(
                select(func.sum(AccountEntry.amount_fen)).where(AccountEntry.person_id == person_id)
            )
            or 0
        )


def test_posting_uses_the_rules_engine_amounts(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer(region=110105, risk_class=2)
    people = records.employees(employer, 3)
    outcome = _submit(uow, who, employer, _rows(people, ["10000", "5000.50", "40000"]))
    assert outcome.posted and outcome.rows == 3
    expected_employer = expected_employee = 0
    for wage in ["10000", "5000.50", "40000"]:
        one = safetynet.calc(
            "contribution",
            {"monthly_wage": wage, "region": "110105", "month": "2025-08", "risk_class": 2},
        )
        expected_employer += decimal_to_fen(one["employer_total"])
        expected_employee += decimal_to_fen(one["employee_total"])
    assert (outcome.employer_total_fen, outcome.employee_total_fen) == (
        expected_employer,
        expected_employee,
    )
    ceiling = safetynet.calc(
        "contribution", {"monthly_wage": "40000", "region": "110105", "month": "2025-08"}
    )
    assert _account(uow, people[2].id) == decimal_to_fen(ceiling["pension_account"])
    assert _counts(uow) == (1, 3, 3, 1)


def test_resubmission_never_posts_twice(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer()
    people = records.employees(employer, 2)
    rows = _rows(people, ["8000", "9000.5"])
    first = _submit(uow, who, employer, rows)
    again = _submit(
        uow,
        who,
        employer,
        [{**r, "monthly_wage": f"{float(r['monthly_wage']):.2f}"} for r in reversed(rows)],
    )
    assert first.posted and not again.posted
    assert again.declaration is not None and first.declaration is not None
    assert again.declaration.id == first.declaration.id
    assert _counts(uow) == (1, 2, 2, 1)
    with pytest.raises(Conflict) as caught:
        _submit(uow, who, employer, _rows(people, ["8000", "9999"]))
    assert caught.value.field == "version" and "version 2" in str(caught.value)


def test_a_declaration_posted_under_digest_version_1_is_still_recognised(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    """Version 2 of the content digest (sorted integer arrays) replaced version 1 (sorted CSV
    text); a declaration stored with a version 1 digest replays as posted, other content under
    its key still conflicts."""
    employer = records.employer()
    people = records.employees(employer, 2)
    while not (number := records.id_number()).endswith("X"):  # a check character X
        pass
    people.append(
        registry.register_person(
            uow, who.admin, id_number=number, name="Check X", hukou_type="urban"
        )
    )
    registry.start_employment(
        uow, who.admin, person_id=people[2].id, employer_id=employer.id, start_month="2025-01"
    )
    rows = _rows(people, ["8000", "9000.5", "7000"])
    first = _submit(uow, who, employer, rows)
    assert first.declaration is not None
    checked, problems, _ = declarations._field_problems(declarations.rows_frame(rows))
    assert not problems
    content = declarations.content_hash(employer.id, "2025-08", checked)
    version_1 = declarations.content_hash_v1(employer.id, "2025-08", checked)
    assert first.declaration.content_hash == content.digest != version_1
    shuffled = declarations._field_problems(declarations.rows_frame(rows[::-1]))[0]
    assert declarations.content_hash(employer.id, "2025-08", shuffled).digest == content.digest
    with uow:
        uow.session.execute(
            update(Declaration)
            .where(Declaration.id == first.declaration.id)
            .values(content_hash=version_1)
        )
        uow.commit()
    again = _submit(uow, who, employer, list(reversed(rows)))
    assert not again.posted and again.declaration is not None
    assert again.declaration.id == first.declaration.id
    with pytest.raises(Conflict):
        _submit(uow, who, employer, _rows(people, ["8000", "9000.5", "7000.01"]))


def test_a_correction_reverses_and_reposts(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer()
    people = records.employees(employer, 2)
    _submit(uow, who, employer, _rows(people, ["8000", "9000"]))
    before = _account(uow, people[0].id)
    corrected = _submit(uow, who, employer, _rows(people, ["12000", "9000"]), version=2)
    assert corrected.posted and corrected.reversed_rows == 2
    assert _counts(uow) == (2, 6, 6, 2)
    with uow:
        statuses = dict(uow.session.execute(select(Declaration.version, Declaration.status)).all())
        net_base = uow.session.scalar(
            select(func.sum(ContributionRecord.base_fen)).where(
                ContributionRecord.person_id == people[0].id
            )
        )
        reversals = list(
            uow.session.scalars(
                select(ContributionRecord).where(ContributionRecord.kind == "reversal")
            )
        )
    assert statuses == {1: "superseded", 2: "posted"}
    assert net_base == 1_200_000
    assert all(r.reverses_id is not None and r.base_fen < 0 for r in reversals)
    assert _account(uow, people[0].id) == before * 12000 // 8000
    with pytest.raises(InvalidInput) as caught:
        _submit(uow, who, employer, _rows(people, ["1", "2"]), version=4)
    assert caught.value.problems[0].field == "version"


def test_every_bad_row_is_reported_and_nothing_is_written(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer()
    [employed] = records.employees(employer, 1)
    stranger = records.person()
    rows = [
        {"id_number": employed.id_number, "monthly_wage": "-5"},
        {"id_number": "110105194912310021", "monthly_wage": "8000"},
        {"id_number": stranger.id_number, "monthly_wage": "8000"},
        {"id_number": records.id_number(), "monthly_wage": "8000"},
        {"id_number": employed.id_number, "monthly_wage": "1e9"},
        {"id_number": employed.id_number, "monthly_wage": "2000000"},
        {"id_number": employed.id_number, "monthly_wage": "8000", "name": "Somebody Else"},
    ]
    with pytest.raises(InvalidInput) as caught:
        _submit(uow, who, employer, rows)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert {
        (1, "monthly_wage"),
        (2, "id_number"),
        (3, "id_number"),
        (4, "id_number"),
        (5, "monthly_wage"),
        (6, "monthly_wage"),
        (1, "id_number"),
    } <= found
    messages = {p.row: p.problem for p in caught.value.problems if p.field == "id_number"}
    assert "not employed" in messages[3] and "registered" in messages[4]
    assert "appears more than once" in messages[1]
    assert _counts(uow) == (0, 0, 0, 0)


def test_registered_names_with_commas_and_quotes_match_as_written(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    """The employed persons come from PostgreSQL as one CSV text: names are quoted in it."""
    employer = records.employer()
    odd = ['Zhang, "San"', "O'Neil; Si", '"', "王五"]
    people = [records.person(name=name) for name in odd]
    for person in people:
        registry.start_employment(
            uow, who.admin, person_id=person.id, employer_id=employer.id, start_month="2025-01"
        )
    rows = [
        {"id_number": p.id_number, "monthly_wage": "8000", "name": name}
        for p, name in zip(people, odd, strict=True)
    ]
    assert _submit(uow, who, employer, rows).posted
    rows[0]["name"] = "Zhang, San"
    with pytest.raises(InvalidInput) as caught:
        _submit(uow, who, employer, rows, version=2)
    assert [(p.row, p.field) for p in caught.value.problems] == [(1, "name")]


def test_name_mismatch_and_future_month(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer()
    [person] = records.employees(employer, 1)
    with pytest.raises(InvalidInput) as caught:
        _submit(
            uow,
            who,
            employer,
            [{"id_number": person.id_number, "monthly_wage": "8000", "name": "Somebody Else"}],
        )
    assert caught.value.problems[0].field == "name"
    with pytest.raises(InvalidInput) as caught:
        _submit(uow, who, employer, _rows([person], ["8000"]), month="2199-01")
    assert caught.value.problems[0].field == "month"


def test_a_month_before_any_recorded_value_is_refused(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer(region=110105)
    [person] = records.employees(employer, 1, start_month="2018-01")
    with pytest.raises(InvalidInput) as caught:
        _submit(uow, who, employer, _rows([person], ["8000"]), month="2018-03")
    problem = caught.value.problems[0]
    assert problem.field == "month" and "base_floor: no value before 2019-05-01" in problem.problem
    assert _counts(uow) == (0, 0, 0, 0)


def test_2026_months_post_on_provisional_values_and_say_so(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer(region=110105)
    people = records.employees(employer, 2, start_month="2025-01")
    outcome = _submit(uow, who, employer, _rows(people, ["5000", "9000"]), month="2026-08")
    assert outcome.posted and outcome.provisional and outcome.provisional_rows == 2
    reasons = {p["parameter"]: p["reason"] for p in outcome.provisional_parameters}
    assert reasons["contribution.base_floor"].startswith(
        "carried forward from 2025-07-01 until the value from 2026-07-01 is approved"
    )
    assert "contribution.unemployment_employee_rate" in reasons
    with uow:
        bases = sorted(uow.session.scalars(select(ContributionRecord.base_fen)))
        unemployment = set(
            uow.session.scalars(select(ContributionRecord.unemployment_employee_fen))
        )
        audit = uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "declaration.post")
        )
        assert audit is not None
        after = audit.after
    assert bases == [716200, 900000]  # 5,000 lifted to Beijing's 2025 floor, carried forward
    assert 0 not in unemployment
    assert after["provisional"] is True and after["provisional_rows"] == 2


def test_a_crash_midway_leaves_the_database_as_it_was(
    uow: UnitOfWork, records: Any, who: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = records.employer()
    people = records.employees(employer, 3)
    _submit(uow, who, employer, _rows(people, ["8000", "8000", "8000"]))
    before = _counts(uow)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut after the reversal and the records")

    monkeypatch.setattr(declarations.audit, "record", crash)
    with pytest.raises(RuntimeError):
        _submit(uow, who, employer, _rows(people, ["9000", "9000", "9000"]), version=2)
    assert _counts(uow) == before
    with uow:
        assert uow.session.scalar(select(Declaration.status)) == "posted"


def test_scope_of_declarations(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer(region=110105)
    people = records.employees(employer, 1)
    with pytest.raises(Forbidden):
        declarations.submit(
            uow,
            who.sichuan,
            employer_id=employer.id,
            month="2025-08",
            version=1,
            frame=declarations.rows_frame(_rows(people, ["8000"])),
        )
    with pytest.raises(Forbidden):
        declarations.submit(
            uow,
            who.auditor,
            employer_id=employer.id,
            month="2025-08",
            version=1,
            frame=declarations.rows_frame(_rows(people, ["8000"])),
        )
    outcome = declarations.submit(
        uow,
        who.beijing,
        employer_id=employer.id,
        month="2025-08",
        version=1,
        frame=declarations.rows_frame(_rows(people, ["8000"])),
    )
    assert outcome.posted
    assert declarations.list_declarations(uow, who.sichuan) == []
    assert len(declarations.list_declarations(uow, who.auditor)) == 1


def test_csv_and_excel_files_give_the_same_declaration(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer()
    people = records.employees(employer, 2)
    csv = "id_number,monthly_wage,name\n" + "".join(
        f"{p.id_number},8000.5,{p.name}\n" for p in people
    )
    posted = declarations.submit_file(
        uow,
        who.admin,
        employer_id=employer.id,
        month="2025-08",
        version=1,
        content=("\ufeff" + csv).encode(),
        filename="august.csv",
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id_number", "monthly_wage"])
    for p in reversed(people):
        sheet.append([p.id_number, 8000.5])
    buffer = io.BytesIO()
    book.save(buffer)
    again = declarations.submit_file(
        uow,
        who.admin,
        employer_id=employer.id,
        month="2025-08",
        version=1,
        content=buffer.getvalue(),
        filename="aug.xlsx",
    )
    assert posted.posted and not again.posted


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"id_number,pay\n1,2\n", "missing column monthly_wage"),  # "wage" is an alias
        (b"id_number,monthly_wage\n", "no rows"),
        (b"id_number,monthly_wage,bonus\n1,2,3\n", "unexpected column"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"PK\x03\x04not really a workbook", "Excel"),
    ],
)
def test_malformed_files_are_refused_naming_the_file(
    uow: UnitOfWork, records: Any, who: Any, content: bytes, problem: str
) -> None:
    employer = records.employer()
    with pytest.raises(InvalidInput) as caught:
        declarations.submit_file(
            uow,
            who.admin,
            employer_id=employer.id,
            month="2025-08",
            version=1,
            content=content,
            filename="x.csv",
        )
    assert caught.value.problems[0].field == "file"
    assert problem in caught.value.problems[0].problem


def test_dry_run_totals_without_writing(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer()
    people = records.employees(employer, 2)
    outcome = declarations.submit(
        uow,
        who.auditor,
        employer_id=employer.id,
        month="2025-08",
        version=1,
        frame=declarations.rows_frame(_rows(people, ["8000", "8000"])),
        dry_run=True,
    )
    assert not outcome.posted and outcome.employer_total_fen > 0
    assert _counts(uow) == (0, 0, 0, 0)


def test_on_the_demo_database_a_beijing_declaration_for_2026_08_says_it_is_provisional(
    uow: UnitOfWork, who: Any
) -> None:
    seed_demo(uow)
    with uow:
        employer = uow.session.scalar(select(Employer).where(Employer.region_code == 110105))
        assert employer is not None
        numbers = list(
            uow.session.scalars(
                select(Person.id_number)
                .join(EmploymentSpell, EmploymentSpell.person_id == Person.id)
                .where(EmploymentSpell.employer_id == employer.id)
                .where(EmploymentSpell.end_month.is_(None))
            )
        )
    rows = [{"id_number": n, "monthly_wage": "9000"} for n in numbers]
    outcome = declarations.submit(
        uow,
        who.admin,
        employer_id=employer.id,
        month="2026-08",
        version=1,
        frame=declarations.rows_frame(rows),
        dry_run=True,
    )
    assert outcome.rows == len(numbers) > 0
    assert outcome.provisional and outcome.provisional_rows == outcome.rows
    names = {p["parameter"] for p in outcome.provisional_parameters}
    assert {"contribution.base_floor", "contribution.base_ceiling"} <= names


def test_a_person_with_two_jobs_at_the_employer_in_the_month_is_posted_once(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    # left in mid-August and taken on again the same month: two spells cover 2025-08
    employer = records.employer()
    people = records.employees(employer, 2)
    with uow:
        spell = uow.session.scalars(
            select(EmploymentSpell).where(EmploymentSpell.person_id == people[0].id)
        ).one()
    registry.end_employment(uow, who.admin, spell_id=spell.id, end_month="2025-08")
    registry.start_employment(
        uow, who.admin, person_id=people[0].id, employer_id=employer.id, start_month="2025-08"
    )
    outcome = _submit(uow, who, employer, _rows(people, ["8000", "9000"]))
    assert outcome.posted and outcome.rows == 2
    assert _counts(uow)[1:3] == (2, 2)
