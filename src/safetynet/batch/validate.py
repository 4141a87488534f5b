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
from safetynet.policy.rules.identity import ID_LENGTH, ID_PROBLEMS, check_resident_ids

MONEY_COLUMNS = (
    "monthly_wage_fen",
    "account_balance_fen",
    "resident_account_fen",
    "pension_award_fen",
)
EARLIEST_RETIREMENT_AGE_MONTHS = 40 * 12
"""The account divisor table starts at age 40: an earlier retirement is a data error."""
WORKING_AGE_MONTHS = 16 * 12


def id_strings(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.str_]:
    """Identity numbers as a fixed-width numpy string array; without Python objects when every
    value has the standard length (the usual case)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    array = array.cast(pa.string())
    lengths = pc.utf8_length(array)
    uniform = (
        array.null_count == 0
        and len(array) > 0
        and pc.min(lengths).as_py() == ID_LENGTH == pc.max(lengths).as_py()
        and pc.all(pc.string_is_ascii(array)).as_py()
    )
    if not uniform:
        return np.asarray(array.fill_null("").to_numpy(zero_copy_only=False), dtype=str)
    offsets = np.frombuffer(
        array.buffers()[1], dtype=np.int32, count=len(array) + 1, offset=array.offset * 4
    )
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    points = data.reshape(len(array), ID_LENGTH).astype(np.uint32)
    return np.ascontiguousarray(points).view(f"<U{ID_LENGTH}").reshape(-1)


class Problems:
    """The first problem found for each row, accumulated check by check."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, "", dtype=object)

    def add(self, failed: npt.NDArray[np.bool_], text: str) -> None:
        self.reason[failed & (self.reason == "")] = text

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.reason == "")


def check_rows(table: pa.Table, month: int) -> Problems:
    """Check the columns of ``table`` that are present, as of the job ``month``."""
    n = table.num_rows
    problems = Problems(n)
    names = set(table.column_names)
    if "resident_id" in names:
        last_day = np.datetime64(format_month(month), "M") + 1 - np.timedelta64(1, "D")
        ids = check_resident_ids(id_strings(table.column("resident_id")), today=last_day)
        reason = ids["reason"]
        for key, text in ID_PROBLEMS.items():
            if key:
                problems.add(reason == key, f"resident_id: {text}")
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
