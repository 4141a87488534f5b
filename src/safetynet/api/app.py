"""The FastAPI application: ``create_app()`` over the configured (or a given) database."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from safetynet import __version__, web
from safetynet.api import (
    access,
    analysis,
    benefits,
    calc,
    money,
    parameters,
    portal,
    problems,
    registry,
)
from safetynet.api.guard import InputGuard
from safetynet.api.idempotency import IdempotencyKeys
from safetynet.api.uploads import UploadSlots
from safetynet.services.log_masking import install_log_masking
from safetynet.services.startup import check_startup
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory


def create_app(engine: Engine | None = None) -> FastAPI:
    """The API over ``engine``. Refuses (``StartupRefused``, one line per reason) a bad secret,
    and in production demo users or a secret in the database."""
    install_log_masking()
    engine = engine or make_engine()
    check_startup(UnitOfWork(session_factory(engine)))
    app = FastAPI(
        title="safetynet",
        version=__version__,
        description="China's universal, multi-level social security system: the national "
        "record of persons, enrollment, contributions and personal accounts.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.upload_slots = UploadSlots.from_environment()
    problems.install(app)
    app.add_middleware(IdempotencyKeys)
    app.add_middleware(InputGuard)  # outermost: refuses bad input before anything else runs
    for module in (access, registry, money, calc, benefits, parameters, portal, analysis):
        app.include_router(module.router, responses=problems.PROBLEM_RESPONSES)
    web.install(app)

    @app.get("/health/live", tags=["health"])
    def live() -> dict[str, str]:
        return {"status": "live"}

    @app.get("/health/ready", tags=["health"])
    def ready(request: Request) -> JSONResponse:
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1 FROM alembic_version"))
        except Exception as exc:  # any failure means not ready; the reason is reported
            return JSONResponse(
                {"status": "not ready", "reason": type(exc).__name__}, status_code=503
            )
        return JSONResponse({"status": "ready"})

    return app
