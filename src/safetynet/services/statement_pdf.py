"""The personal rights record (个人权益记录单) as a PDF, and its verification.

Each PDF issued carries a random verification code; the record keeps the code and the SHA-256 of
the exact bytes handed out. ``verify`` tells a bank or employer that a code was issued, for whom
(masked) and when; ``verify_file`` also confirms that a PDF is the one issued, unchanged.

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1): nothing is embedded
or fetched; readers supply the glyphs (poppler with ``poppler-data`` and a CJK font, Acrobat).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from safetynet.domain.access import Principal
from safetynet.domain.errors import NotFound
from safetynet.domain.identity import mask_id
from safetynet.policy.money import fen_to_decimal
from safetynet.policy.periods import format_month
from safetynet.services import audit
from safetynet.services.my_pension import Outlook, outlook
from safetynet.services.statement import Statement, statement
from safetynet.services.uow import UnitOfWork
from safetynet.services.validation import current_month
from safetynet.store.portal import IssuedStatement
from safetynet.store.registry import Person

FONT = "STSong-Light"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class IssuedPdf:
    code: str
    content: bytes
    sha256: str


@dataclass(frozen=True)
class Verification:
    code: str
    issued_at: datetime
    as_of_month: str
    holder: str
    """The holder's name with all but the first character masked, and masked ID number."""
    sha256: str
    unchanged: bool | None = None
    """Whether an uploaded file is the one issued (None when no file was given)."""


def _yuan(fen: int) -> str:
    return f"{fen_to_decimal(fen):,.2f}"


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=body, fontSize=11.5, leading=18, spaceBefore=8)
    return title, heading, body


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _years(record: Statement) -> list[list[str]]:
    """Months and amounts by calendar year (employee and flexible pension contributions)."""
    by_year: dict[str, list[int]] = {}
    for line in record.history:
        totals = by_year.setdefault(line.month[:4], [0, 0, 0, 0])
        amounts = line.amounts_fen
        totals[0] += 1 if amounts["pension_employee_fen"] > 0 else 0
        totals[1] += amounts["pension_employer_fen"]
        totals[2] += amounts["pension_employee_fen"]
        totals[3] += amounts["pension_account_fen"]
    header = [
        "年度 Year",
        "月数 Months",
        "单位缴费 Employer",
        "个人缴费 Own",
        "记入个人账户 Account",
    ]
    body = [
        [y, str(t[0]), _yuan(t[1]), _yuan(t[2]), _yuan(t[3])] for y, t in sorted(by_year.items())
    ]
    return [header, *body]


def _pension_lines(view: Outlook) -> list[list[str]]:
    rows = [
        ["法定退休时间 Statutory retirement month", str(view.statutory["retirement_month"])],
        [
            "弹性退休区间 Flexible window",
            f"{view.statutory['earliest_retirement_month']} – "
            f"{view.statutory['latest_retirement_month']}",
        ],
        ["最低缴费月数 Minimum months", str(view.statutory["min_contribution_months"])],
    ]
    if view.pension is not None:
        total = Decimal(str(view.pension["total"])).quantize(Decimal("0.01"))
        rows.append(["预计月养老金 Estimated monthly pension", f"{total:,.2f} 元"])
        if view.provisional:
            rows.append(["说明 Note", "含暂用参数（上期值延续） provisional values used"])
    else:
        missing = ", ".join(m["parameter"] for m in view.missing)
        rows.append(["预计月养老金 Estimate", f"暂无法测算 not yet computable: {missing}"])
    return rows


def render(record: Statement, view: Outlook, code: str, issued: datetime) -> bytes:
    """The PDF bytes of a person's rights record."""
    title, heading, body = _styles()
    person: Person = record.person
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title="个人权益记录单 Personal rights record",
        author="safetynet",
    )
    balance = sum(v for k, v in record.balances_fen.items() if k.endswith("pension"))
    story = [
        Paragraph("社会保险个人权益记录单", title),
        Paragraph("Social insurance personal rights record", body),
        Spacer(1, 6),
        _table(
            [
                ["项目 Item", "内容 Value"],
                ["姓名 Name", person.name],
                ["公民身份号码 ID number", mask_id(person.id_number)],
                ["截至 As of", format_month(current_month())],
                ["累计缴费月数 Months counted", str(record.months_counted)],
                ["养老个人账户余额 Pension account", f"{_yuan(balance)} 元"],
            ],
            [70 * mm, 100 * mm],
        ),
        Paragraph("参保情况 Enrollments", heading),
        _table(
            [["险种 Scheme", "状态 Status", "起始 From"]]
            + [[e.scheme, e.status, e.start_month] for e in record.enrollments],
            [70 * mm, 50 * mm, 50 * mm],
        ),
        Paragraph("缴费记录 Contributions by year", heading),
        _table(_years(record), [25 * mm, 25 * mm, 40 * mm, 40 * mm, 44 * mm]),
        Paragraph(
            "养老金测算 Pension outlook（继续缴费至退休 contributing until retirement）", heading
        ),
        _table(_pension_lines(view), [80 * mm, 94 * mm]),
        Spacer(1, 10),
        Paragraph(
            f"验证码 Verification code: <b>{code}</b>　签发 Issued {issued:%Y-%m-%d %H:%M} UTC",
            body,
        ),
        Paragraph(
            f"核验 Verify: /verify/{code} （银行、用人单位可核验本记录单真实、未经修改 "
            "a bank or employer can confirm this statement is genuine and unchanged）",
            body,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def issue(uow: UnitOfWork, actor: Principal, person_id: int) -> IssuedPdf:
    """Render the person's record (a citizen: their own), keep its code and hash, audit it."""
    record = statement(uow, actor, person_id)
    view = outlook(uow, actor, person_id)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with uow:
        row = IssuedStatement(
            code=code,
            person_id=record.person.id,
            as_of_month=format_month(current_month()),
            content_sha256="",
            issued_by=actor.username,
        )
        uow.session.add(row)
        uow.session.flush()
        content = render(record, view, code, row.issued_at)
        row.content_sha256 = hashlib.sha256(content).hexdigest()
        audit.record(
            uow.session,
            actor,
            "statement.issue",
            "person",
            record.person.id,
            region_code=record.person.region_code,
            after={"statement_id": row.id, "sha256": row.content_sha256},
        )
        uow.commit()
        return IssuedPdf(code, content, row.content_sha256)


def verify(uow: UnitOfWork, code: str, content: bytes | None = None) -> Verification:
    """Whether ``code`` was issued (anyone may ask); with ``content``, whether it is unchanged."""
    wanted = "".join(c for c in code.upper() if c.isalnum())[:64]
    with uow:
        row = uow.session.scalar(select(IssuedStatement).where(IssuedStatement.code == wanted))
        if row is None:
            raise NotFound("statement with verification code", wanted or "(empty)")
        person = uow.session.get(Person, row.person_id)
        assert person is not None
        unchanged = (
            None if content is None else hashlib.sha256(content).hexdigest() == row.content_sha256
        )
        return Verification(
            code=row.code,
            issued_at=row.issued_at,
            as_of_month=row.as_of_month,
            holder=f"{_mask_name(person.name)} {mask_id(person.id_number)}",
            sha256=row.content_sha256,
            unchanged=unchanged,
        )
