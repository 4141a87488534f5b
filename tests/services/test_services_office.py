"""Services the back office added: person search, Chinese-headed and GBK declaration files,
the region dashboard, payroll progress, audit filters and error codes (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from safetynet.domain.errors import Forbidden, InvalidInput
from safetynet.services import audit, dashboard, declaration_headers, declarations, registry
from safetynet.services.benefits.payroll_progress import run_progress
from safetynet.services.uow import UnitOfWork


def test_search_by_name_full_id_and_last_digits(uow: UnitOfWork, records: Any, who: Any) -> None:
    wang = records.person(name="王秀英")
    records.person(name="王芳")
    zhang = records.person(name="张伟")
    found = registry.search_persons(uow, who.beijing, "王")
    assert [p.name for p in found] == ["王秀英", "王芳"]
    assert [p.id for p in registry.search_persons(uow, who.beijing, "王秀英")] == [wang.id]
    assert [p.id for p in registry.search_persons(uow, who.beijing, zhang.id_number)] == [zhang.id]
    last = zhang.id_number[-6:]
    assert zhang.id in [p.id for p in registry.search_persons(uow, who.beijing, last)]
    assert registry.search_persons(uow, who.beijing, "王%") == []  # wildcards are literal


def test_search_pages_by_keyset_and_keeps_to_scope(uow: UnitOfWork, records: Any, who: Any) -> None:
    people = [records.person(name=f"李{n}") for n in "一二三四五"]
    records.person(region=510104, name="李六")
    first = registry.search_persons(uow, who.beijing, "李", limit=2)
    rest = registry.search_persons(uow, who.beijing, "李", after_id=first[-1].id, limit=10)
    assert [p.id for p in first + rest] == [p.id for p in people]
    assert [p.name for p in registry.search_persons(uow, who.sichuan, "李")] == ["李六"]
    with pytest.raises(InvalidInput) as refused:
        registry.search_persons(uow, who.beijing, "  ")
    assert refused.value.problems[0].field == "q"


def test_headers_in_chinese_and_gbk_are_read(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer()
    people = records.employees(employer, 2)
    body = "公民身份号码,姓名,月缴费基数（元）\n" + "".join(
        f"{p.id_number},{p.name},8000\n" for p in people
    )
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        outcome = declarations.submit_file(
            uow,
            who.admin,
            employer_id=employer.id,
            month="2025-08",
            version=1,
            content=body.encode(encoding),
            filename="申报.csv",
            dry_run=True,
        )
        assert outcome.rows == 2, encoding


def test_excel_with_chinese_headers_is_read(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer()
    people = records.employees(employer, 1)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "姓名", "缴费工资"])
    sheet.append([people[0].id_number, people[0].name, 9000])
    out = io.BytesIO()
    book.save(out)
    outcome = declarations.submit_file(
        uow,
        who.admin,
        employer_id=employer.id,
        month="2025-08",
        version=1,
        content=out.getvalue(),
        filename="申报.xlsx",
    )
    assert outcome.posted and outcome.rows == 1


def test_header_aliases_and_undecodable_files() -> None:
    assert declaration_headers.canonical_header("\ufeff身份证号码 ") == "id_number"
    assert declaration_headers.canonical_header("缴费工资(元)") == "monthly_wage"
    assert declaration_headers.canonical_header("Monthly Wage") == "monthly_wage"
    assert declaration_headers.canonical_header("部门") == "部门"
    with pytest.raises(InvalidInput) as refused:
        declaration_headers.decode_text(b"id_number\n\xff\xfe\xfa\n")
    assert refused.value.problems[0].code == "file_encoding"
    workbook = declaration_headers.prepare_upload(_xlsx([["姓名", "身份证号"]]), "a.xlsx")
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["name", "id_number"]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_dashboard_counts_within_scope(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer()
    records.employees(employer, 3)
    sichuan = records.employer(region=510104)
    records.employees(sichuan, 1)
    beijing = dashboard.region_summary(uow, who.beijing, month="2025-08")
    everyone = dashboard.region_summary(uow, who.auditor, month="2025-08")
    assert beijing.insured_by_scheme["employee_pension"] == 3
    assert everyone.insured_by_scheme["employee_pension"] == 4
    with pytest.raises(Forbidden):
        dashboard.region_summary(uow, who.citizen(1))


def test_payroll_progress_before_a_run(uow: UnitOfWork, who: Any) -> None:
    progress = run_progress(uow, who.beijing, region="110000", month="2025-08")
    assert progress.run is None and progress.percent == 0
    with pytest.raises(Forbidden) as refused:
        run_progress(uow, who.sichuan, region="110000", month="2025-08")
    assert refused.value.code == "out_of_scope"


def test_audit_filters_by_user_and_day(uow: UnitOfWork, records: Any, who: Any) -> None:
    person = records.person()
    registry.correct_person(uow, who.beijing, person.id, {"name": "新名字"}, reason="typo")
    by_user = audit.list_entries(uow, who.auditor, user="op-bj")
    assert [e.action for e in by_user] == ["person.correct"]
    today = datetime.now(UTC).date()
    assert audit.list_entries(uow, who.auditor, since=today, until=today)
    assert audit.list_entries(uow, who.auditor, until=today - timedelta(days=1)) == []
    assert audit.list_entries(uow, who.auditor, since=date(2999, 1, 1)) == []
