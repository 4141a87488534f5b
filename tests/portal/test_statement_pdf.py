"""The statement PDF: Chinese text that renders (pdftoppm) and extracts (pdftotext), a
verification code that confirms the PDF is genuine and unchanged, and the citizen's scope."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select
from tests.portal.conftest import BEIJING, Portal

from safetynet.domain.errors import Forbidden, NotFound
from safetynet.services import statement_pdf
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed",
)


def test_the_code_confirms_the_pdf_genuine_and_unchanged(uow: UnitOfWork, portal: Portal) -> None:
    issued = statement_pdf.issue(uow, portal.citizen(portal.worker), portal.worker.id)
    assert issued.content.startswith(b"%PDF")
    check = statement_pdf.verify(uow, issued.code.lower(), issued.content)
    assert check.unchanged is True and check.sha256 == issued.sha256
    assert check.holder.startswith("T") and portal.worker.id_number not in check.holder
    assert statement_pdf.verify(uow, issued.code).unchanged is None
    middle = len(issued.content) // 2
    tampered = (
        issued.content[:middle] + bytes([issued.content[middle] ^ 1]) + issued.content[middle + 1 :]
    )
    assert statement_pdf.verify(uow, issued.code, tampered).unchanged is False
    with pytest.raises(NotFound):
        statement_pdf.verify(uow, "NOSUCHCODE")
    with uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "statement.issue")
        ).one()
    assert entry.after is not None and entry.after["sha256"] == issued.sha256


def test_a_citizen_gets_only_their_own_statement(uow: UnitOfWork, portal: Portal) -> None:
    with pytest.raises(Forbidden):
        statement_pdf.issue(uow, portal.citizen(portal.worker), portal.other.id)
    assert statement_pdf.issue(uow, BEIJING, portal.other.id).content.startswith(b"%PDF")


@needs_poppler
def test_the_pdf_renders_its_chinese_text(uow: UnitOfWork, portal: Portal, tmp_path: Path) -> None:
    issued = statement_pdf.issue(uow, portal.citizen(portal.worker), portal.worker.id)
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(issued.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("社会保险个人权益记录单", "法定退休时间", "Test Person", issued.code):
        assert expected in text
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-gray",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
        capture_output=True,
    )
    page = np.asarray(Image.open(next(tmp_path.glob("page*.png"))))
    ink = (page < 128).mean()
    assert 0.005 < ink < 0.5
    title_band = page[: page.shape[0] // 8]
    assert (title_band < 128).any()
