"""The rules catalogue over HTTP: ``GET /api/v1/calc`` lists, ``POST /api/v1/calc/{name}``
evaluates one case (public: the law is open)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from safetynet.api.deps import Uow
from safetynet.policy.catalogue import calc, catalogue, get
from safetynet.services.law import effective_law, law_as_of

router = APIRouter(prefix="/api/v1/calc", tags=["rules"])


@router.get("")
def list_calculations() -> list[dict[str, Any]]:
    return [c.describe() for c in catalogue().values()]


@router.get("/{name}")
def describe(name: str) -> dict[str, Any]:
    return get(name).describe()


@router.post("/{name}")
def evaluate(
    name: str,
    uow: Uow,
    inputs: dict[str, Any] = Body(default_factory=dict),
    explain: bool = False,
    law_version: Annotated[
        int | None, Query(ge=0, description="reproduce under the law as it was at this version")
    ] = None,
) -> dict[str, Any]:
    """Evaluate a calculation under the database's effective law (the packaged parameters plus
    the approved overlay, whose version the result names), or under the law as it was at
    ``law_version``; money in the result is in yuan."""
    with uow:
        law = (
            effective_law(uow.session)
            if law_version is None
            else law_as_of(uow.session, version=law_version)
        )
    return {
        **calc(name, inputs, explain=explain, parameters=law.params).as_json(),
        "law_version": law.version,
    }
