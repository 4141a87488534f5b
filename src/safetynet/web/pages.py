"""What every page handler gets: the request's language, session, signed-in principal and unit of
work (``Page``), the CSRF-checked form (``Form``) and rendering with the base layout.

A route module only declares ``page: SignedIn`` (or ``AnyVisitor``) and, for a POST, ``form: Form``;
it calls services with ``page.principal`` and returns ``page.render(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from safetynet.domain.access import Principal
from safetynet.domain.errors import DomainError
from safetynet.domain.regions import format_region
from safetynet.policy.errors import PolicyError
from safetynet.services import registry, users
from safetynet.services.uow import UnitOfWork
from safetynet.web import explanations, formatting, i18n, navigation
from safetynet.web.messages import (
    award_kind,
    error_text,
    field_label,
    problem_lines,
    role_name,
    term,
)
from safetynet.web.session import CSRF_FIELD, CSRF_HEADER, WebSession, load, store

TEMPLATES = Path(__file__).parent / "templates"
environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


REFUSALS = (DomainError, PolicyError)
"""What a use case may refuse with: shown on the page, translated (``render_error``)."""


class SignInRequired(Exception):
    """No valid session: the visitor is sent to /login and back afterwards."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class CsrfRefused(Exception):
    """A form without this session's CSRF token."""


@dataclass
class Page:
    request: Request
    uow: UnitOfWork
    t: i18n.Translator
    session: WebSession
    principal: Principal | None
    session_changed: bool = False
    extra_cookies: dict[str, str] = field(default_factory=dict)

    @property
    def actor(self) -> Principal:
        if self.principal is None:
            raise SignInRequired(self.request.url.path)
        return self.principal

    def _(self, message: str, **params: object) -> str:
        return self.t.gettext(message, **params)

    def replace_session(self, session: WebSession) -> None:
        self.session, self.session_changed = session, True

    def context(self, **values: Any) -> dict[str, Any]:
        locale = self.t.locale
        principal = self.principal
        return {
            "request": self.request,
            "_": self.t.gettext,
            "ngettext": self.t.ngettext,
            "locale": locale,
            "html_lang": self.t.html_lang,
            "principal": principal,
            "region_name": self.region(principal.region_code)
            if principal and principal.region_code
            else None,
            "region": self.region,
            "nav": navigation.items_for(principal.role) if principal else [],
            "csrf_token": self.session.csrf,
            "csrf_field": CSRF_FIELD,
            "path": self.request.url.path,
            "yuan": lambda fen: formatting.yuan(fen, locale),
            "month": lambda value: formatting.month(value, locale),
            "day": lambda value: formatting.day(value, locale),
            "field_label": lambda name: field_label(self.t, name),
            "role_name": lambda role: role_name(self.t, role),
            "term": lambda value: term(self.t, value),
            "award_kind": lambda kind: award_kind(self.t, kind),
            "step_heading": lambda step: explanations.heading(self.t, step),
            "lang_link": self.lang_link,
            **values,
        }

    def region(self, code: int | None) -> str:
        """A region as people read it: its name and code (the names are loaded once)."""
        if code is None:
            return "—"
        state = self.request.app.state
        names: dict[int, str] | None = getattr(state, "region_names", None)
        if names is None:
            names = registry.region_names(self.uow)
            state.region_names = names
        name = names.get(int(code))
        return f"{name} {format_region(code)}" if name else format_region(code)

    def lang_link(self, language: str) -> str:
        query = dict(self.request.query_params)
        query["lang"] = language
        return self.request.url.path + "?" + "&".join(f"{k}={quote(v)}" for k, v in query.items())

    def render(self, template: str, status_code: int = 200, **values: Any) -> Response:
        html = environment.get_template(template).render(self.context(**values))
        return self.finish(HTMLResponse(html, status_code=status_code))

    def render_error(
        self, template: str, exc: DomainError | PolicyError, status_code: int, **values: Any
    ) -> Response:
        """The form again, with the refusal and every bad field explained."""
        return self.render(
            template,
            status_code=status_code,
            error=error_text(self.t, exc),
            problems=problem_lines(self.t, exc),
            **values,
        )

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Response:
        """Set the cookies this request changed (the session, the remembered language)."""
        if self.session_changed:
            store(self.request, response, self.session)
        for name, value in self.extra_cookies.items():
            response.set_cookie(name, value, max_age=365 * 24 * 3600, samesite="lax", path="/")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def _principal(uow: UnitOfWork, session: WebSession) -> Principal | None:
    if not session.token:
        return None
    try:
        return users.principal_from_token(uow, session.token)
    except DomainError:
        return None


def any_visitor(request: Request) -> Page:
    query_lang = request.query_params.get("lang")
    locale = i18n.choose(
        query_lang, request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )
    uow = UnitOfWork(request.app.state.session_factory)
    loaded = load(request)
    session = loaded or WebSession.fresh()
    principal = _principal(uow, session)
    page = Page(request, uow, i18n.Translator(locale), session, principal)
    if loaded is None or (session.token and principal is None):
        page.replace_session(WebSession(csrf=session.csrf))
    if i18n.normalise(query_lang):
        page.extra_cookies[i18n.COOKIE] = locale
    request.state.web_page = page
    return page


def signed_in(page: Annotated[Page, Depends(any_visitor)]) -> Page:
    if page.principal is None:
        target = page.request.url.path
        if page.request.url.query:
            target += "?" + page.request.url.query
        raise SignInRequired(target)
    return page


AnyVisitor = Annotated[Page, Depends(any_visitor)]
SignedIn = Annotated[Page, Depends(signed_in)]


async def checked_form(request: Request, page: Annotated[Page, Depends(any_visitor)]) -> FormData:
    """The submitted form, refused unless it carries this session's CSRF token."""
    form = await request.form()
    offered = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not page.session.csrf_matches(offered if isinstance(offered, str) else None):
        raise CsrfRefused()
    return form


Form = Annotated[FormData, Depends(checked_form)]


def text(form: FormData, name: str) -> str:
    """A text field of a form ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
