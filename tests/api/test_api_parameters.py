"""Parameter governance and the true-up over HTTP: maker-checker (403 on one's own approval),
the calc endpoint and the next declaration under the approved value, history, export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from safetynet.api.app import create_app
from safetynet.domain.access import Principal, Role
from safetynet.services import users
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User

PROBLEM = "application/problem+json"
ACCOUNTS = {
    "policy-maker": Principal("policy-maker", Role.POLICY_OFFICER),
    "policy-checker": Principal("policy-checker", Role.POLICY_OFFICER),
    "op-bj": Principal("op-bj", Role.OPERATOR, region_code=110000),
    "auditor": Principal("auditor", Role.AUDITOR),
    "admin": Principal("admin", Role.ADMIN),
}
FLOOR = {
    "parameter": "contribution.base_floor",
    "region": "110000",
    "from": "2025-07-01",
    "value": "7300",
    "source": "关于统一2025年度各项社会保险缴费工资基数上下限的通知",
    "source_number": "京人社发〔2025〕11号",
    "grade": "A",
}


@pytest.fixture
def client(engine: Engine, uow: UnitOfWork) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    with uow:
        uow.session.add_all(
            User(username=n, password_hash="-", role=p.role.value, region_code=p.region_code)
            for n, p in ACCOUNTS.items()
        )
        uow.commit()
    headers = {
        n: {"Authorization": f"Bearer {users.issue_token(uow, p)}"} for n, p in ACCOUNTS.items()
    }
    with TestClient(create_app(engine)) as test_client:
        yield test_client, headers


def _contribution(client: TestClient) -> dict[str, Any]:
    response = client.post(
        "/api/v1/calc/contribution",
        json={"monthly_wage": "5000", "region": "110105", "month": "2025-08"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_governance_flow_over_http(
    client: tuple[TestClient, dict[str, Any]], records: Any, who: Any
) -> None:
    http, as_ = client
    assert _contribution(http)["law_version"] == 0
    proposed = http.post("/api/v1/parameters", json=FLOOR, headers=as_["policy-maker"])
    assert proposed.status_code == 201, proposed.text
    value_id = proposed.json()["id"]
    own = http.post(f"/api/v1/parameters/{value_id}/approve", headers=as_["policy-maker"])
    assert own.status_code == 403 and own.headers["content-type"] == PROBLEM
    operator = http.post(f"/api/v1/parameters/{value_id}/approve", headers=as_["op-bj"])
    assert operator.status_code == 403
    approved = http.post(f"/api/v1/parameters/{value_id}/approve", headers=as_["policy-checker"])
    assert approved.status_code == 200 and approved.json()["approved_version"] == 1
    result = _contribution(http)
    assert result["law_version"] == 1 and float(result["result"]["base"]) == 7300

    employer = records.employer(region=110105)
    person = records.employees(employer, 1)[0]
    declared = http.post(
        f"/api/v1/employers/{employer.id}/declarations",
        json={
            "month": "2025-08",
            "version": 1,
            "rows": [{"id_number": person.id_number, "monthly_wage": "5000"}],
        },
        headers=as_["admin"],
    )
    assert declared.status_code == 201, declared.text
    assert declared.json()["declaration"]["law_version"] == 1
    assert declared.json()["declaration"]["base_total"] == "7300.00"

    history = http.get(
        "/api/v1/parameters/history/contribution.base_floor", headers=as_["auditor"]
    ).json()
    assert [v["status"] for v in history["values"]] == ["approved"]
    listed = http.get("/api/v1/parameters?status=approved", headers=as_["op-bj"]).json()
    assert listed["law_version"] == 1 and len(listed["items"]) == 1
    files = http.get("/api/v1/parameters/export", headers=as_["policy-checker"]).json()["files"]
    floor = yaml.safe_load(files["contribution.yaml"])["base_floor"]
    assert floor["values"]["110000"][0]["value"] == 7300

    withdrawn = http.post(
        f"/api/v1/parameters/{value_id}/withdraw",
        json={"reason": "wrong notice"},
        headers=as_["policy-maker"],
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["retired_version"] == 2
    assert _contribution(http)["law_version"] == 2
    then = http.post(
        "/api/v1/calc/contribution?law_version=1",
        json={"monthly_wage": "5000", "region": "110105", "month": "2025-08"},
    ).json()
    assert then["law_version"] == 1 and float(then["result"]["base"]) == 7300
    unknown = http.post("/api/v1/calc/contribution?law_version=3", json={})
    assert unknown.status_code == 404


def test_errors_name_the_field_and_never_500(client: tuple[TestClient, dict[str, Any]]) -> None:
    http, as_ = client
    bad = http.post("/api/v1/parameters", json={**FLOOR, "grade": "Z"}, headers=as_["policy-maker"])
    assert bad.status_code == 422 and "grade" in bad.text
    unknown = http.post(
        "/api/v1/parameters", json={**FLOOR, "region": "999999"}, headers=as_["policy-maker"]
    )
    assert unknown.status_code == 422 and "region" in unknown.text
    missing = http.post("/api/v1/parameters/424242/approve", headers=as_["policy-checker"])
    assert missing.status_code == 404
    anonymous = http.post("/api/v1/parameters", json=FLOOR)
    assert anonymous.status_code == 401
    no_reason = http.post(
        "/api/v1/parameters/1/reject", json={"reason": ""}, headers=as_["policy-checker"]
    )
    assert no_reason.status_code == 422


def test_true_up_action_returns_the_report(
    client: tuple[TestClient, dict[str, Any]], records: Any, who: Any
) -> None:
    http, as_ = client
    body = {"region": "110000", "from_month": "2025-07", "to_month": "2025-09"}
    refused = http.post("/api/v1/contributions/true-up", json=body, headers=as_["auditor"])
    assert refused.status_code == 403
    empty = http.post("/api/v1/contributions/true-up", json=body, headers=as_["op-bj"])
    assert empty.status_code == 200 and empty.json()["posted"] is False
    as_csv = http.post(
        "/api/v1/contributions/true-up?format=csv",
        json={**body, "dry_run": True},
        headers=as_["op-bj"],
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.startswith("line,person_id,month")
    as_xlsx = http.post(
        "/api/v1/contributions/true-up?format=xlsx",
        json={**body, "dry_run": True},
        headers=as_["op-bj"],
    )
    assert as_xlsx.content[:2] == b"PK"
