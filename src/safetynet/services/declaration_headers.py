"""What employers' own declaration files look like, made readable by ``declaration_files``:
Chinese or English column headers (身份证号/公民身份号码, 姓名, 缴费工资/月缴费基数 ...) and
the text encodings Chinese spreadsheets save CSV in (UTF-8, UTF-8 with BOM, GBK, GB18030).

``prepare_upload`` returns the file with canonical English headers (``id_number``,
``monthly_wage``, ``name``) and, for CSV, as UTF-8; the reader then checks it as before.
An unknown header is left as it is, so the reader names it.
"""

from __future__ import annotations

import csv
import io
import re

from safetynet.domain.errors import InvalidInput

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id_number": (
        "id_number",
        "id number",
        "id",
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "证件号码",
        "社会保障号码",
        "社会保障号",
    ),
    "monthly_wage": (
        "monthly_wage",
        "monthly wage",
        "wage",
        "缴费工资",
        "月缴费工资",
        "月缴费基数",
        "缴费基数",
        "申报工资",
        "工资",
    ),
    "name": ("name", "姓名", "名字"),
}
_CANONICAL = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_UNIT_SUFFIX = re.compile(r"[（(]\s*(元|人民币|yuan|cny)\s*[)）]$", re.IGNORECASE)
XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"


def canonical_header(header: str) -> str:
    """The canonical column for a header as people write it, or the header itself."""
    cleaned = header.replace("\ufeff", "").replace("\u3000", " ").strip()
    cleaned = _UNIT_SUFFIX.sub("", cleaned).strip().lower()
    cleaned = " ".join(cleaned.split())
    return _CANONICAL.get(cleaned, _CANONICAL.get(cleaned.replace(" ", ""), header.strip()))


def decode_text(content: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    if content.startswith(UTF8_BOM):
        content = content[len(UTF8_BOM) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InvalidInput.one(
            "file",
            f"is neither UTF-8 nor GBK/GB18030 text (byte {exc.start})",
            code="file_encoding",
        ) from None


def _csv_with_canonical_headers(text: str) -> bytes:
    header_line, newline, rest = text.partition("\n")
    header = next(csv.reader([header_line.rstrip("\r")]), [])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(canonical_header(h) for h in header)
    return (out.getvalue() + rest).encode("utf-8") if newline else out.getvalue().encode()


def _xlsx_with_canonical_headers(content: bytes) -> bytes:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content))
    except (BadZipFile, OSError, KeyError, ValueError):
        return content  # the reader reports the unreadable workbook
    sheet = workbook.worksheets[0]
    changed = False
    for cell in next(sheet.iter_rows(min_row=1, max_row=1), ()):
        if isinstance(cell.value, str) and canonical_header(cell.value) != cell.value:
            cell.value = canonical_header(cell.value)
            changed = True
    if not changed:
        return content
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def prepare_upload(content: bytes, filename: str = "") -> bytes:
    """The upload with canonical headers (and, for CSV, as UTF-8)."""
    if not content.strip():
        return content
    if content.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx_with_canonical_headers(content)
    return _csv_with_canonical_headers(decode_text(content))
