"""GB/T 2260 administrative divisions: which region codes exist and how they nest.

Codes are six digits: province ``PP0000``, prefecture ``PPCC00``, county ``PPCCDD``. The table is
``policy/gbt2260_regions.csv`` (built by ``scripts/build_regions.py`` from
python-stdnum's GB/T 2260 data; provenance in its first line): every code with its name,
whether it is *current* or *historical* (abolished; still valid as the address code of an
identity number), and whether it is a separately planned city (计划单列市: Dalian, Ningbo,
Xiamen, Qingdao, Shenzhen), which sets its own social insurance figures instead of taking its
province's. Parameters fall back county -> prefecture -> province -> national.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from safetynet.policy.errors import InputError

NATIONAL = 0
"""The pseudo region code of national (default) parameter values."""


@dataclass(frozen=True)
class RegionInfo:
    code: int
    name: str
    historical: bool
    separately_planned: bool = False


def parent_chain(code: int) -> list[int]:
    """The code itself, then its prefecture, province and the national default (0)."""
    chain = [code]
    prefecture = code - code % 100
    province = code - code % 10000
    for parent in (prefecture, province):
        if parent != chain[-1]:
            chain.append(parent)
    chain.append(NATIONAL)
    return chain


def province_of(codes: npt.ArrayLike) -> npt.NDArray[np.int64]:
    arr = np.asarray(codes, dtype=np.int64)
    return arr - arr % 10000


@lru_cache(maxsize=1)
def known_regions() -> dict[int, RegionInfo]:
    """Every GB/T 2260 code, current and historical, from the bundled table."""
    text = resources.files("safetynet.policy").joinpath("gbt2260_regions.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {
        int(row["code"]): RegionInfo(
            code=int(row["code"]),
            name=row["name"],
            historical=row["current"] == "0",
            separately_planned=row["separately_planned"] == "1",
        )
        for row in rows
    }


@lru_cache(maxsize=1)
def current_region_array() -> npt.NDArray[np.int64]:
    """The codes in force now (historical ones left out), sorted."""
    return np.array(
        sorted(code for code, info in known_regions().items() if not info.historical),
        dtype=np.int64,
    )


@lru_cache(maxsize=1)
def separately_planned_cities() -> npt.NDArray[np.int64]:
    """The prefecture codes of the separately planned cities, sorted."""
    return np.array(
        sorted(code for code, info in known_regions().items() if info.separately_planned),
        dtype=np.int64,
    )


@lru_cache(maxsize=1)
def _planned_prefectures() -> npt.NDArray[np.bool_]:
    """Indexed by code // 100: whether that prefecture is a separately planned city."""
    table = np.zeros(10_000, dtype=bool)
    table[separately_planned_cities() // 100] = True
    return table


def in_separately_planned_city(codes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether each code lies in a separately planned city (one table lookup per row)."""
    arr = np.asarray(codes, dtype=np.int64)
    return np.asarray(_planned_prefectures().take(arr // 100, mode="clip"))


def separately_planned_city(codes: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """For each code, the separately planned city it lies in (its prefecture code), else 0."""
    arr = np.asarray(codes, dtype=np.int64)
    prefecture = np.clip(arr // 100, 0, 9_999)
    return np.where(_planned_prefectures()[prefecture], prefecture * 100, 0)


@lru_cache(maxsize=1)
def known_region_array() -> npt.NDArray[np.int64]:
    return np.array(sorted(known_regions()), dtype=np.int64)


def _member(codes: npt.ArrayLike, table: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    arr = np.asarray(codes, dtype=np.int64)
    pos = np.clip(np.searchsorted(table, arr), 0, len(table) - 1)
    return np.asarray(table[pos] == arr)


@lru_cache(maxsize=1)
def _known_region_table() -> npt.NDArray[np.bool_]:
    """Indexed by a six-digit code: whether it is a GB/T 2260 code (1 MB, built once)."""
    table = np.zeros(1_000_000, dtype=bool)
    table[known_region_array()] = True
    return table


def is_known_region(codes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Vectorised membership test against the GB/T 2260 list, historical codes included (as
    for identity numbers): one table lookup per code."""
    arr = np.asarray(codes, dtype=np.int64)
    inside = (arr >= 0) & (arr < 1_000_000)
    return np.asarray(_known_region_table()[np.where(inside, arr, 0)] & inside)


def is_current_region(codes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Vectorised membership test against the codes in force now."""
    return _member(codes, current_region_array())


def parse_region(value: object, field: str = "region") -> int:
    """A 6-digit GB/T 2260 code that exists; :class:`InputError` naming ``field`` otherwise."""
    text = str(value if value is not None else "").strip()
    if len(text) != 6 or not text.isdigit():
        raise InputError(field, f"expected a 6-digit GB/T 2260 region code, got {value!r}")
    code = int(text)
    if not bool(is_known_region([code])[0]):
        raise InputError(field, f"unknown region {text}")
    return code
