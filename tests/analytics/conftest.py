"""A small synthetic population with registers and planted irregularities, and a helper that
writes a hand-made population, shared by the analytics tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safetynet.policy.periods import parse_month
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.synth.writer import MANIFEST, write_population

AS_OF = "2025-12"
PERSONS = 40_000
FRAUD_RATE = 0.01
COUNTY = {110000: 110105, 510000: 510104}
"""A real county of each province used by the hand-made populations (for identity numbers)."""


@pytest.fixture(scope="session")
def fraud_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("analytics") / "pop"
    write_population(
        out,
        persons=PERSONS,
        seed=31,
        as_of=parse_month(AS_OF),
        chunk_size=20_000,
        fraud_rate=FRAUD_RATE,
        workers=1,
        progress=False,
    )
    return out


def write_hand_population(out: Path, persons: list[dict[str, Any]], as_of: str = AS_OF) -> Path:
    """A population directory from a few hand-written persons (``birth`` as YYYY-MM-DD; the
    identity number is made from it, the region and the sex)."""
    birth = np.array([p["birth"] for p in persons], dtype="datetime64[D]")
    region = np.array([p["region"] for p in persons], dtype=np.int64)
    sex = np.array([p["sex"] for p in persons], dtype=np.int8)
    county = np.array([COUNTY[r] for r in region], dtype=np.int64)
    ids = make_resident_ids(county, birth, np.arange(len(persons)) * 2 + (sex == 1))
    months = birth.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    columns = {
        "person_id": pa.array(np.arange(len(persons), dtype=np.int64)),
        "resident_id": pa.array([str(i) for i in ids]),
        "region": pa.array(region),
        "sex": pa.array(sex),
        "birth_month": pa.array(months),
        "urban": pa.array([p.get("urban", True) for p in persons]),
    }
    for name in ("employment_type", "pension_scheme", "medical_scheme"):
        columns[name] = pa.array([p[name] for p in persons], pa.string())
    table = pa.table(columns)
    for province in np.unique(region):
        folder = out / f"province={int(province):06d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            table.filter(pa.array(region == province)),
            folder / "part-00000.parquet",
        )
    manifest = {
        "persons": len(persons),
        "seed": 0,
        "as_of": as_of,
        "chunk_size": len(persons),
        "chunks": 1,
        "invalid_share": 0.0,
    }
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return out
