"""The analyst's resources: built-in scenarios, a comparison with overrides (JSON, CSV or
Excel) and the summaries of batch-job outputs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from safetynet.api.deps import Actor
from safetynet.domain.access import Principal
from safetynet.services import analysis

router = APIRouter(prefix="/api/v1/analysis", tags=["analysis"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CompareIn(BaseModel):
    scenarios: list[str] = Field(["baseline"], description="built-in scenario names")
    end_year: int = 2070
    delay_step_months: dict[str, float] | None = Field(
        None, description="months of cohort per month of delay: male, female_55, female_50"
    )
    employer_rate: float | None = Field(None, description="employer pension rate from 2026")
    indexation_rule: str | None = Field(None, description="wage_share or cpi")
    fertility_variant: str | None = Field(None, description="low, medium or high")
    contribution_density_scale: float | None = Field(
        None, description="multiplies the share of members contributing (0.5-1.3)"
    )

    def overrides(self) -> analysis.Overrides:
        return analysis.Overrides(
            delay_step_months=self.delay_step_months,
            employer_rate=self.employer_rate,
            indexation_rule=self.indexation_rule,
            fertility_variant=self.fertility_variant,
            contribution_density_scale=self.contribution_density_scale,
        )


class ComparisonOut(BaseModel):
    years: list[int]
    scenarios: list[str]
    series: dict[str, dict[str, list[float | None]]]
    headline: list[dict[str, Any]]
    seconds: float


def _compare(body: CompareIn, actor: Principal) -> analysis.Comparison:
    return analysis.compare(actor, body.scenarios, body.overrides(), end_year=body.end_year)


@router.get("/scenarios", response_model=dict[str, str])
def scenarios(actor: Actor) -> dict[str, str]:
    return analysis.scenarios(actor)


@router.post("/projections", response_model=ComparisonOut)
def compare(body: CompareIn, actor: Actor) -> ComparisonOut:
    """Run the scenarios (and ``<first>+custom`` when overridden) and compare their series."""
    c = _compare(body, actor)
    return ComparisonOut(
        years=c.years,
        scenarios=c.scenarios,
        series=c.series,
        headline=c.headline,
        seconds=c.seconds,
    )


@router.post("/projections.csv", response_class=Response)
def compare_csv(body: CompareIn, actor: Actor) -> Response:
    return Response(
        analysis.to_csv(_compare(body, actor)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="projections.csv"'},
    )


@router.post("/projections.xlsx", response_class=Response)
def compare_xlsx(body: CompareIn, actor: Actor) -> Response:
    return Response(
        analysis.to_xlsx(_compare(body, actor)),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="projections.xlsx"'},
    )


@router.get("/batch", response_model=list[dict[str, Any]])
def batch(actor: Actor) -> list[dict[str, Any]]:
    """Control totals of the batch-job outputs in ``SAFETYNET_BATCH_OUTPUTS``."""
    return analysis.batch_summaries(actor)
