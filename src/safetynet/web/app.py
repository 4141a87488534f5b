"""Mounting the web interface on the FastAPI application."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from safetynet.api import problems
from safetynet.domain.errors import DomainError, Forbidden, NotFound, Unauthenticated
from safetynet.policy.errors import PolicyError
from safetynet.web.messages import ERRORS, error_text
from safetynet.web.pages import CsrfRefused, Page, SignInRequired, any_visitor
from safetynet.web.routes import ROUTERS

STATIC = Path(__file__).parent / "static"
NOT_WEB = ("/api/", "/health/", "/docs", "/redoc", "/openapi.json", "/static/")


def is_web(request: Request) -> bool:
    return not request.url.path.startswith(NOT_WEB)


def _page(request: Request) -> Page:
    existing = getattr(request.state, "web_page", None)
    return existing if isinstance(existing, Page) else any_visitor(request)


def _status_of(exc: DomainError) -> int:
    if exc.code == "too_many_attempts":
        return 429
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Unauthenticated):
        return 401
    return 409


def install_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from the vendored files, so /docs works without internet."""

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="safetynet API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="safetynet API",
            redoc_js_url="/static/vendor/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.svg",
            with_google_fonts=False,
        )


def install_error_pages(app: FastAPI) -> None:
    """Pages get HTML error pages in their language; the API keeps its problem documents."""

    @app.exception_handler(SignInRequired)
    async def on_sign_in(_: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/login?next=" + quote(exc.target, safe=""), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def on_csrf(request: Request, _: CsrfRefused) -> Response:
        page = _page(request)
        return page.render("error.html", status_code=403, message=page._(ERRORS["csrf"]))

    @app.exception_handler(DomainError)
    async def on_domain(request: Request, exc: DomainError) -> Response:
        if not is_web(request):
            return problems.domain_problem(exc)
        page = _page(request)
        return page.render(
            "error.html", status_code=_status_of(exc), message=error_text(page.t, exc)
        )

    @app.exception_handler(PolicyError)
    async def on_policy(request: Request, exc: PolicyError) -> Response:
        if not is_web(request):
            return problems.policy_problem(exc)
        page = _page(request)
        return page.render("error.html", status_code=422, message=error_text(page.t, exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_web(request):
            return problems.http_problem(exc)
        page = _page(request)
        message = page._("Page not found.") if exc.status_code == 404 else str(exc.detail)
        return page.render("error.html", status_code=exc.status_code, message=message)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        if not is_web(request):
            return problems.validation_problem(exc)
        page = _page(request)
        fields = ", ".join(str(e.get("loc", ("?",))[-1]) for e in exc.errors())
        message = page._("Some fields are missing or malformed: {fields}", fields=fields)
        return page.render("error.html", status_code=422, message=message)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_docs(app)
    for router in ROUTERS:
        app.include_router(router)
    install_error_pages(app)
