"""The citizen portal (个人服务): activation, my record, my pension with the what-if, my
applications, the statement PDF, its public verification, and the operators' activation codes.

Every page calls the same services as the API; a citizen reaches only their own record (the
services' scope rule), and ``/record/{person_id}`` shows staff the same view of a person.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from safetynet.domain.errors import DomainError, Forbidden, InvalidInput
from safetynet.policy.errors import PolicyError
from safetynet.services import (
    activation,
    applications,
    my_pension,
    my_record,
    registry,
    statement_pdf,
    users,
)
from safetynet.web.i18n import Translator, mark
from safetynet.web.messages import error_text
from safetynet.web.pages import AnyVisitor, Form, Page, SignedIn, text

router = APIRouter(include_in_schema=False)
MAX_PDF_BYTES = 10 * 1024 * 1024

STEPS: dict[str, tuple[str, str]] = {
    "original age": (
        mark("Original retirement age"),
        mark("The retirement age of your category before the 2024 reform."),
    ),
    "delay": (
        mark("Delay under the 2024 reform"),
        mark("One more month for every few months of birth cohort from 2025, up to the cap."),
    ),
    "statutory age": (mark("Statutory retirement age"), mark("Original age plus the delay.")),
    "retirement month": (
        mark("Statutory retirement month"),
        mark("Your birth month plus the statutory age."),
    ),
    "flexible window": (
        mark("Flexible retirement window"),
        mark("Up to three years earlier or later, never before the original age."),
    ),
    "minimum contribution": (
        mark("Minimum contribution years"),
        mark("The minimum for the year you reach the statutory age (15 rising to 20 years)."),
    ),
    "account balance at retirement": (
        mark("Personal account at retirement"),
        mark("Each year the balance earns the year's crediting rate and your credits are added."),
    ),
    "calculation base": (
        mark("Pension calculation base"),
        mark("The region's average wage used for pensions in the year you retire."),
    ),
    "basic pension": (
        mark("Basic pension"),
        mark("(Base + base x your average index) / 2 x 1 % per year of contributions."),
    ),
    "divisor": (
        mark("Months of account payments"),
        mark("The account is paid over a number of months set by your age at retirement."),
    ),
    "account pension": (mark("Personal-account pension"), mark("Account balance / months.")),
    "transitional pension": (
        mark("Transitional pension"),
        mark("For deemed service before the personal accounts began."),
    ),
    "total": (mark("Monthly pension"), mark("Basic + account + transitional pension.")),
    "eligibility": (
        mark("Minimum contribution check"),
        mark("Your contribution months compared with the minimum of your retirement year."),
    ),
}

ASSUMPTIONS = {
    "base_continues": mark("You keep contributing at your base of {month} until you retire."),
    "rate_last_published": mark(
        "From {from_year}, no crediting rate is published yet: the last published one "
        "({year}: {rate} %) is assumed."
    ),
    "rate_given": mark("From {from_year}, the crediting rate you gave ({rate} %) is assumed."),
    "wage_given": mark("You contribute on a monthly wage of {wage} yuan until you retire."),
    "no_contributions": mark("No contribution is on record: none is assumed for the future."),
}

OPTIONS = {
    "work_longer": mark("Keep contributing {months} more months, until {until}."),
    "pay_missing": mark("Pay the {months} missing months in one go."),
    "resident_scheme": mark("Transfer to the residents' pension scheme."),
}

CATEGORIES = {
    "male": mark("Man (original age 60)"),
    "female_55": mark("Woman, managerial post (original age 55)"),
    "female_50": mark("Woman (original age 50)"),
}

STATUSES = {
    "active": mark("active"),
    "suspended": mark("suspended"),
    "ended": mark("ended"),
    "proposed": mark("awaiting approval"),
    "rejected": mark("rejected"),
    "requested": mark("requested"),
    "completed": mark("completed"),
    "cancelled": mark("cancelled"),
    "paid": mark("paid"),
    "failed": mark("failed"),
    "pending": mark("pending"),
}


def status_text(t: Translator, status: str) -> str:
    return t.gettext(STATUSES[status]) if status in STATUSES else status


def explanation(t: Translator, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The outlook's steps in the page's language, each with the law it cites."""
    out = []
    for step in steps:
        title, plain = STEPS.get(step["step"], (step["step"], step["formula"]))
        laws = [
            p["reference"] + (f" {p['article']}" if p.get("article") else "")
            for p in step["parameters"]
        ] + list(step.get("references", []))
        out.append(
            {
                "title": t.gettext(title),
                "plain": t.gettext(plain),
                "value": step["value"],
                "laws": list(dict.fromkeys(laws)),
            }
        )
    return out


def _record_page(page: Page, person_id: int) -> Response:
    view = my_record.my_record(page.uow, page.actor, person_id)
    charts = {
        "contributions": {
            "title": page._("Pension contributions by month (yuan)"),
            "labels": [m for m, _, _ in view.months],
            "values": [paid / 100 for _, paid, _ in view.months],
            "type": "bar",
        },
        "account": {
            "title": page._("Personal account balance at year end (yuan)"),
            "labels": [str(y["year"]) for y in view.account_years],
            "values": [y["balance"] / 100 for y in view.account_years],
            "type": "line",
        },
    }
    return page.render(
        "portal/me.html",
        view=view,
        charts=charts,
        status_text=lambda s: status_text(page.t, s),
    )


@router.get("/me")
def me(page: SignedIn) -> Response:
    if page.actor.person_id is None:
        raise Forbidden("only a citizen account has a personal record", code="own_record_only")
    return _record_page(page, page.actor.person_id)


@router.get("/record/{person_id}")
def record(page: SignedIn, person_id: int) -> Response:
    """The same view of one person for staff in scope (a citizen: their own only)."""
    return _record_page(page, person_id)


def _number(page: Page, name: str, scale: float = 1.0) -> float | None:
    text = page.request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        return float(text) / scale
    except ValueError:
        raise InvalidInput.one(name, "expected a number") from None


def _what_if(page: Page) -> my_pension.WhatIf:
    query = page.request.query_params
    return my_pension.WhatIf(
        retirement_month=query.get("retirement_month", "").strip() or None,
        monthly_wage=query.get("monthly_wage", "").strip() or None,
        average_index=_number(page, "average_index"),
        category=query.get("category", "").strip() or None,
        crediting_rate=_number(page, "crediting_rate", scale=100.0),
    )


def _own_person(page: Page) -> int:
    if page.actor.person_id is None:
        raise Forbidden("only a citizen account has a personal record", code="own_record_only")
    return page.actor.person_id


def _pension_values(page: Page) -> dict[str, Any]:
    return {
        "categories": [(k, page._(v)) for k, v in CATEGORIES.items()],
        "assumption_text": lambda a: page._(ASSUMPTIONS[a["code"]], **a),
        "option_text": lambda o: page._(OPTIONS[o["code"]], **o),
    }


def _pension(page: Page, template: str) -> Response:
    person_id = _own_person(page)
    values = _pension_values(page)
    try:
        what = _what_if(page)
        view = my_pension.outlook(page.uow, page.actor, person_id, what)
    except DomainError as exc:
        baseline = my_pension.outlook(page.uow, page.actor, person_id)
        steps = explanation(page.t, baseline.explanation)
        return page.render_error(
            template, exc, 422, view=baseline, steps=steps, what=my_pension.WhatIf(), **values
        )
    steps = explanation(page.t, view.explanation)
    return page.render(template, view=view, steps=steps, what=what, **values)


@router.get("/me/pension")
def pension(page: SignedIn) -> Response:
    return _pension(page, "portal/pension.html")


@router.get("/me/pension/estimate")
def pension_estimate(page: SignedIn) -> Response:
    """The estimate alone, for the what-if form's htmx update."""
    return _pension(page, "portal/_estimate.html")


def _applications(page: Page, status: int = 200, **values: Any) -> Response:
    person_id = _own_person(page)
    members = applications.household_members(page.uow, page.actor)
    view = my_record.my_record(page.uow, page.actor, person_id)
    return page.render(
        "portal/applications.html",
        status=status,
        members=members,
        view=view,
        status_text=lambda s: status_text(page.t, s),
        **values,
    )


@router.get("/me/applications")
def applications_page(page: SignedIn) -> Response:
    return _applications(page)


@router.post("/me/applications/childcare")
def apply_childcare(page: SignedIn, form: Form) -> Response:
    try:
        child = int(text(form, "child_person_id") or 0)
        award = applications.apply_childcare(page.uow, page.actor, child_person_id=child)
    except (DomainError, PolicyError) as exc:
        return _refused(page, exc)
    return _applications(page, notice=page._("Application {id} sent for approval.", id=award.id))


@router.post("/me/applications/existence")
def verify_existence(page: SignedIn, form: Form) -> Response:
    try:
        applications.verify_existence(page.uow, page.actor)
    except DomainError as exc:
        return _refused(page, exc)
    return _applications(page, notice=page._("Your existence verification is recorded."))


def _refused(page: Page, exc: Exception) -> Response:
    message = error_text(page.t, exc) if isinstance(exc, DomainError) else str(exc)
    status = 403 if isinstance(exc, Forbidden) else 409
    return _applications(page, status=status, error=message)


@router.get("/me/statement.pdf")
def statement_file(page: SignedIn) -> Response:
    issued = statement_pdf.issue(page.uow, page.actor, _own_person(page))
    return page.finish(
        Response(
            issued.content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="statement-{issued.code}.pdf"',
                "X-Verification-Code": issued.code,
            },
        )
    )


@router.get("/verify")
def verify_form(page: AnyVisitor, code: str = "") -> Response:
    if code.strip():
        return page.redirect("/verify/" + "".join(c for c in code if c.isalnum())[:64])
    return page.render("portal/verify.html", result=None, code="")


@router.get("/verify/{code}")
def verify(page: AnyVisitor, code: str) -> Response:
    try:
        result = statement_pdf.verify(page.uow, code)
    except DomainError:
        return page.render("portal/verify.html", status=404, result=None, code=code, unknown=True)
    return page.render("portal/verify.html", result=result, code=result.code)


@router.post("/verify/{code}")
async def verify_file(page: AnyVisitor, form: Form, code: str) -> Response:
    upload = form.get("file")
    content = await upload.read(MAX_PDF_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        result = statement_pdf.verify(page.uow, code, content[:MAX_PDF_BYTES] or b"")
    except DomainError:
        return page.render("portal/verify.html", status=404, result=None, code=code, unknown=True)
    return page.render("portal/verify.html", result=result, code=result.code)


@router.get("/activate")
def activate_form(page: AnyVisitor) -> Response:
    return page.render("portal/activate.html", username="")


@router.post("/activate")
def activate(page: AnyVisitor, form: Form) -> Response:
    username, password = text(form, "username"), form.get("password")
    secret = password if isinstance(password, str) else ""
    try:
        user = activation.activate(
            page.uow,
            id_number=text(form, "id_number"),
            code=text(form, "code"),
            username=username,
            password=secret,
        )
        token = users.issue_token(page.uow, users.principal_of(user))
    except DomainError as exc:
        return page.render_error("portal/activate.html", exc, 422, username=username)
    page.replace_session(page.session.signed_in(token))
    return page.redirect("/me")


@router.get("/activation-codes")
def codes_form(page: SignedIn) -> Response:
    page.actor.require_write()
    return page.render("portal/codes.html", issued=None)


@router.post("/activation-codes")
def issue_code(page: SignedIn, form: Form) -> Response:
    try:
        person = registry.find_person(page.uow, page.actor, text(form, "id_number"))
        issued = activation.issue_code(page.uow, page.actor, person.id)
    except DomainError as exc:
        return page.render_error("portal/codes.html", exc, 422, issued=None)
    return page.render("portal/codes.html", issued=issued, person=person)
