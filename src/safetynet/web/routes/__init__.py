"""The page routes: one module per area; a new module is added to ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

from safetynet.web.routes import (
    audit,
    auth,
    awards,
    claims,
    dashboard,
    declarations,
    payroll,
    persons,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    dashboard.router,
    persons.router,
    declarations.router,
    awards.router,
    payroll.router,
    claims.router,
    audit.router,
]
