"""A payment file handed out is audited: who, which run, its size and SHA-256."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry

from .conftest import Api, People


def test_the_payment_file_download_is_audited(api: Api, people: People, uow: UnitOfWork) -> None:
    people.pensioner(birth="1964-03-10")
    run = people.payroll("2026-11")
    response = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/payment-file", headers=api.as_("maker")
    )
    assert response.status_code == 200
    with uow:
        (row,) = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "file.download")
        ).all()
    assert (row.actor, row.entity, row.entity_id) == ("maker", "payroll_run", str(run["id"]))
    assert row.after == {
        "file": "payment file",
        "bytes": len(response.content),
        "sha256": hashlib.sha256(response.content).hexdigest(),
    }
