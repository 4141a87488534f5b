"""Medical claims through the API: settled once, the annual deductible and ceiling tracked
(REFERENCE §4.4 figures for Beijing employees), the uninsured refused (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.benefits.conftest import Api, People


def claim(
    api: Api,
    person_id: int,
    reference: str,
    cost: str,
    day: str = "2025-05-10",
    user: str = "maker",
) -> Any:
    return api.client.post(
        "/api/v1/benefits/medical-claims",
        json={
            "person_id": person_id,
            "reference": reference,
            "service_date": day,
            "setting": "outpatient",
            "tier": "community",
            "policy_cost": cost,
            "other_cost": "100.00",
        },
        headers=api.as_(user),
    )


def test_claims_track_the_deductible_and_the_ceiling(api: Api, people: People) -> None:
    person = people.insured(birth="1980-05-17")
    first = claim(api, person.id, "H-1", "10000.00")
    assert first.status_code == 201, first.text
    assert first.json()["basic_fund"] == "7380.00"  # (10,000 - 1,800) x 90 %
    assert first.json()["out_of_pocket"] == "2720.00"  # the rest and the 100 outside policy
    assert first.json()["explanation"]
    resubmitted = claim(api, person.id, "H-1", "10000.00")
    assert resubmitted.status_code == 200 and resubmitted.json()["duplicate"] is True
    assert resubmitted.json()["id"] == first.json()["id"]
    second = claim(api, person.id, "H-2", "10000.00")
    assert second.json()["basic_fund"] == "9000.00"  # deductible already met
    third = claim(api, person.id, "H-3", "10000.00")
    assert third.json()["basic_fund"] == "3620.00"  # the 20,000 outpatient ceiling reached
    next_year = claim(api, person.id, "H-4", "10000.00", day="2026-01-05")
    assert next_year.json()["basic_fund"] == "7380.00"
    statement = api.client.get(
        f"/api/v1/benefits/persons/{person.id}/statement", headers=api.as_("maker")
    ).json()
    assert [c["reference"] for c in statement["medical_claims"]] == ["H-1", "H-2", "H-3", "H-4"]


def test_claims_of_the_uninsured_and_out_of_scope_are_refused(
    api: Api, people: People, records: Any
) -> None:
    uninsured = records.person(birth="1980-05-17")
    refused = claim(api, uninsured.id, "H-9", "500.00")
    assert refused.status_code == 409
    assert "not insured" in refused.json()["detail"]
    person = people.insured(birth="1980-05-17")
    assert claim(api, person.id, "H-10", "500.00", user="sichuan").status_code == 403
    bad = claim(api, person.id, "H-11", "-5")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "policy_cost"


def test_a_dibao_member_gets_all_three_layers(api: Api, people: People) -> None:
    person = people.insured(birth="1970-03-03", worker_type="resident")
    dibao = api.client.post(
        "/api/v1/benefits/dibao",
        json={
            "person_id": person.id,
            "month": "2025-01",
            "area": "urban",
            "household_size": 1,
            "household_monthly_income": "100",
        },
        headers=api.as_("maker"),
    ).json()
    api.client.post(f"/api/v1/benefits/awards/{dibao['id']}/approve", headers=api.as_("checker"))
    body = {
        "person_id": person.id,
        "reference": "IN-1",
        "service_date": "2025-05-10",
        "setting": "inpatient",
        "tier": "tier2",
        "policy_cost": "50000",
    }
    unknown = api.client.post(
        "/api/v1/benefits/medical-claims", json=body, headers=api.as_("maker")
    )
    assert unknown.status_code == 422  # no residents' deductible is recorded: not guessed
    assert "medical.resident_deductible" in unknown.json()["detail"]
    body |= {"deductible": "800", "assistance_annual_limit": "30000"}
    settled = api.client.post(
        "/api/v1/benefits/medical-claims", json=body, headers=api.as_("maker")
    )
    assert settled.status_code == 201, settled.text
    claim = settled.json()
    assert claim["scheme"] == "resident"
    assert Decimal(claim["basic_fund"]) > 0
    assert Decimal(claim["critical_illness"]) > 0
    assert Decimal(claim["medical_assistance"]) > 0  # dibao taken from the active award
    layers = ("basic_fund", "critical_illness", "medical_assistance", "out_of_pocket")
    assert sum(Decimal(claim[k]) for k in layers) == Decimal("50000.00")
