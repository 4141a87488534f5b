"""Reading a declaration file (CSV or Excel) into columns of text, and writing the row-level
error report. The file's first row names the columns: ``id_number``, ``monthly_wage`` and
optionally ``name`` (checked against the registry)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from safetynet.domain.errors import InvalidInput, Problem
from safetynet.services.safe_cells import neutralise_row

REQUIRED_COLUMNS = ("id_number", "monthly_wage")
OPTIONAL_COLUMNS = ("name",)
XLSX_MAGIC = b"PK\x03\x04"


def read_declaration(source: bytes | Path, filename: str = "") -> pl.DataFrame:
    """Columns ``id_number``, ``monthly_wage``, ``name`` as text; raises naming ``file``.

    ``source`` is the file's content or, for large uploads, the path of the file spooled to
    disk: a CSV file is then parsed by polars from disk (memory-mapped, no copy of the whole
    file in memory), so that memory grows with the columns kept, not with the file's text."""
    head = _head(source)
    if not head.strip():
        raise InvalidInput.one("file", "is empty")
    is_excel = head.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm"))
    frame = _read_excel(source) if is_excel else _read_csv(source)
    return frame


def _head(source: bytes | Path) -> bytes:
    if isinstance(source, bytes):
        return source[:4096]
    with source.open("rb") as f:
        return f.read(4096)


def _columns(names: list[str]) -> list[str]:
    """The header's names, normalised (trimmed, lower case); refuses a missing, unknown,
    repeated or ambiguous column (``Monthly_Wage`` and ``monthly_wage`` are one name twice)."""
    normalised = [n.strip().lower() for n in names]
    seen: dict[str, int] = {}
    for position, name in enumerate(normalised, start=1):
        if name in seen:
            raise InvalidInput.one(
                "file",
                f"column {name!r} appears twice (columns {seen[name]} and {position}); "
                "the header must name each column once",
            )
        seen[name] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise InvalidInput.one(
            "file",
            f"missing column {missing[0]} (the header must name "
            f"{', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)})",
        )
    unknown = [c for c in normalised if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InvalidInput.one("file", f"unexpected column {unknown[0]!r}")
    return normalised


def _text_columns(frame: pl.LazyFrame | pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """The three text columns, trimmed, from a frame whose header was checked."""
    lazy = frame.lazy().rename(dict(zip(frame.collect_schema().names(), names, strict=True)))
    if "name" not in names:
        lazy = lazy.with_columns(pl.lit("").alias("name"))
    result = lazy.select(
        pl.col(c).cast(pl.String).fill_null("").str.strip_chars()
        for c in ("id_number", "monthly_wage", "name")
    ).collect()
    if result.height == 0:
        raise InvalidInput.one("file", "has a header but no rows")
    return result


def _read_csv(source: bytes | Path) -> pl.DataFrame:
    if isinstance(source, bytes):
        if source.startswith(b"\xef\xbb\xbf"):
            source = source[3:]
        try:
            source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput.one("file", f"is not UTF-8 text (byte {exc.start})") from None
    try:
        header = pl.read_csv(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            infer_schema=False,
            n_rows=0,
        ).columns
        lazy = pl.scan_csv(
            source,
            infer_schema=False,
            truncate_ragged_lines=False,
            # the header's names are checked by _columns; polars must not rename repeats
            has_header=False,
            skip_rows=1,
            new_columns=[f"column_{i}" for i in range(len(header))],
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InvalidInput.one("file", f"is not a readable CSV file: {first}") from None
    names = _columns(_without_bom(_header_as_written(source, header)))
    try:
        return _text_columns(lazy, names)
    except pl.exceptions.NoDataError:
        raise InvalidInput.one("file", "has a header but no rows") from None
    except pl.exceptions.ComputeError as exc:
        if "empty" in str(exc).lower():
            raise InvalidInput.one("file", "has a header but no rows") from None
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InvalidInput.one("file", f"is not a readable CSV file: {first}") from None


def _header_as_written(source: bytes | Path, parsed: list[str]) -> list[str]:
    """The header's names as the file writes them: polars renames a repeated name
    (``monthly_wage_duplicated_0``), which would hide the repeat from :func:`_columns`."""
    if isinstance(source, bytes):
        first = source.split(b"\n", 1)[0]
    else:
        with source.open("rb") as f:
            first = f.readline()
    written = next(csv.reader([first.decode("utf-8", errors="replace").rstrip("\r\n")]), [])
    return written if len(written) == len(parsed) else parsed


def _without_bom(names: list[str]) -> list[str]:
    return [names[0].removeprefix("\ufeff"), *names[1:]] if names else names


def _read_excel(source: bytes | Path) -> pl.DataFrame:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            read_only=True,
            data_only=True,
        )
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidInput.one("file", f"is not a readable Excel workbook ({exc})") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InvalidInput.one("file", "the first sheet is empty")
    raw = [str(h).strip() if h is not None else "" for h in header]
    while raw and not raw[-1]:
        raw.pop()
    names = _columns(raw)
    data: list[list[str]] = [[] for _ in names]
    for row in rows:
        if row is None or all(v is None for v in row):
            continue
        for i in range(len(names)):
            value = row[i] if i < len(row) else None
            data[i].append(_cell_text(value))
    workbook.close()
    frame = pl.DataFrame(
        {f"column_{i}": d for i, d in enumerate(data)},
        schema={f"column_{i}": pl.String for i in range(len(names))},
    )
    return _text_columns(frame, names)


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
        writer.writerow(neutralise_row(["" if p.row is None else p.row, p.field, p.problem]))
    return out.getvalue()
