"""Errors as RFC 9457 problem documents (``application/problem+json``) naming each bad field."""

from __future__ import annotations

import inspect
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from safetynet.api.uploads import TooManyUploads
from safetynet.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from safetynet.domain.identity import mask_ids_in
from safetynet.policy.errors import InputError, PolicyError, UnknownCalculation
from safetynet.services import audit
from safetynet.services.uow import UnitOfWork

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("safetynet.api")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; ``errors`` names each bad field (and row).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "problem"],
                "properties": {
                    "field": {"type": "string"},
                    "problem": {"type": "string"},
                    "row": {"type": ["integer", "null"]},
                },
            },
        },
        "total_errors": {"type": "integer"},
    },
}
_ANSWERS = {
    400: "Bad request",
    401: "Not signed in (send a bearer token)",
    403: "Outside the caller's role or region",
    404: "No such record",
    409: "Conflicts with the record's state or a concurrent change (nothing was written)",
    413: "The request body is too large",
    422: "Invalid input: each bad field (and row) is named",
    429: "Too many requests at once: retry after the Retry-After seconds",
    503: "The database is unavailable: retry later",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
    for code, text in _ANSWERS.items()
}
"""The 4xx and 5xx answers every operation may give, as documented in the OpenAPI document."""


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": mask_ids_in(detail),
    }
    if errors is not None:
        body["errors"] = [
            {k: mask_ids_in(v) if isinstance(v, str) else v for k, v in e.items()} for e in errors
        ]
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(exc: DomainError) -> JSONResponse:
    if isinstance(exc, InvalidInput):
        return problem(
            422,
            "Invalid input",
            str(exc),
            [p.as_dict() for p in exc.problems],
            total_errors=exc.total,
        )
    if isinstance(exc, NotFound):
        return problem(404, "Not found", str(exc))
    if isinstance(exc, Conflict):
        errors = [{"field": exc.field, "problem": str(exc)}] if exc.field else None
        return problem(409, "Conflict", str(exc), errors)
    if isinstance(exc, Forbidden):
        return problem(403, "Forbidden", str(exc))
    if isinstance(exc, TooManyUploads):
        return problem(
            429, "Too many requests", str(exc), headers={"Retry-After": str(exc.retry_after)}
        )
    if isinstance(exc, Unauthenticated):
        return problem(401, "Unauthenticated", str(exc), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, TooManyAttempts):
        return problem(
            429, "Too many attempts", str(exc), headers={"Retry-After": str(exc.retry_after)}
        )
    return problem(400, "Bad request", str(exc))


def policy_problem(exc: PolicyError) -> JSONResponse:
    if isinstance(exc, UnknownCalculation):
        return problem(404, "Unknown calculation", str(exc))
    field = getattr(exc, "field", None)
    errors = [{"field": field, "problem": getattr(exc, "problem", str(exc))}] if field else None
    if isinstance(exc, InputError):
        return problem(422, "Invalid input", str(exc), errors)
    return problem(422, "Outside the parameters' validity", str(exc), errors)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header")]
    return ".".join(parts) or "body"


def audit_refusal(request: Request, detail: str) -> None:
    route = request.scope.get("route")
    what = getattr(route, "name", None) or request.url.path
    context = {
        "method": request.method,
        "path": mask_ids_in(request.url.path),
        "route": getattr(route, "path", None),
        "client": request.client.host if request.client else None,
    }
    try:
        audit.record_refusal(
            UnitOfWork(request.app.state.session_factory),
            getattr(request.state, "principal", None),
            what=what,
            detail=detail,
            context=context,
        )
    except SQLAlchemyError as exc:  # the refusal stands even when it cannot be written down
        log.error("could not audit a refusal of %s: %s", what, type(exc).__name__)


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": _field_of(tuple(e.get("loc", ()))), "problem": e.get("msg", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['problem']}" for e in errors[:5])
    return problem(422, "Invalid input", detail, errors)


def http_problem(exc: StarletteHTTPException) -> JSONResponse:
    return problem(
        exc.status_code, str(exc.detail), str(exc.detail), headers=dict(exc.headers or {})
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain(_: Request, exc: DomainError) -> Response:
        return domain_problem(exc)

    @app.exception_handler(Forbidden)
    async def on_forbidden(request: Request, exc: Forbidden) -> Response:
        """A 403, audited in the refused user's name, then answered by the app's handler of
        domain errors (problem+json, or a page for the web)."""
        await run_in_threadpool(audit_refusal, request, str(exc))
        answer = request.app.exception_handlers[DomainError](request, exc)
        response: Response = await answer if inspect.isawaitable(answer) else answer
        return response

    @app.exception_handler(PolicyError)
    async def on_policy(_: Request, exc: PolicyError) -> Response:
        return policy_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> Response:
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> Response:
        return http_problem(exc)

    @app.exception_handler(IntegrityError)
    async def on_integrity(_: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error: %s", type(exc.orig).__name__)
        return problem(409, "Conflict", "a concurrent change conflicts with this one; retry")

    @app.exception_handler(PendingRollbackError)
    async def on_rolled_back(_: Request, exc: PendingRollbackError) -> Response:
        log.warning("transaction rolled back by a concurrent change")
        return problem(409, "Conflict", "a concurrent change conflicts with this one; retry")

    @app.exception_handler(DataError)
    async def on_data(_: Request, exc: DataError) -> Response:
        # a value the database refused (too long, out of range) that no check caught first
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return problem(422, "Invalid input", "a value is outside what the record can hold")

    @app.exception_handler(Exception)
    async def on_unexpected(_: Request, exc: Exception) -> Response:
        # answered, never a dropped connection; the error itself is logged by the server
        return problem(500, "Internal error", "the request failed unexpectedly; it was logged")

    @app.exception_handler(OperationalError)
    async def on_database(_: Request, exc: OperationalError) -> Response:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return problem(503, "Service unavailable", "the database is unavailable; retry later")
