"""Sign-in, sign-out, the role's home, the account page and the language switch."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from safetynet.domain.errors import DomainError
from safetynet.services import auth, users
from safetynet.web import navigation
from safetynet.web.pages import AnyVisitor, Form, SignedIn, text

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only a path on this site (never ``//host`` or a URL) may follow sign-in."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def home(page: AnyVisitor) -> Response:
    if page.principal is None:
        return page.redirect("/login")
    return page.redirect(navigation.home_of(page.principal.role))


@router.get("/login")
def login_form(page: AnyVisitor, next: str = "/") -> Response:
    return page.render("login.html", next=_safe_next(next), username="")


@router.post("/login")
def login(page: AnyVisitor, form: Form) -> Response:
    username, target = text(form, "username"), _safe_next(text(form, "next") or "/")
    password = form.get("password")
    try:
        client = page.request.client
        principal = auth.authenticate(
            page.uow,
            username,
            password if isinstance(password, str) else "",
            client.host if client else None,
        )
        token = users.issue_token(page.uow, principal)
    except DomainError as exc:
        status = 429 if exc.code == "too_many_attempts" else 401
        return page.render_error("login.html", exc, status, next=target, username=username)
    page.replace_session(page.session.signed_in(token))
    return page.redirect(target if target != "/" else navigation.home_of(principal.role))


@router.post("/logout")
def logout(page: AnyVisitor, form: Form) -> Response:
    page.replace_session(page.session.fresh())
    return page.redirect("/login")


@router.get("/account")
def account(page: SignedIn) -> Response:
    return page.render("account.html")
