"""Excel downloads: every list and report of the pages as .xlsx, formula text neutralised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from urllib.parse import quote

from openpyxl import Workbook
from starlette.responses import Response

from safetynet.services.safe_cells import neutralise_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """One sheet: a bold-less plain header row, then the rows (text cells neutralised)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(neutralise_row(header))
    for row in rows:
        sheet.append(neutralise_row(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def download(filename: str, content: bytes, media_type: str = XLSX) -> Response:
    """A file download whose (possibly Chinese) name survives every browser (RFC 6266)."""
    fallback = filename if filename.isascii() else "download" + filename[filename.rfind(".") :]
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def xlsx(
    filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    return download(filename, workbook_bytes(title, header, rows))
