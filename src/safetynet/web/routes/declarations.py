"""Contribution declarations: the list, an upload (CSV or Excel, Chinese or English headers,
UTF-8/GBK/GB18030) checked as a dry run or posted, every bad row in a table and as an Excel
report, and the Excel template."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from safetynet.domain.errors import InvalidInput
from safetynet.services import declarations, registry
from safetynet.web import exports
from safetynet.web.messages import field_label, problem_message
from safetynet.web.pages import REFUSALS, Form, Page, SignedIn, text

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
TEMPLATE_HEADERS = {
    "zh_CN": ("身份证号", "姓名", "缴费工资"),
    "en": ("id_number", "name", "monthly_wage"),
}


def _list_context(page: Page, after: int | None = None) -> dict[str, Any]:
    found = declarations.list_declarations(page.uow, page.actor, after_id=after, limit=PAGE_SIZE)
    employers = registry.list_employers(page.uow, page.actor, limit=500)
    return {
        "declarations": found,
        "next_after": found[-1].id if len(found) == PAGE_SIZE else None,
        "employer_options": [(str(e.id), f"{e.name} ({e.credit_code})") for e in employers],
        "values": {},
    }


@router.get("/declarations")
def declarations_page(page: SignedIn, after: int | None = None) -> Response:
    return page.render("declarations/index.html", **_list_context(page, after))


@router.get("/declarations.xlsx")
def declarations_export(page: SignedIn) -> Response:
    t = page.t
    found = declarations.list_declarations(page.uow, page.actor, limit=10_000)
    header = [
        t.gettext(h)
        for h in (
            "No.",
            "Employer",
            "Month",
            "Version",
            "State",
            "Rows",
            "Employer part",
            "Employee part",
        )
    ]
    rows = [
        [
            d.id,
            d.employer_id,
            d.month,
            d.version,
            d.status,
            d.row_count,
            d.employer_total_fen / 100,
            d.employee_total_fen / 100,
        ]
        for d in found
    ]
    return exports.xlsx("declarations.xlsx", t.gettext("Declarations"), header, rows)


@router.get("/declarations/template.xlsx")
def declaration_template(page: SignedIn) -> Response:
    headers = TEMPLATE_HEADERS.get(page.t.locale, TEMPLATE_HEADERS["zh_CN"])
    name = "缴费申报模板.xlsx" if page.t.locale == "zh_CN" else "declaration-template.xlsx"
    return exports.xlsx(name, page.t.gettext("Declaration"), headers, [])


def _report(page: Page, exc: InvalidInput) -> tuple[list[dict[str, Any]], str]:
    """The bad rows as table rows, and the same as an .xlsx data URL to download."""
    t = page.t
    rows = [
        {"row": p.row, "field": field_label(t, p.field), "problem": problem_message(t, p)}
        for p in exc.problems
    ]
    content = exports.workbook_bytes(
        t.gettext("Errors"),
        [t.gettext("Row"), t.gettext("Field"), t.gettext("Problem")],
        ([r["row"], r["field"], r["problem"]] for r in rows),
    )
    return rows, f"data:{exports.XLSX};base64,{base64.b64encode(content).decode()}"


def _number(value: str, field: str, default: int | None = None) -> int:
    if not value and default is not None:
        return default
    if not value.isdigit():
        raise InvalidInput.one(field, "must be a whole number")
    return int(value)


@router.post("/declarations")
async def upload_declaration(page: SignedIn, form: Form) -> Response:
    upload = form.get("file")
    values = {k: text(form, k) for k in ("employer_id", "month", "version")}
    dry_run = text(form, "action") != "post"
    context = await run_in_threadpool(_list_context, page)
    context["values"] = values
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput.one("file", "is required")
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise InvalidInput.one("file", "is larger than 20 MB", code="file_too_large")
        outcome = await run_in_threadpool(
            lambda: declarations.submit_file(
                page.uow,
                page.actor,
                employer_id=_number(values["employer_id"], "employer_id"),
                month=values["month"],
                version=_number(values["version"], "version", default=1),
                content=content,
                filename=upload.filename or "",
                dry_run=dry_run,
            )
        )
    except InvalidInput as exc:
        rows, report = _report(page, exc)
        return page.render_error(
            "declarations/index.html",
            exc,
            422,
            bad_rows=rows,
            total=exc.total,
            report=report,
            **context,
        )
    except REFUSALS as exc:
        return page.render_error("declarations/index.html", exc, 409, **context)
    if not dry_run:
        context = await run_in_threadpool(_list_context, page)
    return page.render(
        "declarations/index.html", outcome=outcome, dry_run=dry_run, **{**context, "values": values}
    )
