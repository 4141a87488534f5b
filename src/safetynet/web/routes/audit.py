"""The audit log for auditors (and administrators): filter by person, user, entity and days;
export to Excel."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from safetynet.domain.errors import InvalidInput
from safetynet.services import audit
from safetynet.store.access import AuditEntry
from safetynet.web import exports
from safetynet.web.pages import REFUSALS, Page, SignedIn

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FILTERS = ("person", "user", "entity", "entity_id", "since", "until")


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.one(field, "expected a day YYYY-MM-DD") from None


def _entries(
    page: Page, filters: dict[str, str], after: int | None, limit: int
) -> list[AuditEntry]:
    entity, entity_id = filters["entity"] or None, filters["entity_id"] or None
    if filters["person"]:
        entity, entity_id = "person", filters["person"]
    return audit.list_entries(
        page.uow,
        page.actor,
        after_id=after,
        limit=limit,
        entity=entity,
        entity_id=entity_id,
        user=filters["user"] or None,
        since=_day(filters["since"], "since"),
        until=_day(filters["until"], "until"),
    )


def _filters(page: Page) -> dict[str, str]:
    return {k: page.request.query_params.get(k, "").strip() for k in FILTERS}


@router.get("/audit")
def audit_page(page: SignedIn, after: int | None = None) -> Response:
    filters = _filters(page)
    context: dict[str, Any] = {"filters": filters, "entries": [], "next_after": None}
    try:
        entries = _entries(page, filters, after, PAGE_SIZE)
    except InvalidInput as exc:
        return page.render_error("audit/index.html", exc, 422, **context)
    query = urlencode({k: v for k, v in filters.items() if v})
    return page.render(
        "audit/index.html",
        filters=filters,
        entries=entries,
        query=query,
        next_after=entries[-1].id if len(entries) == PAGE_SIZE else None,
    )


@router.get("/audit.xlsx")
def audit_export(page: SignedIn) -> Response:
    t = page.t
    try:
        entries = _entries(page, _filters(page), None, 10_000)
    except REFUSALS as exc:
        return page.render_error(
            "audit/index.html", exc, 422, filters=_filters(page), entries=[], next_after=None
        )
    header = [
        t.gettext(h)
        for h in (
            "No.",
            "Time",
            "User",
            "Role",
            "Action",
            "Entity",
            "Region",
            "Reason",
            "Before",
            "After",
        )
    ]
    rows = [
        [
            a.id,
            a.at.isoformat(timespec="seconds"),
            a.actor,
            a.role,
            a.action,
            f"{a.entity} {a.entity_id}",
            a.region_code or "",
            a.reason,
            json.dumps(a.before, ensure_ascii=False) if a.before else "",
            json.dumps(a.after, ensure_ascii=False) if a.after else "",
        ]
        for a in entries
    ]
    return exports.xlsx("audit.xlsx", t.gettext("Audit trail"), header, rows)
