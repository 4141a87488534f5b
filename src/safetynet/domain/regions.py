"""Region codes (GB/T 2260) as integers, and the subtree an operator's scope covers."""

from __future__ import annotations

from enum import StrEnum


class RegionLevel(StrEnum):
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"


def level_of(code: int) -> RegionLevel:
    if code % 10000 == 0:
        return RegionLevel.PROVINCE
    if code % 100 == 0:
        return RegionLevel.PREFECTURE
    return RegionLevel.COUNTY


def parent_of(code: int) -> int | None:
    level = level_of(code)
    if level is RegionLevel.PROVINCE:
        return None
    if level is RegionLevel.PREFECTURE:
        return code - code % 10000
    return code - code % 100


def subtree_bounds(code: int) -> tuple[int, int]:
    """Lowest and highest code in the subtree of ``code`` (inclusive), as an index range."""
    level = level_of(code)
    if level is RegionLevel.PROVINCE:
        return code, code + 9999
    if level is RegionLevel.PREFECTURE:
        return code, code + 99
    return code, code


def in_subtree(root: int, code: int) -> bool:
    low, high = subtree_bounds(root)
    return low <= code <= high


def format_region(code: int) -> str:
    return f"{code:06d}"
