"""GB/T 2260 administrative divisions: which region codes exist and how they nest.

Codes are six digits: province ``PP0000``, prefecture ``PPCC00``, county ``PPCCDD``. The list of
codes comes from python-stdnum's copy of the GB/T 2260 tables (current and historical codes, the
latter still valid as the address code of an identity number). Parameters fall back
county -> prefecture -> province -> national.
"""

from __future__ import annotations

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
    """Every GB/T 2260 code known to python-stdnum, historical ones included."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    regions: dict[int, RegionInfo] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            prefix, _, rest = line.partition(" ")
            province = prefix
            name = rest.split('"')[1] if '"' in rest else ""
            code = int(province + "0000")
            regions[code] = RegionInfo(code, name, historical=False)
            continue
        suffix, _, rest = line.strip().partition(" ")
        name = rest.split('"')[1] if '"' in rest else ""
        historical = name.startswith("[")
        code = int(province + suffix)
        if code not in regions or not regions[code].name:
            regions[code] = RegionInfo(code, name.split("]")[-1], historical)
    return regions


@lru_cache(maxsize=1)
def known_region_array() -> npt.NDArray[np.int64]:
    return np.array(sorted(known_regions()), dtype=np.int64)


def is_known_region(codes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Vectorised membership test against the GB/T 2260 list."""
    arr = np.asarray(codes, dtype=np.int64)
    table = known_region_array()
    pos = np.clip(np.searchsorted(table, arr), 0, len(table) - 1)
    return np.asarray(table[pos] == arr)


def parse_region(value: object, field: str = "region") -> int:
    """A 6-digit GB/T 2260 code that exists; :class:`InputError` naming ``field`` otherwise."""
    text = str(value if value is not None else "").strip()
    if len(text) != 6 or not text.isdigit():
        raise InputError(field, f"expected a 6-digit GB/T 2260 region code, got {value!r}")
    code = int(text)
    if not bool(is_known_region([code])[0]):
        raise InputError(field, f"unknown region {text}")
    return code
