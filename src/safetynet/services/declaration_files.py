"""Reading a declaration file (CSV or Excel) into columns of text, and writing the row-level
error report. The file's first row names the columns: ``id_number``, ``monthly_wage`` and
optionally ``name`` (checked against the registry)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import polars as pl

from safetynet.domain.errors import InvalidInput, Problem

REQUIRED_COLUMNS = ("id_number", "monthly_wage")
OPTIONAL_COLUMNS = ("name",)
XLSX_MAGIC = b"PK\x03\x04"


def read_declaration(content: bytes, filename: str = "") -> pl.DataFrame:
    """Columns ``id_number``, ``monthly_wage``, ``name`` as text; raises naming ``file``."""
    if not content.strip():
        raise InvalidInput.one("file", "is empty")
    is_excel = content.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm"))
    frame = _read_excel(content) if is_excel else _read_csv(content)
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput.one(
            "file",
            f"missing column {missing[0]} (the header must name "
            f"{', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)})",
        )
    unknown = [c for c in frame.columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InvalidInput.one("file", f"unexpected column {unknown[0]!r}")
    if "name" not in frame.columns:
        frame = frame.with_columns(pl.lit("").alias("name"))
    if frame.height == 0:
        raise InvalidInput.one("file", "has a header but no rows")
    return frame.select(
        pl.col(c).cast(pl.String).fill_null("").str.strip_chars()
        for c in ("id_number", "monthly_wage", "name")
    )


def _read_csv(content: bytes) -> pl.DataFrame:
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput.one("file", f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return pl.read_csv(io.BytesIO(content), infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InvalidInput.one("file", f"is not a readable CSV file: {first}") from None


def _read_excel(content: bytes) -> pl.DataFrame:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidInput.one("file", f"is not a readable Excel workbook ({exc})") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InvalidInput.one("file", "the first sheet is empty")
    names = [str(h).strip() if h is not None else "" for h in header]
    data: list[list[str]] = [[] for _ in names]
    for row in rows:
        if row is None or all(v is None for v in row):
            continue
        for i in range(len(names)):
            value = row[i] if i < len(row) else None
            data[i].append(_cell_text(value))
    workbook.close()
    return pl.DataFrame(
        {n: d for n, d in zip(names, data, strict=True) if n},
        schema={n: pl.String for n in names if n},
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def problems_csv(problems: Iterable[Problem]) -> str:
    """The downloadable row-level error report."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "problem"])
    for p in problems:
        writer.writerow(["" if p.row is None else p.row, p.field, p.problem])
    return out.getvalue()
