"""Payroll: run a region's month (in the background, the page shows its progress), the totals,
the bank's payment file, the bank's return file and the reconciliation."""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from safetynet.domain.access import Principal
from safetynet.domain.errors import DomainError, InvalidInput
from safetynet.policy.errors import PolicyError
from safetynet.policy.periods import format_month
from safetynet.services import validation
from safetynet.services.benefits import payroll
from safetynet.services.benefits.payroll_progress import run_progress
from safetynet.services.uow import UnitOfWork
from safetynet.web import exports
from safetynet.web.messages import error_text, problem_lines
from safetynet.web.pages import REFUSALS, Form, Page, SignedIn, text

router = APIRouter(include_in_schema=False)
log = logging.getLogger("safetynet.web")
_running: set[tuple[int, str]] = set()
_refused: dict[tuple[int, str], DomainError | PolicyError] = {}
"""Why the latest background run of a (region, month) was refused, shown on its page."""
_running_lock = threading.Lock()


def _default_region(page: Page) -> str:
    code = page.actor.region_code
    return f"{code:06d}" if code else "110000"


def _runs(page: Page) -> dict[str, Any]:
    return {
        "runs": payroll.list_runs(page.uow, page.actor, limit=24),
        "default_region": _default_region(page),
        "default_month": format_month(validation.current_month()),
    }


@router.get("/payroll")
def payroll_page(page: SignedIn) -> Response:
    return page.render("payroll/index.html", values={}, **_runs(page))


def _run_in_background(uow: UnitOfWork, actor: Principal, region: str, month: str) -> None:
    key = (validation.region(region), month)
    with _running_lock:
        if key in _running:
            return
        _running.add(key)
        _refused.pop(key, None)

    def work() -> None:
        try:
            payroll.run_payroll(uow, actor, region=region, month=month)
        except REFUSALS as exc:
            _refused[key] = exc
        except Exception:  # the run stays resumable; the page offers to run it again
            log.exception("payroll run %s %s stopped", region, month)
        finally:
            with _running_lock:
                _running.discard(key)

    threading.Thread(target=work, name=f"payroll-{region}-{month}", daemon=True).start()


@router.post("/payroll")
def start_run(page: SignedIn, form: Form) -> Response:
    values = {"region": text(form, "region"), "month": text(form, "month")}
    try:
        page.actor.require_write()
        progress = run_progress(page.uow, page.actor, **values)
    except REFUSALS as exc:
        return page.render_error("payroll/index.html", exc, 422, values=values, **_runs(page))
    _run_in_background(page.uow, page.actor, values["region"], progress.month)
    return page.redirect(f"/payroll/run?region={progress.region_code:06d}&month={progress.month}")


@router.get("/payroll/run")
def watch_run(page: SignedIn, region: str, month: str) -> Response:
    return page.render("payroll/run.html", **_watch(page, region, month))


@router.get("/payroll/run/progress")
def run_progress_fragment(page: SignedIn, region: str, month: str) -> Response:
    return page.render("payroll/progress.html", **_watch(page, region, month))


def _watch(page: Page, region: str, month: str) -> dict[str, Any]:
    progress = run_progress(page.uow, page.actor, region=region, month=month)
    key = (progress.region_code, progress.month)
    refused = _refused.get(key)
    with _running_lock:
        running = key in _running
    return {
        "progress": progress,
        "running": running,
        "refusal": error_text(page.t, refused) if refused else None,
        "refusal_lines": problem_lines(page.t, refused) if refused else [],
        "region_name": page.region(progress.region_code),
    }


@router.get("/payroll/runs/{run_id}/payments.csv")
def payment_file(page: SignedIn, run_id: int) -> Response:
    content = payroll.payment_file(page.uow, page.actor, run_id)
    return exports.download(f"payroll-{run_id}.csv", content.encode("utf-8"), "text/csv")


@router.get("/payroll/runs/{run_id}/lines.xlsx")
def lines_export(page: SignedIn, run_id: int) -> Response:
    t = page.t
    lines = payroll.lines_of(page.uow, page.actor, run_id=run_id)
    header = [
        t.gettext(h) for h in ("No.", "Person", "Award", "Kind", "For month", "Amount", "State")
    ]
    rows = [
        [x.id, x.person_id, x.award_id, x.kind, x.for_month, x.amount_fen / 100, x.status]
        for x in lines
    ]
    return exports.xlsx(f"payroll-{run_id}.xlsx", t.gettext("Payroll"), header, rows)


@router.post("/payroll/runs/{run_id}/return")
async def bank_return(page: SignedIn, run_id: int, form: Form) -> Response:
    upload = form.get("file")
    run = await run_in_threadpool(payroll.get_run, page.uow, page.actor, run_id)
    context = await run_in_threadpool(_watch, page, f"{run.region_code:06d}", run.month)
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput.one("file", "is required")
        content = await upload.read(20 * 1024 * 1024)
        result = await run_in_threadpool(payroll.reconcile, page.uow, page.actor, run_id, content)
    except REFUSALS as exc:
        return page.render_error("payroll/run.html", exc, 422, **context)
    return page.render("payroll/run.html", reconciliation=result, **context)
