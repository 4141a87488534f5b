"""Persons: search (name, full ID number or its last digits) with keyset paging, the person's
page with its tabs, registration and correction; households, employers and jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from safetynet.domain.access import Role
from safetynet.domain.errors import InvalidInput
from safetynet.domain.identity import mask_id
from safetynet.domain.regions import format_region
from safetynet.services import accounts, audit, registry, statement
from safetynet.services.benefits import awards, claims, payroll
from safetynet.store.registry import Person
from safetynet.web import exports
from safetynet.web.i18n import mark
from safetynet.web.pages import REFUSALS, Form, Page, SignedIn, text

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
TABS = [
    ("record", mark("Record")),
    ("enrollments", mark("Enrollments")),
    ("jobs", mark("Jobs")),
    ("ledger", mark("Ledger")),
    ("statement", mark("Statement")),
    ("awards", mark("Awards")),
    ("payments", mark("Payments")),
    ("claims", mark("Medical claims")),
    ("audit", mark("Audit trail")),
]
AUDIT_ROLES = (Role.AUDITOR, Role.ADMIN)


def _search(page: Page, q: str, after: int | None) -> list[Person]:
    if q.strip():
        return registry.search_persons(page.uow, page.actor, q, after_id=after, limit=PAGE_SIZE)
    return registry.list_persons(page.uow, page.actor, after_id=after, limit=PAGE_SIZE)


@router.get("/persons")
def persons(page: SignedIn, q: str = "", after: int | None = None) -> Response:
    try:
        found = _search(page, q, after)
    except REFUSALS as exc:
        return page.render_error("persons/list.html", exc, 422, q=q, persons=[], next_after=None)
    next_after = found[-1].id if len(found) == PAGE_SIZE else None
    return page.render("persons/list.html", q=q, persons=found, next_after=next_after)


@router.get("/persons.xlsx")
def persons_export(page: SignedIn, q: str = "") -> Response:
    """The search result (or the persons in scope), up to 10,000 rows."""
    t = page.t
    rows: list[list[object]] = []
    after: int | None = None
    while len(rows) < 10_000:
        batch = (
            registry.search_persons(page.uow, page.actor, q, after_id=after, limit=1000)
            if q.strip()
            else registry.list_persons(page.uow, page.actor, after_id=after, limit=1000)
        )
        rows.extend(
            [p.id, p.id_number, p.name, p.sex, str(p.birth_date), format_region(p.region_code)]
            for p in batch
        )
        if len(batch) < 1000:
            break
        after = batch[-1].id
    header = [t.gettext(h) for h in ("No.", "ID number", "Name", "Sex", "Born", "Region")]
    return exports.xlsx("persons.xlsx", t.gettext("Persons"), header, rows)


@router.get("/persons/new")
def new_person(page: SignedIn) -> Response:
    page.actor.require_write()
    return page.render("persons/new.html", values={})


@router.post("/persons")
def register_person(page: SignedIn, form: Form) -> Response:
    values = {k: text(form, k) for k in ("id_number", "name", "hukou_type", "region", "reason")}
    household = text(form, "household_id")
    try:
        person = registry.register_person(
            page.uow,
            page.actor,
            id_number=values["id_number"],
            name=values["name"],
            hukou_type=values["hukou_type"],
            region=values["region"] or None,
            household_id=_int_or_none(household, "household_id"),
            reason=values["reason"],
        )
    except REFUSALS as exc:
        return page.render_error("persons/new.html", exc, 422, values=values)
    return page.redirect(f"/persons/{person.id}?done=registered")


def _int_or_none(value: str, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput.one(field, "must be a whole number")
    return int(value)


def _tab_data(page: Page, person: Person, tab: str) -> dict[str, Any]:
    uow, actor = page.uow, page.actor
    if tab == "enrollments":
        return {"enrollments": registry.list_enrollments(uow, actor, person.id)}
    if tab == "jobs":
        employers = registry.list_employers(uow, actor, limit=200)
        return {
            "jobs": registry.list_employment(uow, actor, person.id),
            "employer_options": [(str(e.id), f"{e.name} ({e.credit_code})") for e in employers],
        }
    if tab == "ledger":
        return {"entries": accounts.list_entries(uow, actor, person.id, limit=500)}
    if tab == "statement":
        return {"statement": statement.statement(uow, actor, person.id)}
    if tab == "awards":
        return {"awards": awards.list_awards(uow, actor, person_id=person.id, limit=200)}
    if tab == "payments":
        return {"lines": payroll.lines_of(uow, actor, person_id=person.id)}
    if tab == "claims":
        return {"claims": claims.claims_of(uow, actor, person.id)}
    if tab == "audit":
        return {
            "entries": audit.list_entries(
                uow, actor, entity="person", entity_id=str(person.id), limit=200
            )
        }
    return {}


def _person_view(page: Page, person_id: int, tab: str) -> dict[str, Any]:
    """What the person's page shows on the chosen tab (the audit tab only to auditors)."""
    person = registry.get_person(page.uow, page.actor, person_id)
    tabs = [(k, label) for k, label in TABS if k != "audit" or page.actor.role in AUDIT_ROLES]
    chosen = tab if tab in {k for k, _ in tabs} else "record"
    return {
        "person": person,
        "masked": mask_id(person.id_number),
        "tabs": tabs,
        "tab": chosen,
        **_tab_data(page, person, chosen),
    }


@router.get("/persons/{person_id}")
def person_page(page: SignedIn, person_id: int, tab: str = "record") -> Response:
    notice = {"registered": mark("Registered."), "corrected": mark("Correction saved.")}.get(
        page.request.query_params.get("done", "")
    )
    return page.render(
        "persons/show.html",
        notice=page.t.gettext(notice) if notice else None,
        **_person_view(page, person_id, tab),
    )


@router.post("/persons/{person_id}/correct")
def correct_person(page: SignedIn, person_id: int, form: Form) -> Response:
    fields = ("name", "hukou_type", "region", "household_id")
    changes: dict[str, Any] = {f: text(form, f) for f in fields if text(form, f)}
    try:
        if "household_id" in changes:
            changes["household_id"] = _int_or_none(changes["household_id"], "household_id")
        registry.correct_person(
            page.uow, page.actor, person_id, changes, reason=text(form, "reason")
        )
    except REFUSALS as exc:
        view = _person_view(page, person_id, "record")
        return page.render_error("persons/show.html", exc, 422, **view)
    return page.redirect(f"/persons/{person_id}?done=corrected")


@router.post("/persons/{person_id}/jobs")
def start_job(page: SignedIn, person_id: int, form: Form) -> Response:
    try:
        employer = _int_or_none(text(form, "employer_id"), "employer_id")
        if employer is None:
            raise InvalidInput.one("employer_id", "is required")
        registry.start_employment(
            page.uow,
            page.actor,
            person_id=person_id,
            employer_id=employer,
            start_month=text(form, "start_month"),
            reason=text(form, "reason"),
        )
    except REFUSALS as exc:
        view = _person_view(page, person_id, "jobs")
        return page.render_error("persons/show.html", exc, 422, **view)
    return page.redirect(f"/persons/{person_id}?tab=jobs")


@router.get("/households/new")
def new_household(page: SignedIn) -> Response:
    page.actor.require_write()
    return page.render("persons/household.html", values={})


@router.post("/households")
def create_household(page: SignedIn, form: Form) -> Response:
    values = {k: text(form, k) for k in ("region", "hukou_type", "address")}
    try:
        household = registry.create_household(page.uow, page.actor, **values)
    except REFUSALS as exc:
        return page.render_error("persons/household.html", exc, 422, values=values)
    return page.render("persons/household.html", values={}, created=household)


@router.get("/employers")
def employers(page: SignedIn, after: int | None = None) -> Response:
    found = registry.list_employers(page.uow, page.actor, after_id=after, limit=PAGE_SIZE)
    next_after = found[-1].id if len(found) == PAGE_SIZE else None
    return page.render("persons/employers.html", employers=found, next_after=next_after, values={})


@router.post("/employers")
def register_employer(page: SignedIn, form: Form) -> Response:
    values = {k: text(form, k) for k in ("credit_code", "name", "risk_class", "region")}
    try:
        risk = _int_or_none(values["risk_class"], "risk_class")
        registry.register_employer(
            page.uow,
            page.actor,
            credit_code=values["credit_code"],
            name=values["name"],
            risk_class=risk if risk is not None else 0,
            region=values["region"] or None,
        )
    except REFUSALS as exc:
        found = registry.list_employers(page.uow, page.actor, limit=PAGE_SIZE)
        return page.render_error(
            "persons/employers.html", exc, 422, employers=found, next_after=None, values=values
        )
    return page.redirect("/employers")
