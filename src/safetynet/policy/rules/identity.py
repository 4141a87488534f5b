"""Identity numbers: resident identity numbers (GB 11643) and unified social credit codes
(GB 32100), validated in bulk (REFERENCE §8).

The validators work on whole arrays: strings become a matrix of code points and checksums are
matrix products, so a million numbers take a fraction of a second and no input can raise (the
python-stdnum validator can raise ``KeyError`` on some inputs; it is not used here).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from safetynet.policy.catalogue import Field, register
from safetynet.policy.errors import InputError
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.regions import is_known_region
from safetynet.policy.trace import NO_TRACE, Trace

ID_LENGTH = 18
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8).astype(np.uint32)
_ZERO, _NINE, _X = ord("0"), ord("9"), ord("X")

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

ID_PROBLEMS = {
    "": "",
    "length": "must be 18 characters",
    "characters": "must be 17 digits and a check character 0-9 or X",
    "checksum": "check character does not match (GB 11643, ISO 7064 MOD 11-2)",
    "birth_date": "birth date is not a real date in the past",
    "address": "address code is not a GB/T 2260 region",
}
CREDIT_PROBLEMS = {
    "": "",
    "length": "must be 18 characters",
    "characters": "must use only 0-9 and A-Y without I, O, S, V, Z",
    "checksum": "check character does not match (GB 32100, MOD 31)",
    "organisation_code": "embedded organisation code check fails (GB 11714)",
    "address": "administrative division code is not a GB/T 2260 region",
}


def _code_points(values: npt.ArrayLike, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Upper-cased code-point matrix (n, width) and the length of each string."""
    text = np.strings.strip(np.asarray(values, dtype=str))
    lengths = np.strings.str_len(text)
    fixed = np.ascontiguousarray(text.astype(f"<U{width}"))
    points = fixed.view(np.uint32).reshape(len(fixed), width)
    lower = (points >= ord("a")) & (points <= ord("z"))
    if lower.any():
        points = np.where(lower, points - 32, points)
    return points, lengths


def _digits_value(digits: np.ndarray) -> np.ndarray:
    """Integer value of each row of a digit matrix."""
    powers = 10 ** np.arange(digits.shape[1] - 1, -1, -1, dtype=np.int64)
    return np.asarray(digits.astype(np.int64) @ powers)


def _first_reason(reasons: list[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for name, failed in reversed(reasons):
        out[failed] = name
    return out


RESIDENT_ID_REASONS = ("", "length", "characters", "checksum", "birth_date", "address")
"""The checks in the order they are made; ``reason_code`` indexes this tuple."""
_DAYS_IN_MONTH = np.array([31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int16)
"""Days in each month 1-12 of a common year (index 0, an invalid month, as January)."""


def check_resident_ids(
    ids: npt.ArrayLike, today: np.datetime64 | None = None
) -> dict[str, np.ndarray]:
    """Validate resident identity numbers in bulk.

    Returns ``valid``, ``birth_date`` (datetime64[D], NaT where invalid), ``birth_month``
    (month index), ``sex`` (1 male, 2 female, 0 invalid), ``region`` (address code) and
    ``reason`` (first failed check: length, characters, checksum, birth_date, address) with
    its ``reason_code`` (index into :data:`RESIDENT_ID_REASONS`).
    """
    points, lengths = _code_points(ids, ID_LENGTH)
    checked = check_resident_id_points(points, lengths == ID_LENGTH, today)
    valid = checked["valid"]
    code = checked["reason_code"]
    months_since_1970 = checked["birth_month"] - 1970 * 12
    birth = months_since_1970.astype("datetime64[M]").astype("datetime64[D]") + (checked["day"] - 1)
    return {
        "valid": valid,
        "birth_date": np.where(valid, birth, np.datetime64("NaT")),
        "birth_month": checked["birth_month"],
        "sex": checked["sex"],
        "region": checked["region"],
        "reason": np.array(RESIDENT_ID_REASONS, dtype=object)[code],
        "reason_code": code,
    }


def check_resident_id_points(
    points: npt.NDArray[np.unsignedinteger],
    full_length: npt.NDArray[np.bool_],
    today: np.datetime64 | None = None,
) -> dict[str, np.ndarray]:
    """The checks of :func:`check_resident_ids` on an (n, 18) matrix of upper-case code points
    (``uint8`` straight from Arrow's ASCII bytes, or ``uint32`` from numpy strings) and a flag
    per row for the right length. Integer columns throughout, one pass per digit: ``valid``,
    ``reason_code`` (index into :data:`RESIDENT_ID_REASONS`), ``birth_month`` (-1 where
    invalid), ``day``, ``sex`` (0 where invalid) and ``region`` (0 where invalid)."""
    n = len(points)
    columns = np.ascontiguousarray(points.T)  # one contiguous row per position
    digit = columns[:17].astype(np.int16) - _ZERO
    last = columns[17]
    bad_chars = ((digit < 0) | (digit > 9)).any(axis=0) | ~(
        ((last >= _ZERO) & (last <= _NINE)) | (last == _X)
    )
    bad_chars &= full_length
    if bad_chars.any() or not full_length.all():
        digit = np.where((digit >= 0) & (digit <= 9), digit, 0).astype(np.int16)
    weighted = np.zeros(n, dtype=np.int32)
    for position in range(17):
        weighted += digit[position] * np.int16(_ID_WEIGHTS[position])
    bad_checksum = (last != _ID_CHECK[weighted % 11]) & full_length & ~bad_chars

    region = _number(digit, 0, 6)
    year = _number(digit, 6, 10)
    month = _number(digit, 10, 12)
    day = _number(digit, 12, 14)
    month_ok = (month >= 1) & (month <= 12)
    month_index = np.where(month_ok, month, 0)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = _DAYS_IN_MONTH[month_index] + ((month_index == 2) & leap)
    last_day = np.datetime64("today", "D") if today is None else today.astype("datetime64[D]")
    limit: dt.date = last_day.item()
    date_number = year * 10_000 + month * 100 + day
    today_number = limit.year * 10_000 + limit.month * 100 + limit.day
    date_ok = (
        month_ok
        & (day >= 1)
        & (day <= days_in_month)
        & (year >= 1850)
        & (date_number <= today_number)
    )
    bad_date = ~date_ok & full_length & ~bad_chars
    bad_address = ~is_known_region(region) & full_length & ~bad_chars

    code = np.zeros(n, dtype=np.uint8)
    for index, failed in reversed(
        list(enumerate((~full_length, bad_chars, bad_checksum, bad_date, bad_address), 1))
    ):
        code[failed] = index
    valid = code == 0
    return {
        "valid": valid,
        "reason_code": code,
        "birth_month": np.where(valid, year.astype(np.int64) * 12 + month - 1, -1),
        "day": np.where(valid, day, 1),
        "sex": np.where(valid, np.where(digit[16] % 2 == 1, 1, 2), 0).astype(np.int8),
        "region": np.where(valid, region, 0).astype(np.int64),
    }


def _number(digit: np.ndarray, start: int, stop: int) -> npt.NDArray[np.int32]:
    """The decimal number written by the digits at positions ``start`` to ``stop - 1``."""
    value = np.zeros(digit.shape[1], dtype=np.int32)
    for position in range(start, stop):
        value = value * 10 + digit[position]
    return value


def make_resident_ids(
    region: npt.ArrayLike, birth_date: npt.ArrayLike, sequence: npt.ArrayLike
) -> np.ndarray:
    """Build valid identity numbers (for synthetic data): address code, birth date, a
    three-digit sequence (odd for men, even for women) and the check character."""
    region = np.asarray(region, dtype=np.int64)
    day = np.asarray(birth_date, dtype="datetime64[D]")
    months = day.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (day - months.astype("datetime64[D]")).astype(np.int64) + 1
    body = np.concatenate(
        [
            _split_digits(region, 6),
            _split_digits(year, 4),
            _split_digits(month, 2),
            _split_digits(dom, 2),
            _split_digits(np.asarray(sequence, dtype=np.int64), 3),
        ],
        axis=1,
    )
    check = _ID_CHECK[(body @ _ID_WEIGHTS) % 11]
    points = np.concatenate([(body + _ZERO).astype(np.uint32), check[:, None]], axis=1)
    return np.ascontiguousarray(points).view(f"<U{ID_LENGTH}").reshape(-1)


def _split_digits(values: np.ndarray, width: int) -> np.ndarray:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return np.asarray((values[:, None] // powers) % 10, dtype=np.int64)


def _uscc_values() -> np.ndarray:
    table = np.full(128, -1, dtype=np.int64)
    for value, char in enumerate(_USCC_ALPHABET):
        table[ord(char)] = value
    return table


_USCC_TABLE = _uscc_values()
_ORG_TABLE = np.full(128, -1, dtype=np.int64)
_ORG_TABLE[_ZERO : _NINE + 1] = np.arange(10)
_ORG_TABLE[ord("A") : ord("Z") + 1] = np.arange(10, 36)


def check_credit_codes(codes: npt.ArrayLike) -> dict[str, np.ndarray]:
    """Validate unified social credit codes in bulk: ``valid``, ``region``, ``reason``."""
    points, lengths = _code_points(codes, ID_LENGTH)
    n = len(points)
    bad_length = lengths != ID_LENGTH
    clipped = np.minimum(points, 127).astype(np.int64)
    values = _USCC_TABLE[clipped]
    bad_chars = ((values < 0) | (points > 127)).any(axis=1) & ~bad_length
    values = np.maximum(values, 0)
    expected = (31 - (values[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    bad_checksum = (values[:, 17] != expected) & ~bad_length & ~bad_chars

    org = _ORG_TABLE[clipped[:, 8:16]]
    org_check = 11 - (np.maximum(org, 0) @ _ORG_WEIGHTS) % 11
    org_expected = np.where(
        org_check == 10, ord("X"), np.where(org_check == 11, _ZERO, org_check + _ZERO)
    )
    bad_org = (
        ((org < 0).any(axis=1) | (points[:, 16] != org_expected))
        & ~bad_length
        & ~bad_chars
        & ~bad_checksum
    )
    division_digits = clipped[:, 2:8] - _ZERO
    digits_ok = ((division_digits >= 0) & (division_digits <= 9)).all(axis=1)
    region = _digits_value(np.clip(division_digits, 0, 9))
    bad_address = (~digits_ok | ~is_known_region(region)) & ~bad_length & ~bad_chars
    reason = _first_reason(
        [
            ("length", bad_length),
            ("characters", bad_chars),
            ("checksum", bad_checksum),
            ("organisation_code", bad_org),
            ("address", bad_address),
        ],
        n,
    )
    valid = reason == ""
    return {"valid": valid, "region": np.where(valid, region, 0), "reason": reason}


def _looks_like_credit_code(text: str) -> bool:
    body = text.strip().upper()
    return len(body) == ID_LENGTH and not body[:17].isdigit()


@register(
    "id_check",
    "Validate a resident identity number (GB 11643) or a unified social credit code "
    "(GB 32100): checksum, birth date, sex and address code.",
    inputs=[Field("id", "text", "an 18-character identity number or credit code")],
    outputs=[
        Field("valid", "bool", "whether every check passes"),
        Field("kind", "text", "resident_id or credit_code"),
        Field("birth_date", "text", "birth date (identity numbers), YYYY-MM-DD"),
        Field("sex", "text", "male or female (identity numbers)"),
        Field("region", "text", "address or division code"),
        Field("problem", "text", "the first check that failed, in words"),
    ],
    references=("GB 11643-1999", "GB 32100-2015", "GB 11714"),
)
def id_check(p: ParameterSet, *, id: np.ndarray, trace: Trace = NO_TRACE) -> dict[str, np.ndarray]:
    text = str(id[0])
    if not text.strip():
        raise InputError("id", "is required")
    if _looks_like_credit_code(text):
        result = check_credit_codes(id)
        reason = str(result["reason"][0])
        trace.step(
            "credit code",
            "MOD 31 check over 17 characters, then GB 11714 "
            "organisation-code check, then the division code",
            bool(result["valid"][0]),
        )
        return {
            "valid": result["valid"],
            "kind": np.array(["credit_code"], dtype=object),
            "region": np.array(
                [f"{int(result['region'][0]):06d}" if result["valid"][0] else None], dtype=object
            ),
            "problem": np.array([CREDIT_PROBLEMS[reason] or None], dtype=object),
        }
    result = check_resident_ids(id)
    reason = str(result["reason"][0])
    valid = bool(result["valid"][0])
    trace.step(
        "identity number",
        "ISO 7064 MOD 11-2 check character over 17 digits, a real "
        "birth date, a known address code; the 17th digit's parity gives the sex",
        valid,
    )
    return {
        "valid": result["valid"],
        "kind": np.array(["resident_id"], dtype=object),
        "birth_date": np.array([str(result["birth_date"][0]) if valid else None], dtype=object),
        "sex": np.array(
            [("male" if result["sex"][0] == 1 else "female") if valid else None], dtype=object
        ),
        "region": np.array([f"{int(result['region'][0]):06d}" if valid else None], dtype=object),
        "problem": np.array([ID_PROBLEMS[reason] or None], dtype=object),
    }
