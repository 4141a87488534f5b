"""The page routes: one module per area; a new module is added to ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

from safetynet.web.routes import analysis, auth, dashboard, portal

ROUTERS: list[APIRouter] = [auth.router, dashboard.router, portal.router, analysis.router]
