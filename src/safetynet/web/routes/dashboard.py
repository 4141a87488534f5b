"""The region dashboard: insured persons, the month's contributions, awards and payroll."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from safetynet.services import dashboard
from safetynet.web.messages import CONTRIBUTION_GROUPS, award_kind, term
from safetynet.web.pages import SignedIn

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def region_dashboard(page: SignedIn, month: str | None = None) -> Response:
    summary = dashboard.region_summary(page.uow, page.actor, month=month or None)
    t = page.t
    charts = {
        "insured": {
            "title": t.gettext("Insured persons by scheme"),
            "labels": [term(t, k) for k in summary.insured_by_scheme],
            "values": list(summary.insured_by_scheme.values()),
            "type": "bar",
        },
        "contributions": {
            "title": t.gettext("Contributions this month (yuan)"),
            "labels": [t.gettext(CONTRIBUTION_GROUPS[k]) for k in summary.contributions_fen],
            "values": [v / 100 for v in summary.contributions_fen.values()],
            "type": "bar",
        },
        "awards": {
            "title": t.gettext("Awards by state"),
            "labels": [term(t, k) for k in summary.awards_by_status],
            "values": list(summary.awards_by_status.values()),
            "type": "pie",
        },
        "payroll": {
            "title": t.gettext("Payroll totals by month (yuan)"),
            "labels": [m for m, _, _ in summary.payroll_by_month],
            "values": [total / 100 for _, _, total in summary.payroll_by_month],
            "type": "line",
        },
    }
    kinds = [(award_kind(t, k), n) for k, n in summary.awards_by_kind.items()]
    return page.render("dashboard.html", summary=summary, charts=charts, kinds=kinds)
