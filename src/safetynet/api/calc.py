"""The rules catalogue over HTTP: ``GET /api/v1/calc`` lists, ``POST /api/v1/calc/{name}``
evaluates one case (public: the law is open)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from safetynet.policy.catalogue import calc, catalogue, get

router = APIRouter(prefix="/api/v1/calc", tags=["rules"])


@router.get("")
def list_calculations() -> list[dict[str, Any]]:
    return [c.describe() for c in catalogue().values()]


@router.get("/{name}")
def describe(name: str) -> dict[str, Any]:
    return get(name).describe()


@router.post("/{name}")
def evaluate(
    name: str, inputs: dict[str, Any] = Body(default_factory=dict), explain: bool = False
) -> dict[str, Any]:
    """Evaluate a calculation; money in the result is in yuan."""
    return calc(name, inputs, explain=explain).as_json()
