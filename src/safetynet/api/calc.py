"""The rules catalogue over HTTP: ``GET /api/v1/calc`` lists, ``POST /api/v1/calc/{name}``
evaluates one case and ``POST /api/v1/calc/{name}/batch`` up to ``many.MAX_CASES`` cases in one
vectorised call (public: the law is open).

Money comes back as strings with two decimals, like every amount of the API. Every input is
bounded (numbers by the ranges ``GET /api/v1/calc/{name}`` lists, text by
``catalogue.MAX_TEXT`` characters, lists by ``catalogue.MAX_LIST`` entries); anything outside
is a 422 problem naming the field. Results say ``provisional`` and list
``provisional_parameters`` with the reasons."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from safetynet.api.deps import Uow
from safetynet.policy.catalogue import calc, catalogue, get
from safetynet.policy.errors import InputError
from safetynet.policy.many import Cases, calc_many
from safetynet.services.law import effective_law, law_as_of

router = APIRouter(prefix="/api/v1/calc", tags=["rules"])

MAX_BATCH_BYTES = 64 * 1024 * 1024
"""Largest body of ``POST /api/v1/calc/{name}/batch``: 100,000 cases of the widest calculation
(employee_pension, about 300 bytes a case as objects) take about 30 MB, so 64 MiB leaves room
for spacing and long values while bounding what one request can make the server hold."""


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
    ``law_version``; money in the result is in yuan, as strings with two decimals."""
    with uow:
        law = (
            effective_law(uow.session)
            if law_version is None
            else law_as_of(uow.session, version=law_version)
        )
    return {
        **calc(name, inputs, explain=explain, parameters=law.params).as_json(money_as_text=True),
        "law_version": law.version,
    }


@router.post("/{name}/batch")
async def evaluate_batch(
    name: str,
    request: Request,
    uow: Uow,
    explain: bool = False,
    strict: bool = False,
    law_version: Annotated[
        int | None, Query(ge=0, description="reproduce under the law as it was at this version")
    ] = None,
) -> Response:
    """Evaluate many cases in one vectorised call: body ``{"cases": [{...}, ...]}`` or
    ``{"columns": {"field": [...]}}``, at most ``MAX_CASES`` cases and ``MAX_BATCH_BYTES``
    bytes (413 beyond). Results in the cases' order; a bad case is ``{"error": {field,
    problem}}`` at its index unless ``strict=true`` (then a 422 naming ``cases[i].field``)."""
    body = await _bounded_body(request)
    try:
        payload = json.loads(body)
    except ValueError:
        raise InputError("body", "expected a JSON object") from None
    if not isinstance(payload, dict) or len(payload.keys() & {"cases", "columns"}) != 1:
        raise InputError("body", 'expected {"cases": [...]} or {"columns": {...}}')
    cases: Cases = payload["cases"] if "cases" in payload else payload["columns"]
    if "columns" in payload and not isinstance(cases, dict):
        raise InputError("columns", "expected an object of columns")
    if "cases" in payload and not isinstance(cases, list):
        raise InputError("cases", "expected a list of input objects")

    def run() -> dict[str, Any]:
        with uow:
            law = (
                effective_law(uow.session)
                if law_version is None
                else law_as_of(uow.session, version=law_version)
            )
        result = calc_many(name, cases, explain=explain, strict=strict, parameters=law.params)
        return {**result.as_json(money_as_text=True), "law_version": law.version}

    answer = await run_in_threadpool(run)
    return Response(
        json.dumps(answer, ensure_ascii=False, allow_nan=False), media_type="application/json"
    )


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
        raise HTTPException(413, f"request body larger than {MAX_BATCH_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BATCH_BYTES:
            raise HTTPException(413, f"request body larger than {MAX_BATCH_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
