"""Money safety through the API (issue 9, on SQLite and PostgreSQL): postings keyed once,
Idempotency-Key replays, bounds on every input, files safe to open, one scope rule."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from tests.benefits.conftest import ADMIN, Api, People

from safetynet.api.uploads import UploadSlots
from safetynet.services import registry
from safetynet.services.benefits import claims
from safetynet.store.contributions import AccountEntry, ContributionRecord
from safetynet.store.registry import Person

PROBLEM = "application/problem+json"
BIG = 2**63


def _flexible(api: Api, person_id: int, base: str = "8000", **headers: str) -> Any:
    return api.client.post(
        "/api/v1/contributions/flexible",
        json={"person_id": person_id, "month": "2026-01", "monthly_base": base},
        headers={**api.as_("maker"), **headers},
    )


def _count(people: People, person_id: int) -> tuple[int, int]:
    with people.uow:
        session = people.uow.session
        records = session.scalar(
            select(func.count()).where(ContributionRecord.person_id == person_id)
        )
        entries = session.scalar(select(func.count()).where(AccountEntry.person_id == person_id))
        return int(records or 0), int(entries or 0)


def test_a_flexible_month_is_posted_once_and_a_key_replays_the_first_answer(
    api: Api, people: People
) -> None:
    person = people.insured(birth="1980-05-17")
    first = _flexible(api, person.id, **{"Idempotency-Key": "pay-1"})
    assert first.status_code == 201, first.text
    replay = _flexible(api, person.id, **{"Idempotency-Key": "pay-1"})
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = _flexible(api, person.id)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "month"
    other_body = _flexible(api, person.id, base="9000", **{"Idempotency-Key": "pay-1"})
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _count(people, person.id) == (1, 1)


def test_a_resident_year_is_posted_once_per_scheme(api: Api, people: People) -> None:
    person = people.insured(birth="1980-05-17", worker_type="resident")

    def pay(**body: Any) -> Any:
        return api.client.post(
            "/api/v1/contributions/resident",
            json={"person_id": person.id, "year": 2025, **body},
            headers=api.as_("maker"),
        )

    assert pay(pension_grade=500).status_code == 201
    assert pay(pension_grade=500).status_code == 409
    assert pay(medical_premium="400").status_code == 201  # the other scheme of the year
    assert pay(medical_premium="400").status_code == 409


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", f"/api/v1/persons/{BIG}", None, "person_id"),
        ("GET", f"/api/v1/benefits/medical-claims/{10**30}", None, "claim_id"),
        ("GET", f"/api/v1/declarations?after={BIG}", None, "after"),
        ("GET", "/api/v1/persons/search?id_number=1%002", None, "id_number"),
        (
            "POST",
            "/api/v1/contributions/flexible",
            {"person_id": BIG, "month": "2026-01", "monthly_base": "8000"},
            "person_id",
        ),
        (
            "POST",
            "/api/v1/contributions/flexible",
            {"person_id": 1, "month": "2026-01", "monthly_base": "1e30"},
            "monthly_base",
        ),
        (
            "POST",
            "/api/v1/contributions/flexible",
            {"person_id": 1, "month": "2026-01", "monthly_base": "1" * 27},
            "monthly_base",
        ),
        (
            "POST",
            "/api/v1/contributions/resident",
            {"person_id": 1, "year": 2025, "medical_premium": "400.001"},
            "medical_premium",
        ),
        (
            "POST",
            "/api/v1/persons",
            {"id_number": "110105198005170017", "name": "a\x00b", "hukou_type": "urban"},
            "name",
        ),
        (
            "POST",
            "/api/v1/persons",
            {
                "id_number": "110105198005170017",
                "name": "ab",
                "hukou_type": "urban",
                "household_id": "abc",
            },
            "household_id",
        ),
        (
            "POST",
            "/api/v1/households",
            {"region": "110105", "hukou_type": "urban", "address": "x" * 5000},
            "address",
        ),
        (
            "POST",
            "/api/v1/benefits/payroll",
            '{"region": "110000", "month": "2026-01", "chunk_size": Infinity}',
            "chunk_size",
        ),
    ],
)
def test_out_of_bounds_input_is_a_422_naming_the_field(
    api: Api, method: str, path: str, body: Any, field: str
) -> None:
    if isinstance(body, str):  # JSON that a client library would not write
        headers = {**api.as_("maker"), "Content-Type": "application/json"}
        response = api.client.request(method, path, content=body, headers=headers)
    else:
        response = api.client.request(method, path, json=body, headers=api.as_("maker"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_version_beyond_int32_is_refused(api: Api, people: People, records: Any) -> None:
    employer = records.employer(region=110105)
    response = api.client.post(
        f"/api/v1/employers/{employer.id}/declarations",
        json={
            "month": "2026-01",
            "version": 2**31,
            "rows": [{"id_number": "110105198005170017", "monthly_wage": "8000"}],
        },
        headers=api.as_("maker"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "version"


def _upload(api: Api, employer_id: int, name: str, content: bytes) -> Any:
    return api.client.post(
        f"/api/v1/employers/{employer_id}/declarations/file",
        data={"month": "2026-01", "version": "1"},
        files={"file": (name, content)},
        headers=api.as_("maker"),
    )


def test_repeated_or_ambiguous_columns_are_refused_in_csv_and_excel(api: Api, records: Any) -> None:
    employer = records.employer(region=110105)
    csv_file = b"id_number,Monthly_Wage,monthly_wage\n110105198005170017,1,2\n"
    refused = _upload(api, employer.id, "d.csv", csv_file)
    assert refused.status_code == 422, refused.text
    assert "appears twice" in refused.json()["errors"][0]["problem"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id_number", "monthly_wage", "monthly_wage"])
    sheet.append(["110105198005170017", 8000, 9000])
    buffer = io.BytesIO()
    book.save(buffer)
    refused = _upload(api, employer.id, "d.xlsx", buffer.getvalue())
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0] == {
        "field": "file",
        "problem": "column 'monthly_wage' appears twice (columns 2 and 3); "
        "the header must name each column once",
    }


def test_a_busy_server_answers_429_with_retry_after(api: Api, records: Any) -> None:
    employer = records.employer(region=110105)
    app: Any = api.client.app
    app.state.upload_slots = UploadSlots(1)
    with app.state.upload_slots.slot():
        busy = _upload(api, employer.id, "d.csv", b"id_number,monthly_wage\nx,1\n")
    assert busy.status_code == 429
    assert busy.headers["Retry-After"] == "10"
    assert busy.headers["content-type"] == PROBLEM


def _paid_run(api: Api, people: People) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    people.pensioner()
    run = people.payroll("2026-11")
    lines = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/lines", headers=api.as_("maker")
    ).json()
    return run, lines


def test_bank_returns_with_a_cr_in_a_field_or_contradictory_lines(api: Api, people: People) -> None:
    run, lines = _paid_run(api, people)
    url = f"/api/v1/benefits/payroll/{run['id']}/bank-return"
    first = lines[0]
    contradictory = (
        "line_id,amount,status,note\n"
        f"{first['id']},{first['amount']},paid,\n"
        f"{first['id']},{first['amount']},failed,closed\n"
    )
    refused = api.client.post(
        url, files={"file": ("r.csv", contradictory)}, headers=api.as_("maker")
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["row"] == 3
    assert refused.json()["errors"][0]["field"] == "status"
    unquoted_cr = f"line_id,amount,status,note\n{first['id']},{first['amount']},failed,a\rb\n"
    answer = api.client.post(url, files={"file": ("r.csv", unquoted_cr)}, headers=api.as_("maker"))
    assert answer.status_code in (200, 422), answer.text
    quoted_cr = f'line_id,amount,status,note\n{first["id"]},{first["amount"]},failed,"a\rb"\n'
    accepted = api.client.post(url, files={"file": ("r.csv", quoted_cr)}, headers=api.as_("maker"))
    assert accepted.status_code == 200, accepted.text
    after = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/lines", headers=api.as_("maker")
    ).json()
    assert {x["id"]: x for x in after}[first["id"]]["status"] == "failed"


def test_the_payment_file_neutralises_names(api: Api, people: People) -> None:
    award = people.pensioner()
    with people.uow:
        person = people.uow.session.get(Person, award["person_id"])
        assert person is not None
        person.name = '=HYPERLINK("http://evil","x")'
        people.uow.commit()
    run = people.payroll("2026-11")
    text = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/payment-file", headers=api.as_("maker")
    ).text
    assert "'=HYPERLINK" in text
    assert ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


def test_a_statement_shows_no_claim_its_reader_may_not_open(
    api: Api, people: People, records: Any
) -> None:
    person = records.person(region=510100, birth="1980-05-17")  # of record in Chengdu
    registry.enroll(
        people.uow,
        ADMIN,
        person_id=person.id,
        worker_type="flexible",
        region="110105",  # insured in Beijing
        start_month="2020-01",
    )
    settled = claims.submit_claim(
        people.uow,
        ADMIN,
        person_id=person.id,
        reference="BJ-1",
        service_date="2025-05-10",
        setting="outpatient",
        tier="community",
        policy_cost="1000.00",
    )
    claim_id = settled.claim.id
    assert settled.claim.region_code == 110105
    detail = api.client.get(
        f"/api/v1/benefits/medical-claims/{claim_id}", headers=api.as_("sichuan")
    )
    assert detail.status_code == 403
    statement = api.client.get(
        f"/api/v1/benefits/persons/{person.id}/statement", headers=api.as_("sichuan")
    )
    assert statement.status_code == 200, statement.text
    assert statement.json()["medical_claims"] == []
    seen = api.client.get(
        f"/api/v1/benefits/persons/{person.id}/statement", headers=api.as_("auditor")
    )
    assert [c["id"] for c in seen.json()["medical_claims"]] == [claim_id]


def test_the_openapi_document_lists_problem_answers(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/contributions/flexible"]["post"]
    for code in ("401", "403", "404", "409", "422", "429"):
        assert PROBLEM in operation["responses"][code]["content"], code
