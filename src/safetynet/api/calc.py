"""The rules catalogue over HTTP: ``GET /api/v1/calc`` lists, ``POST /api/v1/calc/{name}``
evaluates one case (public: the law is open).

Money comes back as strings with two decimals, like every amount of the API. Every input is
bounded (numbers by the ranges ``GET /api/v1/calc/{name}`` lists, text by
``catalogue.MAX_TEXT`` characters, lists by ``catalogue.MAX_LIST`` entries); anything outside
is a 422 problem naming the field. Results say ``provisional`` and list
``provisional_parameters`` with the reasons."""

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
    """Evaluate a calculation; money in the result is in yuan, as strings with two decimals."""
    return calc(name, inputs, explain=explain).as_json(money_as_text=True)
