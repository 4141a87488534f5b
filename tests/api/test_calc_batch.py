"""POST /api/v1/calc/{name}/batch on the app's TestClient (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from unittest.mock import ANY

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from safetynet.api.app import create_app
from safetynet.api.calc import MAX_BATCH_BYTES
from safetynet.policy.many import MAX_CASES, MAX_EXPLAIN

URL = "/api/v1/calc/contribution/batch"
GOOD = {"monthly_wage": "8000", "region": "110000", "month": "2026-08"}


def resolved(entry: dict[str, Any], table: list[Any]) -> dict[str, Any]:
    """A batch result with its provisional values written out, as the one-case result has them."""
    result = dict(entry["result"])
    result["provisional_parameters"] = [table[i] for i in result["provisional_parameters"]]
    return {**entry, "result": result}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as client:
        yield client


def test_batch_equals_single_requests_in_order(client: TestClient) -> None:
    cases = [GOOD, {**GOOD, "monthly_wage": "40000.5"}, {**GOOD, "region": "310000"}]
    response = client.post(URL, json={"cases": cases})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 3 and body["error_count"] == 0
    for case, got in zip(cases, body["results"], strict=True):
        single = client.post("/api/v1/calc/contribution", json=case).json()
        assert resolved(got, body["provisional_values"]) == {"result": single["result"]}
    assert body["results"][1]["result"]["base"] == "35811.00"
    assert body["results"][0]["result"]["provisional"] is True


def test_columns_and_per_index_errors(client: TestClient) -> None:
    columns = {
        "monthly_wage": ["8000", "-1", "9000.123"],
        "region": ["110000", "110000", "110000"],
        "month": ["2026-08", "2026-08", "2026-08"],
    }
    body = client.post(URL, json={"columns": columns}).json()
    assert body["error_count"] == 2
    assert body["results"][0]["result"]["total"] == "2656.00"
    assert body["results"][1]["error"]["field"] == "monthly_wage"
    assert "two decimals" in body["results"][2]["error"]["problem"]


def test_strict_is_a_problem_naming_index_and_field(client: TestClient) -> None:
    cases = [GOOD, {**GOOD, "region": "12"}]
    response = client.post(URL + "?strict=true", json={"cases": cases})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "cases[1].region"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"columns": {"age_years": [60, 61], "age_months": [0]}}, "columns"),
        ({"columns": {"age_years": [60] * (MAX_CASES + 1)}}, "cases"),
        ({"cases": [{"age_years": 60}] * (MAX_EXPLAIN + 1)}, "explain"),
        ({"cases": {"age_years": 60}}, "cases"),
        ({"columns": [60]}, "columns"),
        ({"rows": []}, "body"),
        ({"cases": [], "columns": {}}, "body"),
    ],
)
def test_refused_requests_name_the_problem(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/v1/calc/annuity_divisor/batch?explain=true", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_explain_for_a_few_cases_and_unknown_calculation(client: TestClient) -> None:
    body = client.post(
        "/api/v1/calc/annuity_divisor/batch?explain=true", json={"cases": [{"age_years": 60}]}
    ).json()
    single = client.post("/api/v1/calc/annuity_divisor?explain=true", json={"age_years": 60})
    assert body["results"][0]["explanation"] == single.json()["explanation"]
    assert client.post("/api/v1/calc/nothing/batch", json={"cases": [{}]}).status_code == 404


def test_body_size_is_bounded_and_not_json_is_422(client: TestClient) -> None:
    response = client.post(
        URL, content=b" " * (MAX_BATCH_BYTES + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    response = client.post(URL, content=b"{", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_hundred_thousand_cases_are_accepted(client: TestClient) -> None:
    columns = {
        "monthly_wage": [str(5000 + i % 30000) for i in range(MAX_CASES)],
        "region": ["310000", "110000"] * (MAX_CASES // 2),
        "month": ["2026-08"] * MAX_CASES,
    }
    content = json.dumps({"columns": columns}).encode()
    assert len(content) < MAX_BATCH_BYTES
    response = client.post(URL, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == MAX_CASES and body["error_count"] == 0
    single = client.post("/api/v1/calc/contribution", json={**GOOD, "monthly_wage": "5001"})
    expected = {"result": {**single.json()["result"], "base": ANY}}
    assert resolved(body["results"][1], body["provisional_values"]) == expected
    assert body["results"][1]["result"]["base"] == single.json()["result"]["base_floor"]
