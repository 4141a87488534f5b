"""Row checks before a job computes anything: identity numbers, dates and amounts.

Every check is vectorised and yields, per row, the first problem as text naming the field
(``""`` when the row is sound). Rows with a problem go to the job's reject file.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from safetynet.policy.periods import format_month
from safetynet.policy.rules.identity import (
    ID_LENGTH,
    ID_PROBLEMS,
    RESIDENT_ID_REASONS,
    check_resident_id_points,
    check_resident_ids,
)

MONEY_COLUMNS = (
    "monthly_wage_fen",
    "account_balance_fen",
    "resident_account_fen",
    "pension_award_fen",
)
EARLIEST_RETIREMENT_AGE_MONTHS = 40 * 12
"""The account divisor table starts at age 40: an earlier retirement is a data error."""
WORKING_AGE_MONTHS = 16 * 12


def id_bytes(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.uint8] | None:
    """Identity numbers as an (n, 18) matrix of upper-case ASCII bytes, read straight from the
    Arrow buffers (no Python strings); None unless every value is 18 ASCII characters (the
    usual case; the others go through :func:`id_strings`)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    array = array.cast(pa.string())
    if array.null_count or len(array) == 0:
        return None
    lengths = pc.utf8_length(array)
    if not (pc.min(lengths).as_py() == ID_LENGTH == pc.max(lengths).as_py()):
        return None
    if not pc.all(pc.string_is_ascii(array)).as_py():
        return None
    offsets = np.frombuffer(
        array.buffers()[1], dtype=np.int32, count=len(array) + 1, offset=array.offset * 4
    )
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    points = data.reshape(len(array), ID_LENGTH)
    lower = (points >= ord("a")) & (points <= ord("z"))
    return np.where(lower, points - 32, points).astype(np.uint8) if lower.any() else points


def id_strings(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.str_]:
    """Identity numbers as a fixed-width numpy string array; without Python objects when every
    value has the standard length (the usual case)."""
    points = id_bytes(column)
    if points is None:
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        array = array.cast(pa.string())
        return np.asarray(array.fill_null("").to_numpy(zero_copy_only=False), dtype=str)
    wide = np.ascontiguousarray(points.astype(np.uint32))
    return wide.view(f"<U{ID_LENGTH}").reshape(-1)


class Problems:
    """The first problem found for each row, accumulated check by check: a small integer per
    row indexing the problems' texts (0: none), so that no text is built for a sound row."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.uint8)
        self.texts: list[str] = [""]

    def add(self, failed: npt.NDArray[np.bool_], text: str) -> None:
        if not failed.any():
            return
        if text not in self.texts:
            self.texts.append(text)
        self.code[failed & (self.code == 0)] = self.texts.index(text)

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.code == 0)

    def reasons(self, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.object_]:
        """The texts of the chosen rows' problems."""
        return np.asarray(np.array(self.texts, dtype=object)[self.code[rows]])


def _check_ids(table: pa.Table, month: int) -> dict[str, np.ndarray]:
    """The identity-number checks as of the end of the job month, from the bytes when all
    numbers have the standard form, else from strings."""
    last_day = np.datetime64(format_month(month), "M") + 1 - np.timedelta64(1, "D")
    column = table.column("resident_id")
    points = id_bytes(column)
    if points is not None:
        return check_resident_id_points(points, np.ones(len(points), dtype=bool), last_day)
    return check_resident_ids(id_strings(column), today=last_day)


def check_rows(table: pa.Table, month: int) -> Problems:
    """Check the columns of ``table`` that are present, as of the job ``month``."""
    n = table.num_rows
    problems = Problems(n)
    names = set(table.column_names)
    if "resident_id" in names:
        ids = _check_ids(table, month)
        for code, key in enumerate(RESIDENT_ID_REASONS):
            if key:
                problems.add(ids["reason_code"] == code, f"resident_id: {ID_PROBLEMS[key]}")
        if "birth_month" in names:
            birth = table.column("birth_month").to_numpy()
            problems.add(
                ids["valid"] & (ids["birth_month"] != birth),
                "birth_month: does not match the identity number",
            )
        if "sex" in names:
            sex = table.column("sex").to_numpy()
            problems.add(
                ids["valid"] & (ids["sex"] != sex), "sex: does not match the identity number"
            )
    birth_month = table.column("birth_month").to_numpy() if "birth_month" in names else None
    if birth_month is not None:
        problems.add(birth_month > month, "birth_month: after the job month")
    for column in MONEY_COLUMNS:
        if column in names:
            problems.add(table.column(column).to_numpy() < 0, f"{column}: negative amount")
    if "contribution_months" in names:
        months = table.column("contribution_months").to_numpy()
        problems.add(months < 0, "contribution_months: negative")
        if birth_month is not None:
            problems.add(
                months > month - birth_month - WORKING_AGE_MONTHS + 1,
                "contribution_months: more than the months since age 16",
            )
    if "deemed_months" in names and "contribution_months" in names:
        deemed = table.column("deemed_months").to_numpy()
        problems.add(
            (deemed < 0) | (deemed > table.column("contribution_months").to_numpy()),
            "deemed_months: negative or more than the contribution months",
        )
    if "avg_contribution_index" in names:
        index = table.column("avg_contribution_index").to_numpy()
        problems.add(
            ~np.isfinite(index) | (index < 0) | (index > 3),
            "avg_contribution_index: outside 0 to 3",
        )
    if "retirement_month" in names and birth_month is not None:
        retired = table.column("retirement_month").to_numpy()
        problems.add(
            (retired >= 0)
            & ((retired < birth_month + EARLIEST_RETIREMENT_AGE_MONTHS) | (retired > month)),
            "retirement_month: before age 40 or after the job month",
        )
    return problems
