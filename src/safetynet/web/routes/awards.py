"""The maker-checker queue: proposed awards with their explanation, approved or rejected (with a
reason) by another operator than the proposer; and the maker's retirement proposal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from safetynet.domain.errors import InvalidInput
from safetynet.services import registry
from safetynet.services.benefits import awards
from safetynet.web import exports
from safetynet.web.messages import STATES, award_kind, term
from safetynet.web.pages import REFUSALS, Form, Page, SignedIn, text

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _queue(page: Page, status: str, after: int | None) -> dict[str, Any]:
    found = awards.list_awards(
        page.uow, page.actor, status=status or None, after_id=after, limit=PAGE_SIZE
    )
    names = {
        a.person_id: registry.get_person(page.uow, page.actor, a.person_id).name for a in found
    }
    return {
        "awards": found,
        "names": names,
        "status": status,
        "statuses": [("", page.t.gettext("all"))]
        + [(s, term(page.t, s)) for s in ("proposed", "active", "suspended", "rejected", "ended")],
        "next_after": found[-1].id if len(found) == PAGE_SIZE else None,
    }


@router.get("/awards")
def award_queue(page: SignedIn, status: str = "proposed", after: int | None = None) -> Response:
    if status and status not in STATES:
        status = "proposed"
    return page.render("awards/index.html", **_queue(page, status, after))


@router.get("/awards.xlsx")
def awards_export(page: SignedIn, status: str = "") -> Response:
    t = page.t
    found = awards.list_awards(page.uow, page.actor, status=status or None, limit=10_000)
    header = [
        t.gettext(h)
        for h in (
            "No.",
            "Person",
            "Kind",
            "State",
            "Start month",
            "Monthly amount",
            "Proposed by",
            "Approved by",
        )
    ]
    rows = [
        [
            a.id,
            a.person_id,
            award_kind(t, a.kind),
            term(t, a.status),
            a.start_month,
            a.amount_fen / 100,
            a.proposed_by,
            a.approved_by or "",
        ]
        for a in found
    ]
    return exports.xlsx("awards.xlsx", t.gettext("Awards"), header, rows)


def _award_view(page: Page, award_id: int) -> dict[str, Any]:
    award = awards.get_award(page.uow, page.actor, award_id)
    person = registry.get_person(page.uow, page.actor, award.person_id)
    return {"award": award, "person": person}


@router.get("/awards/{award_id}")
def award_page(page: SignedIn, award_id: int) -> Response:
    done = page.request.query_params.get("done", "")
    return page.render("awards/show.html", done=done, **_award_view(page, award_id))


@router.post("/awards/{award_id}/approve")
def approve(page: SignedIn, award_id: int, form: Form) -> Response:
    try:
        awards.approve(page.uow, page.actor, award_id)
    except REFUSALS as exc:
        return page.render_error("awards/show.html", exc, 403, **_award_view(page, award_id))
    return page.redirect(f"/awards/{award_id}?done=approved")


@router.post("/awards/{award_id}/reject")
def reject(page: SignedIn, award_id: int, form: Form) -> Response:
    try:
        reason = text(form, "reason")
        if not reason:
            raise InvalidInput.one("reason", "is required")
        awards.reject(page.uow, page.actor, award_id, reason=reason)
    except REFUSALS as exc:
        return page.render_error("awards/show.html", exc, 422, **_award_view(page, award_id))
    return page.redirect(f"/awards/{award_id}?done=rejected")


@router.post("/awards/retirement")
def propose_retirement(page: SignedIn, form: Form) -> Response:
    person_id = text(form, "person_id")
    try:
        if not person_id.isdigit():
            raise InvalidInput.one("person_id", "must be a whole number")
        award = awards.propose_retirement(
            page.uow,
            page.actor,
            person_id=int(person_id),
            scheme=text(form, "scheme") or "employee",
            retirement_month=text(form, "retirement_month") or None,
        )
    except REFUSALS as exc:
        return page.render_error(
            "awards/index.html",
            exc,
            422,
            values={"person_id": person_id},
            **_queue(page, "proposed", None),
        )
    return page.redirect(f"/awards/{award.id}?done=proposed")
