"""Medical claims: enter a claim for an insured person and see its settlement through the three
layers (basic medical insurance, critical-illness insurance, medical assistance)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from safetynet.domain.errors import InvalidInput
from safetynet.services import registry
from safetynet.services.benefits import claims
from safetynet.web.i18n import mark
from safetynet.web.pages import REFUSALS, Form, Page, SignedIn, text

router = APIRouter(include_in_schema=False)
FIELDS = (
    "person",
    "reference",
    "service_date",
    "setting",
    "tier",
    "policy_cost",
    "other_cost",
    "assistance_category",
)
SETTINGS = {"outpatient": mark("outpatient"), "inpatient": mark("inpatient")}
TIERS = {
    "community": mark("community health centre"),
    "tier1": mark("level-1 hospital"),
    "tier2": mark("level-2 hospital"),
    "tier3": mark("level-3 hospital"),
}
ASSISTANCE = {
    "none": mark("none"),
    "low_income": mark("low-income household"),
    "dibao": mark("dibao household"),
    "tekun": mark("person in extreme poverty (tekun)"),
}


def _options(page: Page) -> dict[str, Any]:
    t = page.t
    return {
        "settings": [(k, t.gettext(v)) for k, v in SETTINGS.items()],
        "tiers": [(k, t.gettext(v)) for k, v in TIERS.items()],
        "assistance": [(k, t.gettext(v)) for k, v in ASSISTANCE.items()],
    }


def _person_id(page: Page, value: str) -> int:
    """A person number, or an 18-character identity number looked up in scope."""
    if value.isdigit() and len(value) < 18:
        return int(value)
    if not value:
        raise InvalidInput.one("person_id", "is required")
    return registry.find_person(page.uow, page.actor, value).id


@router.get("/claims")
def claims_page(page: SignedIn) -> Response:
    page.actor.require_write()
    return page.render("claims/index.html", values={}, **_options(page))


@router.post("/claims")
def submit_claim(page: SignedIn, form: Form) -> Response:
    values = {k: text(form, k) for k in FIELDS}
    try:
        person_id = _person_id(page, values["person"])
        settlement = claims.submit_claim(
            page.uow,
            page.actor,
            person_id=person_id,
            reference=values["reference"],
            service_date=values["service_date"],
            setting=values["setting"],
            tier=values["tier"],
            policy_cost=values["policy_cost"],
            other_cost=values["other_cost"] or "0",
            assistance_category=values["assistance_category"] or None,
        )
    except REFUSALS as exc:
        return page.render_error("claims/index.html", exc, 422, values=values, **_options(page))
    person = registry.get_person(page.uow, page.actor, settlement.claim.person_id)
    return page.render(
        "claims/index.html",
        values={},
        settlement=settlement,
        person=person,
        claims=claims.claims_of(page.uow, page.actor, person.id),
        **_options(page),
    )
