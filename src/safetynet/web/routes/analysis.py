"""The analyst's workbench: scenarios compared with overrides (charts, CSV, Excel) and the
summaries of batch-job outputs. The runs go through ``services.analysis`` only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from safetynet.domain.errors import InvalidInput
from safetynet.policy.errors import PolicyError
from safetynet.services import analysis
from safetynet.web.i18n import mark
from safetynet.web.pages import Page, SignedIn

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT = ["baseline", "no_reform"]

SERIES_TITLES = {
    "reserve": mark("Reserve (yuan)"),
    "balancing_rate": mark("Balancing contribution rate"),
    "dependency_ratio": mark("Pensioners per contributor"),
    "contributors": mark("Contributors"),
    "pensioners": mark("Pensioners"),
}
FERTILITY = {"low": mark("low"), "medium": mark("medium"), "high": mark("high")}
INDEXATION = {"wage_share": mark("half of wage growth"), "cpi": mark("prices (2 %)")}


def _number(page: Page, name: str) -> float | None:
    value = page.request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput.one(name, "expected a number") from None


def _request(page: Page) -> tuple[list[str], analysis.Overrides, int]:
    query = page.request.query_params
    names = query.getlist("scenario") or DEFAULT
    steps = [_number(page, f"step_{c}") for c in ("male", "female_55", "female_50")]
    overrides = analysis.Overrides(
        delay_step_months=(
            dict(zip(("male", "female_55", "female_50"), steps, strict=True))  # type: ignore[arg-type]
            if all(s is not None for s in steps)
            else None
        ),
        employer_rate=_number(page, "employer_rate"),
        indexation_rule=query.get("indexation_rule") or None,
        fertility_variant=query.get("fertility_variant") or None,
        contribution_density_scale=_number(page, "density"),
    )
    end = int(_number(page, "end_year") or 2070)
    return names, overrides, end


def _charts(page: Page, comparison: analysis.Comparison) -> dict[str, Any]:
    return {
        name: {
            "title": page._(SERIES_TITLES[name]),
            "labels": comparison.years,
            "series": [
                {"name": s, "values": comparison.series[name][s]} for s in comparison.scenarios
            ],
        }
        for name in analysis.SERIES
    }


@router.get("/analysis/projections")
def projections(page: SignedIn) -> Response:
    known = analysis.scenarios(page.actor)
    values: dict[str, Any] = {
        "known": known,
        "query": page.request.query_params,
        "fertility": [("", page._("as in the scenario"))]
        + [(k, page._(v)) for k, v in FERTILITY.items()],
        "indexation": [("", page._("as in the scenario"))]
        + [(k, page._(v)) for k, v in INDEXATION.items()],
        "download": str(page.request.url.query),
    }
    try:
        names, overrides, end = _request(page)
        comparison = analysis.compare(page.actor, names, overrides, end_year=end)
    except (InvalidInput, PolicyError) as exc:
        if isinstance(exc, InvalidInput):
            return page.render_error(
                "analysis/projections.html", exc, 422, comparison=None, chosen=DEFAULT, **values
            )
        raise
    return page.render(
        "analysis/projections.html",
        comparison=comparison,
        chosen=names,
        charts=_charts(page, comparison),
        **values,
    )


def _download(page: Page, kind: str) -> Response:
    names, overrides, end = _request(page)
    comparison = analysis.compare(page.actor, names, overrides, end_year=end)
    if kind == "csv":
        content, media = analysis.to_csv(comparison), "text/csv; charset=utf-8"
    else:
        content, media = analysis.to_xlsx(comparison), XLSX
    return page.finish(
        Response(
            content,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="projections.{kind}"'},
        )
    )


@router.get("/analysis/projections.csv")
def projections_csv(page: SignedIn) -> Response:
    return _download(page, "csv")


@router.get("/analysis/projections.xlsx")
def projections_xlsx(page: SignedIn) -> Response:
    return _download(page, "xlsx")


@router.get("/analysis/batch")
def batch(page: SignedIn) -> Response:
    outputs = analysis.batch_summaries(page.actor)
    readable = [o for o in outputs if "problem" not in o]
    charts = {
        "rows": {
            "title": page._("Rows processed by output"),
            "labels": [o["output"] for o in readable],
            "series": [
                {"name": page._("processed"), "values": [o.get("processed", 0) for o in readable]},
                {"name": page._("rejected"), "values": [o.get("rejected", 0) for o in readable]},
            ],
            "type": "bar",
        }
    }
    return page.render(
        "analysis/batch.html",
        outputs=outputs,
        charts=charts,
        folder=str(analysis.batch_directory()),
    )
